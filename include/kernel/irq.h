/* Interrupt lines (legacy IRQ 0..15 behind the 8259 PICs; arch/x86_64/irq.c).
 *
 * A handler runs in interrupt context with interrupts disabled. It only acknowledges its device and
 * queues work (kernel/workqueue.h); it never allocates memory, sleeps or takes long.
 *
 *	static irqreturn_t my_irq(int irq, void *dev)
 *	{
 *		if (!device_says_it_was_me(dev))
 *			return IRQ_NONE;          // shared line: someone else's
 *		ack_the_device(dev);
 *		schedule_work(&dev->work);
 *		return IRQ_HANDLED;
 *	}
 *	err = request_irq(pdev->irq_line, my_irq, IRQF_SHARED | IRQF_LEVEL, "virtio0", dev);
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include "kernel/types.h"

#define NR_IRQS 16

typedef enum irqreturn {
	IRQ_NONE = 0,
	IRQ_HANDLED = 1,
} irqreturn_t;

typedef irqreturn_t irq_handler_t(int irq, void *dev);

#define IRQF_SHARED 0x1 /* the line may have several handlers (PCI INTx) */
#define IRQF_LEVEL  0x2 /* level-triggered (PCI INTx): set in the PIC's ELCR */

/* Sets up the interrupt controller with every line masked. Interrupts stay disabled until
 * local_irq_enable (time_init does it once the tick runs). */
void irq_init(void);

/* Adds handler for line irq and unmasks it. Returns 0, -EINVAL (irq >= NR_IRQS, the cascade line 2,
 * no handler), -EBUSY (the line has a handler and one of the two is not IRQF_SHARED), -ENOSPC (too
 * many handlers on the line). */
int request_irq(unsigned irq, irq_handler_t *handler, unsigned flags, const char *name, void *dev);
/* Removes the handler registered with dev; masks the line when none is left. */
void free_irq(unsigned irq, void *dev);

/* Spurious IRQ 7/15 seen. */
u64 irq_spurious_count(void);

/* Enable interrupts and wait for one (atomically: an interrupt that arrives in between still wakes
 * the CPU). Returns with interrupts enabled. */
void arch_cpu_idle(void);
void arch_local_irq_enable(void);
void arch_local_irq_disable(void);
bool arch_irqs_enabled(void);

#endif

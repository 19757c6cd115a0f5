/* Interrupt lines (legacy IRQ 0..15 behind the 8259 PICs, or GSIs 0..47 on the IOAPICs;
 * arch/x86_64/irq.c) and MSI vectors (arch/x86_64/msi.c).
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

#define NR_IRQS 48 /* legacy IRQ 0..15 on the 8259s; GSIs 0..47 on the IOAPICs (microvm's second: 24-47) */

/* The interrupt controllers the firmware describes (the ACPI MADT: drivers/acpi/madt.c), handed to
 * irq_init. Without one, irq_init assumes QEMU microvm's fixed layout: LAPIC at 0xfee00000, one IOAPIC
 * at 0xfec00000 with GSIs from 0 (and a second at 0xfec10000 with GSIs from 24 when one answers
 * there), ISA IRQ 0 on GSI 2. */
#define IRQ_MAX_IOAPICS	  4
#define IRQ_MAX_OVERRIDES 16

struct irq_ioapic_desc {
	u8 id;
	u32 addr;
	u32 gsi_base;
};

/* An ISA IRQ wired to another GSI or with another trigger/polarity than ISA's edge, active high. */
struct irq_override {
	u8 bus_irq;
	u32 gsi;
	bool level, active_low;
};

struct irq_topology {
	u64 lapic_addr;	  /* the local APIC's registers */
	bool pcat_compat; /* the machine also has the 8259s */
	unsigned nr_ioapics;
	struct irq_ioapic_desc ioapic[IRQ_MAX_IOAPICS];
	unsigned nr_overrides;
	struct irq_override override[IRQ_MAX_OVERRIDES];
	unsigned nr_lapics; /* enabled processors' local APICs listed */
};

typedef enum irqreturn {
	IRQ_NONE = 0,
	IRQ_HANDLED = 1,
} irqreturn_t;

typedef irqreturn_t irq_handler_t(int irq, void *dev);

#define IRQF_SHARED	0x1 /* the line may have several handlers (PCI INTx) */
#define IRQF_LEVEL	0x2 /* level-triggered (PCI INTx): set in the PIC's ELCR */
#define IRQF_ACTIVE_LOW 0x4 /* active low (the IOAPIC's polarity; the 8259s have none) */

/* Sets up the interrupt controllers with every line masked: the local APIC, then the 8259s when the
 * machine has them (through the LAPIC's LINT0 in virtual-wire mode), else every IOAPIC of t (NULL:
 * microvm's fixed layout, and its second IOAPIC when one answers) with the 8259s masked. Interrupts stay
 * disabled until local_irq_enable (time_init does it once the tick runs). */
void irq_init(const struct irq_topology *t);

/* Adds handler for line irq and unmasks it. Returns 0, -EINVAL (a line the controllers do not have:
 * past the 8259s' 16 or a GSI no IOAPIC has; the cascade line 2; no handler), -EBUSY (the line has a handler
 * and one of the two is not IRQF_SHARED), -ENOSPC (too many handlers on the line). */
int request_irq(unsigned irq, irq_handler_t *handler, unsigned flags, const char *name, void *dev);
/* Removes the handler registered with dev; masks the line when none is left. */
void free_irq(unsigned irq, void *dev);

/* A message-signalled interrupt (MSI-X): a vector of its own (0x50-0xdf, arch/x86_64/msi.c) whose
 * handler runs with the LAPIC's EOI after it. Fills the message address and data a device writes to
 * raise it. Returns the vector, or -ENOSPC (none left: one line) / -ENODEV (no local APIC) / -EINVAL
 * (no handler). `name` is kept (static storage). */
int request_msi(irq_handler_t *handler, const char *name, void *dev, u64 *addr, u32 *data);
/* Gives the vector back (a vector that is not an MSI vector is ignored). */
void free_msi(int vector);
/* Interrupts counted on an MSI vector since it was requested; 0 for a free one. */
u64 msi_count(int vector);

/* Spurious IRQ 7/15 seen. */
u64 irq_spurious_count(void);

/* Enable interrupts and wait for one (atomically: an interrupt that arrives in between still wakes
 * the CPU). Returns with interrupts enabled. */
void arch_cpu_idle(void);
void arch_local_irq_enable(void);
void arch_local_irq_disable(void);
bool arch_irqs_enabled(void);

#endif

/* irq-save spinlocks. hotmem runs on one CPU, so a lock only masks interrupts; the API is the SMP one
 * so that code written against it stays correct if a second CPU ever comes. A held lock also raises
 * preempt_count: the tick never switches threads while one is held (interrupts are off anyway), and
 * schedule() called with one held is a bug it reports (kernel/sched.h). */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "kernel/types.h"

typedef struct {
	volatile u32 locked;
} spinlock_t;

#define SPINLOCK_INIT                                                                                        \
	{                                                                                                    \
		0                                                                                            \
	}

/* Provided by the architecture (arch/x86_64/irq.c) or by the host test support. */
unsigned long arch_irq_save(void);
void arch_irq_restore(unsigned long flags);

/* Sections where the running thread must not be switched away (kernel/sched.c, or host support). One
 * CPU: one counter. */
extern int preempt_count;

static inline void spin_lock_init(spinlock_t *l)
{
	l->locked = 0;
}

#define spin_lock_irqsave(l, flags)                                                                          \
	do {                                                                                                 \
		(flags) = arch_irq_save();                                                                   \
		preempt_count++;                                                                             \
		(l)->locked = 1;                                                                             \
	} while (0)

#define spin_unlock_irqrestore(l, flags)                                                                     \
	do {                                                                                                 \
		(l)->locked = 0;                                                                             \
		preempt_count--;                                                                             \
		arch_irq_restore(flags);                                                                     \
	} while (0)

#endif

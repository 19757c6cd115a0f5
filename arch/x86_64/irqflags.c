/* The spinlock seam (include/kernel/spinlock.h): save RFLAGS and mask interrupts; restore. */
#include "kernel/spinlock.h"

unsigned long arch_irq_save(void)
{
	unsigned long flags;
	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(flags)::"memory");
	return flags;
}

void arch_irq_restore(unsigned long flags)
{
	__asm__ __volatile__("pushq %0; popfq" ::"r"(flags) : "memory", "cc");
}

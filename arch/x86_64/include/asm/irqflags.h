#ifndef ASM_IRQFLAGS_H
#define ASM_IRQFLAGS_H

static inline void local_irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}
static inline void local_irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}
/* Enable interrupts and halt until one arrives, atomically (sti's one-instruction shadow). */
static inline void safe_halt(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}
static inline void halt(void)
{
	__asm__ __volatile__("hlt" ::: "memory");
}

#endif

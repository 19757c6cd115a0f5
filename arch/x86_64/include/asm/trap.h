/* Register frame of an interrupt or exception, as arch/x86_64/isr.asm pushes it. */
#ifndef ASM_TRAP_H
#define ASM_TRAP_H

#include "kernel/types.h"

struct regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct regs) == 22 * 8, "struct regs must match isr.asm");

#define IRQ_VECTOR_BASE 32

void gdt_init(void);
void idt_init(void);

/* Called for every vector >= 32. The interrupt-controller code overrides this weak default. */
void irq_dispatch(struct regs *r);

/* Set by code that expects a fault (a test touching removed memory): when a page fault hits an
 * address in [lo, hi), the handler records it and resumes at `resume_rip`, instead of panicking. */
struct fault_expect {
	u64 lo, hi;
	u64 resume_rip;
	volatile bool hit;
	u64 addr;
};
void fault_expect_set(struct fault_expect *fe);

#endif

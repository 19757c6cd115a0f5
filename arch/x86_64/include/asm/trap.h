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

/* Called for every vector >= 32 (the interrupt-controller code, irq.c). */
void irq_dispatch(struct regs *r);

#endif

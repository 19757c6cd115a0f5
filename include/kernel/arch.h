/* What kernel/main.c asks of the architecture. */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include "kernel/boot_info.h"

/* GDT, TSS, IDT and exception handlers. */
void arch_early_init(void);
/* Fill *bi from whatever the loader handed over (magic/info are the entry registers); panics with
 * a clear line when the boot data is missing or broken. */
void arch_setup_boot_info(u32 magic, u32 info, struct boot_info *bi);
/* TSC at the first instruction, and now (for the boot-time line). */
u64 arch_boot_tsc(void);
u64 arch_read_tsc(void);
/* Physical address bits the CPU implements (CPUID 0x80000008 EAX[7:0]; 36 or 32 when the CPU does
 * not report it): drivers refuse device memory that ends above 2^bits. */
unsigned arch_phys_addr_bits(void);
/* Deliberately fault (the `crash` command): touch an unmapped address, or (stack) recurse until
 * the boot stack runs into its guard page. */
void arch_crash(bool stack);
/* x87 and SSE back in their reset state (all exceptions masked, default rounding): after a program
 * ended, whatever control words it left behind do not reach the next one or the kernel's newlib calls. */
void arch_fpu_reset(void);

/* ---- threads (kernel/sched.c; arch/x86_64/thread.c, switch.asm) ---- */
/* Maps a kernel stack of `size` bytes for thread slot `slot` in the stack area, with an unmapped
 * guard page below it. Returns its top (16-byte aligned), or 0 (no memory). Process context. */
unsigned long arch_kstack_alloc(unsigned slot, unsigned long size);
/* Unmaps and frees the stack arch_kstack_alloc gave slot. Process context. */
void arch_kstack_free(unsigned slot, unsigned long size);
/* Lays out a new thread's first frame below `top` so that the first arch_switch_to to the returned
 * stack pointer calls entry() (with interrupts as the switch left them). */
unsigned long arch_thread_stack_init(unsigned long top, void (*entry)(void));
/* Saves the callee-saved registers and the stack pointer into *prev_sp, loads next_sp and returns on
 * that stack. Interrupts off. */
void arch_switch_to(unsigned long *prev_sp, unsigned long next_sp);
/* FPU/SSE state into / from a 512-byte, 16-byte aligned area (fxsave64 / fxrstor64); the state a new
 * thread starts with (x87 control 0x37f, MXCSR 0x1f80, registers zero). */
void arch_fpu_save(void *area);
void arch_fpu_restore(const void *area);
void arch_fpu_init_state(void *area);

#endif

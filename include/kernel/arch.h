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

#endif

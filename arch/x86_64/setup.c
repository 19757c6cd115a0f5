/* Early architecture setup and the hand-over from the loader to struct boot_info. */
#include "kernel/arch.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include <asm/io.h>
#include <asm/memlayout.h>
#include <asm/trap.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define PVH_START_MAGIC	     0x336ec578u

extern u64 boot_tsc_start;
extern u64 early_pml4[512];

#define CR0_MP	       (1ULL << 1)
#define CR0_EM	       (1ULL << 2)
#define CR0_TS	       (1ULL << 3)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)

/* SSE on: x87 not emulated (EM clear, MP set), FXSAVE/FXRSTOR save the XMM registers and SSE
 * instructions run (OSFXSR), SIMD exceptions raise #XM (OSXMMEXCPT). The kernel itself is built
 * without SSE (-mgeneral-regs-only); the state belongs to threads, which save it on a switch
 * (kernel/sched.c). Every x86_64 CPU has SSE2. */
static void sse_init(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

void arch_early_init(void)
{
	sse_init();
	gdt_init();
	idt_init();
	/* The identity map was only needed to jump to the higher half: drop it, so that a NULL
	 * pointer (or any low address) faults. */
	early_pml4[0] = 0;
	write_cr3(read_cr3());
}

void arch_fpu_reset(void)
{
	const u32 mxcsr = 0x1f80; /* the reset value: every SIMD exception masked, round to nearest */

	__asm__ __volatile__("fninit; ldmxcsr %0" ::"m"(mxcsr));
}

u64 arch_boot_tsc(void)
{
	return boot_tsc_start;
}

u64 arch_read_tsc(void)
{
	return rdtsc();
}

/* Boot data is read through the early direct map, which covers phys 0..4 GiB. */
static const void *early_phys_reader(u64 phys, u64 len)
{
	if (phys == 0 || len > EARLY_DIRECT_MAP_SIZE || phys > EARLY_DIRECT_MAP_SIZE - len)
		return NULL;
	return (const void *)(PAGE_OFFSET + phys);
}

void arch_setup_boot_info(u32 magic, u32 info, struct boot_info *bi)
{
	char why[160] = "";
	int err;

	bi->kernel_start = kernel_virt_to_phys(__kernel_start);
	bi->kernel_end = kernel_virt_to_phys(__kernel_end);
	if (magic == MB2_BOOTLOADER_MAGIC) {
		err = boot_info_from_multiboot2(bi, info, early_phys_reader, why, sizeof(why));
	} else {
		const u32 *p = early_phys_reader(info, 4);
		if (!p || *p != PVH_START_MAGIC)
			panic("boot: unknown loader (eax 0x%x, ebx 0x%x): neither multiboot2 nor PVH", magic,
			      info);
		err = boot_info_from_pvh(bi, info, early_phys_reader, why, sizeof(why));
	}
	if (err < 0)
		panic("boot: bad boot data: %s", why);
}

/* Each call keeps 512 bytes live on the stack, so the 32 KiB boot stack overflows in ~64 calls. */
static __attribute__((noinline)) u64 recurse(volatile u64 *prev, u64 depth)
{
	volatile u64 frame[64];
	frame[0] = depth;
	frame[63] = prev ? prev[0] : 0;
	if (depth == ~0ULL) /* never true; keeps gcc from calling the recursion infinite */
		return frame[63];
	return recurse(frame, depth + 1) + frame[63];
}

void arch_crash(bool stack)
{
	if (stack)
		recurse(NULL, 0);
	/* The top of the canonical lower half is never mapped. */
	volatile u64 *p = (volatile u64 *)0x00007ffffffff000ULL;
	*p = 0xdead;
}

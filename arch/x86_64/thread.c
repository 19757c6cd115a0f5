/* The architecture's half of threads (include/kernel/arch.h): kernel stacks in the stack area with a
 * guard page, a new thread's first frame for switch.asm, and the FPU/SSE state (fxsave64/fxrstor64). */
#include "kernel/arch.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/gfp.h"
#include <asm/memlayout.h>
#include <asm/pgtable.h>

/* Each slot owns 64 KiB of the stack area: an unmapped guard page, then the stack, then nothing. */
#define KSTACK_SLOT_SIZE 0x10000UL

static unsigned long slot_base(unsigned slot)
{
	return KSTACK_AREA + (unsigned long)slot * KSTACK_SLOT_SIZE;
}

void arch_kstack_free(unsigned slot, unsigned long size)
{
	unsigned long bottom = slot_base(slot) + PAGE_SIZE;
	for (unsigned long va = bottom; va < bottom + size; va += PAGE_SIZE) {
		phys_addr_t pa = arch_kernel_page_phys(va);
		if (pa == (phys_addr_t)-1)
			continue;
		arch_unmap_kernel_page(va);
		free_pages(pfn_to_page(PHYS_PFN(pa)), 0);
	}
}

unsigned long arch_kstack_alloc(unsigned slot, unsigned long size)
{
	unsigned long bottom = slot_base(slot) + PAGE_SIZE;
	if (size > KSTACK_SLOT_SIZE - PAGE_SIZE || (unsigned long)slot * KSTACK_SLOT_SIZE >= KSTACK_AREA_SIZE)
		return 0;
	for (unsigned long va = bottom; va < bottom + size; va += PAGE_SIZE) {
		struct page *page = alloc_page(GFP_KERNEL);
		if (!page || arch_map_kernel_page(va, page_to_phys(page))) {
			if (page)
				free_pages(page, 0);
			arch_kstack_free(slot, size);
			return 0;
		}
	}
	return bottom + size;
}

extern char arch_thread_start[];

unsigned long arch_thread_stack_init(unsigned long top, void (*entry)(void))
{
	/* From the top: two zero words (a fake last frame), the return address into arch_thread_start,
	 * then rbp rbx r12 r13 r14 r15 as arch_switch_to pops them (r15 lowest). 72 bytes below a
	 * 16-byte aligned top, so arch_thread_start runs with rsp 16-byte aligned. */
	u64 *sp = (u64 *)(top - 72);
	memset(sp, 0, 72);
	sp[6] = (u64)arch_thread_start;
	sp[4] = (u64)entry; /* rbx */
	return (unsigned long)sp;
}

void arch_fpu_save(void *area)
{
	__asm__ __volatile__("fxsave64 (%0)" ::"r"(area) : "memory");
}

void arch_fpu_restore(const void *area)
{
	__asm__ __volatile__("fxrstor64 (%0)" ::"r"(area) : "memory");
}

void arch_fpu_init_state(void *area)
{
	u8 *b = area;
	memset(b, 0, 512);
	b[0] = 0x7f; /* FCW 0x037f: all x87 exceptions masked, 64-bit precision */
	b[1] = 0x03;
	u32 mxcsr = 0x1f80; /* all SIMD exceptions masked, round to nearest */
	memcpy(b + 24, &mxcsr, 4);
}

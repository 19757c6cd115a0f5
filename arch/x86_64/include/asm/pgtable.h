/* 4 KiB kernel mappings outside the direct map (arch/x86_64/paging.c): the thread stacks (thread.c)
 * and, behind include/mm/arch.h's vmap calls, the vmap area. Callers serialize changes to their own
 * addresses. One CPU: a change is flushed from this CPU's TLB (invlpg). */
#ifndef ASM_PGTABLE_H
#define ASM_PGTABLE_H

#include "kernel/types.h"

/* Maps va to frame pa (writable, not executable); 0, -EINVAL (misaligned), -EEXIST, -ENOMEM. */
int arch_map_kernel_page(unsigned long va, phys_addr_t pa);
/* Points the mapped va at pa and flushes it; 0 or -EINVAL (not mapped, misaligned). */
int arch_remap_kernel_page(unsigned long va, phys_addr_t pa);
/* Unmaps va and flushes it (no-op when unmapped). */
void arch_unmap_kernel_page(unsigned long va);
/* The frame va maps, or (phys_addr_t)-1. */
phys_addr_t arch_kernel_page_phys(unsigned long va);

#endif

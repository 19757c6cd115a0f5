/* The kernel's virtual address space (x86_64, 4-level paging).
 *   0xffff888000000000  PAGE_OFFSET: the direct map, phys 0..64 TiB
 *   0xffffc90000000000  IOREMAP_BASE: device registers (arch/x86_64/ioremap.c)
 *   0xffffc98000000000  KSTACK_AREA: thread stacks, 4 KiB pages, an unmapped guard page below each
 *   0xffffca0000000000  VMAP_AREA: 4 KiB mappings of pages the memory manager hands out (vheaps)
 * Each of these three is one PML4 slot (512 GiB) of its own.
 *   0xffffffff80000000  KERNEL_VMA: the kernel image, linked at KERNEL_VMA + its physical address
 * The early page tables (arch/x86_64/entry.asm) map phys 0..4 GiB at PAGE_OFFSET with 2 MiB pages and
 * phys 0..1 GiB at KERNEL_VMA; the memory core replaces the direct map with one built from the
 * memory map. */
#ifndef ASM_MEMLAYOUT_H
#define ASM_MEMLAYOUT_H

#define PAGE_OFFSET	      0xffff888000000000ULL
#define KERNEL_VMA	      0xffffffff80000000ULL
#define IOREMAP_BASE	      0xffffc90000000000ULL /* PML4 slot 402, 512 GiB */
#define IOREMAP_SIZE	      (1ULL << 39)
#define KSTACK_AREA	      0xffffc98000000000ULL /* PML4 slot 403, 512 GiB */
#define KSTACK_AREA_SIZE      (1ULL << 39)
#define VMAP_AREA	      0xffffca0000000000ULL /* PML4 slot 404, 512 GiB */
#define VMAP_AREA_SIZE	      (1ULL << 39)
#define KERNEL_PHYS_BASE      0x100000ULL
#define EARLY_DIRECT_MAP_SIZE 0x100000000ULL /* 4 GiB mapped by the early tables */

#ifndef __ASSEMBLER__
#include "kernel/types.h"

_Static_assert(IOREMAP_BASE + IOREMAP_SIZE <= KSTACK_AREA && KSTACK_AREA + KSTACK_AREA_SIZE <= VMAP_AREA &&
		   VMAP_AREA + VMAP_AREA_SIZE <= KERNEL_VMA,
	       "the kernel's virtual areas must not overlap");

extern char __kernel_start[], __kernel_end[], __bss_start[], __bss_end[];

static inline u64 kernel_virt_to_phys(const void *p)
{
	return (u64)p - KERNEL_VMA;
}
#endif

#endif

/* The kernel's virtual address space (x86_64, 4-level paging).
 *   0xffff888000000000  PAGE_OFFSET: the direct map, phys 0..64 TiB
 *   0xffffffff80000000  KERNEL_VMA: the kernel image, linked at KERNEL_VMA + its physical address
 * The early page tables (arch/x86_64/entry.asm) map phys 0..4 GiB at PAGE_OFFSET with 2 MiB pages and
 * phys 0..1 GiB at KERNEL_VMA; the memory core replaces the direct map with one built from the
 * memory map. */
#ifndef ASM_MEMLAYOUT_H
#define ASM_MEMLAYOUT_H

#define PAGE_OFFSET	      0xffff888000000000ULL
#define KERNEL_VMA	      0xffffffff80000000ULL
#define KERNEL_PHYS_BASE      0x100000ULL
#define EARLY_DIRECT_MAP_SIZE 0x100000000ULL /* 4 GiB mapped by the early tables */

#ifndef __ASSEMBLER__
#include "kernel/types.h"

extern char __kernel_start[], __kernel_end[], __bss_start[], __bss_end[];

static inline u64 kernel_virt_to_phys(const void *p)
{
	return (u64)p - KERNEL_VMA;
}
#endif

#endif

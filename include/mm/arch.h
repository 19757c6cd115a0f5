/* The seam between the memory manager and the platform. kernel/mm calls only these; the kernel
 * implements them in arch/x86_64/paging.c (page tables, TLB flushes), the host tests in
 * tests/host/mm_fake.c (an mmap'd PROT_NONE reservation standing for physical address 0..).
 *
 * The direct map rule (docs/mm-core.md): memory is mapped at page_offset_base + phys while it is added
 * and unmapped when it is removed; unplugged virtio-mem sub-blocks (2 MiB) are never mapped, so a touch
 * of removed or unplugged memory faults. Offline memory stays mapped but is never read. */
#ifndef MM_ARCH_H
#define MM_ARCH_H

#include "kernel/types.h"

/* Virtual address of physical 0 in the direct map (PAGE_OFFSET in the kernel, the mmap base on the
 * host). Set by the platform before mm_init. */
extern unsigned long page_offset_base;

static inline void *phys_to_virt(phys_addr_t pa)
{
	return (void *)(page_offset_base + (unsigned long)pa);
}
static inline phys_addr_t virt_to_phys(const void *va)
{
	return (phys_addr_t)((unsigned long)va - page_offset_base);
}
#define __va(pa) phys_to_virt(pa)
#define __pa(va) virt_to_phys(va)

/* Builds the direct map for every memblock.memory range (boot, after memblock is set up; page tables
 * come from memblock) and switches to it. Everything else stays unmapped. 0 or a negative errno. */
int arch_direct_map_init(void);

/* Maps [start, start+size) (page aligned) into the direct map: the largest page sizes that fit, 4 KiB
 * at the edges; page tables from the page allocator (GFP_KERNEL, PageTable). Works at any granularity
 * down to 4 KiB, so virtio-mem maps plugged 2 MiB sub-blocks one by one. Mapping an already mapped
 * page is an error. Returns 0, -EINVAL (misaligned, beyond MAX_PHYSMEM_BITS) or -ENOMEM (no page for a
 * table; nothing is left half-mapped). */
int arch_add_memory(phys_addr_t start, u64 size);
/* Unmaps [start, start+size) and flushes the TLB for it; page tables left empty are freed. Unmapping
 * an unmapped page is harmless. A large page that reaches past either end is split first; when no
 * page for the split table can be had, nothing is unmapped. Returns 0, -EINVAL (misaligned, beyond
 * MAX_PHYSMEM_BITS) or -ENOMEM (the range stays mapped as it was). */
int arch_remove_memory(phys_addr_t start, u64 size);
/* True when phys is mapped in the direct map (tests, verify). */
bool arch_is_mapped(phys_addr_t phys);

/* ---- 4 KiB kernel mappings outside the direct map ----
 * A range of kernel virtual addresses (the "vmap area") whose pages the memory manager maps one by one
 * to frames it chose, so a frame can be replaced under a fixed virtual address (vheap.h). Callers own
 * disjoint parts of the area and serialize changes to their own part; the calls themselves may run
 * with interrupts off. One CPU: a change is flushed from this CPU's TLB only (invlpg). */
/* The area: [*start, *start + *size), page aligned. */
void arch_vmap_area(unsigned long *start, unsigned long *size);
/* Maps va (page aligned, inside the area) to frame pa, writable, not executable. Page tables come from
 * the page allocator (GFP_KERNEL). 0, -EINVAL (va outside the area or misaligned), -EEXIST (va is
 * mapped), -ENOMEM (no page for a table). */
int arch_vmap_page(unsigned long va, phys_addr_t pa);
/* Points the mapped va at frame pa instead and flushes va from the TLB, so the next access reaches pa.
 * 0, or -EINVAL (va not mapped). */
int arch_vmap_remap(unsigned long va, phys_addr_t pa);
/* Unmaps va and flushes it from the TLB (an unmapped va is left alone). Tables stay for reuse. */
void arch_vunmap_page(unsigned long va);
/* The frame va maps, or (phys_addr_t)-1 when it maps none. */
phys_addr_t arch_vmap_phys(unsigned long va);

/* Time stamp for benchmarks and the hotplug timings: nanoseconds since an arbitrary start. */
u64 arch_now_ns(void);

#endif

/* The direct map (include/mm/arch.h): RAM at PAGE_OFFSET + phys, built from memblock at boot and
 * changed by arch_add_memory/arch_remove_memory at run time. Uses the largest page that fits each
 * piece: 1 GiB when CPUID offers pdpe1gb, 2 MiB, 4 KiB at the edges. Holes, devices and memory that
 * was never added are not mapped, so a stray access faults.
 *
 * The tables hang under PML4 slots 273.. (one per 512 GiB of physical memory) of the kernel's one
 * PML4 (early_pml4), so the kernel image and ioremap mappings stay untouched. At boot the tables come
 * from memblock (below 4 GiB, reachable through the early map); later from the page allocator
 * (PageTable, counted in NR_PAGETABLE). Callers serialize (boot, or the hotplug lock). */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/timer.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/gfp.h"
#include "mm/init.h"
#include "mm/memblock.h"
#include <asm/io.h>
#include <asm/memlayout.h>
#include <asm/pgtable.h>

#define PTE_P	 0x001ULL
#define PTE_W	 0x002ULL
#define PTE_PS	 0x080ULL
#define PTE_NX	 (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL
#define MSR_EFER 0xc0000080
#define EFER_NXE (1ULL << 11)

#define PML4_DIRECT_SLOT 273 /* PAGE_OFFSET >> 39 & 511 */
#define NR_DIRECT_SLOTS	 (1u << (MAX_PHYSMEM_BITS - 39))

extern u64 early_pml4[512];

unsigned long page_offset_base = PAGE_OFFSET;
static bool have_1g;
static u64 pte_nx;

/* The entry of a table of `size`-byte entries that maps pa: a shift, not a division (a helper call
 * under TCG, made once per entry of a walk). */
static inline unsigned int level_index(u64 pa, u64 size)
{
	return (unsigned int)(pa >> __builtin_ctzll(size)) & 511;
}

static u64 *table_va(u64 entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

/* A zeroed page for a table, or 0. */
static phys_addr_t alloc_table(void)
{
	if (!mm_ready) {
		phys_addr_t pa = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE, "page tables");
		if (pa)
			memset(phys_to_virt(pa), 0, PAGE_SIZE);
		return pa;
	}
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page)
		return 0;
	page->page_type = PGTY_TABLE;
	mm_stat_mod(NR_PAGETABLE, 1);
	return page_to_phys(page);
}

/* Frees a table page that is all zero (boot tables from memblock stay: they are reserved). */
static void free_table(phys_addr_t pa)
{
	struct page *page = pfn_to_online_page(PHYS_PFN(pa));

	if (!page || !PageTable(page))
		return;
	page->page_type = PGTY_NONE;
	mm_stat_mod(NR_PAGETABLE, -1);
	free_pages(page, 0);
}

static bool table_empty(const u64 *t)
{
	for (int i = 0; i < 512; i++)
		if (t[i])
			return false;
	return true;
}

/* Replaces the huge mapping in *entry (level size `size`) with a table of the next level mapping the
 * same memory, so part of it can change. 0 or -ENOMEM. */
static int split_huge(u64 *entry, u64 size)
{
	phys_addr_t pa = alloc_table();
	u64 sub = size >> 9, base = *entry & PTE_ADDR & ~(size - 1);

	if (!pa)
		return -ENOMEM;
	u64 *t = phys_to_virt(pa);
	for (int i = 0; i < 512; i++)
		t[i] = (base + i * sub) | PTE_P | PTE_W | pte_nx | (sub > PAGE_SIZE ? PTE_PS : 0);
	*entry = pa | PTE_P | PTE_W;
	return 0;
}

/* Maps [pa, end) inside the table `t` whose entries each cover `size` bytes. On failure *fail is where
 * it stopped: everything in [first pa, *fail) was mapped by this call, nothing at or after it. */
static int map_level(u64 *t, u64 pa, u64 end, u64 size, u64 *fail)
{
	/* Whole 2 MiB pages into empty entries, the bulk of a large map: a store each. */
	if (size == SZ_2M && IS_ALIGNED(pa, SZ_2M)) {
		for (u64 *e = &t[level_index(pa, SZ_2M)]; pa + SZ_2M <= end && !*e; e++, pa += SZ_2M)
			*e = pa | PTE_P | PTE_W | PTE_PS | pte_nx;
	}
	while (pa < end) {
		u64 next = min(ALIGN_DOWN(pa, size) + size, end);
		u64 *e = &t[level_index(pa, size)];
		bool huge_ok = (size == SZ_2M || (size == SZ_1G && have_1g)) && IS_ALIGNED(pa, size) &&
			       next - pa == size;
		int err = 0;

		if (size == PAGE_SIZE) {
			if (*e & PTE_P)
				err = -EEXIST;
			else
				*e = pa | PTE_P | PTE_W | pte_nx;
		} else if (!*e && huge_ok) {
			*e = pa | PTE_P | PTE_W | PTE_PS | pte_nx;
		} else if (*e & PTE_PS) {
			err = -EEXIST;
		} else {
			if (!*e) {
				phys_addr_t tp = alloc_table();
				if (!tp) {
					*fail = pa;
					return -ENOMEM;
				}
				*e = tp | PTE_P | PTE_W;
			}
			err = map_level(table_va(*e), pa, next, size >> 9, fail);
			if (err)
				return err;
		}
		if (err) {
			*fail = pa;
			return err;
		}
		pa = next;
	}
	return 0;
}

/* Unmaps [pa, end) inside `t`; frees tables that end up empty. 0 or -ENOMEM (a split failed). */
static int unmap_level(u64 *t, u64 pa, u64 end, u64 size)
{
	int ret = 0;

	/* Whole 2 MiB entries, mapped with a large page or not at all: a store each. */
	if (size == SZ_2M && IS_ALIGNED(pa, SZ_2M)) {
		for (u64 *e = &t[level_index(pa, SZ_2M)]; pa + SZ_2M <= end && (!*e || (*e & PTE_PS));
		     e++, pa += SZ_2M)
			*e = 0;
	}
	while (pa < end) {
		u64 next = min(ALIGN_DOWN(pa, size) + size, end);
		u64 *e = &t[level_index(pa, size)];

		if (!(*e & PTE_P)) {
			/* nothing mapped here */
		} else if (size == PAGE_SIZE ||
			   ((*e & PTE_PS) && IS_ALIGNED(pa, size) && next - pa == size)) {
			*e = 0;
		} else {
			if ((*e & PTE_PS) && split_huge(e, size)) {
				ret = -ENOMEM;
				break;
			}
			u64 *sub = table_va(*e);
			ret = unmap_level(sub, pa, next, size >> 9);
			if (table_empty(sub)) {
				phys_addr_t tp = *e & PTE_ADDR;
				*e = 0;
				free_table(tp);
			}
			if (ret)
				break;
		}
		pa = next;
	}
	return ret;
}

static void flush_tlb_all(void)
{
	write_cr3(read_cr3());
}

static int direct_map(phys_addr_t start, u64 size, u64 *fail)
{
	for (u64 pa = start; pa < start + size;) {
		u64 next = min(ALIGN_DOWN(pa, 1ULL << 39) + (1ULL << 39), start + size);
		u64 *slot = &early_pml4[PML4_DIRECT_SLOT + (pa >> 39)];
		if (!*slot) {
			phys_addr_t tp = alloc_table();
			if (!tp) {
				*fail = pa;
				return -ENOMEM;
			}
			*slot = tp | PTE_P | PTE_W;
		}
		int err = map_level(table_va(*slot), pa, next, SZ_1G, fail);
		if (err)
			return err;
		pa = next;
	}
	return 0;
}

static int direct_unmap(phys_addr_t start, u64 size)
{
	int ret = 0;

	for (u64 pa = start; pa < start + size;) {
		u64 next = min(ALIGN_DOWN(pa, 1ULL << 39) + (1ULL << 39), start + size);
		u64 *slot = &early_pml4[PML4_DIRECT_SLOT + (pa >> 39)];
		if (*slot && unmap_level(table_va(*slot), pa, next, SZ_1G))
			ret = -ENOMEM;
		pa = next;
	}
	return ret;
}

/* Splits the large pages that straddle pa, so that a mapping ends at pa. -ENOMEM when a table page
 * cannot be had (what was split stays split: it maps the same). */
static int split_at(phys_addr_t pa)
{
	if (pa >= (1ULL << MAX_PHYSMEM_BITS))
		return 0;
	u64 slot = early_pml4[PML4_DIRECT_SLOT + (pa >> 39)];
	if (!(slot & PTE_P))
		return 0;
	u64 *t = table_va(slot);
	for (u64 size = SZ_1G; size > PAGE_SIZE && !IS_ALIGNED(pa, size); size >>= 9) {
		u64 *e = &t[level_index(pa, size)];
		if (!(*e & PTE_P))
			return 0;
		if ((*e & PTE_PS) && split_huge(e, size))
			return -ENOMEM;
		t = table_va(*e);
	}
	return 0;
}

int arch_direct_map_init(void)
{
	const struct memblock_region *m;
	u64 new_slots[NR_DIRECT_SLOTS] = {0}, fail;
	u32 a, b, c, d;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		have_1g = d & (1u << 26);
	}
	pte_nx = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;

	/* Build the new tree off to the side while the early map (0..4 GiB) still serves every
	 * phys_to_virt, with tables from below 4 GiB; then swap the PML4 slots in one go. */
	memblock_set_current_limit(EARLY_DIRECT_MAP_SIZE);
	for_each_memblock(memory, m) {
		for (u64 pa = m->base; pa < m->base + m->size;) {
			u64 next = min(ALIGN_DOWN(pa, 1ULL << 39) + (1ULL << 39), m->base + m->size);
			unsigned int s = (unsigned int)(pa >> 39);
			if (!new_slots[s]) {
				phys_addr_t tp = alloc_table();
				if (!tp)
					return -ENOMEM;
				new_slots[s] = tp | PTE_P | PTE_W;
			}
			int err = map_level(table_va(new_slots[s]), pa, next, SZ_1G, &fail);
			if (err)
				return err;
			pa = next;
		}
	}
	for (unsigned int i = 0; i < NR_DIRECT_SLOTS; i++)
		early_pml4[PML4_DIRECT_SLOT + i] = new_slots[i];
	/* The vmap area's PDPT, shared by every vheap and kept for good: made here, so that a heap's
	 * tables are all freed again when the heap goes (arch_vmap_trim), the first heap's too. */
	u64 *vmap_slot = &early_pml4[(VMAP_AREA >> 39) & 511];
	if (!(*vmap_slot & PTE_P)) {
		phys_addr_t tp = alloc_table();
		if (!tp)
			return -ENOMEM;
		*vmap_slot = tp | PTE_P | PTE_W;
	}
	flush_tlb_all();
	memblock_set_current_limit(~0ULL);
	pr_info("mm: direct map: %llu MiB of RAM at 0x%lx, %s pages%s\n", (memblock_phys_mem_size() >> 20),
		page_offset_base, have_1g ? "1 GiB/2 MiB/4 KiB" : "2 MiB/4 KiB", pte_nx ? ", NX" : "");
	return 0;
}

int arch_add_memory(phys_addr_t start, u64 size)
{
	u64 fail = start;

	if (!size || (start | size) & (PAGE_SIZE - 1) || start + size > (1ULL << MAX_PHYSMEM_BITS) ||
	    start + size < start)
		return -EINVAL;
	/* One walk: a mapping found on the way stops it, and only what this call mapped is undone. */
	int err = direct_map(start, size, &fail);
	if (err == -EEXIST)
		pr_err("mm: direct map: [0x%llx-0x%llx) is already (partly) mapped: phys 0x%llx is\n", start,
		       (start + size), fail);
	if (err) {
		/* Nothing at `fail` is ours; with -ENOMEM, tables made on the way there may be, and
		 * unmapping the page at `fail` frees them (it maps nothing of anyone else). Nothing we
		 * mapped has a large page across either edge, so this cannot fail. */
		u64 undo_end = err == -EEXIST ? fail : fail + PAGE_SIZE;
		if (undo_end > start)
			(void)direct_unmap(start, undo_end - start);
		flush_tlb_all();
	}
	return err;
}

int arch_remove_memory(phys_addr_t start, u64 size)
{
	if (!size || (start | size) & (PAGE_SIZE - 1) || start + size > (1ULL << MAX_PHYSMEM_BITS) ||
	    start + size < start)
		return -EINVAL;
	/* Split the edges first, the only places a split is needed: then unmapping cannot fail halfway. */
	if (split_at(start) || split_at(start + size)) {
		pr_err("mm: direct map: no memory to split a large page; [0x%llx-0x%llx) stays mapped\n",
		       start, (start + size));
		flush_tlb_all();
		return -ENOMEM;
	}
	int err = direct_unmap(start, size);
	flush_tlb_all();
	return err;
}

bool arch_is_mapped(phys_addr_t pa)
{
	if (pa >= (1ULL << MAX_PHYSMEM_BITS))
		return false;
	u64 e = early_pml4[PML4_DIRECT_SLOT + (pa >> 39)];
	for (int shift = 30; shift >= 12; shift -= 9) {
		if (!(e & PTE_P))
			return false;
		e = table_va(e)[(pa >> shift) & 511];
		if (shift > 12 && (e & PTE_P) && (e & PTE_PS))
			return true;
	}
	return e & PTE_P;
}

/* ---- 4 KiB mappings in a kernel area (include/mm/arch.h; thread stacks, the vmap area) ---- */

/* The last-level entry for va under the kernel's PML4, creating the tables on the way when `create`;
 * NULL when a table is missing (or cannot be had). */
static u64 *kernel_pte(unsigned long va, bool create)
{
	u64 *t = early_pml4;
	for (int shift = 39; shift > 12; shift -= 9) {
		u64 *e = &t[(va >> shift) & 511];
		if (!(*e & PTE_P)) {
			phys_addr_t tp = create ? alloc_table() : 0;
			if (!tp)
				return NULL;
			*e = tp | PTE_P | PTE_W;
		}
		t = table_va(*e);
	}
	return &t[(va >> 12) & 511];
}

int arch_map_kernel_page(unsigned long va, phys_addr_t pa)
{
	if ((va | pa) & (PAGE_SIZE - 1))
		return -EINVAL;
	u64 *pte = kernel_pte(va, true);
	if (!pte)
		return -ENOMEM;
	if (*pte & PTE_P)
		return -EEXIST;
	*pte = pa | PTE_P | PTE_W | pte_nx;
	return 0;
}

int arch_remap_kernel_page(unsigned long va, phys_addr_t pa)
{
	u64 *pte = kernel_pte(va, false);
	if (!pte || !(*pte & PTE_P) || (pa & (PAGE_SIZE - 1)))
		return -EINVAL;
	*pte = pa | PTE_P | PTE_W | pte_nx;
	invlpg((void *)va);
	return 0;
}

void arch_unmap_kernel_page(unsigned long va)
{
	u64 *pte = kernel_pte(va, false);
	if (pte && (*pte & PTE_P)) {
		*pte = 0;
		invlpg((void *)va);
	}
}

phys_addr_t arch_kernel_page_phys(unsigned long va)
{
	u64 *pte = kernel_pte(va, false);
	return pte && (*pte & PTE_P) ? (*pte & PTE_ADDR) : (phys_addr_t)-1;
}

static bool in_vmap_area(unsigned long va)
{
	return va >= VMAP_AREA && va - VMAP_AREA < VMAP_AREA_SIZE && !(va & (PAGE_SIZE - 1));
}

void arch_vmap_area(unsigned long *start, unsigned long *size)
{
	*start = VMAP_AREA;
	*size = VMAP_AREA_SIZE;
}

int arch_vmap_page(unsigned long va, phys_addr_t pa)
{
	return in_vmap_area(va) ? arch_map_kernel_page(va, pa) : -EINVAL;
}

int arch_vmap_remap(unsigned long va, phys_addr_t pa)
{
	return in_vmap_area(va) ? arch_remap_kernel_page(va, pa) : -EINVAL;
}

void arch_vunmap_page(unsigned long va)
{
	if (in_vmap_area(va))
		arch_unmap_kernel_page(va);
}

/* Walks the page directories under the vmap area's PDPT entries for [start, start + size) (1 GiB
 * aligned: a vheap's slot) and frees the page tables and directories that map nothing. The PDPT stays
 * (the whole area shares it). A CR3 reload drops what the paging-structure caches kept of them. */
void arch_vmap_trim(unsigned long start, unsigned long size)
{
	bool freed = false;

	if (!in_vmap_area(start) || !size || size > VMAP_AREA_SIZE - (start - VMAP_AREA))
		return;
	u64 *pml4e = &early_pml4[(start >> 39) & 511];
	if (!(*pml4e & PTE_P))
		return;
	u64 *pdpt = table_va(*pml4e);
	for (unsigned long va = ALIGN_DOWN(start, 1UL << 30); va < start + size; va += 1UL << 30) {
		u64 *pdpte = &pdpt[(va >> 30) & 511];
		if (!(*pdpte & PTE_P) || (*pdpte & PTE_PS))
			continue;
		u64 *pd = table_va(*pdpte);
		for (int i = 0; i < 512; i++) {
			if (!(pd[i] & PTE_P) || (pd[i] & PTE_PS) || !table_empty(table_va(pd[i])))
				continue;
			phys_addr_t pt = pd[i] & PTE_ADDR;
			pd[i] = 0;
			free_table(pt);
			freed = true;
		}
		if (table_empty(pd)) {
			phys_addr_t pa = *pdpte & PTE_ADDR;
			*pdpte = 0;
			free_table(pa);
			freed = true;
		}
	}
	if (freed)
		flush_tlb_all();
}

phys_addr_t arch_vmap_phys(unsigned long va)
{
	return in_vmap_area(va) ? arch_kernel_page_phys(va) : (phys_addr_t)-1;
}

u64 arch_now_ns(void)
{
	return ktime_ns();
}

/* mm_init: from the boot memory map to a running buddy allocator (init.h; docs/mm-core.md). */
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/size.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/init.h"
#include "mm/memblock.h"
#include "mm/slab.h"
#include "internal.h"

bool mm_ready;
u64 movablecore_bytes;

static int set_movablecore(const char *val)
{
	return val ? parse_size(val, &movablecore_bytes) : -EINVAL;
}
CMDLINE_PARAM_VALID(movablecore, "movablecore", set_movablecore, "a size (bytes or K/M/G/T)");

#define LOW_MEMORY_END 0x100000ULL

static void reset_all(void)
{
	mm_ready = false;
	memset(mm_stat, 0, sizeof(mm_stat));
	mm_bad_frees = 0;
	memblock_reset();
	sparse_reset();
	zones_reset();
	kmalloc_reset();
}

static void memblock_from_boot_info(const struct boot_info *bi)
{
	for (u32 i = 0; i < bi->nr_regions; i++) {
		const struct mem_region *r = &bi->regions[i];
		u64 end = min(r->start + r->size, 1ULL << MAX_PHYSMEM_BITS);
		if (r->type != MEM_USABLE || r->start >= end)
			continue;
		memblock_add(r->start, end - r->start);
	}
	if (!memblock.memory.cnt)
		panic("mm: the memory map has no usable RAM");
	memblock_reserve(0, LOW_MEMORY_END, "first MiB");
	if (bi->kernel_end > bi->kernel_start)
		memblock_reserve(bi->kernel_start, bi->kernel_end - bi->kernel_start, "kernel");
}

/* Every section holding RAM gets a memmap; RAM pages per section for present counts. */
static void sparse_init(void)
{
	const struct memblock_region *m;
	unsigned long last = ~0UL;

	for_each_memblock(memory, m) {
		unsigned long pfn = PFN_DOWN(m->base), end = PFN_DOWN(m->base + m->size);
		for (; pfn < end; pfn = section_nr_to_pfn(pfn_to_section_nr(pfn) + 1)) {
			unsigned long nr = pfn_to_section_nr(pfn);
			unsigned long e = min(end, section_nr_to_pfn(nr + 1));
			if (nr != last) {
				int err = sparse_add_section(nr, NULL, 0);
				if (err)
					panic("mm: no memmap for section %lu (%d)", nr, err);
				last = nr;
			}
			__nr_to_section(nr)->nr_present_pages += (u32)(e - pfn);
		}
	}
}

/* First pfn of ZONE_MOVABLE for movablecore=: the top `bytes` of RAM, the boundary rounded to the
 * nearest section (memory block) boundary but keeping at least one section, and never below the
 * highest boot reservation. ~0 when none. */
static unsigned long movable_start_pfn(u64 bytes)
{
	const struct memblock_region *r;
	unsigned long want = PFN_UP(bytes), pfn = ~0UL, floor = 0;

	if (!want)
		return ~0UL;
	for (long i = (long)memblock.memory.cnt - 1; i >= 0 && want; i--) {
		const struct memblock_region *m = &memblock.memory.regions[i];
		unsigned long n = min(want, PFN_DOWN(m->size));
		pfn = PFN_DOWN(m->base + m->size) - n;
		want -= n;
	}
	unsigned long top = PFN_DOWN(memblock.memory.regions[memblock.memory.cnt - 1].base +
				     memblock.memory.regions[memblock.memory.cnt - 1].size);
	pfn = ALIGN_DOWN(pfn + PAGES_PER_SECTION / 2, PAGES_PER_SECTION);
	if (pfn >= top)
		pfn = ALIGN_DOWN(top - 1, PAGES_PER_SECTION);
	for_each_memblock(reserved, r)
		if (memblock_is_memory(r->base, PAGE_SIZE))
			floor = max(floor, PFN_UP(r->base + r->size));
	floor = ALIGN_UP(floor, PAGES_PER_SECTION);
	if (pfn < floor) {
		pr_warn("mm: movablecore: ZONE_MOVABLE starts at 0x%llx, above the boot reservations\n",
			PFN_PHYS(floor));
		pfn = floor;
	}
	return pfn;
}

/* The memmap of a boot section as it joins zone zid. A pageblock that is wholly RAM and holds no
 * reservation is initialized lazily, as onlined memory is (mmzone.h: its head only; memblock_free_all
 * then frees it as one max-order chunk), so boot time does not grow with the amount of RAM. A pageblock
 * with a hole or a reservation gets every struct page written: its reserved pages must say so. */
static void memmap_init_boot_section(unsigned long pfn, enum zone_type zid)
{
	unsigned long end = pfn + PAGES_PER_SECTION;

	while (pfn < end) {
		bool lazy =
		    memmap_lazy_init && memblock_is_free_memory(PFN_PHYS(pfn), PFN_PHYS(pageblock_nr_pages));
		unsigned long run = pfn + pageblock_nr_pages;

		/* Runs of pageblocks of one kind in one call. */
		while (run < end &&
		       lazy == (memmap_lazy_init &&
				memblock_is_free_memory(PFN_PHYS(run), PFN_PHYS(pageblock_nr_pages))))
			run += pageblock_nr_pages;
		if (lazy)
			memmap_init_range_lazy(pfn, run - pfn, zid, MIGRATE_MOVABLE, false);
		else
			memmap_init_range(pfn, run - pfn, zid, MIGRATE_MOVABLE, false);
		pfn = run;
	}
}

/* Every present section joins its zone (memmap_init_boot_section); the zone spans
 * stretch over the RAM of the sections only, as Linux's do over memblock memory. */
static void zones_init(unsigned long movable_pfn)
{
	const struct memblock_region *m;
	unsigned long nr;

	for_each_present_section_nr(0, nr) {
		unsigned long pfn = section_nr_to_pfn(nr);
		enum zone_type zid = pfn >= movable_pfn ? ZONE_MOVABLE : ZONE_NORMAL;

		memmap_init_boot_section(pfn, zid);
		zones[zid].present_pages += __nr_to_section(nr)->nr_present_pages;
		online_mem_sections(pfn, pfn + PAGES_PER_SECTION);
	}
	for_each_memblock(memory, m) {
		unsigned long pfn = PFN_DOWN(m->base), end = PFN_DOWN(m->base + m->size);
		if (pfn < movable_pfn)
			zone_grow(&zones[ZONE_NORMAL], pfn, min(end, movable_pfn) - pfn);
		if (end > movable_pfn)
			zone_grow(&zones[ZONE_MOVABLE], max(pfn, movable_pfn), end - max(pfn, movable_pfn));
	}
}

void mm_init(struct boot_info *bi)
{
	int err;

	reset_all();
	memblock_from_boot_info(bi);
	err = arch_direct_map_init();
	if (err)
		panic("mm: cannot build the direct map (%d)", err);
	sparse_init();
	zones_init(movable_start_pfn(movablecore_bytes));
	if (zones[ZONE_MOVABLE].present_pages)
		pr_info("mm: movablecore: ZONE_MOVABLE [mem 0x%llx-0x%llx]\n",
			PFN_PHYS(zones[ZONE_MOVABLE].zone_start_pfn),
			PFN_PHYS(zone_end_pfn(&zones[ZONE_MOVABLE])) - 1);
	if (movablecore_bytes > memblock_phys_mem_size())
		pr_warn("mm: movablecore: %s asked, more than the %s of RAM: ZONE_MOVABLE clamped to %s\n",
			human_size(movablecore_bytes).s, human_size(memblock_phys_mem_size()).s,
			human_size(PFN_PHYS(zones[ZONE_MOVABLE].present_pages)).s);
	memblock_print_breakdown(mm_printk);
	u64 usable = 0;
	for (u32 i = 0; i < bi->nr_regions; i++)
		if (bi->regions[i].type == MEM_USABLE)
			usable += bi->regions[i].size;
	if (usable != memblock_phys_mem_size())
		pr_info("mm:   usable bytes outside whole pages: %llu (not counted as RAM)\n",
			(usable - memblock_phys_mem_size()));
	unsigned long freed = memblock_free_all();
	mm_ready = true;
	pr_info("mm: %lu kB managed (RAM %llu kB - reserved %llu kB), memmap %lu kB (%lu bytes per GiB)%s\n",
		freed << 2, (memblock_phys_mem_size() >> 10), (memblock_reserved_size() >> 10),
		(unsigned long)mm_stat_read(NR_MEMMAP_PAGES) << 2,
		(unsigned long)((u64)mm_stat_read(NR_MEMMAP_PAGES) * PAGE_SIZE * (1ULL << 30) /
				memblock_phys_mem_size()),
		page_poison_enabled ? ", page_poison on" : "");
}

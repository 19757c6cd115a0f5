/* meminfo, buddyinfo, pagetypeinfo and dump_page (debug.h), shaped like the Linux /proc files. */
#include <stdarg.h>

#include "kernel/printk.h"
#include "lib/printf.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "internal.h"

void mm_printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

static void line_kb(mm_print_fn pr, const char *name, unsigned long pages)
{
	pr("%-14s%10lu kB\n", name, pages << (PAGE_SHIFT - 10));
}

void show_meminfo(mm_print_fn pr, const struct meminfo_line *users, unsigned int nr_users)
{
	unsigned long isolated = 0, pcp = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		isolated += zones[z].free_pages[MIGRATE_ISOLATE];
		pcp += zones[z].pcp.count;
	}
	line_kb(pr, "MemTotal:", totalram_pages());
	line_kb(pr, "MemFree:", nr_free_pages());
	line_kb(pr, "MovableTotal:", zones[ZONE_MOVABLE].managed_pages);
	line_kb(pr, "MovableFree:", zone_free_pages(&zones[ZONE_MOVABLE]));
	line_kb(pr, "Memmap:", (unsigned long)mm_stat_read(NR_MEMMAP_PAGES));
	/* Where it lives: boot memory (memblock), or pages of ZONE_NORMAL for hot-added sections. */
	line_kb(pr, "MemmapBoot:", (unsigned long)mm_stat_read(NR_MEMMAP_BOOT_PAGES));
	line_kb(pr, "MemmapKernel:",
		(unsigned long)(mm_stat_read(NR_MEMMAP_PAGES) - mm_stat_read(NR_MEMMAP_BOOT_PAGES) -
				mm_stat_read(NR_MEMMAP_ON_MEMORY_PAGES)));
	/* ... or the first pageblock of each block added with MHP_MEMMAP_ON_MEMORY. */
	line_kb(pr, "MemmapOnMemory:", (unsigned long)mm_stat_read(NR_MEMMAP_ON_MEMORY_PAGES));
	/* Free memory onlined whose struct pages are not written yet (deferred memmap, mmzone.h). */
	line_kb(pr, "Deferred:", zones[ZONE_NORMAL].nr_deferred + zones[ZONE_MOVABLE].nr_deferred);
	line_kb(pr, "Offline:", (unsigned long)mm_stat_read(NR_OFFLINE_PAGES));
	line_kb(pr, "Balloon:", (unsigned long)mm_stat_read(NR_BALLOON_PAGES));
	for (unsigned int i = 0; i < nr_users; i++)
		line_kb(pr, users[i].name, users[i].pages);
	line_kb(pr, "Slab:", (unsigned long)mm_stat_read(NR_SLAB_PAGES));
	line_kb(pr, "KmallocLarge:", (unsigned long)mm_stat_read(NR_KMALLOC_LARGE));
	line_kb(pr, "PageTables:", (unsigned long)mm_stat_read(NR_PAGETABLE));
	line_kb(pr, "PcpFree:", pcp);
	line_kb(pr, "Isolated:", isolated);
}

void show_buddyinfo(mm_print_fn pr)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &zones[z];
		if (!populated_zone(zone))
			continue;
		pr("Node 0, zone %8s", zone->name);
		for (int o = 0; o < NR_PAGE_ORDERS; o++) {
			unsigned long n = 0;
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				n += zone->free_area[o].nr_free[mt];
			pr(" %6lu", n);
		}
		pr("\n");
	}
}

void show_pagetypeinfo(mm_print_fn pr)
{
	pr("Page block order: %d\nPages per block:  %lu\n\n", pageblock_order, pageblock_nr_pages);
	pr("Free pages count per migrate type at order ");
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		pr(" %6d", o);
	pr("\n");
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &zones[z];
		if (!populated_zone(zone))
			continue;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			pr("Node    0, zone %8s, type %12s ", zone->name, migratetype_names[mt]);
			for (int o = 0; o < NR_PAGE_ORDERS; o++)
				pr(" %6lu", zone->free_area[o].nr_free[mt]);
			pr("\n");
		}
	}
	pr("\nNumber of blocks type     ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		pr(" %12s", migratetype_names[mt]);
	pr("\n");
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &zones[z];
		unsigned long count[MIGRATE_TYPES] = {0}, nr;
		if (!populated_zone(zone))
			continue;
		for_each_present_section_nr(0, nr) {
			struct mem_section *ms = __nr_to_section(nr);
			if (!online_section(ms) || section_zonenum(ms) != (unsigned int)z)
				continue;
			for (unsigned long b = 0; b < PAGEBLOCKS_PER_SECTION; b++)
				count[pageblock_flags_migratetype(ms->pageblock_flags[b])]++;
		}
		pr("Node 0, zone %8s ", zone->name);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			pr(" %12lu", count[mt]);
		pr("\n");
	}
}

/* The PG_* bits of page->flags by name, comma-separated ("reserved,isolated"; "none"); the zone and
 * section bits above them are printed by name and number instead. */
static const char *page_flag_names(const struct page *page, char *buf, size_t size)
{
	static const char *const names[NR_PAGEFLAGS] = {
	    [PG_reserved] = "reserved", [PG_isolated] = "isolated", [PG_poisoned] = "poisoned"};
	size_t at = 0;

	for (unsigned b = 0; b < ZONES_PGSHIFT; b++)
		if (!(page->flags & (1u << b)))
			continue;
		else if (b < NR_PAGEFLAGS)
			at += (size_t)scnprintf(buf + at, size - at, "%s%s", at ? "," : "", names[b]);
		else /* a bit nobody named: say which */
			at += (size_t)scnprintf(buf + at, size - at, "%sbit %u", at ? "," : "", b);
	return at ? buf : "none";
}

void dump_page_to(mm_print_fn pr, const struct page *page, const char *reason)
{
	unsigned long pfn;

	if (!page_to_pfn_safe(page, &pfn)) {
		pr("page %p: not in any memmap (%s)\n", (const void *)page, reason ? reason : "");
		return;
	}
	if (pageblock_memmap_on_memory(pfn)) {
		pr("page pfn 0x%lx (phys 0x%llx): %s\n  holds memmap: part of the pageblock at pfn 0x%lx "
		   "set aside for its block's struct pages (memmap on memory)\n",
		   pfn, PFN_PHYS(pfn), reason ? reason : "", pageblock_start_pfn(pfn));
		return;
	}
	if (pageblock_memmap_deferred(pfn)) {
		pr("page pfn 0x%lx (phys 0x%llx): %s\n  struct page not written: part of the free deferred "
		   "pageblock at pfn 0x%lx (deferred memmap)\n",
		   pfn, PFN_PHYS(pfn), reason ? reason : "", pageblock_start_pfn(pfn));
		return;
	}
	if (pageblock_memmap_lazy(pfn) && !pageblock_aligned(pfn)) {
		pr("page pfn 0x%lx (phys 0x%llx): %s\n  struct page not written yet: part of the free 2 MiB "
		   "chunk at "
		   "pfn 0x%lx (lazy memmap)\n",
		   pfn, PFN_PHYS(pfn), reason ? reason : "", pageblock_start_pfn(pfn));
		return;
	}
	const struct movable_operations *ops = page_movable_ops(page);
	pr("page pfn 0x%lx (phys 0x%llx): %s\n", pfn, PFN_PHYS(pfn), reason ? reason : "");
	char names[64];
	pr("  flags 0x%x (%s) zone %s section %lu %s\n", page->flags & ((1u << ZONES_PGSHIFT) - 1),
	   page_flag_names(page, names, sizeof(names)), page_zone(page)->name, page_to_section(page),
	   online_section_nr(pfn_to_section_nr(pfn)) ? "online" : "offline");
	pr("  type %s order %u refcount %d owner %u%s%s private 0x%x pageblock %s\n",
	   page_type_name(page->page_type), page->order, page_ref_count(page), page->owner, ops ? " " : "",
	   ops ? ops->name : "", page->private, migratetype_names[get_pfnblock_migratetype(pfn)]);
}

void dump_page(const struct page *page, const char *reason)
{
	dump_page_to(mm_printk, page, reason);
}

/* A zone's extent and size (mmzone.h): its span grows as ranges join it (boot, onlining) and shrinks
 * as they leave (offlining), and its managed pages follow what drivers take out and give back. */
#include "internal.h"

void zone_grow(struct zone *zone, unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long end = start_pfn + nr_pages;

	if (zone_is_empty(zone)) {
		zone->zone_start_pfn = start_pfn;
		zone->spanned_pages = nr_pages;
		return;
	}
	unsigned long zs = min(zone->zone_start_pfn, start_pfn);
	unsigned long ze = max(zone_end_pfn(zone), end);
	zone->zone_start_pfn = zs;
	zone->spanned_pages = ze - zs;
}

void move_pfn_range_to_zone(struct zone *zone, unsigned long start_pfn, unsigned long nr_pages,
			    int migratetype, bool isolate_pageblock)
{
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	zone_grow(zone, start_pfn, nr_pages);
	spin_unlock_irqrestore(&zone->lock, flags);
	if (!pageblock_aligned(start_pfn) || !pageblock_aligned(nr_pages)) {
		memmap_init_range(start_pfn, nr_pages, zone->idx, migratetype, isolate_pageblock);
		return;
	}
	/* Pageblocks holding memmap (MHP_MEMMAP_ON_MEMORY) stay as they are: not in the zone's use. The
	 * deferred init steps over them itself, so a run of blocks is one call. */
	if (memmap_lazy_init) {
		memmap_init_range_deferred(start_pfn, nr_pages, zone->idx, migratetype, isolate_pageblock);
		return;
	}
	for (unsigned long pfn = start_pfn, end = start_pfn + nr_pages; pfn < end;) {
		unsigned long run = memmap_free_run_end(pfn, end);
		if (run == pfn) {
			pfn += pageblock_nr_pages;
			continue;
		}
		memmap_init_range(pfn, run - pfn, zone->idx, migratetype, isolate_pageblock);
		pfn = run;
	}
}

/* Is section nr online and in zone? */
static bool section_in_zone(unsigned long nr, const struct zone *zone)
{
	struct mem_section *ms = __nr_to_section(nr);

	return online_section(ms) && section_zonenum(ms) == zone->idx;
}

/* The first section at or after nr, below end_nr, that is online in zone; end_nr if none. Absent
 * roots are skipped in one step. */
static unsigned long first_zone_section(const struct zone *zone, unsigned long nr, unsigned long end_nr)
{
	for (nr = next_present_section_nr(nr); nr < end_nr; nr = next_present_section_nr(nr + 1))
		if (section_in_zone(nr, zone))
			return nr;
	return end_nr;
}

/* The last section below nr, at or after start_nr, that is online in zone; ~0UL if none. */
static unsigned long last_zone_section(const struct zone *zone, unsigned long nr, unsigned long start_nr)
{
	while (nr-- > start_nr)
		if (section_in_zone(nr, zone))
			return nr;
	return ~0UL;
}

void remove_pfn_range_from_zone(struct zone *zone, unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long end = start_pfn + nr_pages, zs = zone->zone_start_pfn, ze = zone_end_pfn(zone), flags;

	if (zone_is_empty(zone) || end <= zs || start_pfn >= ze)
		return;
	/* Only an edge moves, to the next section still online in the zone: the walk crosses the
	 * sections that just left (and any gap already there), not the whole zone, so removing a large
	 * range block by block costs in proportion to it. A hole in the middle leaves the span alone. */
	if (start_pfn <= zs) {
		unsigned long nr =
		    first_zone_section(zone, pfn_to_section_nr(end), pfn_to_section_nr(ze - 1) + 1);
		zs = nr > pfn_to_section_nr(ze - 1) ? ze : max(section_nr_to_pfn(nr), end);
	}
	if (end >= ze && zs < ze) {
		unsigned long nr =
		    last_zone_section(zone, pfn_to_section_nr(start_pfn - 1) + 1, pfn_to_section_nr(zs));
		ze = nr == ~0UL ? zs : min(section_nr_to_pfn(nr + 1), start_pfn);
	}
	spin_lock_irqsave(&zone->lock, flags);
	if (zs >= ze) {
		zone->zone_start_pfn = 0;
		zone->spanned_pages = 0;
	} else {
		zone->zone_start_pfn = zs;
		zone->spanned_pages = ze - zs;
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

void adjust_managed_page_count(struct page *page, long count)
{
	struct zone *zone = page_zone(page);
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	zone->managed_pages += count;
	spin_unlock_irqrestore(&zone->lock, flags);
}

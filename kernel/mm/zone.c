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
	if (memmap_lazy_init && pageblock_aligned(start_pfn) && pageblock_aligned(nr_pages))
		memmap_init_range_lazy(start_pfn, nr_pages, zone->idx, migratetype, isolate_pageblock);
	else
		memmap_init_range(start_pfn, nr_pages, zone->idx, migratetype, isolate_pageblock);
}

void remove_pfn_range_from_zone(struct zone *zone, unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long end = start_pfn + nr_pages, lo = ~0UL, hi = 0, nr, flags;

	if (zone_is_empty(zone))
		return;
	/* Zones are made of whole sections: the new span covers the zone's other online sections. */
	for_each_present_section_nr(pfn_to_section_nr(zone->zone_start_pfn), nr) {
		unsigned long s = section_nr_to_pfn(nr), e = s + PAGES_PER_SECTION;
		struct mem_section *ms = __nr_to_section(nr);
		if (s >= zone_end_pfn(zone))
			break;
		if (!online_section(ms) || (s >= start_pfn && e <= end))
			continue;
		if (page_zonenum(ms->memmap) != zone->idx)
			continue;
		lo = min(lo, max(s, zone->zone_start_pfn));
		hi = max(hi, min(e, zone_end_pfn(zone)));
	}
	spin_lock_irqsave(&zone->lock, flags);
	if (hi == 0) {
		zone->zone_start_pfn = 0;
		zone->spanned_pages = 0;
	} else {
		zone->zone_start_pfn = lo;
		zone->spanned_pages = hi - lo;
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

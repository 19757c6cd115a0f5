/* Deferred struct page init of onlined memory (mmzone.h; docs/mm-core.md, "Deferred memmap").
 *
 * Onlining never-used memory writes no struct page: each of its pageblocks is marked
 * PB_MEMMAP_DEFERRED in its section's pageblock byte and counted as free (zone->free_pages of the
 * pageblock's type, zone->nr_deferred) and managed, but is not in the buddy. When an allocation finds
 * the zone's free lists empty, deferred_carve writes the head struct page of one such pageblock and
 * frees it as one max-order chunk (a lazy pageblock from then on): one struct page per carve.
 * Walkers skip deferred pageblocks as free or call deferred_materialize for the ones they need.
 *
 * Where to carve from: a few ranges per zone (zone->deferred, sorted) that cover every deferred
 * pageblock of the zone that is not isolated. The pageblock bytes are the truth and the ranges only
 * hints: a range may also cover pageblocks that are not (or no longer) deferred, which a carve steps
 * over once, for good. A carve steps over isolated pageblocks too; ending an isolation puts them
 * back (deferred_hint_add). */
#include "lib/string.h"
#include "internal.h"

/* ---- the hints (zone->lock held) ---- */

static void hint_delete(struct zone *zone, unsigned int i)
{
	struct deferred_range *r = zone->deferred;

	memmove(&r[i], &r[i + 1], (zone->nr_deferred_ranges - i - 1) * sizeof(*r));
	zone->nr_deferred_ranges--;
}

void deferred_hint_add(struct zone *zone, unsigned long start, unsigned long end)
{
	struct deferred_range *r = zone->deferred;
	unsigned int n = zone->nr_deferred_ranges, i = 0;

	while (i < n && r[i].end < start)
		i++;
	if (i < n && r[i].start <= end) { /* overlaps or touches r[i]: grow it */
		r[i].start = min(r[i].start, start);
		r[i].end = max(r[i].end, end);
		while (i + 1 < zone->nr_deferred_ranges && r[i + 1].start <= r[i].end) {
			r[i].end = max(r[i].end, r[i + 1].end);
			hint_delete(zone, i + 1);
		}
		return;
	}
	if (n == NR_DEFERRED_RANGES) {
		/* No slot: stretch the nearer neighbour over the gap (a carve steps over it once). */
		if (i == n || (i > 0 && start - r[i - 1].end <= r[i].start - end))
			r[i - 1].end = end;
		else
			r[i].start = start;
		return;
	}
	memmove(&r[i + 1], &r[i], (n - i) * sizeof(*r));
	r[i].start = start;
	r[i].end = end;
	zone->nr_deferred_ranges = n + 1;
}

/* [start, end) holds no deferred pageblock of the zone any more (it went offline): trim the hints. A
 * range that would have to split when no slot is free keeps covering it (harmless, see above). */
static void hint_remove(struct zone *zone, unsigned long start, unsigned long end)
{
	struct deferred_range *r = zone->deferred;

	for (unsigned int i = 0; i < zone->nr_deferred_ranges;) {
		unsigned long s = r[i].start, e = r[i].end;

		if (e <= start || s >= end) {
			i++;
		} else if (s >= start && e <= end) {
			hint_delete(zone, i);
		} else if (s < start && e > end) {
			if (zone->nr_deferred_ranges < NR_DEFERRED_RANGES) {
				memmove(&r[i + 2], &r[i + 1],
					(zone->nr_deferred_ranges - i - 1) * sizeof(*r));
				r[i + 1].start = end;
				r[i + 1].end = e;
				r[i].end = start;
				zone->nr_deferred_ranges++;
			}
			i += 2;
		} else {
			if (s < start)
				r[i].end = start;
			else
				r[i].start = end;
			i++;
		}
	}
}

bool deferred_hinted(const struct zone *zone, unsigned long pfn)
{
	for (unsigned int i = 0; i < zone->nr_deferred_ranges; i++)
		if (pfn >= zone->deferred[i].start && pfn < zone->deferred[i].end)
			return true;
	return false;
}

/* ---- onlining, carving, materializing ---- */

/* Counts the deferred pageblocks [pfn, end) being onlined, all with pfn's byte but `memmap` of them
 * that hold memmap (not counted: the hint may cover them, a carve steps over them once), free and
 * managed in their zone. */
static void deferred_online(unsigned long pfn, unsigned long end, unsigned long memmap)
{
	struct zone *zone = pfn_zone(pfn);
	unsigned long n = end - pfn - memmap * pageblock_nr_pages, flags;

	spin_lock_irqsave(&zone->lock, flags);
	zone->free_pages[get_pfnblock_migratetype(pfn)] += n;
	zone->nr_deferred += n;
	zone->managed_pages += n;
	deferred_hint_add(zone, pfn, end);
	spin_unlock_irqrestore(&zone->lock, flags);
}

void free_online_range(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long end = pfn + nr_pages;

	while (pfn < end) {
		u8 b = *pageblock_byte(pfn);
		if (b & PB_MEMMAP_ON_MEMORY) {
			pfn += pageblock_nr_pages; /* memmap: never the zone's */
			continue;
		}
		if (!(b & PB_MEMMAP_DEFERRED)) {
			__free_pages_core(pfn_to_page(pfn), MAX_ORDER);
			pfn += MAX_ORDER_NR_PAGES;
			continue;
		}
		/* the range is online (its sections went online before the callback) */
		unsigned long memmap = 0, run = pageblock_online_run_end(pfn, end, 0xff, b, &memmap);
		if (run == pfn)
			run = pfn + pageblock_nr_pages; /* cannot happen; progress all the same */
		deferred_online(pfn, run, memmap);
		pfn = run;
	}
}

void deferred_materialize(struct zone *zone, unsigned long pfn)
{
	int mt = get_pfnblock_migratetype(pfn);

	if (!pageblock_memmap_deferred(pfn))
		return;
	memmap_init_free_head(pfn, zone->idx);
	zone->nr_deferred -= pageblock_nr_pages;
	zone->free_pages[mt] -= pageblock_nr_pages; /* __free_one_page counts it again */
	__free_one_page(pfn_to_page(pfn), pfn, zone, MAX_ORDER, mt, FPI_TO_TAIL);
}

bool deferred_carve(struct zone *zone)
{
	struct deferred_range *r = zone->deferred;

	while (zone->nr_deferred && zone->nr_deferred_ranges) {
		unsigned long pfn = r[0].start;
		struct mem_section *ms = __pfn_to_section(pfn);

		if (pfn >= r[0].end) {
			hint_delete(zone, 0);
			continue;
		}
		if (!online_section(ms) || section_zonenum(ms) != zone->idx) {
			r[0].start = min(r[0].end, section_nr_to_pfn(pfn_to_section_nr(pfn) + 1));
			continue;
		}
		r[0].start = pfn + pageblock_nr_pages;
		u8 b = *pageblock_byte(pfn);
		if ((b & PB_MEMMAP_DEFERRED) && !(b & PB_MIGRATE_ISOLATE)) {
			deferred_materialize(zone, pfn);
			return true;
		}
	}
	return false;
}

unsigned long deferred_offline(struct zone *zone, unsigned long pfn, unsigned long end, unsigned long memmap)
{
	unsigned long n = end - pfn - memmap * pageblock_nr_pages;

	if (is_migrate_isolate(get_pfnblock_migratetype(pfn)))
		zone->nr_isolate_pageblock -= n >> pageblock_order; /* they leave still marked ISOLATE */
	zone->free_pages[get_pfnblock_migratetype(pfn)] -= n;
	zone->nr_deferred -= n;
	return n;
}

void deferred_offline_done(struct zone *zone, unsigned long start_pfn, unsigned long end_pfn)
{
	hint_remove(zone, start_pfn, end_pfn);
}

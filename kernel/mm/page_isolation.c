/* Page isolation (page_isolation.h): MIGRATE_ISOLATE pageblocks, the movability rules of page_isolation.h
 * and the test that a range is empty. */
#include <stdarg.h>

#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "mm/debug.h"
#include "mm/memblock.h"
#include "mm/page_isolation.h"
#include "internal.h"

int busy_pfn_set(struct busy_pfn *busy, unsigned long pfn, const char *fmt, ...)
{
	va_list ap;

	if (!busy || busy->reason[0])
		return -EBUSY;
	busy->pfn = pfn;
	va_start(ap, fmt);
	vsnprintf(busy->reason, sizeof(busy->reason), fmt, ap);
	va_end(ap);
	return -EBUSY;
}

/* The memblock name of a reserved page ("kernel", "memmap"...), or NULL (not a boot reservation). */
static const char *reserved_name(unsigned long pfn)
{
	const struct memblock_region *r;
	phys_addr_t pa = PFN_PHYS(pfn);

	for_each_memblock(reserved, r)
		if (pa >= r->base && pa - r->base < r->size)
			return r->name;
	return NULL;
}

const char *page_unmovable_reason(const struct page *page, int flags, char *buf, size_t len)
{
	unsigned long pfn = page_to_pfn(page);

	if (PageBuddy(page) || PagePcp(page))
		return NULL;
	if (PageReserved(page)) {
		const char *name = reserved_name(pfn);
		if (!memblock_is_memory(PFN_PHYS(pfn), PAGE_SIZE) && !name)
			snprintf(buf, len, "hole (not RAM)");
		else
			snprintf(buf, len, "reserved: %s", name ? name : "not managed by the buddy");
		return buf;
	}
	/* LAB isolation BEGIN unmovable */
	if (PageOffline(page)) {
		if (PageMovable(page) || (flags & MEMORY_OFFLINE))
			return NULL;
		snprintf(buf, len, "PageOffline, refcount %d, no movable operations", page_ref_count(page));
		return buf;
	}
	/* LAB isolation END unmovable */
	if (PageMovable(page))
		return NULL;
	if (PageSlab(page))
		snprintf(buf, len, "slab (kmalloc)");
	else if (PageLargeKmalloc(page))
		snprintf(buf, len, "kmalloc (large)");
	else if (PageTable(page))
		snprintf(buf, len, "page table");
	else if (page_ref_count(page) == 0)
		snprintf(buf, len, "in transit (refcount 0, not free)");
	else
		snprintf(buf, len, "kernel allocation");
	return buf;
}

/* Pages to step over from an allocated page: its allocation's size when it heads one, else 1. */
static unsigned long alloc_span(const struct page *page, unsigned long pfn)
{
	unsigned long n = 1UL << page->order;

	if (page_ref_count(page) > 0 && page->order <= MAX_ORDER && IS_ALIGNED(pfn, n))
		return n;
	return 1;
}

int has_unmovable_pages(unsigned long start_pfn, unsigned long end_pfn, int flags, struct busy_pfn *busy)
{
	char why[80];
	/* Start at the pageblock's head so free chunks and allocations are met at their first page. */
	unsigned long pfn = pageblock_start_pfn(start_pfn);

	while (pfn < end_pfn) {
		struct page *page = pfn_to_online_page(pfn);

		if (!page)
			return busy_pfn_set(busy, pfn, "offline section");
		if (pageblock_memmap_on_memory(pfn)) {
			/* offlining leaves it alone; nobody else may take it */
			if (!(flags & MEMORY_OFFLINE))
				return busy_pfn_set(busy, max(pfn, start_pfn), "holds its block's memmap");
			pfn = pageblock_start_pfn(pfn) + pageblock_nr_pages;
			continue;
		}
		if (pageblock_aligned(pfn) && pageblock_memmap_deferred(pfn)) {
			pfn = deferred_run_end(pfn, end_pfn); /* free, never used */
			continue;
		}
		if (PageBuddy(page)) {
			pfn += 1UL << buddy_order(page);
			continue;
		}
		unsigned long step = alloc_span(page, pfn);
		if (pfn + step > start_pfn) {
			const char *r = page_unmovable_reason(page, flags, why, sizeof(why));
			if (r) {
				if (flags & REPORT_FAILURE)
					dump_page(page, r);
				return busy_pfn_set(busy, max(pfn, start_pfn), "%s", r);
			}
		}
		pfn += step;
	}
	return 0;
}

/* Isolates the pageblock at pfn (aligned), checking [max(pfn, start), min(pfn + pageblock, end)). */
static int isolate_pageblock(unsigned long pfn, unsigned long start, unsigned long end, int flags,
			     struct busy_pfn *busy)
{
	struct page *page = pfn_to_online_page(pfn);
	unsigned long irq;
	struct zone *zone;
	int ret;

	if (!page)
		return busy_pfn_set(busy, pfn, "offline section");
	if (pageblock_memmap_on_memory(pfn) && (flags & MEMORY_OFFLINE))
		return 0; /* memmap: goes with its block, never isolated (others are refused below) */
	zone = pfn_zone(pfn);
	spin_lock_irqsave(&zone->lock, irq);
	if (is_migrate_isolate(get_pfnblock_migratetype(pfn))) {
		ret = busy_pfn_set(busy, pfn, "pageblock already isolated");
	} else {
		/* Lazy and deferred memmap (mmzone.h): a range that covers this pageblock only partly is
		 * walked from a pfn inside it, so its struct pages must be written first. */
		if (start > pfn || end < pfn + pageblock_nr_pages) {
			deferred_materialize(zone, pfn);
			memmap_init_pageblock(pfn);
		}
		ret = has_unmovable_pages(max(pfn, start), min(pfn + pageblock_nr_pages, end), flags, busy);
		if (!ret)
			pageblock_isolate_and_move_free_pages(zone, pfn);
	}
	spin_unlock_irqrestore(&zone->lock, irq);
	return ret;
}

/* A flags byte that can start a run for isolate_deferred_run: deferred, not isolated, no memmap. */
static bool deferred_run_start(u8 b)
{
	return (b & PB_MEMMAP_DEFERRED) && !(b & (PB_MIGRATE_ISOLATE | PB_MEMMAP_ON_MEMORY));
}

/* Isolates the run of deferred pageblocks from pfn on that lie wholly in [start, end), in online
 * sections of one zone, and share pfn's flags byte (free, never used: nothing in them to check); when
 * offlining, the pageblocks holding memmap inside it stay as they are (never isolated). Returns the
 * end of the run, or pfn when the pageblock at pfn is not such. */
static unsigned long isolate_deferred_run(unsigned long pfn, unsigned long start, unsigned long end,
					  int flags)
{
	struct mem_section *ms = __pfn_to_section(pfn);
	unsigned long run = pfn, irq, memmap = 0;
	u8 b;

	if (pfn < start || !online_section(ms) || !deferred_run_start(*pageblock_byte(pfn)))
		return pfn;
	/* Read the bytes again under the lock: an allocation in a thread that preempted us may have
	 * carved a pageblock of the run into the buddy since the look above. */
	struct zone *zone = &zones[section_zonenum(ms)];
	spin_lock_irqsave(&zone->lock, irq);
	if (deferred_run_start(b = *pageblock_byte(pfn)) && pfn < ALIGN_DOWN(end, pageblock_nr_pages))
		run = pageblock_online_run_end(pfn, ALIGN_DOWN(end, pageblock_nr_pages), 0xff, b,
					       (flags & MEMORY_OFFLINE) ? &memmap : NULL);
	if (run > pfn)
		move_deferred_run(zone, pfn, run, MIGRATE_ISOLATE);
	spin_unlock_irqrestore(&zone->lock, irq);
	return run;
}

int start_isolate_page_range(unsigned long start_pfn, unsigned long end_pfn, int flags, struct busy_pfn *busy)
{
	unsigned long first = pageblock_start_pfn(start_pfn), pfn, run;

	for (pfn = first; pfn < end_pfn; pfn += pageblock_nr_pages) {
		if ((run = isolate_deferred_run(pfn, start_pfn, end_pfn, flags)) > pfn) {
			pfn = run - pageblock_nr_pages;
			continue;
		}
		int ret = isolate_pageblock(pfn, start_pfn, end_pfn, flags, busy);
		if (ret) {
			undo_isolate_page_range(first, pfn);
			return ret;
		}
	}
	return 0;
}

void undo_isolate_page_range(unsigned long start_pfn, unsigned long end_pfn)
{
	unsigned long pfn = pageblock_start_pfn(start_pfn);

	/* A section at a time, under one taking of its zone's lock (a section is in one zone); a run of
	 * never-used pageblocks goes on into the next sections of the zone, past their memmap pageblocks
	 * (never isolated). */
	while (pfn < end_pfn) {
		unsigned long stop = min(end_pfn, section_nr_to_pfn(pfn_to_section_nr(pfn) + 1)), irq,
			      memmap = 0;
		struct mem_section *ms = __pfn_to_section(pfn);

		if (!online_section(ms)) {
			pfn = stop;
			continue;
		}
		struct zone *zone = &zones[section_zonenum(ms)];
		spin_lock_irqsave(&zone->lock, irq);
		while (pfn < stop) {
			u8 b = *pageblock_byte(pfn);
			if ((b & PB_MEMMAP_DEFERRED) && !(b & PB_MEMMAP_ON_MEMORY)) {
				unsigned long run = pageblock_online_run_end(
				    pfn, ALIGN_UP(end_pfn, pageblock_nr_pages), 0xff, b, &memmap);
				if (b & PB_MIGRATE_ISOLATE)
					move_deferred_run(zone, pfn, run, (int)(b & PB_MIGRATETYPE_MASK));
				pfn = run;
				stop = max(stop,
					   min(end_pfn, section_nr_to_pfn(pfn_to_section_nr(pfn - 1) + 1)));
				continue;
			}
			pageblock_unisolate_and_move_free_pages(zone, pfn);
			pfn += pageblock_nr_pages;
		}
		spin_unlock_irqrestore(&zone->lock, irq);
	}
}

/* From pfn (pageblock-aligned) on: the end of the run of pageblocks that are isolated and were never
 * used, with those that hold memmap when offlining; nothing in them can be busy. pfn when none. */
static unsigned long isolated_unused_run_end(unsigned long pfn, unsigned long end, int flags)
{
	unsigned long memmap = 0;
	u8 bits = PB_MEMMAP_DEFERRED | PB_MIGRATE_ISOLATE;

	return pageblock_online_run_end(pfn, ALIGN_UP(end, pageblock_nr_pages), bits, bits,
					(flags & MEMORY_OFFLINE) ? &memmap : NULL);
}

int test_pages_isolated(unsigned long start_pfn, unsigned long end_pfn, int flags, struct busy_pfn *busy)
{
	unsigned long pfn, run, zones_seen = 0;
	char why[80];

	for (pfn = pageblock_start_pfn(start_pfn); pfn < end_pfn; pfn += pageblock_nr_pages) {
		if ((run = isolated_unused_run_end(pfn, end_pfn, flags)) > pfn) {
			pfn = run - pageblock_nr_pages; /* no page of it in a pcp cache either */
			continue;
		}
		/* past the runs: no deferred pageblock (isolated ones were in a run, others are not
		 * isolated) and, when offlining, no memmap pageblock (in a run too) */
		if (!pfn_to_online_page(pfn))
			return busy_pfn_set(busy, pfn, "offline section");
		if (!is_migrate_isolate(get_pfnblock_migratetype(pfn)))
			return busy_pfn_set(busy, max(pfn, start_pfn), "pageblock not isolated");
		zones_seen |= 1UL << section_zonenum(__pfn_to_section(pfn));
	}
	if (!zones_seen)
		return 0; /* every pageblock never used (or memmap): no page to look at */
	/* No page of the range may wait in a pcp cache: one drain per zone the range touches. */
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (zones_seen & (1UL << z))
			drain_zone_pages(&zones[z]);
	pfn = pageblock_start_pfn(start_pfn);
	while (pfn < end_pfn) {
		struct page *page = pfn_to_page(pfn);

		/* never used or memmap (offlining only); the first pass let no other such through */
		if (pageblock_aligned(pfn) && (run = isolated_unused_run_end(pfn, end_pfn, flags)) > pfn) {
			pfn = run;
			continue;
		}
		if (PageBuddy(page)) {
			pfn += 1UL << buddy_order(page);
			continue;
		}
		unsigned long step = alloc_span(page, pfn);
		if (pfn + step <= start_pfn) {
			pfn += step;
			continue;
		}
		/* LAB isolation BEGIN isolated */
		if ((flags & MEMORY_OFFLINE) && PageOffline(page) && page_ref_count(page) == 0) {
			pfn++;
			continue;
		}
		/* LAB isolation END isolated */
		if (PageOffline(page))
			return busy_pfn_set(busy, max(pfn, start_pfn),
					    "PageOffline, refcount %d: its owner did not release it",
					    page_ref_count(page));
		const char *r = page_unmovable_reason(page, flags, why, sizeof(why));
		return busy_pfn_set(busy, max(pfn, start_pfn), "not free: %s (refcount %d)",
				    r			     ? r
				    : page_movable_ops(page) ? page_movable_ops(page)->name
							     : "allocated",
				    page_ref_count(page));
	}
	return 0;
}

unsigned long nr_isolated_pageblocks(void)
{
	unsigned long n = 0;
	struct zone *z;

	for_each_zone(z)
		n += z->nr_isolate_pageblock;
	return n;
}

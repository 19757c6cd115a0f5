/* alloc_contig_range / free_contig_range (contig.h): isolate, migrate out, take the free pages. */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/contig.h"
#include "mm/gfp.h"
#include "mm/migrate.h"
#include "internal.h"

#define CONTIG_MAX_PASSES 5

/* Valid, online, one zone. */
static int check_range(unsigned long start, unsigned long end, struct busy_pfn *busy)
{
	struct zone *zone = NULL;

	if (start >= end || end > MAX_PFN)
		return -EINVAL;
	for (unsigned long pfn = pageblock_start_pfn(start); pfn < end; pfn += pageblock_nr_pages) {
		struct page *page = pfn_to_online_page(pfn);
		if (!page) {
			busy_pfn_set(busy, pfn, "not online");
			return -EINVAL;
		}
		if (zone && pfn_zone(pfn) != zone) {
			busy_pfn_set(busy, pfn, "the range spans two zones");
			return -EINVAL;
		}
		zone = pfn_zone(pfn);
	}
	return 0;
}

/* Takes every free page of [start, end) out of the buddy (the range is isolated and tested free)
 * and makes each an order-0 allocation with refcount 1. Pages of a free chunk outside the range go
 * back to the buddy. */
static void take_range(unsigned long start, unsigned long end)
{
	unsigned long pfn = start;

	/* Deferred pageblocks (mmzone.h) join the buddy first (isolated: on the ISOLATE lists). */
	for (unsigned long p = pageblock_start_pfn(start); p < end; p += pageblock_nr_pages) {
		if (pageblock_memmap_deferred(p)) {
			struct zone *zone = pfn_zone(p);
			unsigned long flags;
			spin_lock_irqsave(&zone->lock, flags);
			deferred_materialize(zone, p);
			spin_unlock_irqrestore(&zone->lock, flags);
		}
	}

	while (pfn < end) {
		struct page *page = pfn_to_page(pfn);
		unsigned long flags, n;
		struct zone *zone = page_zone(page);
		bool whole;

		spin_lock_irqsave(&zone->lock, flags);
		whole = PageBuddy(page) && pfn + (1UL << buddy_order(page)) <= end;
		n = whole ? 1UL << buddy_order(page) : 1;
		if (whole)
			__isolate_free_page(page, buddy_order(page));
		spin_unlock_irqrestore(&zone->lock, flags);
		if (!whole && !take_page_off_buddy(page)) {
			pr_err("mm: alloc_contig_range: pfn 0x%lx was not free after the isolation test\n",
			       pfn);
			set_page_count(page, 0);
		}
		for (unsigned long i = 0; i < n; i++) {
			page[i].flags &= ~(1u << PG_poisoned); /* the new owner's content from now on */
			page[i].order = 0;
			page[i].page_type = PGTY_NONE;
			page[i].owner = 0;
			page[i].private = 0;
			set_page_count(page + i, 1);
		}
		pfn += n;
	}
}

int alloc_contig_range(unsigned long start, unsigned long end, struct busy_pfn *busy)
{
	int ret;

	busy_pfn_clear(busy);
	ret = check_range(start, end, busy);
	if (ret)
		return ret;
	ret = start_isolate_page_range(start, end, 0, busy);
	if (ret)
		return ret;
	for (int pass = 0; pass < CONTIG_MAX_PASSES; pass++) {
		busy_pfn_clear(busy);
		ret = migrate_range(start, end, 0, MR_CONTIG_RANGE, busy, NULL);
		if (ret == -EAGAIN)
			continue;
		if (ret)
			break;
		busy_pfn_clear(busy);
		ret = test_pages_isolated(start, end, 0, busy);
		if (!ret)
			break;
	}
	if (ret == -EAGAIN)
		ret = -EBUSY;
	if (!ret)
		take_range(start, end);
	undo_isolate_page_range(start, end);
	return ret;
}

/* Given back, not used: to the tail, like onlined memory, so it is allocated last. */
void free_contig_range(unsigned long pfn, unsigned long nr_pages)
{
	for (unsigned long i = 0; i < nr_pages; i++)
		free_pages_fpi(pfn_to_page(pfn + i), 0, FPI_TO_TAIL);
}

int alloc_contig_pages_in_block(unsigned long id, unsigned long n, struct list_head *out)
{
	unsigned long pfn = id * PAGES_PER_SECTION, end = pfn + PAGES_PER_SECTION, got = 0;
	LIST_HEAD(batch);
	struct page *page, *next;

	for (; pfn < end && got < n && online_section_nr(id); pfn += pageblock_nr_pages) {
		if (alloc_contig_range(pfn, pfn + pageblock_nr_pages, NULL))
			continue;
		for (unsigned long i = 0; i < pageblock_nr_pages; i++, got++) {
			page = pfn_to_page(pfn + i);
			if (got < n)
				list_add_tail(&page->lru, &batch);
			else
				__free_page(page);
		}
	}
	list_for_each_entry_safe(page, next, &batch, lru) {
		if (got < n) {
			list_del(&page->lru);
			__free_page(page);
		} else {
			list_move_tail(&page->lru, out);
		}
	}
	return got < n ? -ENOMEM : 0;
}

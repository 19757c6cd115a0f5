/* Free pages that change hands without an allocation (mmzone.h, page_isolation.h, memory_hotplug.h):
 * a pageblock's free chunks moving with its migrate type or isolation (runs of deferred pageblocks
 * at once), one free page taken out of the buddy (__isolate_free_page, take_page_off_buddy), and an
 * isolated range leaving the zone when it goes offline. The buddy itself is page_alloc.c. */
#include "kernel/printk.h"
#include "internal.h"

/* ---- free pages of one pageblock or page: type changes, isolation, offlining ---- */

unsigned long move_freepages_block(struct zone *zone, struct page *page, int migratetype)
{
	unsigned long start = pageblock_start_pfn(page_to_pfn(page));

	return move_freepages_block_pfn(zone, start, migratetype);
}

unsigned long move_freepages_block_pfn(struct zone *zone, unsigned long start, int migratetype)
{
	unsigned long end = start + pageblock_nr_pages, pfn, moved = 0;
	int old = get_pfnblock_migratetype(start);

	if (old == migratetype)
		return 0;
	if (pageblock_memmap_deferred(start)) {
		move_deferred_run(zone, start, end, migratetype);
		return pageblock_nr_pages;
	}
	set_pfnblock_migratetype(start, migratetype);
	if (is_migrate_isolate(old))
		zone->nr_isolate_pageblock--;
	if (is_migrate_isolate(migratetype))
		zone->nr_isolate_pageblock++;

	for (pfn = start; pfn < end;) {
		struct page *p = pfn_to_page(pfn);
		if (PageBuddy(p)) {
			move_to_free_list(p, zone, p->order, old, migratetype);
			moved += 1UL << p->order;
			pfn += 1UL << p->order;
		} else {
			pfn++;
		}
	}
	if (!is_migrate_isolate(migratetype) || pageblock_memmap_lazy(start))
		return moved; /* a lazy pageblock is one free chunk: no pcp pages in it */
	/* No free page of an isolated pageblock may wait in the pcp cache (it would be handed out). */
	for (pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(pfn);
		if (!PagePcp(p))
			continue;
		list_del(&p->lru);
		p->page_type = PGTY_NONE;
		zone->pcp.count--;
		__free_one_page(p, pfn, zone, 0, migratetype, FPI_NONE);
		moved++;
	}
	return moved;
}

void move_deferred_run(struct zone *zone, unsigned long pfn, unsigned long end, int migratetype)
{
	unsigned long n = 0;
	u8 b = *pageblock_byte(pfn);
	int old = pageblock_flags_migratetype(b);

	if (old == migratetype)
		return;
	if (is_migrate_isolate(migratetype))
		b |= PB_MIGRATE_ISOLATE;
	else
		b = (u8)((b & ~(PB_MIGRATETYPE_MASK | PB_MIGRATE_ISOLATE)) | (unsigned int)migratetype);
	/* a section's bytes at a time; a memmap pageblock (the first of its section) keeps its own */
	for (unsigned long p = pfn; p < end;) {
		unsigned long stop = min(end, section_nr_to_pfn(pfn_to_section_nr(p) + 1));
		if (*pageblock_byte(p) & PB_MEMMAP_ON_MEMORY)
			p += pageblock_nr_pages;
		if (p < stop) {
			pageblock_set_run(p, stop, b);
			n += (stop - p) >> pageblock_order;
		}
		p = stop;
	}
	if (is_migrate_isolate(old))
		zone->nr_isolate_pageblock -= n;
	if (is_migrate_isolate(migratetype))
		zone->nr_isolate_pageblock += n;
	/* free, outside the buddy: only the count moves; out of isolation they can be carved again */
	zone->free_pages[old] -= n * pageblock_nr_pages;
	zone->free_pages[migratetype] += n * pageblock_nr_pages;
	if (is_migrate_isolate(old))
		deferred_hint_add(zone, pfn, end);
}

bool pageblock_isolate_and_move_free_pages(struct zone *zone, unsigned long pfn)
{
	pfn = pageblock_start_pfn(pfn);
	if (is_migrate_isolate(get_pfnblock_migratetype(pfn)))
		return false;
	move_freepages_block_pfn(zone, pfn, MIGRATE_ISOLATE);
	return true;
}

bool pageblock_unisolate_and_move_free_pages(struct zone *zone, unsigned long pfn)
{
	pfn = pageblock_start_pfn(pfn);
	if (!is_migrate_isolate(get_pfnblock_migratetype(pfn)))
		return false;
	move_freepages_block_pfn(zone, pfn, get_pfnblock_own_migratetype(pfn));
	return true;
}

bool __isolate_free_page(struct page *page, unsigned int order)
{
	if (!PageBuddy(page) || page->order != order)
		return false;
	del_page_from_free_list(page, page_zone(page), order, get_pfnblock_migratetype(page_to_pfn(page)));
	page->order = (u8)order;
	set_page_count(page, 0);
	return true;
}

bool take_page_off_buddy(struct page *page)
{
	unsigned long pfn, flags;
	bool ret = false;

	/* page may lie in a lazy or deferred pageblock (its own fields not written yet): find it by
	 * address. */
	if (!page_to_pfn_safe(page, &pfn))
		return false;
	struct zone *zone = pfn_zone(pfn);
	spin_lock_irqsave(&zone->lock, flags);
	deferred_materialize(zone, pageblock_start_pfn(pfn));
	memmap_init_pageblock(pfn);
	for (unsigned int order = 0; order <= MAX_ORDER; order++) {
		unsigned long head_pfn = pfn & ~((1UL << order) - 1);
		struct page *head = page - (pfn - head_pfn);
		unsigned int high = head->order;

		if (!PageBuddy(head) || high < order)
			continue;
		int mt = get_pfnblock_migratetype(head_pfn);
		del_page_from_free_list(head, zone, high, mt);
		/* Halve the chunk towards the target, giving back the half without it. */
		while (high > 0) {
			high--;
			struct page *upper = head + (1UL << high);
			if (page >= upper) {
				add_to_free_list(head, zone, high, mt);
				head = upper;
			} else {
				add_to_free_list(upper, zone, high, mt);
			}
		}
		page->order = 0;
		set_page_count(page, 0);
		ret = true;
		break;
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return ret;
}

unsigned long __offline_isolated_pages(unsigned long start_pfn, unsigned long end_pfn)
{
	struct zone *zone = pfn_zone(start_pfn);
	unsigned long pfn, taken = 0, flags;

	spin_lock_irqsave(&zone->lock, flags);
	for (pfn = start_pfn; pfn < end_pfn;) {
		struct page *page = pfn_to_page(pfn);
		if (pageblock_aligned(pfn) && pageblock_memmap_on_memory(pfn)) {
			pfn += pageblock_nr_pages; /* memmap: never in the zone's counts */
			continue;
		}
		if (pageblock_aligned(pfn) && pageblock_memmap_deferred(pfn)) {
			/* never used: nothing to write, a run of them at once (past memmap pageblocks) */
			unsigned long memmap = 0,
				      run =
					  pageblock_online_run_end(pfn, ALIGN_UP(end_pfn, pageblock_nr_pages),
								   0xff, *pageblock_byte(pfn), &memmap);
			taken += deferred_offline(zone, pfn, run, memmap);
			pfn = run;
			continue;
		}
		if (pageblock_aligned(pfn) && is_migrate_isolate(get_pfnblock_migratetype(pfn)))
			zone->nr_isolate_pageblock--; /* the pageblock leaves the zone still marked ISOLATE */
		if (PageBuddy(page)) {
			unsigned int order = page->order;
			__del_page_from_free_list(page, zone, order, get_pfnblock_migratetype(pfn));
			taken += 1UL << order;
			pfn += 1UL << order;
			continue;
		}
		if (!(PageOffline(page) && page_ref_count(page) == 0))
			pr_err("mm: offlining pfn 0x%lx: page is neither free nor offline (type %s, refcount "
			       "%d)\n",
			       pfn, page_type_name(page->page_type), page_ref_count(page));
		pfn++;
	}
	deferred_offline_done(zone, start_pfn, end_pfn);
	spin_unlock_irqrestore(&zone->lock, flags);
	return taken;
}

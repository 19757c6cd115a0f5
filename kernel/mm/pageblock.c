/* Pageblock migrate types, and the buddy entry points isolation, offlining and onlining build on:
 * move_freepages_block, __isolate_free_page, take_page_off_buddy, __offline_isolated_pages,
 * memmap_init_range, zone span changes. docs/mm-core.md. */
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/gfp.h"
#include "internal.h"

bool memmap_lazy_init = true;

static u8 *pageblock_byte(unsigned long pfn)
{
	struct mem_section *ms = __pfn_to_section(pfn);
	return &ms->pageblock_flags[(pfn & ~PAGE_SECTION_MASK) >> pageblock_order];
}

bool pageblock_memmap_lazy(unsigned long pfn)
{
	return *pageblock_byte(pfn) & PB_MEMMAP_LAZY;
}

/* A struct page as memmap init leaves it: reserved, refcount 1, in its zone and section. */
static void init_single_page(struct page *page, unsigned long pfn, unsigned int zid)
{
	memset(page, 0, sizeof(*page));
	page->flags = 1u << PG_reserved;
	set_page_zone_section(page, zid, pfn_to_section_nr(pfn));
	init_page_count(page);
}

void memmap_init_pageblock(unsigned long pfn)
{
	unsigned long start = pageblock_start_pfn(pfn);
	u8 *b = pageblock_byte(start);

	if (!(*b & PB_MEMMAP_LAZY))
		return;
	struct page *head = pfn_to_page(start);
	bool free = PageBuddy(head) || (!PageReserved(head) && page_ref_count(head) == 0);
	unsigned int zid = page_zonenum(head);
	for (unsigned long i = 1; i < pageblock_nr_pages; i++) {
		init_single_page(head + i, start + i, zid);
		if (free) {
			__ClearPageReserved(head + i);
			set_page_count(head + i, 0);
		}
	}
	*b &= (u8)~PB_MEMMAP_LAZY;
}

long memmap_count_offline(unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long pfn = start_pfn, end = start_pfn + nr_pages;
	long n = 0;

	while (pfn < end) {
		struct mem_section *ms = __pfn_to_section(pfn);
		if (!present_section(ms) || !(ms->flags & SECTION_MEMMAP_INIT)) {
			pfn = section_nr_to_pfn(pfn_to_section_nr(pfn) + 1);
			continue;
		}
		n += PageOffline(pfn_to_page(pfn));
		if (pageblock_aligned(pfn) && pageblock_memmap_lazy(pfn))
			pfn += pageblock_nr_pages;
		else
			pfn++;
	}
	return n;
}

int get_pfnblock_migratetype(unsigned long pfn)
{
	return *pageblock_byte(pfn) & PB_MIGRATETYPE_MASK;
}

void set_pfnblock_migratetype(unsigned long pfn, int migratetype)
{
	u8 *b = pageblock_byte(pfn);
	*b = (u8)((*b & ~PB_MIGRATETYPE_MASK) | (unsigned int)migratetype);
}

void set_pageblock_migratetype(struct page *page, int migratetype)
{
	set_pfnblock_migratetype(page_to_pfn(page), migratetype);
}

unsigned long move_freepages_block(struct zone *zone, struct page *page, int migratetype)
{
	unsigned long start = pageblock_start_pfn(page_to_pfn(page));
	unsigned long end = start + pageblock_nr_pages, pfn, moved = 0;
	int old = get_pfnblock_migratetype(start);

	if (old == migratetype)
		return 0;
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
		__free_one_page(p, pfn, zone, 0, migratetype);
		moved++;
	}
	return moved;
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

	/* page may lie in a lazy pageblock (its own fields not written yet): find it by address. */
	if (!page_to_pfn_safe(page, &pfn))
		return false;
	struct zone *zone = page_zone(pfn_to_page(pageblock_start_pfn(pfn)));
	spin_lock_irqsave(&zone->lock, flags);
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
	struct zone *zone = page_zone(pfn_to_page(start_pfn));
	unsigned long pfn, taken = 0, flags;

	spin_lock_irqsave(&zone->lock, flags);
	for (pfn = start_pfn; pfn < end_pfn;) {
		struct page *page = pfn_to_page(pfn);
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
	spin_unlock_irqrestore(&zone->lock, flags);
	return taken;
}

/* ---- memmap init, zone spans ---- */

void memmap_init_range(unsigned long start_pfn, unsigned long nr_pages, enum zone_type zid, int migratetype)
{
	unsigned long end = start_pfn + nr_pages;

	for (unsigned long pfn = start_pfn; pfn < end; pfn++)
		init_single_page(pfn_to_page(pfn), pfn, zid);
	for (unsigned long pfn = pageblock_start_pfn(start_pfn); pfn < end; pfn += pageblock_nr_pages) {
		/* A lazy block only partly written here gets the rest of its memmap first. */
		if (pageblock_memmap_lazy(pfn) && (pfn < start_pfn || pfn + pageblock_nr_pages > end))
			memmap_init_pageblock(pfn);
		*pageblock_byte(pfn) &= (u8)~PB_MEMMAP_LAZY;
		set_pfnblock_migratetype(pfn, migratetype);
	}
	sparse_mark_memmap_init(start_pfn, nr_pages);
}

/* memmap_init_range for whole pageblocks, writing only their first struct page. */
static void memmap_init_range_lazy(unsigned long start_pfn, unsigned long nr_pages, enum zone_type zid,
				   int migratetype)
{
	for (unsigned long pfn = start_pfn; pfn < start_pfn + nr_pages; pfn += pageblock_nr_pages) {
		init_single_page(pfn_to_page(pfn), pfn, zid);
		*pageblock_byte(pfn) |= PB_MEMMAP_LAZY;
		set_pfnblock_migratetype(pfn, migratetype);
	}
	sparse_mark_memmap_init(start_pfn, nr_pages);
}

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
			    int migratetype)
{
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	zone_grow(zone, start_pfn, nr_pages);
	spin_unlock_irqrestore(&zone->lock, flags);
	if (memmap_lazy_init && pageblock_aligned(start_pfn) && pageblock_aligned(nr_pages))
		memmap_init_range_lazy(start_pfn, nr_pages, zone->idx, migratetype);
	else
		memmap_init_range(start_pfn, nr_pages, zone->idx, migratetype);
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

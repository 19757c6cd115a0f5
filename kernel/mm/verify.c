/* mm_verify: every invariant of the free lists, the pcp cache, the zones and the memmap (debug.h). */
#include "kernel/printk.h"
#include "lib/printf.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "internal.h"

#define MAX_REPORTED 50

struct vctx {
	mm_print_fn pr;
	int violations;
};

static void __printf(2, 3) bad(struct vctx *v, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	if (v->violations++ >= MAX_REPORTED)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	v->pr("verify: %s\n", buf);
}

/* One free list: linkage, membership, counts. Returns the pages on it. */
static unsigned long check_free_list(struct vctx *v, struct zone *zone, unsigned int order, int mt)
{
	struct list_head *head = &zone->free_area[order].free_list[mt], *pos;
	unsigned long n = 0, limit = zone->spanned_pages + 1;

	for (pos = head->next; pos != head; pos = pos->next) {
		struct page *page = list_entry(pos, struct page, lru);
		unsigned long pfn;

		if (!pos->next || pos->next->prev != pos) {
			bad(v, "zone %s order %u %s: free list broken after entry %lu", zone->name, order,
			    migratetype_names[mt], n);
			break;
		}
		if (++n > limit) {
			bad(v, "zone %s order %u %s: free list longer than the zone (loop?)", zone->name,
			    order, migratetype_names[mt]);
			break;
		}
		if (!page_in_memmap(page, &pfn)) {
			bad(v, "zone %s order %u %s: list entry %p is not a struct page", zone->name, order,
			    migratetype_names[mt], (void *)page);
			break;
		}
		if (!PageBuddy(page))
			bad(v, "free list entry not PageBuddy (type %s) (pfn 0x%lx)",
			    page_type_name(page->page_type), pfn);
		if (page->order != order)
			bad(v, "free chunk of order %u on the order-%u list (pfn 0x%lx)", page->order, order,
			    pfn);
		if (pfn & ((1UL << order) - 1))
			bad(v, "free chunk not aligned to its order %u (pfn 0x%lx)", order, pfn);
		if (page_zone(page) != zone || !zone_spans_pfn(zone, pfn))
			bad(v, "free chunk of zone %s on zone %s's list (pfn 0x%lx)", page_zone(page)->name,
			    zone->name, pfn);
		if (!online_section_nr(pfn_to_section_nr(pfn)))
			bad(v, "free chunk in an offline section (pfn 0x%lx)", pfn);
		else if (get_pfnblock_migratetype(pfn) != mt)
			bad(v, "free chunk on the %s list in a %s pageblock (pfn 0x%lx)",
			    migratetype_names[mt], migratetype_names[get_pfnblock_migratetype(pfn)], pfn);
		if (page_ref_count(page) != 0)
			bad(v, "free chunk with refcount %d (pfn 0x%lx)", page_ref_count(page), pfn);
		if (PageReserved(page))
			bad(v, "free chunk is PG_reserved (pfn 0x%lx)", pfn);
	}
	if (n != zone->free_area[order].nr_free[mt])
		bad(v, "zone %s order %u %s: nr_free %lu but %lu chunks on the list", zone->name, order,
		    migratetype_names[mt], zone->free_area[order].nr_free[mt], n);
	return n << order;
}

static void check_pcp(struct vctx *v, struct zone *zone)
{
	unsigned long n = 0, pfn;

	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
		struct list_head *head = &zone->pcp.lists[mt], *pos;
		for (pos = head->next; pos != head; pos = pos->next) {
			struct page *page = list_entry(pos, struct page, lru);
			if (++n > zone->spanned_pages + 1 || !pos->next || pos->next->prev != pos) {
				bad(v, "zone %s: pcp list %s broken", zone->name, migratetype_names[mt]);
				break;
			}
			if (!page_in_memmap(page, &pfn)) {
				bad(v, "zone %s: pcp entry %p is not a struct page", zone->name,
				    (void *)page);
				break;
			}
			if (!PagePcp(page) || page_ref_count(page) || page_zone(page) != zone)
				bad(v, "pcp page not PagePcp/refcount 0/in zone %s (pfn 0x%lx)", zone->name,
				    pfn);
			if (is_migrate_isolate(get_pfnblock_migratetype(pfn)))
				bad(v, "pcp page in an isolated pageblock (pfn 0x%lx)", pfn);
			if (!online_section_nr(pfn_to_section_nr(pfn)))
				bad(v, "pcp page in an offline section (pfn 0x%lx)", pfn);
		}
	}
	if (n != zone->pcp.count)
		bad(v, "zone %s: pcp count %u but %lu pages on the lists", zone->name, zone->pcp.count, n);
}

struct zone_walk {
	unsigned long heads[NR_PAGE_ORDERS];
	unsigned long pcp, isolate_blocks;
	unsigned long deferred[MIGRATE_TYPES]; /* pages of deferred pageblocks, per list type */
};

/* A deferred pageblock (mmzone.h): none of its struct pages is read. It must lie in its zone's span,
 * and be where a carve looks unless it is isolated. */
static void check_deferred(struct vctx *v, struct zone_walk *w, unsigned int z, unsigned long pfn)
{
	int mt = get_pfnblock_migratetype(pfn);

	w[z].deferred[mt] += pageblock_nr_pages;
	if (!zone_spans_pfn(&zones[z], pfn))
		bad(v, "deferred pageblock outside its zone %s's span (pfn 0x%lx)", zones[z].name, pfn);
	if (pageblock_memmap_lazy(pfn))
		bad(v, "pageblock both deferred and lazy (pfn 0x%lx)", pfn);
	if (!is_migrate_isolate(mt) && !deferred_hinted(&zones[z], pfn))
		bad(v, "deferred pageblock no carve can reach (pfn 0x%lx)", pfn);
}

/* Walks every page of the online sections once. */
static void walk_memmap(struct vctx *v, struct zone_walk *w)
{
	unsigned long nr, lo = ~0UL, hi = 0, on_memory = 0;

	/* Pages outside every zone span hold nothing to check (holes at the ends of sections). */
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		if (zone_is_empty(&zones[z]))
			continue;
		lo = min(lo, zones[z].zone_start_pfn);
		hi = max(hi, zone_end_pfn(&zones[z]));
	}

	for_each_present_section_nr(0, nr) {
		struct mem_section *ms = __nr_to_section(nr);
		unsigned long base = section_nr_to_pfn(nr);
		bool mom = ms->flags & SECTION_MEMMAP_ON_MEMORY;

		/* memmap on memory: the section's first pageblock, and its memmap points there */
		if (mom != !!(ms->pageblock_flags[0] & PB_MEMMAP_ON_MEMORY) ||
		    (mom && (void *)ms->memmap != phys_to_virt(PFN_PHYS(base))))
			bad(v, "section %lu: memmap-on-memory flags disagree", nr);
		for (unsigned long b = 1; b < PAGEBLOCKS_PER_SECTION; b++)
			if (ms->pageblock_flags[b] & PB_MEMMAP_ON_MEMORY)
				bad(v, "pageblock %lu of section %lu holds memmap", b, nr);
		on_memory += mom ? pageblock_nr_pages : 0;
		if (!online_section(ms))
			continue;
		for (unsigned long b = 0; b < PAGEBLOCKS_PER_SECTION; b++) {
			u8 pb = ms->pageblock_flags[b];
			if ((pb & PB_MIGRATETYPE_MASK) >= MIGRATE_PCPTYPES)
				bad(v, "pageblock with own migrate type %u (pfn 0x%lx)",
				    pb & PB_MIGRATETYPE_MASK, base + (b << pageblock_order));
			if (pb & PB_MIGRATE_ISOLATE)
				w[section_zonenum(ms)].isolate_blocks++;
		}
		unsigned long first = lo > base ? lo - base : 0;
		unsigned long last =
		    hi < base + PAGES_PER_SECTION ? (hi > base ? hi - base : 0) : PAGES_PER_SECTION;
		for (unsigned long i = first; i < last;) {
			struct page *page = ms->memmap + i;
			unsigned long pfn = base + i;

			if (pageblock_memmap_on_memory(pfn)) {
				if (ms->pageblock_flags[0] &
				    (PB_MIGRATE_ISOLATE | PB_MEMMAP_DEFERRED | PB_MEMMAP_LAZY))
					bad(v, "memmap pageblock at pfn 0x%lx is isolated, lazy or deferred",
					    pfn);
				i = ALIGN_UP(i + 1, pageblock_nr_pages);
				continue;
			}
			if (pageblock_memmap_deferred(pfn)) {
				if (pageblock_aligned(pfn))
					check_deferred(v, w, section_zonenum(ms), pfn);
				i = ALIGN_UP(i + 1, pageblock_nr_pages);
				continue;
			}
			unsigned int z = page_zonenum(page);

			if (page_to_section(page) != nr || z >= MAX_NR_ZONES) {
				bad(v, "struct page says section %lu zone %u (pfn 0x%lx)",
				    page_to_section(page), z, pfn);
				i++;
				continue;
			}
			/* reserved holes at the end of a section may lie past their zone's span */
			if (!zone_spans_pfn(&zones[z], pfn) && !PageReserved(page))
				bad(v, "page outside its zone %s's span (pfn 0x%lx)", zones[z].name, pfn);
			if (PagePcp(page))
				w[z].pcp++;
			if (pageblock_aligned(pfn) && pageblock_memmap_lazy(pfn)) {
				/* Lazy memmap: the pageblock must be one free max-order chunk; its other
				 * struct pages are not written yet. */
				if (!PageBuddy(page) || page->order != MAX_ORDER)
					bad(v,
					    "lazy-memmap pageblock is not one free 2 MiB chunk (pfn 0x%lx)",
					    pfn);
				else
					w[z].heads[MAX_ORDER]++;
				i += pageblock_nr_pages;
				continue;
			}
			if (!PageBuddy(page)) {
				i++;
				continue;
			}
			unsigned int order = page->order;
			if (order > MAX_ORDER || (pfn & ((1UL << order) - 1))) {
				bad(v, "PageBuddy with bad order %u (pfn 0x%lx)", order, pfn);
				i++;
				continue;
			}
			w[z].heads[order]++;
			/* __free_one_page's rule: its buddy (same pageblock, so in this section) is not a
			 * free chunk of the same order. A pair is reported once, from its lower half. */
			unsigned long bi = i ^ (1UL << order);
			if (order < MAX_ORDER && bi > i && page_is_buddy(page, ms->memmap + bi, order))
				bad(v, "free buddies of order %u at pfn 0x%lx and 0x%lx are not merged",
				    order, pfn, base + bi);
			for (unsigned long t = 1; t < (1UL << order); t++) {
				struct page *tail = page + t;
				if (PageBuddy(tail) || PagePcp(tail) || PageReserved(tail) ||
				    page_ref_count(tail) || tail->page_type != PGTY_NONE) {
					bad(v,
					    "page inside a free order-%u chunk at 0x%lx is %s/refcount %d%s "
					    "(pfn 0x%lx)",
					    order, pfn, page_type_name(tail->page_type), page_ref_count(tail),
					    PageReserved(tail) ? "/reserved" : "", pfn + t);
					break;
				}
			}
			i += 1UL << order;
		}
	}
	if (on_memory != (unsigned long)mm_stat_read(NR_MEMMAP_ON_MEMORY_PAGES))
		bad(v, "MemmapOnMemory: %ld pages counted, %lu set aside in present sections",
		    mm_stat_read(NR_MEMMAP_ON_MEMORY_PAGES), on_memory);
}

static struct mm_verify_hook *verify_hooks;

void mm_register_verify_hook(struct mm_verify_hook *hook)
{
	hook->next = verify_hooks;
	verify_hooks = hook;
}

int mm_verify(mm_print_fn pr)
{
	struct vctx v = {pr ? pr : mm_printk, 0};
	struct zone_walk w[MAX_NR_ZONES] = {0};
	unsigned long flags[MAX_NR_ZONES];

	for (int z = 0; z < MAX_NR_ZONES; z++)
		spin_lock_irqsave(&zones[z].lock, flags[z]);

	walk_memmap(&v, w);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &zones[z];
		unsigned long free = 0, deferred = 0;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			unsigned long pages = 0;
			for (unsigned int o = 0; o <= MAX_ORDER; o++)
				pages += check_free_list(&v, zone, o, mt);
			pages += w[z].deferred[mt];
			if (pages != zone->free_pages[mt])
				bad(&v,
				    "zone %s %s: free_pages %lu but %lu pages on the lists (%lu deferred)",
				    zone->name, migratetype_names[mt], zone->free_pages[mt], pages,
				    w[z].deferred[mt]);
			free += pages;
			deferred += w[z].deferred[mt];
		}
		if (deferred != zone->nr_deferred)
			bad(&v, "zone %s: nr_deferred %lu but %lu pages in deferred pageblocks", zone->name,
			    zone->nr_deferred, deferred);
		for (unsigned int o = 0; o <= MAX_ORDER; o++) {
			unsigned long listed = 0;
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				listed += zone->free_area[o].nr_free[mt];
			if (listed != w[z].heads[o])
				bad(&v,
				    "zone %s order %u: %lu PageBuddy heads in the memmap but %lu on the "
				    "lists",
				    zone->name, o, w[z].heads[o], listed);
		}
		check_pcp(&v, zone);
		if (w[z].pcp != zone->pcp.count)
			bad(&v, "zone %s: %lu PagePcp pages in the memmap but pcp count %u", zone->name,
			    w[z].pcp, zone->pcp.count);
		if (w[z].isolate_blocks != zone->nr_isolate_pageblock)
			bad(&v, "zone %s: %lu isolated pageblocks but nr_isolate_pageblock %lu", zone->name,
			    w[z].isolate_blocks, zone->nr_isolate_pageblock);
		free += zone->pcp.count;
		if (free && !zone->managed_pages)
			bad(&v, "zone %s: %lu free pages but the zone is not managed", zone->name, free);
		if (free > zone->managed_pages || zone->managed_pages > zone->present_pages ||
		    zone->present_pages > zone->spanned_pages)
			bad(&v, "zone %s: counts out of order: free %lu managed %lu present %lu spanned %lu",
			    zone->name, free, zone->managed_pages, zone->present_pages, zone->spanned_pages);
	}

	for (int z = MAX_NR_ZONES - 1; z >= 0; z--)
		spin_unlock_irqrestore(&zones[z].lock, flags[z]);
	for (struct mm_verify_hook *h = verify_hooks; h; h = h->next)
		v.violations += (int)h->check(v.pr);
	if (v.violations > MAX_REPORTED)
		v.pr("verify: ... %d more not shown\n", v.violations - MAX_REPORTED);
	return v.violations;
}

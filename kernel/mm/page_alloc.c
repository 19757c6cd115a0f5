/* The zoned buddy allocator: alloc_pages/free_pages, merging, migrate-type fallback with pageblock
 * stealing, the order-0 (pcp) cache and the checks that refuse bad frees (docs/mm-core.md). The moves
 * of free pages that isolation, offlining and onlining build on are page_moves.c. */
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "mm/gfp.h"
#include "mm/oom.h"
#include "internal.h"

struct zone zones[MAX_NR_ZONES];
unsigned long mm_bad_frees;
bool page_poison_enabled;

const char *const migratetype_names[MIGRATE_TYPES] = {"Unmovable", "Movable", "Isolate"};

#define PCP_HIGH  256
#define PCP_BATCH 32

static void zone_pcp_init(struct zone *zone)
{
	zone->pcp.count = 0;
	zone->pcp.high = PCP_HIGH;
	zone->pcp.batch = PCP_BATCH;
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
		INIT_LIST_HEAD(&zone->pcp.lists[mt]);
}

void zones_reset(void)
{
	static const char *const names[MAX_NR_ZONES] = {"Normal", "Movable"};

	memset(zones, 0, sizeof(zones));
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &zones[z];

		spin_lock_init(&zone->lock);
		zone->name = names[z];
		zone->idx = (enum zone_type)z;
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				INIT_LIST_HEAD(&zone->free_area[o].free_list[mt]);
		zone_pcp_init(zone);
	}
}

/* ---- poisoning (page_poison=1) ---- */

static int set_page_poison(const char *val)
{
	return parse_01(val, &page_poison_enabled);
}
CMDLINE_PARAM_VALID(page_poison, "page_poison", set_page_poison, "0 or 1");

static void poison_pages(struct page *page, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		memset(page_address(page + i), PAGE_POISON, PAGE_SIZE);
		page[i].flags |= 1u << PG_poisoned;
	}
}

static void check_poison(struct page *page, unsigned int order)
{
	const u64 pattern = 0x0101010101010101ULL * PAGE_POISON;

	for (unsigned long i = 0; i < (1UL << order); i++) {
		if (!(page[i].flags & (1u << PG_poisoned)))
			continue;
		page[i].flags &= ~(1u << PG_poisoned);
		const u64 *w = page_address(page + i);
		for (unsigned long k = 0; k < PAGE_SIZE / 8; k++) {
			if (w[k] != pattern) {
				pr_err("mm: pfn 0x%lx written after free: offset 0x%lx holds 0x%016llx\n",
				       page_to_pfn(page + i), k * 8, w[k]);
				break;
			}
		}
	}
}

/* ---- the buddy proper (zone->lock held) ---- */

void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone, unsigned int order, int mt,
		     fpi_t fpi_flags)
{
	/* LAB buddy BEGIN merge */
	while (order < MAX_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		/* A chunk never leaves its pageblock (MAX_ORDER == pageblock_order), so the buddy is in the
		 * same section's memmap and on the same migrate type's lists. */
		struct page *buddy = page + ((long)buddy_pfn - (long)pfn);

		if (!page_is_buddy(page, buddy, order))
			break;
		del_page_from_free_list(buddy, zone, order, mt);
		if (buddy_pfn < pfn) {
			page = buddy;
			pfn = buddy_pfn;
		}
		order++;
	}
	/* LAB buddy END merge */
	__add_to_free_list(page, zone, order, mt, fpi_flags & FPI_TO_TAIL);
}

/* Splits a chunk of order `high` taken off the lists down to `low`, giving the upper halves back. */
static void expand(struct zone *zone, struct page *page, unsigned int low, unsigned int high, int mt)
{
	/* LAB buddy BEGIN split */
	while (high > low) {
		high--;
		add_to_free_list(page + (1UL << high), zone, high, mt);
	}
	/* LAB buddy END split */
}

static struct page *__rmqueue_smallest(struct zone *zone, unsigned int order, int mt)
{
	for (unsigned int cur = order; cur <= MAX_ORDER; cur++) {
		struct list_head *list = &zone->free_area[cur].free_list[mt];
		if (list_empty(list))
			continue;
		struct page *page = list_first_entry(list, struct page, lru);
		del_page_from_free_list(page, zone, cur, mt);
		expand(zone, page, order, cur, mt);
		return page;
	}
	return NULL;
}

/* Free pages in the pageblock of pfn (buddy chunks only). */
static unsigned long pageblock_free_pages(unsigned long pfn)
{
	unsigned long start = pageblock_start_pfn(pfn), end = start + pageblock_nr_pages, n = 0;

	for (pfn = start; pfn < end;) {
		struct page *page = pfn_to_page(pfn);
		if (PageBuddy(page)) {
			n += 1UL << page->order;
			pfn += 1UL << page->order;
		} else {
			pfn++;
		}
	}
	return n;
}

/* The request's own type ran dry: take the largest chunk of the other (pcp) type. When the chunk is
 * a whole pageblock, or big (>= half a pageblock's order) or the request unmovable, and at least half
 * of its pageblock is free, the pageblock changes type (Linux's steal_suitable_fallback); otherwise
 * the request is served from the other type's pageblock, which keeps its type. */
static struct page *__rmqueue_fallback(struct zone *zone, unsigned int order, int mt)
{
	int other = mt == MIGRATE_MOVABLE ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE;

	for (int cur = MAX_ORDER; cur >= (int)order; cur--) {
		struct list_head *list = &zone->free_area[cur].free_list[other];
		if (list_empty(list))
			continue;
		struct page *page = list_first_entry(list, struct page, lru);
		unsigned long pfn = page_to_pfn(page);

		if (cur == pageblock_order || ((cur >= pageblock_order / 2 || mt == MIGRATE_UNMOVABLE) &&
					       pageblock_free_pages(pfn) >= pageblock_nr_pages / 2)) {
			move_freepages_block(zone, page, mt);
			return __rmqueue_smallest(zone, order, mt);
		}
		del_page_from_free_list(page, zone, cur, other);
		expand(zone, page, order, cur, other);
		return page;
	}
	return NULL;
}

static struct page *__rmqueue(struct zone *zone, unsigned int order, int mt)
{
	struct page *page = __rmqueue_smallest(zone, order, mt);

	if (!page)
		page = __rmqueue_fallback(zone, order, mt);
	/* The free lists are empty for this request: one deferred pageblock into the buddy (a free
	 * max-order chunk serves any request through one of the two paths), the rest stays deferred. */
	if (!page && deferred_carve(zone)) {
		page = __rmqueue_smallest(zone, order, mt);
		if (!page)
			page = __rmqueue_fallback(zone, order, mt);
	}
	return page;
}

/* ---- the order-0 cache (zone->lock held) ---- */

static unsigned int pcp_refill(struct zone *zone, int mt)
{
	struct per_cpu_pages *pcp = &zone->pcp;
	unsigned int n;

	for (n = 0; n < pcp->batch; n++) {
		struct page *page = __rmqueue(zone, 0, mt);
		if (!page)
			break;
		page->page_type = PGTY_PCP;
		list_add_tail(&page->lru, &pcp->lists[mt]);
	}
	pcp->count += n;
	return n;
}

/* Gives `count` pages from the cold ends of the pcp lists back to the buddy. */
static void pcp_free_bulk(struct zone *zone, unsigned int count)
{
	struct per_cpu_pages *pcp = &zone->pcp;
	int mt = 0, empty = 0;

	while (count && pcp->count && empty < MIGRATE_PCPTYPES) {
		struct list_head *list = &pcp->lists[mt];
		mt = (mt + 1) % MIGRATE_PCPTYPES;
		if (list_empty(list)) {
			empty++; /* all lists empty with count > 0 is a bug verify reports: don't spin */
			continue;
		}
		empty = 0;
		struct page *page = list_entry(list->prev, struct page, lru);
		unsigned long pfn = page_to_pfn(page);
		list_del(&page->lru);
		page->page_type = PGTY_NONE;
		pcp->count--;
		count--;
		__free_one_page(page, pfn, zone, 0, get_pfnblock_migratetype(pfn), FPI_NONE);
	}
}

void drain_zone_pages(struct zone *zone)
{
	if (!zone) {
		for (zone = zones; zone < zones + MAX_NR_ZONES; zone++)
			drain_zone_pages(zone);
		return;
	}
	unsigned long flags;
	spin_lock_irqsave(&zone->lock, flags);
	pcp_free_bulk(zone, zone->pcp.count);
	spin_unlock_irqrestore(&zone->lock, flags);
}

void drain_all_pages(struct zone *zone)
{
	drain_zone_pages(zone);
}

void zone_pcp_disable(struct zone *zone)
{
	unsigned long flags;
	spin_lock_irqsave(&zone->lock, flags);
	zone->pcp_disabled++;
	pcp_free_bulk(zone, zone->pcp.count);
	spin_unlock_irqrestore(&zone->lock, flags);
}

void zone_pcp_enable(struct zone *zone)
{
	unsigned long flags;
	spin_lock_irqsave(&zone->lock, flags);
	if (zone->pcp_disabled > 0)
		zone->pcp_disabled--;
	spin_unlock_irqrestore(&zone->lock, flags);
}

/* ---- allocation ---- */

static struct page *rmqueue(struct zone *zone, unsigned int order, int mt)
{
	struct per_cpu_pages *pcp = &zone->pcp;
	struct page *page = NULL;
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	if (order == 0 && !zone->pcp_disabled) {
		struct list_head *list = &pcp->lists[mt];
		if (list_empty(list) && !pcp_refill(zone, mt) && pcp->count) {
			/* The buddy is dry but the other list caches pages: give them back, retry. */
			pcp_free_bulk(zone, pcp->count);
			pcp_refill(zone, mt);
		}
		if (!list_empty(list)) {
			page = list_first_entry(list, struct page, lru);
			list_del(&page->lru);
			page->page_type = PGTY_NONE;
			pcp->count--;
		}
	} else {
		page = __rmqueue(zone, order, mt);
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return page;
}

static void prep_new_page(struct page *page, unsigned int order, gfp_t gfp)
{
	page->order = (u8)order;
	page->owner = 0;
	page->private = 0;
	page->flags &= ~(1u << PG_isolated);
	set_page_count(page, 1);
	if (page_poison_enabled)
		check_poison(page, order);
	if (gfp & __GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
}

static LIST_HEAD(oom_notifiers);
static bool oom_notifying;

void register_oom_notifier(struct oom_notifier *nb)
{
	list_add_tail(&nb->list, &oom_notifiers);
}

void unregister_oom_notifier(struct oom_notifier *nb)
{
	list_del(&nb->list);
}

unsigned long oom_notify(unsigned long nr_pages)
{
	struct oom_notifier *nb, *next;
	unsigned long freed = 0;

	if (oom_notifying)
		return 0;
	oom_notifying = true;
	list_for_each_entry_safe(nb, next, &oom_notifiers, list) {
		freed += nb->release(nb, nr_pages - freed);
		if (freed >= nr_pages)
			break;
	}
	oom_notifying = false;
	return freed;
}

static struct page *try_alloc_pages(gfp_t gfp, unsigned int order)
{
	static const enum zone_type movable_list[] = {ZONE_MOVABLE, ZONE_NORMAL};
	static const enum zone_type kernel_list[] = {ZONE_NORMAL};
	const enum zone_type *zl = (gfp & __GFP_MOVABLE) ? movable_list : kernel_list;
	int nz = (gfp & __GFP_MOVABLE) ? 2 : 1;
	int mt = gfp_migratetype(gfp);

	for (int i = 0; i < nz; i++) {
		struct zone *zone = &zones[zl[i]];
		if (!zone->managed_pages)
			continue;
		struct page *page = rmqueue(zone, order, mt);
		if (page) {
			prep_new_page(page, order, gfp);
			return page;
		}
	}
	return NULL;
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *page;

	if (order > MAX_ORDER)
		return NULL;
	page = try_alloc_pages(gfp, order);
	if (!page && !(gfp & __GFP_NORETRY) && oom_notify(1UL << order))
		page = try_alloc_pages(gfp, order);
	if (!page)
		zones[ZONE_NORMAL].alloc_fail++; /* the last zone every request tries */
	return page;
}

void *__get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);
	return page ? page_address(page) : NULL;
}

/* ---- freeing ---- */

/* Checks a page about to be freed as an allocation of `order`; prints one line and returns false when
 * it is not one. The refcount is the caller's to check. */
static bool free_page_sane(struct page *page, unsigned int order, const char *who)
{
	unsigned long pfn = 0;
	const char *why = NULL;

	if (!page_in_memmap(page, &pfn))
		why = "not a struct page of present memory";
	else if (order > MAX_ORDER)
		why = "order too large";
	else if (!online_section_nr(pfn_to_section_nr(pfn)))
		why = "page in an offline section";
	else if (PageBuddy(page) || PagePcp(page))
		why = "double free (page is already free)";
	else if (PageReserved(page))
		why = "reserved page";
	else if (page->page_type != PGTY_NONE)
		why = "page still typed (slab, table, offline...)";
	else if (page->order != order)
		why = "order differs from the allocation's";
	else if (pfn & ((1UL << order) - 1))
		why = "pfn not aligned to the order";
	else if (!page_zone(page)->managed_pages)
		why = "zone not managed";
	if (!why)
		return true;
	mm_bad_frees++;
	if (page_in_memmap(page, &pfn))
		pr_err("mm: %s of pfn 0x%lx order %u refused: %s\n", who, pfn, order, why);
	else
		pr_err("mm: %s of %p order %u refused: %s\n", who, (const void *)page, order, why);
	return false;
}

/* Last reference gone: back to the pcp cache (order 0, not FPI_TO_TAIL) or the buddy. */
static void __free_pages_ok(struct page *page, unsigned int order, fpi_t fpi_flags)
{
	unsigned long pfn = page_to_pfn(page);
	struct zone *zone = page_zone(page);
	unsigned long flags;
	int mt;

	page->owner = 0;
	page->private = 0;
	page->flags &= ~(1u << PG_isolated);
	if (page_poison_enabled)
		poison_pages(page, order);

	spin_lock_irqsave(&zone->lock, flags);
	mt = get_pfnblock_migratetype(pfn);
	if (order == 0 && !zone->pcp_disabled && !is_migrate_isolate(mt) && !(fpi_flags & FPI_TO_TAIL)) {
		struct per_cpu_pages *pcp = &zone->pcp;
		page->page_type = PGTY_PCP;
		list_add(&page->lru, &pcp->lists[mt]);
		if (++pcp->count > pcp->high)
			pcp_free_bulk(zone, pcp->batch);
	} else {
		__free_one_page(page, pfn, zone, order, mt, fpi_flags);
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

void free_pages_fpi(struct page *page, unsigned int order, fpi_t fpi_flags)
{
	if (!free_page_sane(page, order, "free_pages"))
		return;
	if (page_ref_count(page) <= 0) {
		mm_bad_frees++;
		pr_err("mm: free_pages of pfn 0x%lx order %u refused: refcount %d\n", page_to_pfn(page),
		       order, page_ref_count(page));
		return;
	}
	if (page_ref_dec_and_test(page))
		__free_pages_ok(page, order, fpi_flags);
}

void free_pages(struct page *page, unsigned int order)
{
	free_pages_fpi(page, order, FPI_NONE);
}

void free_pages_addr(void *addr, unsigned int order)
{
	struct page *page = addr ? virt_to_page(addr) : NULL;

	if (!page || page_address(page) != addr) {
		mm_bad_frees++;
		pr_err("mm: free_pages_addr of %p refused: not a page of memory\n", addr);
		return;
	}
	free_pages(page, order);
}

void put_page(struct page *page)
{
	unsigned long pfn;

	if (!page_in_memmap(page, &pfn)) {
		mm_bad_frees++;
		pr_err("mm: put_page of %p refused: not a struct page of present memory\n", (void *)page);
		return;
	}
	if (page_ref_count(page) <= 0) {
		mm_bad_frees++;
		pr_err("mm: put_page of pfn 0x%lx refused: refcount already %d\n", pfn, page_ref_count(page));
		return;
	}
	if (!page_ref_dec_and_test(page) || PageOffline(page))
		return;
	if (free_page_sane(page, page->order, "put_page"))
		__free_pages_ok(page, page->order, FPI_NONE);
	else
		set_page_count(page, 1); /* refused: leave it as it was */
}

void split_page(struct page *page, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		page[i].order = 0;
		set_page_count(page + i, 1);
	}
}

void __free_pages_core(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), n = 1UL << order, flags;
	struct zone *zone = page_zone(page);
	/* A whole lazy pageblock goes to the buddy as its head alone (lazy memmap, mmzone.h). */
	unsigned long write = n;

	if (pageblock_memmap_lazy(pfn)) {
		if (order == pageblock_order)
			write = 1;
		else
			memmap_init_pageblock(pfn);
	}
	for (unsigned long i = 0; i < write; i++) {
		__ClearPageReserved(page + i);
		page[i].flags &= ~(1u << PG_poisoned);
		set_page_count(page + i, 0);
		page[i].page_type = PGTY_NONE;
	}
	spin_lock_irqsave(&zone->lock, flags);
	zone->managed_pages += n;
	__free_one_page(page, pfn, zone, order, get_pfnblock_migratetype(pfn), FPI_TO_TAIL);
	spin_unlock_irqrestore(&zone->lock, flags);
}

/* ---- counters ---- */

unsigned long zone_free_pages(const struct zone *z)
{
	return z->free_pages[MIGRATE_UNMOVABLE] + z->free_pages[MIGRATE_MOVABLE] + z->pcp.count;
}

unsigned long nr_free_pages(void)
{
	unsigned long n = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += zone_free_pages(&zones[z]);
	return n;
}

unsigned long totalram_pages(void)
{
	unsigned long n = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += zones[z].managed_pages;
	return n;
}

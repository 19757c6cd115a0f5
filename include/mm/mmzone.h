/* Zones, pageblocks and the buddy's free lists (docs/mm-core.md).
 *
 * Two zones on one node: ZONE_NORMAL (boot memory; all kernel allocations) and ZONE_MOVABLE (memory that
 * must stay unpluggable: only movable allocations, which prefer it). A pageblock is 2^pageblock_order
 * pages (2 MiB) with one migrate type, kept per section outside struct page (sparse.h). The largest buddy
 * chunk is exactly one pageblock, so a chunk never spans two pageblocks and a 2 MiB virtio-mem sub-block
 * is one chunk.
 *
 * Invariants (mm_verify checks them): a free chunk sits on free_area[order].free_list[mt] where mt is
 * its pageblock's migrate type; zone->free_pages[mt] is the sum of those chunks' pages; pages on the
 * pcp lists are PagePcp, order 0, refcount 0, in a pageblock whose type is not MIGRATE_ISOLATE.
 *
 * Locking: zone->lock (spin_lock_irqsave) guards the free lists, the pcp lists, the counters and the
 * pageblock migrate types of the zone. Functions named __x expect it held. */
#ifndef MM_MMZONE_H
#define MM_MMZONE_H

#include "kernel/spinlock.h"
#include "kernel/types.h"
#include "lib/list.h"
#include "mm/page.h"

#define MAX_ORDER	   9 /* orders 0..MAX_ORDER inclusive (Linux >= 6.4 calls it MAX_PAGE_ORDER) */
#define NR_PAGE_ORDERS	   (MAX_ORDER + 1)
#define MAX_ORDER_NR_PAGES (1UL << MAX_ORDER)
#define pageblock_order	   9
#define pageblock_nr_pages (1UL << pageblock_order)
_Static_assert(MAX_ORDER == pageblock_order, "a max-order chunk is exactly one pageblock");

#define pageblock_start_pfn(pfn) ((pfn) & ~(pageblock_nr_pages - 1))
#define pageblock_end_pfn(pfn)	 (pageblock_start_pfn(pfn) + pageblock_nr_pages)
#define pageblock_aligned(pfn)	 IS_ALIGNED((unsigned long)(pfn), pageblock_nr_pages)

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_PCPTYPES,		    /* the types with a pcp list */
	MIGRATE_ISOLATE = MIGRATE_PCPTYPES, /* never allocated from; frees into it stay there. Not a
					     * pageblock's own type: what an isolated pageblock reports
					     * (PB_MIGRATE_ISOLATE), its lists' index */
	MIGRATE_TYPES
};
extern const char *const migratetype_names[MIGRATE_TYPES];

static inline bool is_migrate_isolate(int mt)
{
	return mt == MIGRATE_ISOLATE;
}

enum zone_type { ZONE_NORMAL, ZONE_MOVABLE, MAX_NR_ZONES };

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free[MIGRATE_TYPES]; /* chunks on each list */
};

/* The order-0 cache in front of the buddy (Linux's per-CPU page lists; one CPU here). Free order-0
 * pages wait here (PagePcp) until `count` passes `high`, then `batch` of them go back to the buddy. */
struct per_cpu_pages {
	unsigned int count;
	unsigned int high;
	unsigned int batch;
	struct list_head lists[MIGRATE_PCPTYPES];
};

/* Where a zone's deferred pageblocks may be (kernel/mm/deferred.c): sorted, disjoint. */
struct deferred_range {
	unsigned long start, end;
};
#define NR_DEFERRED_RANGES 16

struct zone {
	spinlock_t lock;
	const char *name; /* "Normal", "Movable" */
	enum zone_type idx;
	/* The zone spans [zone_start_pfn, zone_start_pfn + spanned_pages) (may contain holes and pages of
	 * the other zone); present_pages = pages of RAM in online sections that belong to it;
	 * managed_pages = present minus reserved and PageOffline pages a driver took out
	 * (adjust_managed_page_count). */
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	unsigned long managed_pages;
	unsigned long free_pages[MIGRATE_TYPES]; /* pages in the buddy lists and deferred pageblocks, per
						  * migrate type */
	unsigned long nr_deferred; /* pages of deferred pageblocks (free, managed, not in the buddy) */
	unsigned int nr_deferred_ranges;
	struct deferred_range deferred[NR_DEFERRED_RANGES];
	unsigned long nr_isolate_pageblock; /* pageblocks of this zone currently MIGRATE_ISOLATE */
	struct free_area free_area[NR_PAGE_ORDERS];
	struct per_cpu_pages pcp;
	int pcp_disabled;	  /* > 0: frees bypass the pcp cache (zone_pcp_disable, for offlining) */
	unsigned long alloc_fail; /* requests this zone could not satisfy (for meminfo/debug) */
};

extern struct zone zones[MAX_NR_ZONES];

#define for_each_zone(z) for ((z) = zones; (z) < zones + MAX_NR_ZONES; (z)++)

static inline struct zone *page_zone(const struct page *page)
{
	return &zones[page_zonenum(page)];
}
static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}
static inline bool zone_spans_pfn(const struct zone *z, unsigned long pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}
static inline bool populated_zone(const struct zone *z)
{
	return z->present_pages != 0;
}
static inline bool managed_zone(const struct zone *z)
{
	return z->managed_pages != 0;
}
static inline bool zone_is_empty(const struct zone *z)
{
	return z->spanned_pages == 0;
}

/* Free pages a request can get from the zone: buddy lists except ISOLATE, plus the pcp cache. */
unsigned long zone_free_pages(const struct zone *z);
/* Sum over the zones; meminfo's MemFree. */
unsigned long nr_free_pages(void);
/* Sum of managed pages; meminfo's MemTotal. */
unsigned long totalram_pages(void);

/* ---- pageblock migrate types (kernel/mm/pageblock.c; stored per section, sparse.h) ----
 * A pageblock has its own migrate type (MIGRATE_UNMOVABLE or MIGRATE_MOVABLE) and, apart from it, an
 * isolate bit (as Linux keeps PB_migrate_isolate): isolating sets the bit and leaves the type alone,
 * so ending the isolation (undo_isolate_page_range) returns the pageblock to the type it had. */
/* The list type of the pageblock holding pfn: MIGRATE_ISOLATE while it is isolated, else its own. */
int get_pfnblock_migratetype(unsigned long pfn);
static inline int get_pageblock_migratetype(const struct page *page);
/* The pageblock's own type, also while it is isolated (the type the isolation returns it to). */
int get_pfnblock_own_migratetype(unsigned long pfn);
/* Sets what get_pfnblock_migratetype reports, nothing else (the free chunks stay on their lists):
 * MIGRATE_ISOLATE sets the isolate bit and keeps the own type; another type becomes the own type and
 * clears the bit. Only for callers that then move the chunks (move_freepages_block does both). */
void set_pfnblock_migratetype(unsigned long pfn, int migratetype);

/* ---- the buddy's moves of free pages (kernel/mm/page_alloc.c) ---- */
/* Sets the pageblock holding `page` to `migratetype` as set_pfnblock_migratetype does and moves every
 * free buddy chunk in it to that type's lists, keeping the counters. zone->lock held. Returns the
 * number of free pages moved. For MIGRATE_ISOLATE the block's pcp pages are pulled out of the cache
 * too. Keeps zone->nr_isolate_pageblock. */
unsigned long move_freepages_block(struct zone *zone, struct page *page, int migratetype);
/* The same for the pageblock starting at pfn, which may be deferred (its struct pages not written):
 * then only its count moves between the types. */
unsigned long move_freepages_block_pfn(struct zone *zone, unsigned long pfn, int migratetype);
/* The same for the deferred pageblocks [pfn, end) (aligned, sections of one zone, every one with the
 * flags byte of pfn's but the pageblocks holding memmap, which keep theirs) at once: their bytes and
 * counts move, nothing else. */
void move_deferred_run(struct zone *zone, unsigned long pfn, unsigned long end, int migratetype);
/* Isolation proper (page_isolation.c builds on these; zone->lock held): set the isolate bit and move
 * the free pages to the ISOLATE lists / clear it and move them back to the lists of the pageblock's
 * own type. False (nothing done) if the pageblock already is / is not isolated. */
bool pageblock_isolate_and_move_free_pages(struct zone *zone, unsigned long pfn);
bool pageblock_unisolate_and_move_free_pages(struct zone *zone, unsigned long pfn);

/* Takes the free chunk headed by `page` (PageBuddy, buddy_order == order) off its list: the pages
 * become allocated-looking (not PageBuddy, refcount 0, ->order = order) and leave the free counts.
 * zone->lock held. Returns false (nothing done) if page is not such a chunk. Used by
 * alloc_contig_range and offlining on an isolated range. */
bool __isolate_free_page(struct page *page, unsigned int order);
/* Takes the single free page `page` out of the buddy, wherever it sits inside a free chunk (the rest
 * of the chunk is split back onto the lists). Takes zone->lock. Returns true if the page was free in
 * the buddy and now is not (refcount 0, order 0). */
bool take_page_off_buddy(struct page *page);
/* Offlining step 6 (memory_hotplug.h): takes every free chunk in [start_pfn, end_pfn) off the buddy,
 * skipping PageOffline pages with refcount 0 (they are not in the buddy). The range must be isolated
 * and test_pages_isolated clean. Takes zone->lock. Returns the number of buddy pages taken out; the
 * caller adjusts present/managed counts. */
unsigned long __offline_isolated_pages(unsigned long start_pfn, unsigned long end_pfn);

/* Returns every pcp page of the zone (all zones when zone is NULL) to the buddy. */
void drain_zone_pages(struct zone *zone);
void drain_all_pages(struct zone *zone);
/* While disabled (nestable), freed order-0 pages skip the pcp cache; disable also drains. */
void zone_pcp_disable(struct zone *zone);
void zone_pcp_enable(struct zone *zone);

/* ---- memmap init (kernel/mm/memmap_init.c, boot and hotplug) ---- */
/* Writes the struct pages of [start_pfn, start_pfn + nr): zone and section in flags, PG_reserved,
 * refcount 1, type NONE, owner 0; gives each pageblock it touches the own type `migratetype`, isolated
 * when `isolate_pageblock` (the caller counts those in zone->nr_isolate_pageblock). The sections must
 * be present (sparse_add_section). Does not touch the memory itself. */
void memmap_init_range(unsigned long start_pfn, unsigned long nr_pages, enum zone_type zid, int migratetype,
		       bool isolate_pageblock);
/* Lazy memmap, on by default (memmap_lazy_init). memmap_init_range_lazy writes only the first struct
 * page of each whole pageblock and marks the pageblock PB_MEMMAP_LAZY; __free_pages_core(head,
 * MAX_ORDER) then frees the block as one chunk, still writing only the head. The other 511 struct
 * pages are written when the chunk first leaves the free lists (allocation, isolation,
 * take_page_off_buddy). Boot memory's free pageblocks are initialized so (mm_init), and a deferred
 * pageblock (below) becomes lazy when it is carved.
 * The rule for code outside the allocator: a struct page inside a lazy pageblock holds garbage until
 * memmap_init_pageblock(pfn) ran. Walkers skip a free chunk from its head (buddy_order) or ask
 * pageblock_memmap_lazy(); an online-page callback that touches every page of its chunk (to keep it
 * PageOffline) calls memmap_init_pageblock(pfn) first; PageOffline counts use memmap_count_offline. */
extern bool memmap_lazy_init;
/* Deferred memmap, on with memmap_lazy_init: onlining hot-plugged memory (move_pfn_range_to_zone of a
 * pageblock-aligned range) writes no struct page at all. Its pageblocks are PB_MEMMAP_DEFERRED; the
 * online-page callback either gives a run of them to generic_online_page, which counts them free and
 * managed in the zone without putting them in the buddy, or writes them (fake_offline_pages). An
 * allocation that finds the zone's free lists empty carves one deferred pageblock into the buddy (its
 * head written: a lazy pageblock from then on); isolation, offlining and the other walkers skip
 * deferred pageblocks as free, and alloc_contig_range materializes the ones it takes. Offlining and
 * removing a never-used range writes nothing. The rule for code outside the allocator: in a deferred
 * pageblock no struct page may be read, not even the first; ask pageblock_memmap_deferred(). */
bool pageblock_memmap_deferred(unsigned long pfn);
/* The pageblock holds memmap (MHP_MEMMAP_ON_MEMORY, PB_MEMMAP_ON_MEMORY): neither free nor in use as
 * ordinary memory, no struct page of it written; every walker skips it whole, before reading a
 * struct page. */
bool pageblock_memmap_on_memory(unsigned long pfn);
/* Writes the struct pages of the lazy pageblock holding pfn as a full init would have left them (free
 * tails if the head is free, else reserved with refcount 1); nothing if it is neither lazy nor deferred.
 * Cheap to call again. zone->lock held, or the block not reachable by anyone else (onlining). A
 * deferred pageblock gets every struct page written reserved with refcount 1: only for one that is not
 * counted free, i.e. one an online-page callback keeps out of the buddy (fake_offline_pages); a counted
 * one goes through deferred_materialize (kernel/mm) first. */
void memmap_init_pageblock(unsigned long pfn);
bool pageblock_memmap_lazy(unsigned long pfn);
/* PageOffline pages among [start_pfn, start_pfn + nr) (sections present with an initialized memmap),
 * counting a lazy pageblock by its first page only. */
long memmap_count_offline(unsigned long start_pfn, unsigned long nr_pages);

/* ---- zone span and managed pages (kernel/mm/zone.c) ---- */
/* Hotplug's onlining prologue: grows the zone span to cover the range, then memmap_init_range (or, when
 * memmap_lazy_init and the range is pageblock aligned, no struct page at all: deferred memmap above) with
 * `migratetype` (Linux onlines with MIGRATE_MOVABLE in both zones) and `isolate_pageblock` (keeps the new
 * pages out of reach until the caller un-isolates, which leaves them `migratetype`). present_pages is the
 * caller's to add. */
void move_pfn_range_to_zone(struct zone *zone, unsigned long start_pfn, unsigned long nr_pages,
			    int migratetype, bool isolate_pageblock);
/* Shrinks the zone span after [start_pfn, start_pfn+nr) left the zone (offline, sections already
 * offline): a range at an edge moves that edge to the next section still online in the zone (past
 * gaps); a range in the middle leaves the span alone, as in Linux. Looks only at the sections between
 * the old and the new edge. */
void remove_pfn_range_from_zone(struct zone *zone, unsigned long start_pfn, unsigned long nr_pages);
/* Adds count (may be negative) to the managed pages of page's zone, as drivers do when they take
 * pages out (PageOffline) or give them back. */
void adjust_managed_page_count(struct page *page, long count);

/* page_alloc.c: hands 2^order never-used pages (memmap initialized, PG_reserved, refcount 1) to the
 * buddy: clears reserved, adds them to the zone's managed count and frees them as one chunk. This is
 * the default online-page step (generic_online_page) and how memblock retires. Onlining never writes
 * the pages' memory, only their struct pages (and with page_poison=1 not even then: unpoisoned pages
 * are fine). */
void __free_pages_core(struct page *page, unsigned int order);
/* Onlining's hand-over of whole pageblocks [pfn, pfn + nr) that joined a zone (move_pfn_range_to_zone)
 * to it, as generic_online_page does: deferred pageblocks are counted free and managed with no struct
 * page written (deferred memmap, above), the others go through __free_pages_core as max-order chunks.
 * Takes zone->lock. */
void free_online_range(unsigned long pfn, unsigned long nr_pages);

/* ---- implementation helpers that need sparse.h ---- */
#include "mm/sparse.h"

/* The zone of a pfn in an online section, from the section (its struct page may not be written yet). */
static inline struct zone *pfn_zone(unsigned long pfn)
{
	return &zones[section_zonenum(__pfn_to_section(pfn))];
}

static inline int get_pageblock_migratetype(const struct page *page)
{
	return get_pfnblock_migratetype(page_to_pfn(page));
}

/* get_pfnblock_migratetype of a pageblock_flags byte (sparse.h). */
static inline int pageblock_flags_migratetype(u8 flags)
{
	return (flags & PB_MIGRATE_ISOLATE) ? MIGRATE_ISOLATE : (int)(flags & PB_MIGRATETYPE_MASK);
}

#endif

/* Helpers shared by the files of kernel/mm only (not an API). */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "mm/mmzone.h"
#include "mm/page.h"
#include "mm/sparse.h"

/* Free-list primitives; zone->lock held. The list a chunk goes on is given by the caller and must be
 * its pageblock's migrate type (mmzone.h invariant). Allocation takes chunks from the head of a list;
 * a chunk added at the tail is allocated after every chunk already there. */
static inline void __add_to_free_list(struct page *page, struct zone *zone, unsigned int order, int mt,
				      bool tail)
{
	struct list_head *list = &zone->free_area[order].free_list[mt];

	page->page_type = PGTY_BUDDY;
	page->order = (u8)order;
	if (tail)
		list_add_tail(&page->lru, list);
	else
		list_add(&page->lru, list);
	zone->free_area[order].nr_free[mt]++;
	zone->free_pages[mt] += 1UL << order;
}

static inline void add_to_free_list(struct page *page, struct zone *zone, unsigned int order, int mt)
{
	__add_to_free_list(page, zone, order, mt, false);
}

/* Takes a chunk off its list without looking at its other struct pages (a lazy pageblock stays lazy):
 * only for chunks that go out of use (offlining). */
static inline void __del_page_from_free_list(struct page *page, struct zone *zone, unsigned int order, int mt)
{
	list_del(&page->lru);
	page->page_type = PGTY_NONE;
	zone->free_area[order].nr_free[mt]--;
	zone->free_pages[mt] -= 1UL << order;
}

/* Takes a chunk off its list; a max-order chunk of a lazy pageblock gets its memmap written first, as
 * whoever takes it may look at any of its pages. */
static inline void del_page_from_free_list(struct page *page, struct zone *zone, unsigned int order, int mt)
{
	if (unlikely(order == MAX_ORDER))
		memmap_init_pageblock(page_to_pfn(page));
	list_del(&page->lru);
	page->page_type = PGTY_NONE;
	zone->free_area[order].nr_free[mt]--;
	zone->free_pages[mt] -= 1UL << order;
}

/* Moves a chunk to the tail of another type's list (pageblock type changes and isolation, as Linux
 * does): pages un-isolated after onlining then wait behind the ones that were free already. */
static inline void move_to_free_list(struct page *page, struct zone *zone, unsigned int order, int from,
				     int to)
{
	list_move_tail(&page->lru, &zone->free_area[order].free_list[to]);
	zone->free_area[order].nr_free[from]--;
	zone->free_area[order].nr_free[to]++;
	zone->free_pages[from] -= 1UL << order;
	zone->free_pages[to] += 1UL << order;
}

/* The merge rule of __free_one_page, which mm_verify also checks (no two chunks it would merge are
 * left side by side): a free chunk of order o < MAX_ORDER merges with the chunk at pfn ^ (1 << o) when
 * that one is free, of order o and in the same zone. Both halves always lie in one pageblock
 * (MAX_ORDER == pageblock_order), so they share its migrate type: the exception Linux makes, no merge
 * of an isolated pageblock with a neighbouring pageblock of another type, concerns merges past
 * pageblock_order and never arises here; ISOLATE chunks merge like the others. */
static inline bool page_is_buddy(const struct page *page, const struct page *buddy, unsigned int order)
{
	return PageBuddy(buddy) && buddy_order(buddy) == order && page_zonenum(buddy) == page_zonenum(page);
}

/* How a page goes back to the buddy (Linux's fpi_t, "free page internal" flags). */
typedef unsigned int fpi_t;
#define FPI_NONE 0u
/* To the tail of the free lists, past the pcp cache: memory that was never used or was just given
 * back (onlining, memblock retiring, free_contig_range) is allocated after what was free already,
 * so memory just plugged stays empty as long as possible and can be unplugged without migration. */
#define FPI_TO_TAIL (1u << 0)

/* pageblock.c: the flags byte of the pageblock holding pfn (its section must be present). */
static inline u8 *pageblock_byte(unsigned long pfn)
{
	struct mem_section *ms = __pfn_to_section(pfn);
	return &ms->pageblock_flags[(pfn & ~PAGE_SECTION_MASK) >> pageblock_order];
}
/* Memmap init's setting of a pageblock: own type `migratetype`, isolated or not, whatever it was. */
void init_pageblock_migratetype(unsigned long pfn, int migratetype, bool isolate);
/* memmap_init.c: memmap_init_range for whole pageblocks, writing only their first struct page and
 * marking them PB_MEMMAP_LAZY (mmzone.h, lazy memmap). */
void memmap_init_range_lazy(unsigned long start_pfn, unsigned long nr_pages, enum zone_type zid,
			    int migratetype, bool isolate_pageblock);

/* memmap_init.c: memmap_init_range for whole pageblocks that writes no struct page: marks them
 * PB_MEMMAP_DEFERRED (mmzone.h, deferred memmap); the online-page callback then counts or writes them.
 * Pageblocks holding memmap in the range keep their byte. */
void memmap_init_range_deferred(unsigned long start_pfn, unsigned long nr_pages, enum zone_type zid,
				int migratetype, bool isolate_pageblock);
/* Writes the head struct page of the pageblock at pfn as the head of a free lazy pageblock (zone zid,
 * refcount 0, not reserved) and marks it PB_MEMMAP_LAZY instead of deferred. */
void memmap_init_free_head(unsigned long pfn, unsigned int zid);

/* deferred.c (zone->lock held unless said): deferred pageblocks of a zone. */
/* An allocation found the zone's free lists empty: the first deferred, not isolated pageblock goes to
 * the buddy as one max-order chunk (its head struct page written). False when there is none. */
bool deferred_carve(struct zone *zone);
/* The deferred pageblock at pfn (aligned) goes to the buddy now, on the list of its pageblock's type
 * (ISOLATE while isolated): for walkers that need its struct pages. Nothing if it is not deferred. */
void deferred_materialize(struct zone *zone, unsigned long pfn);
/* Offlining step 6 for the isolated deferred pageblocks [pfn, end) (aligned, all with pfn's flags
 * byte but `memmap` pageblocks in it that hold memmap, which are not counted): they leave the zone's
 * counts; returns their pages. They stay PB_MEMMAP_DEFERRED (their memmap was never written). */
unsigned long deferred_offline(struct zone *zone, unsigned long pfn, unsigned long end, unsigned long memmap);
/* After step 6 over [start_pfn, end_pfn): forget the range as a place of deferred pageblocks. */
void deferred_offline_done(struct zone *zone, unsigned long start_pfn, unsigned long end_pfn);
/* [start, end) holds deferred pageblocks again (an isolation of them ended). */
void deferred_hint_add(struct zone *zone, unsigned long start, unsigned long end);
/* mm_verify: is pfn inside one of the zone's ranges? */
bool deferred_hinted(const struct zone *zone, unsigned long pfn);

/* page_alloc.c: frees a chunk into the buddy with merging (zone->lock held, no checks). */
void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone, unsigned int order, int mt,
		     fpi_t fpi_flags);
/* free_pages with fpi flags (the same checks and refusals). */
void free_pages_fpi(struct page *page, unsigned int order, fpi_t fpi_flags);
/* Resets the zones (mm_init). */
void zones_reset(void);
/* zone.c: grows the zone span to cover [start, start+nr) (zone->lock held or boot). */
void zone_grow(struct zone *zone, unsigned long start_pfn, unsigned long nr_pages);
/* sparse.c: forgets every section (mm_init). */
void sparse_reset(void);
/* Sets the memmap-initialized mark and the zone zid (section_zonenum) of the sections covering
 * [start, start+nr). A section is in one zone: boot splits zones at section boundaries, hotplug onlines
 * whole blocks. */
void sparse_mark_memmap_init(unsigned long start_pfn, unsigned long nr_pages, unsigned int zid);
#define SECTION_MEMMAP_INIT (1u << 4)
/* added by add_memory_driver_managed: only that driver removes it (memory_add_remove.c) */
#define SECTION_DRIVER_MANAGED (1u << 5)
/* offline_and_remove_memory took this block offline and onlines it again if the removal fails
 * (memory_add_remove.c; set and cleared under the hotplug lock, never left behind) */
#define SECTION_OFFLINED_FOR_REMOVAL (1u << 6)
/* added with MHP_MEMMAP_ON_MEMORY: its first pageblock holds its memmap (memory_add_remove.c) */
#define SECTION_MEMMAP_ON_MEMORY (1u << 7)
/* pageblock.c: runs of pageblocks, read and written eight flags bytes at a time, so that a walk over
 * never-used memory costs per section, not per pageblock (a 1 TiB device has 2^19 pageblocks).
 * pfn is pageblock-aligned and below end; every section met must be present.
 * pageblock_same_run_end: the end of the run of pageblocks from pfn on whose flags byte equals pfn's,
 *   inside pfn's section, at most end.
 * pageblock_set_run: the flags byte of every pageblock of [pfn, end) (one section) becomes b.
 * pageblock_masked_run_end: the end of the run of pageblocks from pfn on whose flags byte, masked with
 *   mask, equals value, across sections; at most end. */
unsigned long pageblock_same_run_end(unsigned long pfn, unsigned long end);
void pageblock_set_run(unsigned long pfn, unsigned long end, u8 b);
unsigned long pageblock_masked_run_end(unsigned long pfn, unsigned long end, u8 mask, u8 value);
/* Walkers that step over never-used memory: from pfn (pageblock-aligned, below end) the end of the run
 * of pageblocks whose byte masked equals value, crossing only sections that are online and in pfn's
 * zone, at most end (pfn when there is none). With memmap non-NULL the run also takes in the pageblocks that
 * hold memmap, and *memmap grows by their number. */
/* Is every pageblock of the (present) section deferred or holding memmap: nothing written in it? */
bool pageblock_section_unused(const struct mem_section *ms);
unsigned long pageblock_online_run_end(unsigned long pfn, unsigned long end, u8 mask, u8 value,
				       unsigned long *memmap);
/* Walkers skipping never-used memory: the deferred pageblock at pfn (aligned, below end) and those
 * after it in its section with the same flags byte are passed in one step; the pageblock-aligned pfn
 * after them (end rounded up, at most). */
static inline unsigned long deferred_run_end(unsigned long pfn, unsigned long end)
{
	return pageblock_same_run_end(pfn, ALIGN_UP(end, pageblock_nr_pages));
}
/* Pageblock-aligned pfn below end: the end of the run of pageblocks from pfn on that hold no memmap
 * (PB_MEMMAP_ON_MEMORY), at most end. Walkers of whole blocks call onlining steps per run. */
static inline unsigned long memmap_free_run_end(unsigned long pfn, unsigned long end)
{
	return pageblock_masked_run_end(pfn, end, PB_MEMMAP_ON_MEMORY, 0);
}
/* slab.c */
void kmalloc_reset(void);

/* A struct page pointer that really points into a present memmap; its pfn in *pfn. Reads
 * page->flags for the section, so it is false for an unwritten page of a lazy pageblock. */
bool page_in_memmap(const struct page *page, unsigned long *pfn);
/* The same without trusting page->flags: falls back to looking for the memmap that holds the
 * pointer (one step per present section), for pages of lazy pageblocks. */
bool page_to_pfn_safe(const struct page *page, unsigned long *pfn);

static inline unsigned int ilog2_ul(unsigned long v)
{
	return 63u - (unsigned int)__builtin_clzl(v);
}

#endif

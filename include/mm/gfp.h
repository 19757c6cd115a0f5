/* The page allocator's entry points (kernel/mm/page_alloc.c).
 *
 * Requests carry gfp flags. GFP_KERNEL (the default, unmovable) is served only by ZONE_NORMAL;
 * GFP_MOVABLE (__GFP_MOVABLE) prefers ZONE_MOVABLE and falls back to ZONE_NORMAL, as in Linux. Inside a
 * zone a request takes its migrate type's lists first, then steals from the other type (claiming the
 * whole pageblock when that is worth it). MIGRATE_ISOLATE pageblocks are never allocated from.
 *
 * Allocations never sleep and never reclaim: before failing, a request without __GFP_NORETRY asks the
 * OOM notifiers (mm/oom.h) once to give pages back and tries again; out of memory is then a NULL
 * return (no log line; the caller reports). May not be called from interrupt context (docs/ARCHITECTURE.md).
 */
#ifndef MM_GFP_H
#define MM_GFP_H

#include "kernel/types.h"
#include "mm/arch.h"
#include "mm/page.h"
#include "mm/mmzone.h"
#include "mm/sparse.h"

typedef unsigned int gfp_t;

#define __GFP_MOVABLE 0x01u /* the caller's owner can migrate the page (movable_operations) */
#define __GFP_ZERO    0x02u /* zero the memory */
#define __GFP_NOWARN  0x04u /* reserved for a future failure warning; accepted and ignored */
#define __GFP_NORETRY 0x08u /* fail at once: do not ask the OOM notifiers (mm/oom.h) for memory */

#define GFP_KERNEL	     0u
#define GFP_MOVABLE	     __GFP_MOVABLE
#define GFP_HIGHUSER_MOVABLE GFP_MOVABLE /* Linux's name for the same thing */

/* Migrate type of a request. */
static inline int gfp_migratetype(gfp_t gfp)
{
	return (gfp & __GFP_MOVABLE) ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE;
}

/* 2^order contiguous pages, naturally aligned, order <= MAX_ORDER (9). The first page has refcount 1
 * and ->order = order; the others refcount 0. Returns NULL when no zone allowed by gfp has a free chunk
 * of that order, or order > MAX_ORDER. */
struct page *alloc_pages(gfp_t gfp, unsigned int order);
#define alloc_page(gfp) alloc_pages(gfp, 0)

/* Frees an allocation of 2^order pages (page as returned by alloc_pages). If someone else still holds a
 * reference (refcount > 1) this only drops the caller's. Refuses with one `mm:` error line, changing
 * nothing, when page is not an allocation of that order: a pfn outside the memmap, a page not in a
 * managed zone, a reserved page, a free page (double free), refcount 0, an order mismatch or a
 * misaligned pfn. Returns nothing; mm_bad_frees counts refusals. */
void free_pages(struct page *page, unsigned int order);
#define __free_pages(page, order) free_pages(page, order)
#define __free_page(page)	  free_pages(page, 0)
extern unsigned long mm_bad_frees;

/* Turns one allocation of 2^order pages into 2^order order-0 allocations, each with refcount 1. */
void split_page(struct page *page, unsigned int order);

/* The direct-map address of a page / the page of a direct-map address (NULL when invalid). */
static inline void *page_address(const struct page *page)
{
	return phys_to_virt(page_to_phys(page));
}
static inline struct page *virt_to_page(const void *addr)
{
	unsigned long pfn = PHYS_PFN(virt_to_phys(addr));
	return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}

/* Allocates and returns the direct-map address, or NULL; free with free_pages_addr. */
void *__get_free_pages(gfp_t gfp, unsigned int order);
void free_pages_addr(void *addr, unsigned int order);

/* page_poison=1: freed pages are filled with PAGE_POISON and checked when allocated again (a mismatch
 * prints one `mm:` line per page naming the first bad offset). Off by default; never applied to
 * pages that were never allocated (onlining must not write plugged memory). */
#define PAGE_POISON 0xaa
extern bool page_poison_enabled;

#endif

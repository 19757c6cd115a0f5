/* Page isolation: taking pageblocks out of the allocator's reach so a range can be emptied
 * (kernel/mm/page_isolation.c; Linux's mm/page_isolation.c).
 *
 * An isolated pageblock has migrate type MIGRATE_ISOLATE: its free pages sit on the ISOLATE lists and
 * are never handed out, and pages freed into it stay there. Isolation refuses a pageblock that holds a
 * page nobody can move, so the caller knows early that emptying the range cannot work.
 *
 * What "movable" means (docs/HOTPLUG.md "The offlining protocol"):
 *   free (buddy or pcp)                                   fine
 *   allocated with movable operations (PageMovable)       fine: migration can move it
 *   PageOffline without movable operations                unmovable, EXCEPT with MEMORY_OFFLINE:
 *                                                         then it is isolatable (its owner may drop it
 *                                                         in MEM_GOING_OFFLINE), and test_pages_isolated
 *                                                         counts it as free when its refcount is 0
 *   anything else allocated, reserved, slab, page table   unmovable
 *
 * Callers serialize (hotplug lock or alloc_contig_range's callers); zone->lock is taken inside. */
#ifndef MM_PAGE_ISOLATION_H
#define MM_PAGE_ISOLATION_H

#include "kernel/compiler.h"
#include "kernel/types.h"
#include "mm/mmzone.h"

/* flags */
#define MEMORY_OFFLINE 0x1 /* isolating for offline_pages: PageOffline pages are isolatable */
#define REPORT_FAILURE 0x2 /* print the busy page (dump_page) when isolation fails */

/* The page that stopped an operation, and why ("kernel allocation", "reserved: kernel", "PageOffline,
 * refcount 1, no movable operations: its owner did not release it", "slab"...). */
struct busy_pfn {
	unsigned long pfn;
	char reason[96];
};
/* Fills *busy (when non-NULL and still empty: the first page wins) and returns -EBUSY. */
int busy_pfn_set(struct busy_pfn *busy, unsigned long pfn, const char *fmt, ...) __printf(3, 4);
static inline void busy_pfn_clear(struct busy_pfn *busy)
{
	if (busy) {
		busy->pfn = 0;
		busy->reason[0] = 0;
	}
}

/* Why `page` cannot be moved out of the way under `flags`: writes the reason into buf (len bytes) and
 * returns buf, or returns NULL if the page is free, movable, or (with MEMORY_OFFLINE) PageOffline. A
 * snapshot: takes no lock. */
const char *page_unmovable_reason(const struct page *page, int flags, char *buf, size_t len);

/* The first page in [start_pfn, end_pfn) (inside one zone, online) that page_unmovable_reason refuses,
 * skipping free chunks by their order; 0 and busy untouched when none, -EBUSY with *busy filled. */
int has_unmovable_pages(unsigned long start_pfn, unsigned long end_pfn, int flags, struct busy_pfn *busy);

/* Isolates every pageblock overlapping [start_pfn, end_pfn): checks it with has_unmovable_pages, sets
 * MIGRATE_ISOLATE and moves its free pages (buddy and pcp) to the ISOLATE lists. On failure the
 * pageblocks isolated by this call are un-isolated (to MIGRATE_MOVABLE) and -EBUSY is returned with
 * *busy naming the page (a pageblock already isolated by someone else reports "pageblock already
 * isolated"). busy may be NULL. */
int start_isolate_page_range(unsigned long start_pfn, unsigned long end_pfn, int flags,
			     struct busy_pfn *busy);
/* Gives every pageblock overlapping [start_pfn, end_pfn) that is MIGRATE_ISOLATE the type `migratetype`
 * back, moving its free pages along (they can merge and be allocated again). */
void undo_isolate_page_range(unsigned long start_pfn, unsigned long end_pfn, int migratetype);
/* 0 when every pageblock of the range is isolated and every page in [start_pfn, end_pfn) is free in the
 * buddy or (MEMORY_OFFLINE) PageOffline with refcount 0; else -EBUSY with *busy naming the first other
 * page ("allocated, refcount 1", ...). Drains the pcp cache first. */
int test_pages_isolated(unsigned long start_pfn, unsigned long end_pfn, int flags, struct busy_pfn *busy);

/* Pageblocks currently MIGRATE_ISOLATE in all zones (verify and the tests: none may be left). */
unsigned long nr_isolated_pageblocks(void);

#endif

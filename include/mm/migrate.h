/* Page migration for movable pages (kernel/mm/migrate.c; docs/HOTPLUG.md "Migration").
 *
 * An owner of movable pages (the workload, a balloon with compaction) registers its
 * struct movable_operations (page.h) with register_movable_ops and stamps each page it allocates
 * (GFP_MOVABLE) with __SetPageMovable(page, id). The protocol, for one page `src` with refcount >= 1
 * (the owner's reference):
 *
 *   isolate   migration takes a reference (get_page_unless_zero), then ops->isolate_page(src, mode).
 *             The owner answers false if the page cannot move now (nothing changes), or true: it takes
 *             src off its own lists; from then on src->lru belongs to migration (PG_isolated set) and
 *             the owner must not free src.
 *   migrate   migration allocates dst (same order, refcount 1, outside the range being emptied: the
 *             range is isolated, and get_new_page may choose) and calls ops->migrate_page(dst, src,
 *             mode). The owner moves its state to dst: copies the data (a balloon never reads or
 *             writes src or dst: both are PageOffline), sets dst's page type, owner id, private and
 *             list membership, and leaves src an ordinary allocated page (PGTY_NONE), still holding the
 *             owner's reference. It returns 0, or a negative errno with src untouched.
 *   finish    on 0 migration clears src's owner and drops both references: src goes back to the
 *             allocator (into an ISOLATE pageblock's free list when offlining). dst keeps refcount 1,
 *             now the owner's. On an error dst is freed, ops->putback_page(src) gives src back to the
 *             owner, and migration drops its reference.
 *
 * Callers serialize (hotplug lock, or alloc_contig_range's callers). Never from interrupt context. */
#ifndef MM_MIGRATE_H
#define MM_MIGRATE_H

#include "kernel/types.h"
#include "lib/list.h"
#include "mm/page.h"
#include "mm/page_isolation.h"

/* `mode` passed to the owner's operations: why the page moves. */
enum migrate_reason {
	MR_MEMORY_HOTPLUG, /* offline_pages */
	MR_CONTIG_RANGE,   /* alloc_contig_range */
	MR_TEST,	   /* tests, shell */
};

/* Allocates the target for src (refcount 1, order src->order), or NULL. */
typedef struct page *new_page_t(struct page *src, unsigned long private);
/* The default target: alloc_pages(GFP_MOVABLE, src->order). Isolated pageblocks are never allocated
 * from, so the target is outside any range being emptied. */
struct page *alloc_migration_target(struct page *src, unsigned long private);

/* Step "isolate" above for one page. true: the page is off its owner's lists, PG_isolated, and holds
 * migration's extra reference; false: nothing changed (not movable, free, or the owner said no). */
bool isolate_movable_page(struct page *page, int mode);
/* Gives an isolated page back to its owner (putback_page) and drops migration's reference. */
void putback_movable_page(struct page *page);
void putback_movable_pages(struct list_head *pages);

/* Migrates every page on `pages` (isolated, linked through lru) to a target from get_new_page.
 * Migrated pages leave the list and are freed; pages that could not move are put back to their owners.
 * Returns the number of pages that did not move (0: all moved), or -ENOMEM when a target could not be
 * allocated (the rest of the list is put back). *busy (may be NULL) names the first page that did not
 * move; *nr_succeeded (may be NULL) is increased by the pages moved. */
int migrate_pages(struct list_head *pages, new_page_t *get_new_page, unsigned long private, int mode,
		  struct busy_pfn *busy, unsigned long *nr_succeeded);

/* One pass over [start_pfn, end_pfn) (online, one zone): isolates every movable allocated page and
 * migrates it out (Linux's do_migrate_range). Free chunks are skipped by their order. A page that
 * page_unmovable_reason(flags) refuses (for MEMORY_OFFLINE: a PageOffline page with refcount > 0 and
 * no movable operations) stops the pass with -EBUSY. Returns 0 when the pass met nothing it could not
 * move, -EBUSY (unmovable page), -EAGAIN (an owner refused to isolate or a page did not migrate: worth
 * another pass), -ENOMEM (no target); *busy names the page. *nr_migrated (may be NULL) counts pages
 * moved (it is added to). */
int migrate_range(unsigned long start_pfn, unsigned long end_pfn, int flags, int mode, struct busy_pfn *busy,
		  unsigned long *nr_migrated);

/* Test knob: -1 (the default) never fails; N >= 0 lets N more alloc_migration_target calls succeed,
 * then every call fails (NULL) until the knob is set to -1 again. */
extern long migrate_fail_after;

#endif

/* Migration of movable pages (migrate.h): the isolate / migrate / putback protocol with an owner's
 * movable_operations, and one pass over a pfn range (offline_pages step 4, alloc_contig_range). */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/gfp.h"
#include "mm/migrate.h"
#include "internal.h"

long migrate_fail_after = -1;

struct page *alloc_migration_target(struct page *src, unsigned long private)
{
	(void)private;
	if (migrate_fail_after == 0)
		return NULL;
	if (migrate_fail_after > 0)
		migrate_fail_after--;
	return alloc_pages(GFP_MOVABLE, src->order);
}

bool isolate_movable_page(struct page *page, int mode)
{
	const struct movable_operations *ops = page_movable_ops(page);

	if (!ops || PageIsolated(page) || PageBuddy(page) || PagePcp(page))
		return false;
	if (!get_page_unless_zero(page))
		return false;
	if (!ops->isolate_page(page, mode)) {
		page_ref_dec(page); /* the owner still holds its own reference */
		return false;
	}
	SetPageIsolated(page);
	return true;
}

void putback_movable_page(struct page *page)
{
	const struct movable_operations *ops = page_movable_ops(page);

	ClearPageIsolated(page);
	if (ops)
		ops->putback_page(page);
	put_page(page);
}

void putback_movable_pages(struct list_head *pages)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		putback_movable_page(page);
	}
}

/* Moves one isolated page. 0: src is freed, the owner holds dst. Else src is untouched (still
 * isolated: the caller puts it back) and *busy says why. */
static int migrate_one(struct page *src, new_page_t *get_new_page, unsigned long private, int mode,
		       struct busy_pfn *busy)
{
	const struct movable_operations *ops = page_movable_ops(src);
	unsigned long pfn = page_to_pfn(src);
	unsigned int order = src->order;
	struct page *dst;
	int rc;

	/* The owner's reference and ours; anyone else holding one keeps the page where it is. */
	if (page_ref_count(src) != 2) {
		busy_pfn_set(busy, pfn, "%s page with an extra reference (refcount %d)", ops->name,
			     page_ref_count(src) - 1);
		return -EAGAIN;
	}
	dst = get_new_page(src, private);
	if (!dst) {
		busy_pfn_set(busy, pfn, "no free page to migrate this %s page to", ops->name);
		return -ENOMEM;
	}
	rc = ops->migrate_page(dst, src, mode);
	if (rc) {
		free_pages(dst, order);
		busy_pfn_set(busy, pfn, "%s refused to migrate it (%s)", ops->name, errname(rc));
		return -EAGAIN;
	}
	ClearPageIsolated(src);
	__ClearPageMovable(src);
	page_ref_dec(src);	/* migration's reference */
	free_pages(src, order); /* the owner's */
	return 0;
}

int migrate_pages(struct list_head *pages, new_page_t *get_new_page, unsigned long private, int mode,
		  struct busy_pfn *busy, unsigned long *nr_succeeded)
{
	struct page *page, *next;
	int failed = 0;

	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		int rc = migrate_one(page, get_new_page, private, mode, busy);
		if (!rc) {
			if (nr_succeeded)
				(*nr_succeeded)++;
			continue;
		}
		putback_movable_page(page);
		failed++;
		if (rc == -ENOMEM) {
			putback_movable_pages(pages);
			return -ENOMEM;
		}
	}
	return failed;
}

int migrate_range(unsigned long start_pfn, unsigned long end_pfn, int flags, int mode, struct busy_pfn *busy,
		  unsigned long *nr_migrated)
{
	unsigned long pfn = pageblock_start_pfn(start_pfn);
	LIST_HEAD(list);
	int ret = 0;
	char why[80];

	while (pfn < end_pfn) {
		struct page *page = pfn_to_online_page(pfn);

		if (!page) {
			ret = busy_pfn_set(busy, pfn, "offline section");
			break;
		}
		if (pageblock_aligned(pfn)) {
			/* free and never used, or memmap: nothing to move (a run of them at once) */
			unsigned long memmap = 0, run = pageblock_online_run_end(
						      pfn, ALIGN_UP(end_pfn, pageblock_nr_pages),
						      PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED, &memmap);
			if (run > pfn) {
				pfn = run;
				continue;
			}
		}
		if (PageBuddy(page)) {
			pfn += 1UL << buddy_order(page);
			continue;
		}
		/* In transit, an allocation's tail, or a PageOffline page its owner released. */
		if (page_ref_count(page) == 0) {
			pfn++;
			continue;
		}
		unsigned long step = 1;
		if (page->order <= MAX_ORDER && IS_ALIGNED(pfn, 1UL << page->order))
			step = 1UL << page->order;
		if (pfn + step <= start_pfn) {
			pfn += step;
			continue;
		}
		if (PageMovable(page)) {
			if (isolate_movable_page(page, mode)) {
				list_add_tail(&page->lru, &list);
			} else {
				busy_pfn_set(busy, pfn, "%s did not let the page go (refcount %d)",
					     page_movable_ops(page) ? page_movable_ops(page)->name : "owner",
					     page_ref_count(page));
				ret = -EAGAIN;
			}
		} else if (PageOffline(page)) {
			ret = busy_pfn_set(
			    busy, pfn,
			    "PageOffline, refcount %d, no movable operations: its owner did not release it",
			    page_ref_count(page));
			break;
		} else {
			const char *r =
			    page_unmovable_reason(page, flags & ~MEMORY_OFFLINE, why, sizeof(why));
			ret = busy_pfn_set(busy, pfn, "%s", r ? r : "allocated, no movable operations");
			break;
		}
		pfn += step;
	}
	if (ret == -EBUSY) {
		putback_movable_pages(&list);
		return ret;
	}
	int rc = migrate_pages(&list, alloc_migration_target, 0, mode, busy, nr_migrated);
	if (rc < 0)
		return rc;
	return rc > 0 ? -EAGAIN : ret;
}

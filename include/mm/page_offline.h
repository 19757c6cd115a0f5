/* PageOffline ranges (kernel/mm/page_offline.c): memory a driver holds out of the buddy, such as
 * virtio-mem's unplugged sub-blocks or the test owner's. Linux's virtio-mem calls taking a range out
 * "fake offlining" and giving it back "fake onlining"; the names below follow it.
 *
 * A range is whole pageblocks (2 MiB: one max-order chunk) of one memory block. While it is fake
 * offline each of its pages is PageOffline with refcount 1 (the owner's reference), not managed
 * (not in the zone's managed pages) and not mapped: nothing may read or write it. The owner keeps
 * which ranges it holds; mm keeps the pages so.
 *
 * Online block                                   Added block that is not online
 *   fake_offline_range   buddy -> PageOffline      mhp_unmap_range   mapped -> unmapped
 *   fake_online_range    PageOffline -> buddy      mhp_map_range     unmapped -> mapped
 *   fake_offline_pages   (online-page callback) the range coming online stays PageOffline
 *   fake_offline_drop_refs / _restore_refs   MEM_GOING_OFFLINE / MEM_CANCEL_OFFLINE (the protocol
 *                        of docs/HOTPLUG.md: refcount-0 PageOffline pages are skipped by offlining)
 *
 *
 * Single pages, for balloons (Linux's balloon_page_alloc / balloon_page_enqueue / balloon_page_migrate):
 *   offline_page_take      buddy -> PageOffline (one page, refcount 1, unmanaged; stays mapped)
 *   offline_page_return    PageOffline -> buddy
 *   offline_page_migrate   a movable balloon page's migrate_page: dst takes src's place
 * Their pages are counted in meminfo's Balloon (NR_BALLOON_PAGES) as well as in Offline.
 *
 * Callers serialize with hotplug: they run from a memory notifier or an online-page callback (the
 * hotplug lock held), or where no hotplug operation runs (work, the shell). Errors change nothing. */
#ifndef MM_PAGE_OFFLINE_H
#define MM_PAGE_OFFLINE_H

#include "kernel/types.h"
#include "mm/page.h"
#include "mm/page_isolation.h"

/* Takes [pfn, pfn + nr) of an online block out of the buddy: alloc_contig_range (migrating what
 * moves), PageOffline, unmanaged, unmapped. Returns 0, -EINVAL (not whole pageblocks), -EBUSY (a page
 * that does not move: *busy names it), -ENOMEM (no migration target, or no page to split a large
 * mapping; busy says which). busy may be NULL. */
int fake_offline_range(unsigned long pfn, unsigned long nr, struct busy_pfn *busy);
/* Gives a fake-offline range of an online block back: mapped, PageOffline cleared, managed, freed to
 * the tail of the free lists (memory handed back is used last). 0, -EINVAL, or -ENOMEM (no page for a
 * page table: the range stays fake offline). */
int fake_online_range(unsigned long pfn, unsigned long nr);
/* For an online-page callback: [pfn, pfn + nr) (whole pageblocks) coming online stays PageOffline
 * (refcount 1, not managed, not mapped) instead of going to the buddy. Writes its struct pages (the
 * lazy-memmap rule of mm/mmzone.h stays inside mm). Linux: virtio_mem_set_fake_offline. */
void fake_offline_pages(unsigned long pfn, unsigned long nr);
/* MEM_GOING_OFFLINE of an owner that agrees: drops the reference of each PageOffline page of
 * [pfn, pfn + nr) that has refcount 1, so offlining skips it. Returns the pages dropped. */
unsigned long fake_offline_drop_refs(unsigned long pfn, unsigned long nr);
/* MEM_CANCEL_OFFLINE: takes back the reference of each PageOffline page of the range with refcount 0.
 * An owner calls it only for ranges whose references it dropped. Returns the pages restored. */
unsigned long fake_offline_restore_refs(unsigned long pfn, unsigned long nr);

/* Takes one free page out of the system for a balloon: allocated with __GFP_NORETRY (a balloon never
 * asks the OOM notifiers, itself among them), GFP_MOVABLE when movable_owner > 0 (an id from
 * register_movable_ops, stamped on the page: balloon compaction) else GFP_KERNEL; then PageOffline,
 * refcount 1 (the owner's), not managed. The page stays in the direct map but nothing may read or
 * write it (the dump skips PageOffline). Returns the page, or NULL when none is free. */
struct page *offline_page_take(int movable_owner);
/* Gives a page of offline_page_take back: PageOffline and the owner cleared, managed, freed. */
void offline_page_return(struct page *page);
/* For a balloon's movable_operations.migrate_page: dst (fresh from migration, refcount 1) becomes the
 * balloon's page as offline_page_take leaves one, stamped with movable_owner; src becomes an ordinary
 * allocated page, managed again, that migration then frees. Reads and writes neither page. */
void offline_page_migrate(struct page *dst, struct page *src, int movable_owner);

/* Memory added with MHP_NO_DIRECT_MAP is mapped where its driver says it holds memory. Map or unmap
 * [pfn, pfn + nr) of added, not online memory blocks. 0, -EINVAL (not added, online, misaligned) or
 * -ENOMEM (no page for a page table or a split: nothing changed). */
int mhp_map_range(unsigned long pfn, unsigned long nr);
int mhp_unmap_range(unsigned long pfn, unsigned long nr);
/* True when pfn is mapped in the direct map (for checks such as `verify`). */
bool pfn_is_mapped(unsigned long pfn);

#endif

/* clang-format off */
/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* clang-format on */
/* The PageOffline range API (mm/page_offline.h) on its own: fake offlining and onlining of a range
 * of an online block, keeping a chunk PageOffline when it comes online, dropping and restoring the
 * references, mapping the parts of an added block, and every refusal changing nothing; single pages
 * for balloons and the allocator's OOM notifiers. */
#include <stdio.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/migrate.h"
#include "mm/mmzone.h"
#include "mm/oom.h"
#include "mm/page_offline.h"
#include "mm/vmstat.h"
#include "mm_fake.h"

#define B  HP_MOVABLE_LAST /* ZONE_MOVABLE, free at boot */
#define SB 512UL	   /* one pageblock */

static unsigned long pfn_of(unsigned long id, unsigned long sb)
{
	return block_id_to_pfn(id) + sb * SB;
}

static void test_take_give(void)
{
	hp_boot();
	unsigned long pfn = pfn_of(B, 4), total = totalram_pages(), free = nr_free_pages();
	long offline = mm_stat_read(NR_OFFLINE_PAGES);
	struct busy_pfn busy = {0};

	REQUIRE(fake_offline_range(pfn, 2 * SB, &busy) == 0);
	CHECK(PageOffline(pfn_to_page(pfn)) && page_ref_count(pfn_to_page(pfn + 2 * SB - 1)) == 1);
	CHECK(!pfn_is_mapped(pfn) && !pfn_is_mapped(pfn + 2 * SB - 1) && pfn_is_mapped(pfn + 2 * SB));
	CHECK(totalram_pages() == total - 2 * SB && nr_free_pages() == free - 2 * SB);
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == offline + (long)(2 * SB));
	CHECK(mm_verify(mm_fake_print) == 0);
	REQUIRE(fake_online_range(pfn, 2 * SB) == 0);
	CHECK(!PageOffline(pfn_to_page(pfn)) && pfn_is_mapped(pfn));
	CHECK(totalram_pages() == total && nr_free_pages() == free);
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == offline && mm_verify(mm_fake_print) == 0);
}

static void test_refusals(void)
{
	hp_boot();
	unsigned long pfn = pfn_of(B, 4), free = nr_free_pages();
	struct busy_pfn busy = {0};

	CHECK(fake_offline_range(pfn + 1, SB, NULL) == -EINVAL); /* not a pageblock */
	CHECK(fake_offline_range(pfn, SB - 1, NULL) == -EINVAL);
	CHECK(fake_offline_range(pfn_of(HP_HOTADD_BLOCK, 0), SB, NULL) == -EINVAL); /* not present */
	CHECK(mhp_map_range(pfn, SB) == -EINVAL);				    /* online: not for it */
	/* the unmap fails (no page to split a large mapping): the pages go back, nothing changed */
	mm_fake_unmap_fail_after = 0;
	CHECK(fake_offline_range(pfn, SB, &busy) == -ENOMEM && busy.reason[0]);
	CHECK(nr_free_pages() == free && !PageOffline(pfn_to_page(pfn)) && pfn_is_mapped(pfn));
	/* the map of a give-back fails: the range stays fake offline */
	REQUIRE(fake_offline_range(pfn, SB, NULL) == 0);
	mm_fake_map_fail_after = 0;
	CHECK(fake_online_range(pfn, SB) == -ENOMEM);
	CHECK(PageOffline(pfn_to_page(pfn)) && !pfn_is_mapped(pfn) && mm_verify(mm_fake_print) == 0);
	CHECK(fake_online_range(pfn, SB) == 0 && nr_free_pages() == free);
}

static unsigned long kept_sb = 3;

static void keep_one(unsigned long pfn, unsigned long nr_pages)
{
	for (unsigned long p = pfn; p < pfn + nr_pages; p += SB) {
		if (p == pfn_of(B, kept_sb))
			fake_offline_pages(p, SB);
		else
			generic_online_page(p, SB);
	}
}

/* The protocol: a fake-offline range with its references dropped lets the block go offline; the
 * online-page callback keeps it PageOffline when the block comes back; a cancel restores. */
static void test_protocol(void)
{
	hp_boot();
	unsigned long pfn = pfn_of(B, kept_sb);

	REQUIRE(fake_offline_range(pfn, SB, NULL) == 0);
	CHECK(offline_pages(block_id_to_pfn(B), PAGES_PER_MEMORY_BLOCK) == -EBUSY); /* refcount 1 */
	CHECK(fake_offline_drop_refs(pfn, SB) == SB && fake_offline_drop_refs(pfn, SB) == 0);
	REQUIRE(offline_pages(block_id_to_pfn(B), PAGES_PER_MEMORY_BLOCK) == 0);
	REQUIRE(set_online_page_callback(keep_one) == 0);
	REQUIRE(online_pages(block_id_to_pfn(B), PAGES_PER_MEMORY_BLOCK, ZONE_MOVABLE) == 0);
	restore_online_page_callback(keep_one);
	CHECK(PageOffline(pfn_to_page(pfn)) && page_ref_count(pfn_to_page(pfn + SB - 1)) == 1);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(fake_offline_drop_refs(pfn, SB) == SB);
	CHECK(fake_offline_restore_refs(pfn, SB) == SB && page_ref_count(pfn_to_page(pfn)) == 1);
	CHECK(fake_online_range(pfn, SB) == 0 && mm_verify(mm_fake_print) == 0);
}

/* offline_page_take / _return / _migrate keep Offline, Balloon, managed and free counts exact. */
static void test_single_pages(void)
{
	static const struct movable_operations ops = {.name = "test"};
	hp_boot();
	int owner = register_movable_ops(&ops);
	unsigned long free0 = nr_free_pages(), total0 = totalram_pages();
	long off0 = mm_stat_read(NR_OFFLINE_PAGES);

	struct page *a = offline_page_take(owner), *b = offline_page_take(0);
	REQUIRE(a && b);
	CHECK(PageOffline(a) && PageMovable(a) && page_zonenum(a) == ZONE_MOVABLE);
	CHECK(PageOffline(b) && !PageMovable(b) && page_zonenum(b) == ZONE_NORMAL);
	CHECK(page_ref_count(a) == 1 && page_ref_count(b) == 1);
	CHECK(totalram_pages() == total0 - 2 && nr_free_pages() == free0 - 2);
	CHECK(mm_stat_read(NR_BALLOON_PAGES) == 2 && mm_stat_read(NR_OFFLINE_PAGES) == off0 + 2);

	struct page *dst = alloc_page(GFP_KERNEL);
	REQUIRE(dst);
	offline_page_migrate(dst, a, owner);
	CHECK(PageOffline(dst) && PageMovable(dst) && !PageOffline(a));
	free_pages(a, 0); /* what migration does with the old page: drops the owner's reference */
	CHECK(totalram_pages() == total0 - 2 && nr_free_pages() == free0 - 2);
	CHECK(mm_stat_read(NR_BALLOON_PAGES) == 2 && mm_stat_read(NR_OFFLINE_PAGES) == off0 + 2);
	__ClearPageMovable(dst);
	offline_page_return(dst);
	offline_page_return(b);
	CHECK(totalram_pages() == total0 && nr_free_pages() == free0);
	CHECK(mm_stat_read(NR_BALLOON_PAGES) == 0 && mm_stat_read(NR_OFFLINE_PAGES) == off0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

static struct page *hoard;
static int oom_calls;
static unsigned long give_back(struct oom_notifier *nb, unsigned long nr)
{
	oom_calls++;
	if (!hoard)
		return 0;
	/* a nested failure inside the notifier is not passed to it again */
	CHECK(alloc_pages(GFP_KERNEL, MAX_ORDER) == NULL);
	free_pages(hoard, 0);
	hoard = NULL;
	return 1;
}

/* Out of memory: the notifier is asked once, the request retried; __GFP_NORETRY skips it. */
static void test_oom_notifier(void)
{
	struct oom_notifier nb = {.release = give_back};
	LIST_HEAD(taken);
	struct page *p;

	hp_boot();
	while ((p = alloc_page(GFP_MOVABLE)))
		list_add(&p->lru, &taken);
	register_oom_notifier(&nb);
	hoard = list_first_entry(&taken, struct page, lru);
	list_del(&hoard->lru);
	oom_calls = 0;
	CHECK(alloc_page(GFP_MOVABLE | __GFP_NORETRY) == NULL && oom_calls == 0);
	p = alloc_page(GFP_MOVABLE);
	CHECK(p && oom_calls == 1 && !hoard);
	CHECK(alloc_page(GFP_MOVABLE) == NULL && oom_calls == 2);
	unregister_oom_notifier(&nb);
	CHECK(alloc_page(GFP_MOVABLE) == NULL && oom_calls == 2);
	if (p)
		list_add(&p->lru, &taken);
	while (!list_empty(&taken)) {
		p = list_first_entry(&taken, struct page, lru);
		list_del(&p->lru);
		free_pages(p, 0);
	}
	CHECK(mm_verify(mm_fake_print) == 0);
}

int main(void)
{
	RUN("page_offline", "fake offline and online a range", test_take_give);
	RUN("page_offline", "refusals change nothing", test_refusals);
	RUN("page_offline", "drop, keep on online, restore", test_protocol);
	RUN("page_offline", "single pages for balloons", test_single_pages);
	RUN("page_offline", "OOM notifiers", test_oom_notifier);
	return test_summary();
}

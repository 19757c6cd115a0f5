/* clang-format off */
/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* clang-format on */
/* The PageOffline range API (mm/page_offline.h) on its own: fake offlining and onlining of a range
 * of an online block, keeping a chunk PageOffline when it comes online, dropping and restoring the
 * references, mapping the parts of an added block, and every refusal changing nothing. */
#include <stdio.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/mmzone.h"
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

static void keep_one(struct page *page, unsigned int order)
{
	if (page_to_pfn(page) == pfn_of(B, kept_sb))
		fake_offline_page(page, order);
	else
		generic_online_page(page, order);
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

int main(void)
{
	RUN("page_offline", "fake offline and online a range", test_take_give);
	RUN("page_offline", "refusals change nothing", test_refusals);
	RUN("page_offline", "drop, keep on online, restore", test_protocol);
	return test_summary();
}

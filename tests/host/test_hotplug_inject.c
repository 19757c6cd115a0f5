/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* offline_pages failing at every step (docs/HOTPLUG.md), each time with a block holding all three kinds
 * of PageOffline pages (the agreeing owner's, a movable balloon's) and workload data: afterwards the
 * step-7 comparison must hold, the events must be the right ones (none before step 3, MEM_CANCEL_OFFLINE
 * after it), and the same block must then offline cleanly. */
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mmtest/offline_owner.h"
#include "mm/contig.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/migrate.h"
#include "mm/page_isolation.h"
#include "mmtest/balloon.h"
#include "mmtest/workload.h"
#include "mm_fake.h"
#include "offline_inject.h"

#define B HP_MOVABLE_LAST

/* Fills block B: two unplugged sub-blocks of the agreeing owner, 2 MiB of the movable balloon, and
 * enough workload that some of it lands in B. */
static void setup(void)
{
	unsigned long free, off, other;

	hp_boot();
	REQUIRE(offline_owner_init() == 0);
	REQUIRE(offline_owner_unplug(B, 0, 2) == 0);
	REQUIRE(balloon_inflate(2 * MiB, true, B) == 0);
	REQUIRE(workload_alloc(230 * MiB) == 0);
	hp_block_census(B, &free, &off, &other);
	REQUIRE(off == 1536 && other > 1000);
	hp_rec_reset();
}

/* After the failure: step 7 holds, then the block still offlines and onlines cleanly. */
static void after(const struct hp_snap *before, int expect_err, bool notified)
{
	CHECK(hp_check_unchanged(before, B) == 0);
	CHECK(hp_rec_saw(MEM_GOING_OFFLINE) == notified);
	CHECK(hp_rec_saw(MEM_CANCEL_OFFLINE) == notified);
	CHECK(!hp_rec_saw(MEM_OFFLINE));
	CHECK(offline_owner_dropped_refs() == 0);
	CHECK(hotplug_last_error()[0] && strstr(hotplug_last_error(), errname(expect_err)));
	printf("INFO: %s\n", hotplug_last_error());
	CHECK(memory_block_offline(B) == 0);
	CHECK(workload_verify(NULL) == 0);
	CHECK(memory_block_online(B, MMOP_ONLINE) == 0);
	CHECK(offline_owner_unplugged(B) == 3);
	CHECK(mm_verify(mm_fake_print) == 0);
}

static void inject_step(int step, int err, bool notified)
{
	struct hp_snap before;

	setup();
	hp_snap(&before);
	offline_fail_step = step;
	offline_fail_errno = err;
	CHECK(memory_block_offline(B) == err);
	CHECK(offline_fail_step == OFFLINE_STEP_NONE);
	after(&before, err, notified);
}

static void test_step_range(void)
{
	inject_step(OFFLINE_STEP_RANGE, -EIO, false);
}
static void test_step_isolate(void)
{
	inject_step(OFFLINE_STEP_ISOLATE, -EBUSY, false);
}
static void test_step_notify(void)
{
	inject_step(OFFLINE_STEP_NOTIFY, -EIO, true);
}
static void test_step_migrate(void)
{
	inject_step(OFFLINE_STEP_MIGRATE, -EIO, true);
}
static void test_step_test(void)
{
	inject_step(OFFLINE_STEP_TEST, -EIO, true);
}

/* A busy page at step 5 is worth another pass (something may free it): the retry succeeds. */
static void test_step_test_retried(void)
{
	setup();
	offline_fail_step = OFFLINE_STEP_TEST;
	offline_fail_errno = -EBUSY;
	CHECK(memory_block_offline(B) == 0);
	CHECK(workload_verify(NULL) == 0);
	CHECK(hp_rec_saw(MEM_OFFLINE) && !hp_rec_saw(MEM_CANCEL_OFFLINE));
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* Step 3: a real veto by a notifier. */
static void test_veto(void)
{
	struct hp_snap before;

	setup();
	hp_snap(&before);
	hp_rec.veto = MEM_GOING_OFFLINE;
	CHECK(memory_block_offline(B) == -EBUSY);
	hp_rec.veto = 0;
	after(&before, -EBUSY, true);
}

/* Step 4: no page to migrate to, part way through. */
static void test_no_target(void)
{
	struct hp_snap before;

	setup();
	hp_snap(&before);
	migrate_fail_after = 100;
	CHECK(memory_block_offline(B) == -ENOMEM);
	migrate_fail_after = -1;
	CHECK(strstr(hotplug_last_error(), "no free page to migrate"));
	after(&before, -ENOMEM, true);
}

/* Step 4: a page that keeps an extra reference never migrates: bounded passes, then -EBUSY. */
static void test_gives_up(void)
{
	struct hp_snap before;
	unsigned long pfn = block_id_to_pfn(B);
	struct page *held = NULL;

	setup();
	for (; pfn < block_id_to_pfn(B + 1) && !held; pfn++)
		if (PageMovable(pfn_to_page(pfn)) && !PageOffline(pfn_to_page(pfn)))
			held = pfn_to_page(pfn);
	REQUIRE(held);
	get_page(held);
	hp_snap(&before);
	CHECK(memory_block_offline(B) == -EBUSY);
	CHECK(strstr(hotplug_last_error(), "gave up after 8 passes"));
	CHECK(strstr(hotplug_last_error(), "extra reference"));
	put_page(held);
	after(&before, -EBUSY, true);
}

/* Step 4: an unmovable PageOffline page of an owner that does not agree (the unmovable balloon). */
static void test_balloon_disagrees(void)
{
	struct hp_snap before;

	setup();
	REQUIRE(balloon_inflate(2 * MiB, false, B) == 0);
	hp_snap(&before);
	CHECK(memory_block_offline(B) == -EBUSY);
	CHECK(strstr(hotplug_last_error(), "its owner did not release it"));
	CHECK(hp_check_unchanged(&before, B) == 0);
	CHECK(hp_rec_saw(MEM_CANCEL_OFFLINE));
	CHECK(balloon_deflate(false) == 512);
	CHECK(memory_block_offline(B) == 0);
	CHECK(workload_verify(NULL) == 0);
}

/* ---- a ZONE_NORMAL block whose pageblocks kernel allocations claimed (UNMOVABLE) and left free:
 * undoing the isolation must give each pageblock back the type it had, not MOVABLE ---- */

static void inject_step_normal(int step, int err, bool notified)
{
	struct hp_snap before;
	unsigned long id;

	hp_boot();
	id = hp_unmovable_normal_block();
	REQUIRE(id);
	hp_rec_reset();
	hp_snap(&before);
	offline_fail_step = step;
	offline_fail_errno = err;
	CHECK(memory_block_offline(id) == err);
	CHECK(offline_fail_step == OFFLINE_STEP_NONE);
	CHECK(hp_check_unchanged(&before, id) == 0);
	CHECK(get_pfnblock_migratetype(block_id_to_pfn(id)) == MIGRATE_UNMOVABLE);
	CHECK(hp_rec_saw(MEM_GOING_OFFLINE) == notified && hp_rec_saw(MEM_CANCEL_OFFLINE) == notified);
	CHECK(strstr(hotplug_last_error(), errname(err)));
	CHECK(memory_block_offline(id) == 0);
	CHECK(memory_block_online(id, MMOP_ONLINE) == 0);
	CHECK(page_zonenum(pfn_to_page(block_id_to_pfn(id))) == ZONE_NORMAL);
	CHECK(mm_verify(mm_fake_print) == 0);
}

static void test_normal_step_isolate(void)
{
	inject_step_normal(OFFLINE_STEP_ISOLATE, -EBUSY, false);
}
static void test_normal_step_notify(void)
{
	inject_step_normal(OFFLINE_STEP_NOTIFY, -EIO, true);
}
static void test_normal_step_migrate(void)
{
	inject_step_normal(OFFLINE_STEP_MIGRATE, -EIO, true);
}
static void test_normal_step_test(void)
{
	inject_step_normal(OFFLINE_STEP_TEST, -EIO, true);
}

/* Step 2 for real: a kernel allocation in the block's last pageblock stops the isolation after the
 * other 63 pageblocks were isolated; they get their UNMOVABLE type back. */
static void test_normal_unmovable_last_pageblock(void)
{
	struct hp_snap before;
	unsigned long id, last;

	hp_boot();
	id = hp_unmovable_normal_block();
	REQUIRE(id);
	last = block_id_to_pfn(id + 1) - pageblock_nr_pages;
	REQUIRE(alloc_contig_range(last + 5, last + 6, NULL) == 0); /* refcount 1, no owner: unmovable */
	hp_rec_reset();
	hp_snap(&before);
	CHECK(memory_block_offline(id) == -EBUSY);
	CHECK(strstr(hotplug_last_error(), "(kernel allocation)"));
	CHECK(hp_check_unchanged(&before, id) == 0);
	CHECK(hp_rec.n == 0);
	free_contig_range(last + 5, 1);
	CHECK(mm_verify(mm_fake_print) == 0);
}

int main(void)
{
	RUN("hotplug-inject", "step 1 range check fails: no event", test_step_range);
	RUN("hotplug-inject", "step 2 isolation fails half way: no event", test_step_isolate);
	RUN("hotplug-inject", "step 3 fails after MEM_GOING_OFFLINE", test_step_notify);
	RUN("hotplug-inject", "step 4 fails after a migration pass", test_step_migrate);
	RUN("hotplug-inject", "step 5 isolation test fails", test_step_test);
	RUN("hotplug-inject", "step 5 busy once is retried", test_step_test_retried);
	RUN("hotplug-inject", "step 3 notifier veto", test_veto);
	RUN("hotplug-inject", "step 4 no migration target (-ENOMEM)", test_no_target);
	RUN("hotplug-inject", "step 4 gives up after bounded passes", test_gives_up);
	RUN("hotplug-inject", "step 4 unmovable balloon does not agree", test_balloon_disagrees);
	RUN("hotplug-inject", "UNMOVABLE pageblocks: step 2 fails half way, types kept",
	    test_normal_step_isolate);
	RUN("hotplug-inject", "UNMOVABLE pageblocks: step 3 fails, types kept", test_normal_step_notify);
	RUN("hotplug-inject", "UNMOVABLE pageblocks: step 4 fails, types kept", test_normal_step_migrate);
	RUN("hotplug-inject", "UNMOVABLE pageblocks: step 5 fails, types kept", test_normal_step_test);
	RUN("hotplug-inject", "UNMOVABLE pageblocks: last one unmovable, types kept",
	    test_normal_unmovable_last_pageblock);
	return test_summary();
}

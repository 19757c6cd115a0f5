/* In-kernel tests of memory hotplug (`selftest hotplug`): the offlining protocol on a real block of
 * the running kernel, with the real direct map. They need a removable online block that is not the
 * only one of its zone (e.g. -m 3G movablecore=1G) and skip otherwise. */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/page_isolation.h"
#include "mmtest/balloon.h"
#include "mmtest/workload.h"

/* The highest online, removable ZONE_MOVABLE block; NR_MEMORY_BLOCKS when there is none. */
static unsigned long pick_block(void)
{
	struct memory_block_info info;
	unsigned long id, found = NR_MEMORY_BLOCKS;

	for_each_memory_block(id) {
		if (memory_block_get(id, &info) || info.state != MEMORY_BLOCK_ONLINE)
			continue;
		if (info.zone == ZONE_MOVABLE && info.removable)
			found = id;
	}
	return found;
}

static void quiet(const char *fmt, ...)
{
	(void)fmt;
}

KTEST(hotplug, offline_online_workload)
{
	unsigned long id = pick_block();
	struct workload_check wc;

	if (id == NR_MEMORY_BLOCKS) {
		ktest_skip("no removable ZONE_MOVABLE block (boot with movablecore=)");
		return;
	}
	unsigned long free = nr_free_pages(), before = workload_nr_pages();
	KT_ASSERT(workload_alloc(16ULL << 20) == 0);
	KT_EXPECT(memory_block_offline(id) == 0);
	KT_EXPECT(workload_verify(&wc) == 0);
	KT_EXPECT(memory_block_online(id, MMOP_ONLINE) == 0);
	KT_EXPECT(nr_isolated_pageblocks() == 0);
	KT_EXPECT(mm_verify(quiet) == 0);
	/* Leave the workload as it was: free only what this test added (all, when there was none). */
	if (!before) {
		workload_free();
		KT_EXPECT(nr_free_pages() == free);
	}
	ktest_info("block %lu offline and online with the workload migrated", id);
}

KTEST(hotplug, disagreeing_balloon_loses_nothing)
{
	unsigned long id = pick_block();

	if (id == NR_MEMORY_BLOCKS) {
		ktest_skip("no removable ZONE_MOVABLE block (boot with movablecore=)");
		return;
	}
	unsigned long free = nr_free_pages(), managed = totalram_pages();
	KT_ASSERT(balloon_inflate(2ULL << 20, false, id) == 0);
	KT_EXPECT(memory_block_offline(id) == -EBUSY);
	KT_EXPECT(online_section_nr(id));
	KT_EXPECT(balloon_pages_in_block(false, id) == 512);
	KT_EXPECT(nr_isolated_pageblocks() == 0);
	KT_EXPECT(balloon_deflate(false) == 512);
	KT_EXPECT(nr_free_pages() == free && totalram_pages() == managed);
	KT_EXPECT(mm_verify(quiet) == 0);
}

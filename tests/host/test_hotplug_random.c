/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* A seeded random mix of allocations, workload, pins, both balloons, the agreeing owner, online,
 * offline, add, remove and alloc_contig_range, with mm_verify, `workload verify` and the isolation
 * count checked after every step, and the step-7 comparison after every failed offline.
 * HOTPLUG_SEED=N replays a run; HOTPLUG_STEPS=N sets its length (default 1500). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mmtest/offline_owner.h"
#include "mm/contig.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/page_isolation.h"
#include "mmtest/balloon.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"
#include "mm_fake.h"

static u64 rng_state;
static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}
static unsigned long pick(unsigned long n)
{
	return (unsigned long)(rnd() % n);
}

#define MAX_RAW 512
static struct {
	struct page *page;
	unsigned int order;
} raw[MAX_RAW];
static int nr_raw;

/* Hot-add candidates: blocks 32-35. Candidates for everything else: every existing block. */
static unsigned long any_block(void)
{
	unsigned long ids[64], n = 0, id;

	for_each_memory_block(id)
		if (n < 64)
			ids[n++] = id;
	return ids[pick(n)];
}

static const char *op_names[] = {
    "raw alloc", "raw free", "workload alloc", "workload free", "pin", "unpin",	 "balloon", "deflate",
    "unplug",	 "plug",     "online",	       "offline",	"add", "remove", "contig"};

static int step(int op)
{
	unsigned long id = any_block();
	struct hp_snap before;
	int ret = 0;

	switch (op) {
	case 0:
		if (nr_raw < MAX_RAW) {
			unsigned int order = (unsigned int)pick(4) * 3;
			struct page *p = alloc_pages(pick(2) ? GFP_MOVABLE : GFP_KERNEL, order);
			if (p) {
				raw[nr_raw].page = p;
				raw[nr_raw++].order = order;
			}
		}
		break;
	case 1:
		if (nr_raw) {
			int i = (int)pick((unsigned long)nr_raw);
			free_pages(raw[i].page, raw[i].order);
			raw[i] = raw[--nr_raw];
		}
		break;
	case 2:
		ret = workload_alloc((pick(16) + 1) * MiB);
		break;
	case 3:
		if (!pick(3))
			workload_free();
		break;
	case 4:
		ret = pick(2) ? pin_alloc((pick(4) + 1) * MiB)
			      : pin_alloc_block(PAGE_SIZE * (pick(64) + 1), id);
		break;
	case 5:
		pin_free();
		break;
	case 6:
		ret = balloon_inflate((pick(4) + 1) * MiB, pick(2), pick(2) ? id : BALLOON_ANY_BLOCK);
		break;
	case 7:
		balloon_deflate(pick(2));
		break;
	case 8:
		ret = offline_owner_unplug(id, (unsigned int)pick(64), (unsigned int)pick(3) + 1);
		break;
	case 9:
		ret = offline_owner_plug(id, 0, 64);
		break;
	case 10:
		ret = memory_block_online(id, (int)pick(3) + MMOP_ONLINE);
		break;
	case 11:
		hp_snap(&before);
		ret = memory_block_offline(id);
		if (ret && online_section_nr(id) && hp_check_unchanged(&before, id)) {
			printf("INFO: step 7 broken after: %s\n", hotplug_last_error());
			return -1000;
		}
		break;
	case 12:
		ret = add_memory((HP_HOTADD_BLOCK + pick(4)) * MEMORY_BLOCK_SIZE, MEMORY_BLOCK_SIZE);
		break;
	case 13:
		ret = pick(2) ? offline_and_remove_memory(id * MEMORY_BLOCK_SIZE, MEMORY_BLOCK_SIZE)
			      : remove_memory(id * MEMORY_BLOCK_SIZE, MEMORY_BLOCK_SIZE);
		break;
	case 14: {
		unsigned long pfn = block_id_to_pfn(id) + pick(PAGES_PER_MEMORY_BLOCK - 64), n = pick(64) + 1;
		ret = alloc_contig_range(pfn, pfn + n, NULL);
		if (!ret)
			free_contig_range(pfn, n);
		break;
	}
	}
	return ret;
}

static void test_random(void)
{
	const char *s = getenv("HOTPLUG_SEED"), *n = getenv("HOTPLUG_STEPS");
	u64 seed = s ? strtoull(s, NULL, 0) : (u64)time(NULL);
	long steps = n ? atol(n) : 1500;
	unsigned long ok[15] = {0}, failed[15] = {0};

	printf("INFO: hotplug-random: seed %llu (replay with HOTPLUG_SEED=%llu), %ld steps\n", seed, seed,
	       steps);
	rng_state = seed * 2654435761ULL + 1;
	hp_boot();
	REQUIRE(offline_owner_init() == 0);
	nr_raw = 0;
	for (long i = 0; i < steps; i++) {
		int op = (int)pick(15);
		int ret = step(op);
		if (ret == -1000) {
			printf("INFO: at step %ld (%s), seed %llu\n", i, op_names[op], seed);
			CHECK(!"step-7 comparison after a failed offline");
			return;
		}
		if (ret)
			failed[op]++;
		else
			ok[op]++;
		struct workload_check wc;
		int v = mm_verify(mm_fake_print), w = workload_verify(&wc);
		if (v || w || nr_isolated_pageblocks() || mem_hotplug_locked()) {
			printf("INFO: after step %ld (%s, returned %s), seed %llu: verify %d, workload %d, "
			       "isolated %lu\n",
			       i, op_names[op], errname(ret), seed, v, w, nr_isolated_pageblocks());
			CHECK(!"invariants after a step");
			return;
		}
	}
	for (int op = 0; op < 15; op++)
		printf("INFO: %-15s ok %5lu failed %5lu\n", op_names[op], ok[op], failed[op]);
	CHECK(ok[11] > 0 && ok[10] > 0 && ok[12] > 0 && ok[13] > 0);
}

int main(void)
{
	RUN("hotplug-random", "seeded mix with verify after every step", test_random);
	return test_summary();
}

/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* Deferred struct page init of onlined memory (include/mm/mmzone.h, "Deferred memmap"): onlining,
 * offlining and removing never-used memory writes no struct page (the memmap is made inaccessible
 * while they run); an allocation that finds the free lists empty carves one pageblock; isolation,
 * alloc_contig_range and offlining handle deferred pageblocks; a seeded random mix of all of them with
 * mm_verify after every step. DEFERRED_SEED=N replays the mix, DEFERRED_STEPS=N sets its length. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/contig.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/page_isolation.h"
#include "mm/walk.h"
#include "mmtest/workload.h"
#include "mm_fake.h"

#define FIRST HP_HOTADD_BLOCK /* hot-added blocks 32.. */

static unsigned long bpfn(unsigned long id)
{
	return block_id_to_pfn(id);
}

/* Makes the memmap of blocks [first, first + n) inaccessible (prot PROT_NONE) or accessible again. */
static bool protect_memmap(unsigned long first, unsigned long n, int prot)
{
	for (unsigned long id = first; id < first + n; id++)
		if (mprotect(__nr_to_section(id)->memmap, MEMMAP_BYTES_PER_SECTION, prot))
			return false;
	return true;
}

static void count_read(unsigned long pfn, unsigned long nr, void *arg)
{
	(void)pfn;
	*(unsigned long *)arg += nr;
}

/* Onlining, using other memory, isolating and offlining never-used memory, and removing it, with its
 * memmap inaccessible: any read or write of one of its struct pages ends the test. */
static void test_never_used_writes_nothing(void)
{
	struct memory_block_info info;
	struct readable_walk w;
	unsigned long read = 0, n = 4, pfn = bpfn(FIRST), nr = n * PAGES_PER_MEMORY_BLOCK;
	struct page *p[64];

	hp_boot();
	REQUIRE(add_memory(PFN_PHYS(pfn), n * MEMORY_BLOCK_SIZE) == 0);
	unsigned long managed = totalram_pages(), free = nr_free_pages();
	REQUIRE(protect_memmap(FIRST, n, PROT_NONE));
	CHECK(online_pages(pfn, nr, ZONE_MOVABLE) == 0);
	CHECK(totalram_pages() == managed + nr && nr_free_pages() == free + nr);
	CHECK(zones[ZONE_MOVABLE].nr_deferred == nr);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(memory_block_get(FIRST + 1, &info) == 0 && info.removable);
	walk_readable_pages(count_read, &read, &w);
	CHECK(read == w.read && read >= nr);
	/* Memory that was free before is used first: nothing is carved. */
	for (int i = 0; i < 64; i++)
		p[i] = alloc_pages(i % 2 ? GFP_MOVABLE : GFP_KERNEL, (unsigned int)(i % 10));
	CHECK(zones[ZONE_MOVABLE].nr_deferred == nr);
	for (int i = 0; i < 64; i++)
		if (p[i])
			free_pages(p[i], (unsigned int)(i % 10));
	CHECK(alloc_contig_range(bpfn(HP_MOVABLE_LAST), bpfn(HP_MOVABLE_LAST) + 1024, NULL) == 0);
	free_contig_range(bpfn(HP_MOVABLE_LAST), 1024);
	CHECK(start_isolate_page_range(pfn, pfn + nr, MEMORY_OFFLINE, NULL) == 0);
	CHECK(test_pages_isolated(pfn, pfn + nr, MEMORY_OFFLINE, NULL) == 0);
	CHECK(nr_free_pages() == free); /* isolated: not free for allocations */
	CHECK(mm_verify(mm_fake_print) == 0);
	undo_isolate_page_range(pfn, pfn + nr);
	CHECK(nr_free_pages() == free + nr && mm_verify(mm_fake_print) == 0);
	CHECK(offline_pages(pfn, nr) == 0);
	CHECK(totalram_pages() == managed && zones[ZONE_MOVABLE].nr_deferred == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(online_pages(pfn, nr, ZONE_MOVABLE) == 0); /* again, into the same memmap */
	CHECK(mm_verify(mm_fake_print) == 0);
	void *memmap[4];
	for (unsigned long i = 0; i < n; i++)
		memmap[i] = __nr_to_section(FIRST + i)->memmap;
	CHECK(offline_and_remove_memory(PFN_PHYS(pfn), n * MEMORY_BLOCK_SIZE) == 0);
	/* the memmaps went back to the buddy inaccessible: accessible again before anyone takes them */
	for (unsigned long i = 0; i < n; i++)
		CHECK(mprotect(memmap[i], MEMMAP_BYTES_PER_SECTION, PROT_READ | PROT_WRITE) == 0);
	CHECK(totalram_pages() == managed && nr_free_pages() == free + 4 * 256);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* Takes order-0 pages with GFP_MOVABLE (onto `held`) until one of them carved a deferred pageblock. */
static void fill_buddy(struct list_head *held)
{
	for (;;) {
		unsigned long deferred = zones[ZONE_MOVABLE].nr_deferred;
		struct page *p = alloc_pages(GFP_MOVABLE | __GFP_NORETRY, 0);
		if (!p)
			return;
		list_add(&p->lru, held);
		if (zones[ZONE_MOVABLE].nr_deferred != deferred)
			return;
	}
}

static void release(struct list_head *held)
{
	struct page *p, *next;

	list_for_each_entry_safe(p, next, held, lru) {
		list_del(&p->lru);
		free_pages(p, p->order);
	}
}

/* An allocation that finds the free lists empty carves the lowest deferred pageblock, one at a time;
 * an isolated deferred pageblock is not carved, and carvable again once the isolation ends. */
static void test_carve(void)
{
	LIST_HEAD(held);
	unsigned long pfn = bpfn(FIRST), nr = 2 * PAGES_PER_MEMORY_BLOCK;

	hp_boot();
	REQUIRE(add_memory(PFN_PHYS(pfn), 2 * MEMORY_BLOCK_SIZE) == 0);
	REQUIRE(online_pages(pfn, nr, ZONE_MOVABLE) == 0);
	/* the first pageblock isolated: the carve skips it */
	REQUIRE(start_isolate_page_range(pfn, pfn + pageblock_nr_pages, MEMORY_OFFLINE, NULL) == 0);
	fill_buddy(&held);
	CHECK(zones[ZONE_MOVABLE].nr_deferred == nr - pageblock_nr_pages);
	CHECK(!pageblock_memmap_deferred(pfn + pageblock_nr_pages) && pageblock_memmap_deferred(pfn));
	CHECK(mm_verify(mm_fake_print) == 0);
	struct page *p = alloc_pages(GFP_MOVABLE, 0); /* from the carved pageblock: no second carve */
	CHECK(p && page_to_pfn(p) >= pfn + pageblock_nr_pages &&
	      page_to_pfn(p) < pfn + 2 * pageblock_nr_pages);
	CHECK(zones[ZONE_MOVABLE].nr_deferred == nr - pageblock_nr_pages);
	if (p)
		list_add(&p->lru, &held);
	undo_isolate_page_range(pfn, pfn + pageblock_nr_pages);
	CHECK(mm_verify(mm_fake_print) == 0);
	/* everything else taken: the next carve finds the pageblock whose isolation ended */
	while ((p = alloc_pages(GFP_MOVABLE | __GFP_NORETRY, MAX_ORDER))) {
		list_add(&p->lru, &held);
		if (page_to_pfn(p) == pfn)
			break;
	}
	CHECK(p && page_to_pfn(p) == pfn);
	CHECK(mm_verify(mm_fake_print) == 0);
	release(&held);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(offline_and_remove_memory(PFN_PHYS(pfn), 2 * MEMORY_BLOCK_SIZE) == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* alloc_contig_range over deferred pageblocks, whole and in part, and an isolation that covers a
 * deferred pageblock in part: only what they take is written. */
static void test_contig_and_partial_isolation(void)
{
	unsigned long pfn = bpfn(FIRST), nr = PAGES_PER_MEMORY_BLOCK, free;

	hp_boot();
	REQUIRE(add_memory(PFN_PHYS(pfn), MEMORY_BLOCK_SIZE) == 0);
	REQUIRE(online_pages(pfn, nr, ZONE_MOVABLE) == 0);
	free = nr_free_pages();
	unsigned long s = pfn + 3 * pageblock_nr_pages + 100, e = s + 2 * pageblock_nr_pages;
	CHECK(alloc_contig_range(s, e, NULL) == 0);
	CHECK(nr_free_pages() == free - (e - s));
	for (unsigned long q = s; q < e; q += 97)
		CHECK(page_ref_count(pfn_to_page(q)) == 1 && !PageBuddy(pfn_to_page(q)));
	/* three pageblocks written, the others still deferred */
	CHECK(zones[ZONE_MOVABLE].nr_deferred == nr - 3 * pageblock_nr_pages);
	CHECK(mm_verify(mm_fake_print) == 0);
	free_contig_range(s, e - s);
	CHECK(nr_free_pages() == free && mm_verify(mm_fake_print) == 0);
	/* part of a deferred pageblock isolated */
	unsigned long i0 = pfn + 10 * pageblock_nr_pages + 7;
	CHECK(start_isolate_page_range(i0, i0 + 5, 0, NULL) == 0);
	CHECK(!pageblock_memmap_deferred(i0) && mm_verify(mm_fake_print) == 0);
	CHECK(test_pages_isolated(i0, i0 + 5, 0, NULL) == 0);
	undo_isolate_page_range(i0, i0 + 5);
	CHECK(zones[ZONE_MOVABLE].nr_deferred == nr - 4 * pageblock_nr_pages);
	CHECK(nr_free_pages() == free && mm_verify(mm_fake_print) == 0);
	CHECK(offline_and_remove_memory(PFN_PHYS(pfn), MEMORY_BLOCK_SIZE) == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* More separate deferred ranges than a zone has slots for: neighbours are stretched over the gaps, and
 * every deferred pageblock is still carved, in address order, before the allocator gives up. */
static void test_more_ranges_than_slots(void)
{
	const unsigned long n = 2 * NR_DEFERRED_RANGES + 4; /* every other block of 2n */
	LIST_HEAD(held);
	struct page *p;
	unsigned long last = 0, carved = 0;
	bool ordered = true;

	hp_boot();
	REQUIRE(add_memory(PFN_PHYS(bpfn(FIRST)), 2 * n * MEMORY_BLOCK_SIZE) == 0);
	for (unsigned long i = 0; i < 2 * n; i += 2)
		REQUIRE(memory_block_online(FIRST + i, MMOP_ONLINE_MOVABLE) == 0);
	CHECK(zones[ZONE_MOVABLE].nr_deferred_ranges == NR_DEFERRED_RANGES);
	CHECK(zones[ZONE_MOVABLE].nr_deferred == n * PAGES_PER_MEMORY_BLOCK);
	CHECK(mm_verify(mm_fake_print) == 0);
	while ((p = alloc_pages(GFP_MOVABLE | __GFP_NORETRY, MAX_ORDER))) {
		unsigned long pfn = page_to_pfn(p);
		list_add(&p->lru, &held);
		if (pfn >= bpfn(FIRST)) {
			ordered &= pfn > last;
			last = pfn;
			carved++;
		}
	}
	CHECK(ordered && carved == n * PAGEBLOCKS_PER_SECTION);
	CHECK(zones[ZONE_MOVABLE].nr_deferred == 0 && mm_verify(mm_fake_print) == 0);
	release(&held);
	for (unsigned long i = 0; i < 2 * n; i += 2)
		CHECK(memory_block_offline(FIRST + i) == 0);
	CHECK(remove_memory(PFN_PHYS(bpfn(FIRST)), 2 * n * MEMORY_BLOCK_SIZE) == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* ---- the random mix ---- */

static u64 rng;
static unsigned long pick(unsigned long n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned long)(rng % n);
}

#define NR_BLOCKS 6
#define MAX_HELD  256
static struct {
	struct page *page;
	unsigned int order;
} held[MAX_HELD];
static int nr_held;
static struct {
	unsigned long pfn, n;
} contig[16];
static int nr_contig;

static const char *const op_names[] = {"alloc", "free",	  "workload", "workload free", "online",  "offline",
				       "add",	"remove", "contig",   "contig free",   "isolate", "fill"};
#define NR_OPS 12

static int op(int o)
{
	unsigned long id = FIRST + pick(NR_BLOCKS), pfn = bpfn(id);
	int ret = 0;

	switch (o) {
	case 0:
		if (nr_held < MAX_HELD) {
			unsigned int order = (unsigned int)pick(10);
			struct page *p = alloc_pages(pick(3) ? GFP_MOVABLE : GFP_KERNEL, order);
			if (p) {
				held[nr_held].page = p;
				held[nr_held++].order = order;
			}
		}
		break;
	case 1:
		for (int k = (int)pick(8); k >= 0 && nr_held; k--) {
			int i = (int)pick((unsigned long)nr_held);
			free_pages(held[i].page, held[i].order);
			held[i] = held[--nr_held];
		}
		break;
	case 2:
		ret = workload_alloc((pick(32) + 1) * MiB);
		break;
	case 3:
		if (!pick(2))
			workload_free();
		break;
	case 4:
		ret = memory_block_online(id, (int)pick(3) + MMOP_ONLINE);
		break;
	case 5:
		for (int i = 0; i < nr_contig; i++) /* a contig allocation there would stop it */
			if (pfn_to_block_id(contig[i].pfn) == id)
				return 0;
		ret = memory_block_offline(id);
		break;
	case 6:
		ret = add_memory(PFN_PHYS(pfn), MEMORY_BLOCK_SIZE);
		break;
	case 7:
		for (int i = 0; i < nr_contig; i++)
			if (pfn_to_block_id(contig[i].pfn) == id)
				return 0;
		ret = offline_and_remove_memory(PFN_PHYS(pfn), MEMORY_BLOCK_SIZE);
		break;
	case 8:
		if (nr_contig < 16) {
			unsigned long s = pfn + pick(PAGES_PER_MEMORY_BLOCK - 2048), n = pick(2048) + 1;
			if (online_section_nr(id) && alloc_contig_range(s, s + n, NULL) == 0) {
				contig[nr_contig].pfn = s;
				contig[nr_contig++].n = n;
			}
		}
		break;
	case 9:
		if (nr_contig) {
			int i = (int)pick((unsigned long)nr_contig);
			free_contig_range(contig[i].pfn, contig[i].n);
			contig[i] = contig[--nr_contig];
		}
		break;
	case 10: {
		/* isolate a range (aligned or not), check it, end the isolation */
		unsigned long s = pfn + pick(PAGES_PER_MEMORY_BLOCK - 4096), n = pick(4096) + 1;
		int mode = pick(2) ? MEMORY_OFFLINE : 0;
		if (pick(2)) {
			s = pageblock_start_pfn(s);
			n = ALIGN_UP(n, pageblock_nr_pages);
		}
		if (!online_section_nr(id))
			break;
		ret = start_isolate_page_range(s, s + n, mode, NULL);
		if (!ret) {
			test_pages_isolated(s, s + n, mode, NULL);
			if (mm_verify(mm_fake_print))
				return -1000;
			undo_isolate_page_range(s, s + n);
		}
		break;
	}
	case 11: /* many small movable allocations: they carve */
		for (int k = 0; k < 64 && nr_held < MAX_HELD; k++) {
			struct page *p = alloc_pages(GFP_MOVABLE, MAX_ORDER);
			if (!p)
				break;
			held[nr_held].page = p;
			held[nr_held++].order = MAX_ORDER;
		}
		break;
	}
	return ret;
}

static void test_random(void)
{
	const char *s = getenv("DEFERRED_SEED"), *n = getenv("DEFERRED_STEPS");
	u64 seed = s ? strtoull(s, NULL, 0) : (u64)time(NULL);
	long steps = n ? atol(n) : 1500;
	unsigned long ok[NR_OPS] = {0}, carves = 0;

	printf("INFO: deferred-random: seed %llu (replay with DEFERRED_SEED=%llu), %ld steps\n", seed, seed,
	       steps);
	rng = seed * 2654435761ULL + 1;
	hp_boot();
	nr_held = nr_contig = 0;
	REQUIRE(add_memory(PFN_PHYS(bpfn(FIRST)), NR_BLOCKS * MEMORY_BLOCK_SIZE) == 0);
	REQUIRE(online_pages(bpfn(FIRST), NR_BLOCKS * PAGES_PER_MEMORY_BLOCK, ZONE_MOVABLE) == 0);
	for (long i = 0; i < steps; i++) {
		int o = (int)pick(NR_OPS);
		unsigned long deferred = zones[ZONE_MOVABLE].nr_deferred + zones[ZONE_NORMAL].nr_deferred;
		int ret = op(o);
		if (ret == 0)
			ok[o]++;
		if (zones[ZONE_MOVABLE].nr_deferred + zones[ZONE_NORMAL].nr_deferred < deferred &&
		    (o == 0 || o == 2 || o == 11))
			carves++;
		struct workload_check wc;
		int v = ret == -1000 ? 1 : mm_verify(mm_fake_print), w = workload_verify(&wc);
		if (v || w || nr_isolated_pageblocks()) {
			printf("INFO: after step %ld (%s, returned %s), seed %llu: verify %d, workload %d, "
			       "isolated %lu\n",
			       i, op_names[o], errname(ret), seed, v, w, nr_isolated_pageblocks());
			CHECK(!"invariants after a step");
			return;
		}
	}
	for (int o = 0; o < NR_OPS; o++)
		printf("INFO: %-14s ok %5lu\n", op_names[o], ok[o]);
	printf("INFO: allocations that carved: %lu\n", carves);
	CHECK(carves > 0 && ok[4] > 0 && ok[5] > 0 && ok[8] > 0 && ok[10] > 0);
	while (nr_contig) {
		nr_contig--;
		free_contig_range(contig[nr_contig].pfn, contig[nr_contig].n);
	}
	while (nr_held) {
		nr_held--;
		free_pages(held[nr_held].page, held[nr_held].order);
	}
	workload_free();
	CHECK(mm_verify(mm_fake_print) == 0);
}

int main(void)
{
	RUN("deferred", "never-used memory: online, offline, remove write no struct page",
	    test_never_used_writes_nothing);
	RUN("deferred", "an empty free list carves one pageblock, isolated ones wait", test_carve);
	RUN("deferred", "alloc_contig_range and a partial isolation over deferred pageblocks",
	    test_contig_and_partial_isolation);
	RUN("deferred", "more deferred ranges than slots: all carved, in order", test_more_ranges_than_slots);
	RUN("deferred", "seeded mix with verify after every step", test_random);
	return test_summary();
}

/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* Runs across sections and memmap pageblocks (pageblock_online_run_end and its users): a seeded random mix of
 * adds (with and without memmap on memory), onlining and offlining of several blocks at once (both zones),
 * alloc_contig_range and isolation for offlining over random ranges that cross sections and memmap
 * pageblocks, and allocations that carve deferred pageblocks; mm_verify and the isolation count after every
 * step, and the totals at the end. RUNS_SEED=N replays a run; RUNS_STEPS=N sets its length. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/contig.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/page_isolation.h"
#include "mmtest/workload.h"
#include "mm_fake.h"

#include "../../kernel/mm/internal.h"

#define FIRST HP_HOTADD_BLOCK
#define NBLK  8
#define BLK   PAGES_PER_MEMORY_BLOCK

static u64 rs;
static u64 rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}
static unsigned long pick(unsigned long n)
{
	return (unsigned long)(rnd() % n);
}

static unsigned long bpfn(unsigned long id)
{
	return block_id_to_pfn(id);
}

#define MAX_RAW 256
static struct {
	struct page *page;
	unsigned int order;
} raw[MAX_RAW];
static int nr_raw;

static const char *names[] = {"add",	 "online", "offline", "remove",	  "contig",
			      "isolate", "alloc",  "free",    "workload", "workload free"};

static int step(int op, char *what, size_t len)
{
	unsigned long id = FIRST + pick(NBLK), n = 1 + pick(4);
	int ret = 0;

	if (id + n > FIRST + NBLK)
		n = FIRST + NBLK - id;
	snprintf(what, len, "%s blocks %lu-%lu", names[op], id, id + n - 1);
	switch (op) {
	case 0:
		mhp_memmap_on_memory = pick(2);
		ret = add_memory(PFN_PHYS(bpfn(id)), n * MEMORY_BLOCK_SIZE);
		mhp_memmap_on_memory = false;
		break;
	case 1:
		/* the longest run of offline present blocks from id, at most n */
		for (unsigned long k = 0; k < n; k++)
			if (!present_section_nr(id + k) || online_section_nr(id + k))
				n = k;
		if (!n)
			return -EINVAL;
		snprintf(what, len, "%s blocks %lu-%lu", names[op], id, id + n - 1);
		ret = online_pages(bpfn(id), n * BLK, pick(2) ? ZONE_MOVABLE : ZONE_NORMAL);
		break;
	case 2:
		for (unsigned long k = 0; k < n; k++)
			if (!online_section_nr(id + k) || pfn_zone(bpfn(id + k)) != pfn_zone(bpfn(id)))
				n = k;
		if (!n)
			return -EINVAL;
		snprintf(what, len, "%s blocks %lu-%lu", names[op], id, id + n - 1);
		ret = offline_pages(bpfn(id), n * BLK);
		break;
	case 3:
		if (pick(4))
			return -EINVAL;
		ret = offline_and_remove_memory(PFN_PHYS(bpfn(id)), n * MEMORY_BLOCK_SIZE);
		break;
	case 4: {
		unsigned long s = bpfn(id) + pick(BLK), e = s + 1 + pick(pick(2) ? 4096 : 2 * BLK);
		snprintf(what, len, "contig [0x%lx, 0x%lx)", s, e);
		ret = alloc_contig_range(s, e, NULL);
		if (!ret)
			free_contig_range(s, e - s);
		break;
	}
	case 5: {
		unsigned long s = bpfn(id) + pick(BLK), e = s + 1 + pick(2 * BLK);
		snprintf(what, len, "isolate [0x%lx, 0x%lx)", s, e);
		bool ok = true;
		for (unsigned long p = pageblock_start_pfn(s); p < e; p += PAGES_PER_SECTION)
			ok &= online_section_nr(pfn_to_section_nr(p));
		ok &= online_section_nr(pfn_to_section_nr(e - 1));
		if (!ok || pfn_zone(s) != pfn_zone(e - 1))
			return -EINVAL;
		ret = start_isolate_page_range(s, e, MEMORY_OFFLINE, NULL);
		if (ret)
			break;
		if (mm_verify(mm_fake_print)) {
			printf("INFO: verify failed while isolated\n");
			return -1000;
		}
		ret = test_pages_isolated(s, e, MEMORY_OFFLINE, NULL);
		undo_isolate_page_range(s, e);
		break;
	}
	case 6:
		if (nr_raw < MAX_RAW) {
			unsigned int order = (unsigned int)pick(10);
			struct page *p = alloc_pages(pick(2) ? GFP_MOVABLE : GFP_KERNEL, order);
			if (p) {
				raw[nr_raw].page = p;
				raw[nr_raw++].order = order;
			} else {
				ret = -ENOMEM;
			}
		}
		break;
	case 7:
		if (nr_raw) {
			int i = (int)pick((unsigned long)nr_raw);
			free_pages(raw[i].page, raw[i].order);
			raw[i] = raw[--nr_raw];
		}
		break;
	case 8:
		ret = workload_alloc((pick(64) + 1) * MiB);
		break;
	case 9:
		workload_free();
		break;
	}
	return ret;
}

static void test_random(void)
{
	const char *s = getenv("RUNS_SEED"), *n = getenv("RUNS_STEPS");
	long steps = n ? atol(n) : 3000;
	unsigned long ok[10] = {0}, failed[10] = {0};
	u64 seed = s ? strtoull(s, NULL, 0) : 1;
	char what[96];

	rs = seed * 2654435761ULL + 1;
	hp_boot();
	if (getenv("RUNS_EAGER"))
		memmap_lazy_init = false;	   /* written memmap, no deferred pageblocks */
	mhp_set_default_online_type(MMOP_OFFLINE); /* added blocks stay offline: onlining takes runs */
	unsigned long managed = totalram_pages(), free = nr_free_pages();
	nr_raw = 0;
	for (long i = 0; i < steps; i++) {
		int op = (int)pick(10);
		int ret = step(op, what, sizeof(what));
		if (ret == -1000) {
			printf("INFO: step %ld: %s, seed %llu\n", i, what, seed);
			CHECK(!"verify while isolated");
			return;
		}
		ret ? failed[op]++ : ok[op]++;
		struct workload_check wc;
		int v = mm_verify(mm_fake_print), w = workload_verify(&wc);
		if (v || w || nr_isolated_pageblocks()) {
			printf("INFO: after step %ld (%s: %s), seed %llu: verify %d, workload %d, isolated "
			       "%lu\n",
			       i, what, errname(ret), seed, v, w, nr_isolated_pageblocks());
			CHECK(!"invariants after a step");
			return;
		}
	}
	for (int op = 0; op < 10; op++)
		printf("INFO: %-14s ok %5lu failed %5lu\n", names[op], ok[op], failed[op]);
	while (nr_raw) {
		nr_raw--;
		free_pages(raw[nr_raw].page, raw[nr_raw].order);
	}
	workload_free();
	for (unsigned long id = FIRST; id < FIRST + NBLK; id++)
		if (present_section_nr(id))
			CHECK(offline_and_remove_memory(PFN_PHYS(bpfn(id)), MEMORY_BLOCK_SIZE) == 0);
	printf("INFO: managed %lu -> %lu, free %lu -> %lu\n", managed, totalram_pages(), free,
	       nr_free_pages());
	CHECK(totalram_pages() == managed);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(ok[1] > 0 && ok[2] > 0 && ok[4] > 0 && ok[5] > 0);
	memmap_lazy_init = true;
}

int main(void)
{
	RUN("runs-random", "runs across sections and memmap keep every count", test_random);
	return test_summary();
}

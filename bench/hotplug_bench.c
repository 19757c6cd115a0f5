/* Memory hotplug on the host build (release flags, no sanitizers, no poisoning): offline of a free
 * 128 MiB block, online of it, offline of a block full of workload pages (migration MiB/s against
 * memcpy of the same bytes), add+online and offline+remove of a hot-added block. Median of 7 runs.
 * Then deferred memmap: 16 GiB added and onlined, 1 GiB of order-0 allocations that carve it, the
 * worst and median single allocation that carved, and offline+remove of the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_test.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/init.h"
#include "mm/memory.h"
#include "mm/memory_hotplug.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"
#include "mm_fake.h"

#define RUNS  7
#define MiB   (1ULL << 20)
#define BLOCK 15 /* the last boot block, ZONE_MOVABLE */

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return x < y ? -1 : x > y;
}

static u64 median(u64 *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_u64);
	return v[RUNS / 2];
}

static void boot(void)
{
	struct mem_region r[] = {
	    {0, 0x9fc00, MEM_USABLE},
	    {0x100000, 2048 * MiB - 0x100000, MEM_USABLE},
	};
	workload_reset();
	pin_reset();
	host_log_echo = false;
	movablecore_bytes = 512 * MiB; /* blocks 12-15 */
	mm_fake_boot(r, 2, 2 * MiB);
}

/* Touches every free page once, so the first write to a migration target is not a host page fault
 * (the fake's memory is mmap'd lazily). The figures then compare migration with memcpy alone. */
static void prefault(void)
{
	struct page *p, *head = NULL;

	while ((p = alloc_pages(GFP_MOVABLE, MAX_ORDER))) {
		memset(page_address(p), 0, PAGE_SIZE << MAX_ORDER);
		p->lru.next = (void *)head;
		head = p;
	}
	while (head) {
		p = head;
		head = (void *)p->lru.next;
		free_pages(p, MAX_ORDER);
	}
}

static u64 timed_offline(unsigned long id, int *ret)
{
	u64 t0 = arch_now_ns();
	*ret = memory_block_offline(id);
	return arch_now_ns() - t0;
}

static u64 timed_online(unsigned long id, int *ret)
{
	u64 t0 = arch_now_ns();
	*ret = memory_block_online(id, MMOP_ONLINE);
	return arch_now_ns() - t0;
}

/* 16 GiB at 4 GiB onlined with a deferred memmap, then 1 GiB of order-0 movable allocations once the
 * boot memory's free lists are empty: each allocation that carves a pageblock is timed. */
static int carve_bench(void)
{
	const unsigned long first = 32, nblocks = 128, pfn = block_id_to_pfn(first);
	const unsigned long nr = nblocks * PAGES_PER_MEMORY_BLOCK;
	static u64 carve[1024];
	unsigned long nc = 0, n = 0;
	struct page *p, *head = NULL;
	int bad = 0;

	boot();
	u64 t0 = arch_now_ns();
	bad |= add_memory(PFN_PHYS(pfn), nblocks * MEMORY_BLOCK_SIZE);
	u64 t_add = arch_now_ns() - t0;
	t0 = arch_now_ns();
	bad |= online_pages(pfn, nr, ZONE_MOVABLE);
	u64 t_online = arch_now_ns() - t0;
	/* the boot memory of ZONE_MOVABLE first: no carve */
	while (zones[ZONE_MOVABLE].nr_deferred == nr && (p = alloc_pages(GFP_MOVABLE, 0))) {
		p->lru.next = (void *)head;
		head = p;
	}
	for (unsigned long i = 0; i < (1UL << 30) / PAGE_SIZE; i++) {
		unsigned long deferred = zones[ZONE_MOVABLE].nr_deferred;
		t0 = arch_now_ns();
		p = alloc_pages(GFP_MOVABLE, 0);
		u64 t = arch_now_ns() - t0;
		if (!p) {
			bad = 1;
			break;
		}
		if (zones[ZONE_MOVABLE].nr_deferred != deferred && nc < 1024)
			carve[nc++] = t;
		p->lru.next = (void *)head;
		head = p;
		n++;
	}
	bad |= mm_verify(mm_fake_print_quiet);
	while (head) {
		p = head;
		head = (void *)p->lru.next;
		free_pages(p, 0);
	}
	t0 = arch_now_ns();
	bad |= offline_and_remove_memory(PFN_PHYS(pfn), nblocks * MEMORY_BLOCK_SIZE);
	u64 t_remove = arch_now_ns() - t0;
	bad |= mm_verify(mm_fake_print_quiet);
	qsort(carve, nc, sizeof(*carve), cmp_u64);
	printf("\ndeferred memmap (host build, 16 GiB added at 4 GiB, 128 MiB blocks)\n");
	printf("%-44s %9.3f ms\n", "add_memory of 16 GiB", t_add / 1e6);
	printf("%-44s %9.3f ms\n", "online_pages of 16 GiB (no struct page)", t_online / 1e6);
	printf("%-44s %9lu (%lu order-0 allocations)\n", "allocations that carved a pageblock", nc, n);
	printf("%-44s %9.3f us\n", "  median of them", nc ? carve[nc / 2] / 1e3 : 0.0);
	printf("%-44s %9.3f us\n", "  worst single one", nc ? carve[nc - 1] / 1e3 : 0.0);
	printf("%-44s %9.3f ms\n", "offline_and_remove_memory of the 16 GiB", t_remove / 1e6);
	return bad;
}

int main(void)
{
	u64 off_free[RUNS], on[RUNS], off_full[2][RUNS], mbps[2][RUNS], cpy[RUNS], add[RUNS], rem[RUNS];
	unsigned long moved = 0;
	int ret, bad = 0;

	boot();
	/* Free block: nothing to migrate. */
	for (int i = 0; i < RUNS; i++) {
		off_free[i] = timed_offline(BLOCK, &ret);
		bad |= ret;
		on[i] = timed_online(BLOCK, &ret);
		bad |= ret;
	}
	/* Full block: the movable zone filled with workload, one block emptied by migration; the targets
	 * once never touched (each first write is a host page fault), once touched before. */
	for (int warm = 0; warm < 2; warm++) {
		for (int i = 0; i < RUNS; i++) {
			boot();
			if (warm)
				prefault();
			bad |= workload_alloc(500 * MiB);
			unsigned long before = workload_nr_pages();
			unsigned long pfn = block_id_to_pfn(BLOCK), used = 0;
			for (unsigned long p = pfn; p < pfn + PAGES_PER_MEMORY_BLOCK; p++) {
				/* a lazy or deferred pageblock is free and its tail struct pages are not
				 * written: nothing in it is used, and reading them would read garbage */
				if (pageblock_aligned(p) &&
				    (pageblock_memmap_lazy(p) || pageblock_memmap_deferred(p))) {
					p += pageblock_nr_pages - 1;
					continue;
				}
				used += PageMovable(pfn_to_page(p));
			}
			off_full[warm][i] = timed_offline(BLOCK, &ret);
			bad |= ret || workload_verify(NULL) || workload_nr_pages() != before;
			moved = used;
			mbps[warm][i] =
			    (u64)((double)used * PAGE_SIZE / MiB / ((double)off_full[warm][i] / 1e9));
		}
	}
	void *a = malloc(128 * MiB), *b = malloc(128 * MiB);
	memset(a, 1, 128 * MiB);
	memset(b, 2, 128 * MiB);
	for (int i = 0; i < RUNS; i++) {
		u64 t0 = arch_now_ns();
		memcpy(b, a, moved * PAGE_SIZE);
		cpy[i] = (u64)((double)moved * PAGE_SIZE / MiB / ((double)(arch_now_ns() - t0) / 1e9));
	}
	free(a);
	free(b);
	/* Hot-added block at 4 GiB: add + online, offline + remove. */
	boot();
	for (int i = 0; i < RUNS; i++) {
		u64 t0 = arch_now_ns();
		ret = add_memory(4ULL << 30, MEMORY_BLOCK_SIZE);
		ret |= memory_block_online(32, MMOP_ONLINE_MOVABLE);
		add[i] = arch_now_ns() - t0;
		t0 = arch_now_ns();
		ret |= offline_and_remove_memory(4ULL << 30, MEMORY_BLOCK_SIZE);
		rem[i] = arch_now_ns() - t0;
		bad |= ret;
	}
	bad |= mm_verify(mm_fake_print_quiet);

	printf("\nhotplug (host build, median of %d, 128 MiB blocks)\n", RUNS);
	printf("%-44s %12s\n", "operation", "result");
	printf("%-44s %9.3f ms\n", "offline a free block (target <= 2 ms)", median(off_free) / 1e6);
	printf("%-44s %9.3f ms\n", "online a block", median(on) / 1e6);
	printf("%-44s %9.3f ms\n", "offline a block full of workload", median(off_full[1]) / 1e6);
	printf("%-44s %9llu MiB/s (%lu pages)\n", "  migration", median(mbps[1]), moved);
	printf("%-44s %9llu MiB/s\n", "  memcpy of the same bytes", median(cpy));
	printf("%-44s %9.3f ms\n", "  the same, targets never touched before", median(off_full[0]) / 1e6);
	printf("%-44s %9llu MiB/s\n", "  migration, first touch of the targets", median(mbps[0]));
	printf("%-44s %9.3f ms\n", "add_memory + online (hot-added block)", median(add) / 1e6);
	printf("%-44s %9.3f ms\n", "offline_and_remove_memory (hot-added block)", median(rem) / 1e6);
	bad |= carve_bench();
	if (bad)
		printf("hotplug bench: error: an operation failed or verify was not clean\n");
	return bad ? 1 : 0;
}

/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* Memmap on memory (MHP_MEMMAP_ON_MEMORY, include/mm/memory_hotplug.h): a block added with it holds its
 * own memmap in its first pageblock, so adding memory takes no kernel memory per block; those pages
 * are never free, managed or isolated, onlining and offlining skip them, meminfo counts them in
 * MemmapOnMemory, and they go with the block. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/contig.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/page_isolation.h"
#include "mm/page_offline.h"
#include "mm/vmstat.h"
#include "mmtest/workload.h"
#include "mm_fake.h"

#define FIRST	 HP_HOTADD_BLOCK /* hot-added blocks 32.. */
#define MOM	 MHP_MEMMAP_ON_MEMORY_PAGES
#define BLOCK_NR PAGES_PER_MEMORY_BLOCK

static unsigned long bpfn(unsigned long id)
{
	return block_id_to_pfn(id);
}

/* Add, online, offline, remove with the flag: counters at every step, and nothing of the memmap
 * written (its pages inaccessible while the never-used blocks come and go). */
static void test_add_online_offline_remove(void)
{
	unsigned long n = 4, pfn = bpfn(FIRST), nr = n * BLOCK_NR;

	hp_boot();
	unsigned long managed = totalram_pages(), free = nr_free_pages();
	long memmap = mm_fake_meminfo_kb("Memmap:"), kernel = mm_fake_meminfo_kb("MemmapKernel:");
	CHECK(mm_fake_meminfo_kb("MemmapOnMemory:") == 0);
	REQUIRE(add_memory_driver_managed(PFN_PHYS(pfn), n * MEMORY_BLOCK_SIZE, MHP_MEMMAP_ON_MEMORY) == 0);
	CHECK(nr_free_pages() == free); /* no kernel memory taken for the memmap */
	CHECK(mm_fake_meminfo_kb("MemmapOnMemory:") == (long)n * 2048);
	CHECK(mm_fake_meminfo_kb("Memmap:") == memmap + (long)n * 2048 &&
	      mm_fake_meminfo_kb("MemmapKernel:") == kernel);
	for (unsigned long id = FIRST; id < FIRST + n; id++) {
		CHECK(memory_block_memmap_on_memory(id));
		CHECK((void *)__nr_to_section(id)->memmap == phys_to_virt(PFN_PHYS(bpfn(id))));
	}
	CHECK(!memory_block_memmap_on_memory(FIRST + n) && !memory_block_memmap_on_memory(0));
	CHECK(mm_verify(mm_fake_print) == 0);
	/* never-used blocks: no struct page written, including the memmap pageblock's own */
	for (unsigned long id = FIRST; id < FIRST + n; id++)
		REQUIRE(mprotect(__nr_to_section(id)->memmap, MEMMAP_BYTES_PER_SECTION, PROT_NONE) == 0);
	CHECK(online_pages(pfn, nr, ZONE_MOVABLE) == 0);
	CHECK(totalram_pages() == managed + nr - n * MOM && nr_free_pages() == free + nr - n * MOM);
	CHECK(zones[ZONE_MOVABLE].nr_deferred == nr - n * MOM);
	CHECK(nr_isolated_pageblocks() == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(offline_pages(pfn, nr) == 0);
	CHECK(totalram_pages() == managed && nr_free_pages() == free);
	CHECK(mm_verify(mm_fake_print) == 0);
	for (unsigned long id = FIRST; id < FIRST + n; id++)
		REQUIRE(mprotect(__nr_to_section(id)->memmap, MEMMAP_BYTES_PER_SECTION,
				 PROT_READ | PROT_WRITE) == 0);
	/* used: a workload fills the new memory, then offlining migrates it out */
	CHECK(online_pages(pfn, nr, ZONE_MOVABLE) == 0);
	REQUIRE(workload_alloc(400 * MiB) == 0); /* past boot ZONE_MOVABLE's 256 MiB: into the new blocks */
	CHECK(zones[ZONE_MOVABLE].nr_deferred < nr - n * MOM);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(offline_pages(pfn, nr) == 0);
	struct workload_check wc;
	CHECK(workload_verify(&wc) == 0 && wc.bad == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(online_pages(pfn, nr, ZONE_MOVABLE) == 0);
	workload_free();
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(offline_and_remove_memory(PFN_PHYS(pfn), n * MEMORY_BLOCK_SIZE) == 0);
	CHECK(totalram_pages() == managed && nr_free_pages() == free);
	CHECK(mm_fake_meminfo_kb("MemmapOnMemory:") == 0 && mm_fake_meminfo_kb("Memmap:") == memmap);
	CHECK(mm_fake_mapped_in(PFN_PHYS(pfn), n * MEMORY_BLOCK_SIZE) == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* Memory used inside a block with its memmap on it: a workload in it moves out when the block goes
 * offline, and the memmap pageblock is never isolated nor taken by alloc_contig_range. */
static void test_used_block_offline_and_refusals(void)
{
	unsigned long pfn = bpfn(FIRST);
	struct busy_pfn busy;

	hp_boot();
	REQUIRE(add_memory_driver_managed(PFN_PHYS(pfn), MEMORY_BLOCK_SIZE, MHP_MEMMAP_ON_MEMORY) == 0);
	REQUIRE(online_pages(pfn, BLOCK_NR, ZONE_MOVABLE) == 0);
	/* the boot ZONE_MOVABLE blocks go, so the workload must land in the new block */
	for (unsigned long id = HP_MOVABLE_FIRST; id <= HP_MOVABLE_LAST; id++)
		REQUIRE(offline_pages(bpfn(id), BLOCK_NR) == 0);
	REQUIRE(workload_alloc(64 * MiB) == 0);
	CHECK(zones[ZONE_MOVABLE].nr_deferred < BLOCK_NR - MOM);
	CHECK(mm_verify(mm_fake_print) == 0);
	busy_pfn_clear(&busy);
	CHECK(alloc_contig_range(pfn, pfn + MOM, &busy) == -EBUSY);
	CHECK(alloc_contig_range(pfn + MOM - 1, pfn + MOM + 1, NULL) == -EBUSY);
	CHECK(start_isolate_page_range(pfn, pfn + BLOCK_NR, 0, NULL) == -EBUSY);
	CHECK(nr_isolated_pageblocks() == 0 && mm_verify(mm_fake_print) == 0);
	/* back online: the workload migrates from the new block to the boot ZONE_MOVABLE */
	for (unsigned long id = HP_MOVABLE_FIRST; id <= HP_MOVABLE_LAST; id++)
		REQUIRE(online_pages(bpfn(id), BLOCK_NR, ZONE_MOVABLE) == 0);
	CHECK(offline_pages(pfn, BLOCK_NR) == 0);
	struct workload_check wc;
	CHECK(workload_verify(&wc) == 0 && wc.bad == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(online_pages(pfn, BLOCK_NR, ZONE_NORMAL) == 0); /* and again, to the other zone */
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(offline_and_remove_memory(PFN_PHYS(pfn), MEMORY_BLOCK_SIZE) == 0);
	workload_free();
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* With MHP_NO_DIRECT_MAP only the memmap pageblock of each block is mapped by add_memory. */
static void test_no_direct_map(void)
{
	unsigned long pfn = bpfn(FIRST);

	hp_boot();
	REQUIRE(add_memory_driver_managed(PFN_PHYS(pfn), 2 * MEMORY_BLOCK_SIZE,
					  MHP_MEMMAP_ON_MEMORY | MHP_NO_DIRECT_MAP) == 0);
	CHECK(mm_fake_mapped_in(PFN_PHYS(pfn), 2 * MEMORY_BLOCK_SIZE) == 2 * MOM);
	CHECK(mm_fake_mapped_in(PFN_PHYS(pfn), MOM * PAGE_SIZE) == MOM);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(remove_memory(PFN_PHYS(pfn), 2 * MEMORY_BLOCK_SIZE) == 0);
	CHECK(mm_fake_mapped_in(PFN_PHYS(pfn), 2 * MEMORY_BLOCK_SIZE) == 0);
	CHECK(mm_fake_meminfo_kb("MemmapOnMemory:") == 0 && mm_verify(mm_fake_print) == 0);
}

/* The online-page callback of a driver that keeps the first block PageOffline and gives the rest;
 * it records how it was called. */
static unsigned long cb_calls, cb_pfn, cb_nr, cb_kept_end;

static void keep_first_block(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long keep = min(pfn + nr_pages, max(pfn, cb_kept_end));

	cb_calls++;
	cb_pfn = pfn;
	cb_nr = nr_pages;
	if (keep > pfn)
		fake_offline_pages(pfn, keep - pfn);
	if (keep < pfn + nr_pages)
		generic_online_page(keep, pfn + nr_pages - keep);
}

/* Onlining a run of blocks with their memmap on them calls the online-page callback once for the
 * whole range, memmap pageblocks included: generic_online_page and fake_offline_pages step over those
 * (nothing of them written, counted or kept), so the callback need not know where they are. */
static void test_callback_gets_the_whole_range(void)
{
	unsigned long n = 4, pfn = bpfn(FIRST), nr = n * BLOCK_NR;

	hp_boot();
	unsigned long managed = totalram_pages(), free = nr_free_pages();
	long offline = mm_stat_read(NR_OFFLINE_PAGES);
	REQUIRE(add_memory_driver_managed(PFN_PHYS(pfn), n * MEMORY_BLOCK_SIZE, MHP_MEMMAP_ON_MEMORY) == 0);
	/* the struct pages of every memmap pageblock: never written */
	for (unsigned long id = FIRST; id < FIRST + n; id++)
		REQUIRE(mprotect(__nr_to_section(id)->memmap, MOM * sizeof(struct page), PROT_NONE) == 0);
	cb_calls = 0;
	cb_kept_end = pfn + BLOCK_NR;
	REQUIRE(set_online_page_callback(keep_first_block) == 0);
	CHECK(online_pages(pfn, nr, ZONE_MOVABLE) == 0);
	restore_online_page_callback(keep_first_block);
	CHECK(cb_calls == 1 && cb_pfn == pfn && cb_nr == nr);
	CHECK(totalram_pages() == managed + (n - 1) * (BLOCK_NR - MOM));
	CHECK(nr_free_pages() == free + (n - 1) * (BLOCK_NR - MOM));
	CHECK(zones[ZONE_MOVABLE].nr_deferred == (n - 1) * (BLOCK_NR - MOM));
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == offline + (long)(BLOCK_NR - MOM));
	CHECK(PageOffline(pfn_to_page(pfn + MOM)) && page_ref_count(pfn_to_page(pfn + BLOCK_NR - 1)) == 1);
	CHECK(nr_isolated_pageblocks() == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
	/* what the kept block's owner does in MEM_GOING_OFFLINE, then everything goes */
	CHECK(fake_offline_drop_refs(pfn + MOM, BLOCK_NR - MOM) == BLOCK_NR - MOM);
	CHECK(offline_pages(pfn, nr) == 0);
	CHECK(totalram_pages() == managed && nr_free_pages() == free);
	for (unsigned long id = FIRST; id < FIRST + n; id++)
		REQUIRE(mprotect(__nr_to_section(id)->memmap, MOM * sizeof(struct page),
				 PROT_READ | PROT_WRITE) == 0);
	CHECK(remove_memory(PFN_PHYS(pfn), n * MEMORY_BLOCK_SIZE) == 0);
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == offline);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* The budget: a 64 MiB machine cannot hold the memmap of 60 GiB (480 MiB) in its own memory; with the
 * memmap on the added memory it adds and onlines all of it. */
static void test_more_than_boot_memory_can_describe(void)
{
	u64 start = 4 * GiB, size = MM_FAKE_PHYS_SIZE - start;

	mm_fake_boot_simple(64 * MiB);
	unsigned long free = nr_free_pages();
	CHECK(add_memory(start, size) == -ENOMEM);
	CHECK(nr_free_pages() == free && mm_fake_meminfo_kb("MemmapKernel:") == 0);
	REQUIRE(add_memory_driver_managed(start, size, MHP_MEMMAP_ON_MEMORY) == 0);
	CHECK(online_pages(PHYS_PFN(start), PHYS_PFN(size), ZONE_MOVABLE) == 0);
	CHECK(mm_fake_meminfo_kb("MemmapOnMemory:") == (long)(size / MEMORY_BLOCK_SIZE) * 2048);
	CHECK(nr_free_pages() >= free + PHYS_PFN(size) - (size / MEMORY_BLOCK_SIZE) * MOM - 64);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(offline_and_remove_memory(start, size) == 0);
	CHECK(mm_fake_meminfo_kb("MemmapOnMemory:") == 0 && mm_verify(mm_fake_print) == 0);
}

/* memory_hotplug.memmap_on_memory=1: plain add_memory (the shell's `memory add`) puts each block's
 * memmap in the block itself; with 0, the default, it comes from the page allocator. */
static void test_add_memory_parameter(void)
{
	unsigned long pfn = bpfn(FIRST), nr = 2 * BLOCK_NR;
	phys_addr_t start = PFN_PHYS(pfn);
	u64 size = 2 * MEMORY_BLOCK_SIZE;

	hp_boot();
	unsigned long free = nr_free_pages(), managed = totalram_pages();
	REQUIRE(add_memory(start, size) == 0);
	CHECK(!memory_block_memmap_on_memory(FIRST) && nr_free_pages() + 2 * 256 <= free);
	CHECK(mm_fake_meminfo_kb("MemmapOnMemory:") == 0);
	CHECK(remove_memory(start, size) == 0);

	mhp_memmap_on_memory = true;
	free = nr_free_pages();
	REQUIRE(add_memory(start, size) == 0);
	CHECK(memory_block_memmap_on_memory(FIRST) && memory_block_memmap_on_memory(FIRST + 1));
	CHECK(nr_free_pages() == free && mm_fake_meminfo_kb("MemmapOnMemory:") == 2 * 2048);
	CHECK(online_pages(pfn, nr, ZONE_NORMAL) == 0);
	CHECK(totalram_pages() == managed + nr - 2 * MOM && mm_verify(mm_fake_print) == 0);
	CHECK(offline_and_remove_memory(start, size) == 0);
	CHECK(totalram_pages() == managed && mm_fake_meminfo_kb("MemmapOnMemory:") == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
	mhp_memmap_on_memory = false;
}

int main(void)
{
	RUN("memmap-on-memory", "add, online, offline, remove: counters, nothing written",
	    test_add_online_offline_remove);
	RUN("memmap-on-memory", "a used block goes offline; its memmap is never isolated or taken",
	    test_used_block_offline_and_refusals);
	RUN("memmap-on-memory", "MHP_NO_DIRECT_MAP maps only the memmap pageblocks", test_no_direct_map);
	RUN("memmap-on-memory", "the online-page callback gets the whole range, memmap included",
	    test_callback_gets_the_whole_range);
	RUN("memmap-on-memory", "60 GiB into a 64 MiB machine", test_more_than_boot_memory_can_describe);
	RUN("memmap-on-memory", "memory_hotplug.memmap_on_memory=1 for plain add_memory",
	    test_add_memory_parameter);
	return test_summary();
}

/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* The offlining protocol, one case per rule of the protocol (docs/HOTPLUG.md),
 * and the life of a hot-added block: add, online, offline, remove, the fault report, lsmem, the lock. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/arch.h"
#include "mmtest/offline_owner.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/page_isolation.h"
#include "mm/slab.h"
#include "mmtest/balloon.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"
#include "mm_fake.h"

#define B HP_MOVABLE_LAST /* the block most cases work on: ZONE_MOVABLE, free at boot */

static unsigned long bpfn(unsigned long id)
{
	return block_id_to_pfn(id);
}

/* A PageOffline page without movable operations, owned by nobody in particular. */
static struct page *offline_page_in(unsigned long id)
{
	if (balloon_inflate(PAGE_SIZE, false, id))
		return NULL;
	return pfn_to_page(bpfn(id)); /* the block was free: the first pageblock's first page */
}

static void test_boot_blocks(void)
{
	struct memory_block_info info;
	char buf[32];

	hp_boot();
	REQUIRE(memory_block_get(0, &info) == 0);
	CHECK(info.state == MEMORY_BLOCK_ONLINE && info.zone == ZONE_NORMAL && info.boot);
	CHECK(!info.removable); /* kernel image, and the first-MiB hole */
	REQUIRE(memory_block_get(B, &info) == 0);
	CHECK(info.state == MEMORY_BLOCK_ONLINE && info.zone == ZONE_MOVABLE && info.removable);
	CHECK(memory_block_get(8, &info) == -ENOENT);
	CHECK(!strcmp(memory_block_valid_zones(B, buf, sizeof(buf)), "Movable"));
	CHECK(memory_block_next(0) == 0 && memory_block_next(8) == NR_MEMORY_BLOCKS);
}

/* Protocol: isolation. Outside MEMORY_OFFLINE a PageOffline page without movable operations is unmovable;
 * with MEMORY_OFFLINE it is isolatable. */
static void test_isolation_modes(void)
{
	struct busy_pfn busy;

	hp_boot();
	struct page *p = offline_page_in(B);
	REQUIRE(p && PageOffline(p));
	unsigned long pfn = page_to_pfn(p), s = pageblock_start_pfn(pfn);
	busy_pfn_clear(&busy);
	CHECK(start_isolate_page_range(s, s + pageblock_nr_pages, 0, &busy) == -EBUSY);
	CHECK(busy.pfn == pfn && strstr(busy.reason, "PageOffline"));
	CHECK(nr_isolated_pageblocks() == 0);
	CHECK(start_isolate_page_range(s, s + pageblock_nr_pages, MEMORY_OFFLINE, &busy) == 0);
	CHECK(nr_isolated_pageblocks() == 1);
	/* Refcount 1: not free, even in MEMORY_OFFLINE mode. */
	CHECK(test_pages_isolated(s, s + pageblock_nr_pages, MEMORY_OFFLINE, NULL) == -EBUSY);
	page_ref_dec(p);
	CHECK(test_pages_isolated(s, s + pageblock_nr_pages, MEMORY_OFFLINE, NULL) == 0);
	CHECK(test_pages_isolated(s, s + pageblock_nr_pages, 0, NULL) == -EBUSY);
	page_ref_inc(p);
	undo_isolate_page_range(s, s + pageblock_nr_pages);
	CHECK(nr_isolated_pageblocks() == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* Protocol: an agreeing owner drops its references in MEM_GOING_OFFLINE; refcount-0 PageOffline pages
 * are skipped like free pages; they stay PageOffline; unplugged memory is never touched (PROT_NONE). */
static void test_refcount0_skipped(void)
{
	hp_boot();
	REQUIRE(offline_owner_init() == 0);
	REQUIRE(offline_owner_unplug(B, 0, 3) == 0);
	unsigned long managed = totalram_pages(), sb = bpfn(B);
	CHECK(!arch_is_mapped(PFN_PHYS(sb)) && !arch_is_mapped(PFN_PHYS(sb + 3 * 512) - 1));
	CHECK(arch_is_mapped(PFN_PHYS(sb + 3 * 512)));
	CHECK(memory_block_offline(B) == 0);
	CHECK(hp_rec_saw(MEM_GOING_OFFLINE) && hp_rec_saw(MEM_OFFLINE) && !hp_rec_saw(MEM_CANCEL_OFFLINE));
	CHECK(!online_section_nr(B));
	struct page *p = pfn_to_page(sb);
	CHECK(PageOffline(p) && page_ref_count(p) == 0);
	CHECK(offline_owner_dropped_refs() == 0);
	/* The managed count lost only the pages that were in the buddy. */
	CHECK(totalram_pages() == managed - (PAGES_PER_MEMORY_BLOCK - 3 * 512));
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(!arch_is_mapped(PFN_PHYS(sb))); /* still: offline memory stays as it was */
}

/* Protocol: a PageOffline page with refcount 1 whose owner does not agree makes offlining fail, with
 * the reason, and nothing is lost (step 7). */
static void test_refcount1_fails(void)
{
	struct hp_snap before;

	hp_boot();
	REQUIRE(workload_alloc(8 * MiB) == 0);
	REQUIRE(balloon_inflate(4 * MiB, false, B) == 0);
	hp_snap(&before);
	hp_rec_reset();
	CHECK(memory_block_offline(B) == -EBUSY);
	CHECK(strstr(hotplug_last_error(), "-EBUSY") &&
	      strstr(hotplug_last_error(), "PageOffline, refcount 1"));
	CHECK(strstr(hotplug_last_error(), "pfn 0x"));
	CHECK(hp_rec_saw(MEM_GOING_OFFLINE) && hp_rec_saw(MEM_CANCEL_OFFLINE) && !hp_rec_saw(MEM_OFFLINE));
	CHECK(hp_check_unchanged(&before, B) == 0);
	CHECK(balloon_deflate(false) == 1024);
}

/* Protocol: the owner takes its references back in MEM_CANCEL_OFFLINE, and only those it dropped:
 * a cancel after a veto that came before it saw MEM_GOING_OFFLINE changes nothing. */
static void test_cancel_restores_refs(void)
{
	struct hp_snap before;

	hp_boot();
	REQUIRE(offline_owner_init() == 0);
	REQUIRE(offline_owner_unplug(B, 4, 2) == 0);
	hp_snap(&before);
	CHECK(before.offline_refs == 1024);

	/* The recorder (after the owner) vetoes: the owner dropped, then takes back. */
	hp_rec.veto = MEM_GOING_OFFLINE;
	CHECK(memory_block_offline(B) == -EBUSY);
	CHECK(strstr(hotplug_last_error(), "vetoed by recorder"));
	CHECK(hp_check_unchanged(&before, B) == 0);
	CHECK(offline_owner_dropped_refs() == 0);

	/* The first notifier vetoes: the owner never saw GOING_OFFLINE but gets the cancel. */
	hp_rec_reset();
	hp_first_veto = MEM_GOING_OFFLINE;
	CHECK(memory_block_offline(B) == -EBUSY);
	CHECK(!hp_rec_saw(MEM_GOING_OFFLINE) && hp_rec_saw(MEM_CANCEL_OFFLINE));
	CHECK(hp_check_unchanged(&before, B) == 0);
	struct page *p = pfn_to_page(bpfn(B) + 4 * 512);
	CHECK(PageOffline(p) && page_ref_count(p) == 1);
}

/* Protocol: re-onlining goes through the online-page callback, which keeps the owner's pages
 * PageOffline (refcount 1) and out of the buddy. */
static void test_online_callback_remarks(void)
{
	unsigned long free, off, other;

	hp_boot();
	REQUIRE(offline_owner_init() == 0);
	REQUIRE(offline_owner_unplug(B, 10, 3) == 0);
	long stat = mm_stat_read(NR_OFFLINE_PAGES);
	unsigned long managed = totalram_pages();
	REQUIRE(memory_block_offline(B) == 0);
	CHECK(memory_block_online(B, MMOP_ONLINE) == 0);
	hp_block_census(B, &free, &off, &other);
	CHECK(off == 3 * 512 && free == PAGES_PER_MEMORY_BLOCK - 3 * 512 && other == 0);
	struct page *p = pfn_to_page(bpfn(B) + 10 * 512);
	CHECK(PageOffline(p) && page_ref_count(p) == 1 && !PageReserved(p));
	CHECK(page_zonenum(p) == ZONE_MOVABLE);
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == stat);
	CHECK(totalram_pages() == managed);
	CHECK(mm_verify(mm_fake_print) == 0);
	/* And they can be plugged back. */
	CHECK(offline_owner_plug(B, 10, 3) == 0);
	hp_block_census(B, &free, &off, &other);
	CHECK(free == PAGES_PER_MEMORY_BLOCK && off == 0);
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == stat - 3 * 512);
}

/* Protocol: movable PageOffline pages (balloon compaction) are migrated, never read; offlining succeeds. */
static void test_movable_offline_migrated(void)
{
	hp_boot();
	REQUIRE(balloon_inflate(6 * MiB, true, B) == 0);
	unsigned long managed = totalram_pages();
	REQUIRE(balloon_pages_in_block(true, B) == 1536);
	/* Unmap the balloon's pages: migration must not read them. */
	arch_remove_memory(PFN_PHYS(bpfn(B)), 6 * MiB);
	CHECK(memory_block_offline(B) == 0);
	CHECK(balloon_nr_pages(true) == 1536 && balloon_pages_in_block(true, B) == 0);
	/* The balloon's pages left the block with their unmanaged state: the block went whole. */
	CHECK(totalram_pages() == managed - PAGES_PER_MEMORY_BLOCK);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(balloon_deflate(true) == 1536);
	CHECK(totalram_pages() == managed - PAGES_PER_MEMORY_BLOCK + 1536);
}

/* The workload's data moves with its pages and stays intact. */
static void test_workload_migrated(void)
{
	struct workload_check wc;
	unsigned long free, off, other;

	hp_boot();
	REQUIRE(workload_alloc(200 * MiB) == 0); /* more than one movable block: some lands in B */
	hp_block_census(B, &free, &off, &other);
	CHECK(other > 0);
	CHECK(memory_block_offline(B) == 0);
	CHECK(workload_verify(&wc) == 0 && wc.pages == 51200);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(memory_block_online(B, MMOP_ONLINE_MOVABLE) == 0);
	workload_free();
	CHECK(nr_free_pages() == totalram_pages());
}

/* Step 1: holes, whole blocks, online. */
static void test_range_checks(void)
{
	hp_boot();
	hp_rec_reset();
	CHECK(memory_block_offline(0) == -EINVAL);
	CHECK(strstr(hotplug_last_error(), "hole [mem 0x000000000009f000-0x00000000000fffff]"));
	CHECK(offline_pages(bpfn(B), 512) == -EINVAL);
	CHECK(memory_block_offline(40) == -ENOENT);
	CHECK(memory_block_offline(B) == 0);
	CHECK(memory_block_offline(B) == -EINVAL && strstr(hotplug_last_error(), "not online"));
	CHECK(offline_pages(bpfn(B - 2), 2 * PAGES_PER_MEMORY_BLOCK) == -EINVAL);
	CHECK(memory_block_online(B, MMOP_ONLINE) == 0);
	CHECK(memory_block_online(B, MMOP_ONLINE) == -EINVAL);
	hp_rec_reset();
	/* Two blocks of two zones. */
	CHECK(offline_pages(bpfn(5), 2 * PAGES_PER_MEMORY_BLOCK) == -EINVAL);
	CHECK(strstr(hotplug_last_error(), "spans zones"));
	CHECK(!hp_rec_saw(MEM_GOING_OFFLINE) && !hp_rec_saw(MEM_CANCEL_OFFLINE));
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* A range whose end wraps past 2^64 is not whole memory blocks: refused before anything happens
 * (nr_pages = 2^64 - pfn makes pfn + nr_pages 0, below MAX_PFN). */
static void test_range_wraps(void)
{
	unsigned long pfn = bpfn(B), wrap = 0UL - pfn;

	hp_boot();
	unsigned long spanned = zones[ZONE_MOVABLE].spanned_pages, managed = totalram_pages();
	REQUIRE(IS_ALIGNED(wrap, PAGES_PER_MEMORY_BLOCK));
	hp_rec_reset();
	CHECK(offline_pages(pfn, wrap) == -EINVAL);
	CHECK(strstr(hotplug_last_error(), "offline failed: -EINVAL") &&
	      strstr(hotplug_last_error(), "is not whole memory blocks"));
	CHECK(online_section_nr(B) && hp_rec.n == 0);
	REQUIRE(memory_block_offline(B) == 0);
	hp_rec_reset();
	CHECK(online_pages(pfn, wrap, ZONE_MOVABLE) == -EINVAL);
	CHECK(strstr(hotplug_last_error(), "online failed: -EINVAL") &&
	      strstr(hotplug_last_error(), "is not whole memory blocks"));
	CHECK(!online_section_nr(B) && hp_rec.n == 0);
	CHECK(memory_block_online(B, MMOP_ONLINE) == 0);
	CHECK(zones[ZONE_MOVABLE].spanned_pages == spanned && totalram_pages() == managed);
	CHECK(nr_isolated_pageblocks() == 0 && mm_verify(mm_fake_print) == 0);
}

/* Kernel allocations cannot move: isolation names them; no event is sent. */
static void test_unmovable_kernel_page(void)
{
	struct hp_snap before;

	hp_boot();
	REQUIRE(pin_alloc_block(PAGE_SIZE, 3) == 0);
	hp_snap(&before);
	hp_rec_reset();
	CHECK(memory_block_offline(3) == -EBUSY);
	CHECK(strstr(hotplug_last_error(), "unmovable page at pfn 0x18000 (kernel allocation)"));
	CHECK(hp_rec.n == 0);
	CHECK(hp_check_unchanged(&before, 3) == 0);
	pin_free();
}

/* add_memory / online / offline / remove, the direct map, and the fault report. */
static void test_add_remove(void)
{
	phys_addr_t base = 4 * GiB;
	char buf[96];
	struct memory_block_info info;

	hp_boot();
	unsigned long memmap = (unsigned long)mm_stat_read(NR_MEMMAP_PAGES);
	CHECK(add_memory(base, 3 * MEMORY_BLOCK_SIZE) == 0);
	CHECK(add_memory(base + MEMORY_BLOCK_SIZE, MEMORY_BLOCK_SIZE) == -EEXIST);
	CHECK(add_memory(base + 4096, MEMORY_BLOCK_SIZE) == -EINVAL);
	CHECK((unsigned long)mm_stat_read(NR_MEMMAP_PAGES) == memmap + 3 * 256);
	CHECK(arch_is_mapped(base) && arch_is_mapped(base + 3 * MEMORY_BLOCK_SIZE - 1));
	REQUIRE(memory_block_get(HP_HOTADD_BLOCK, &info) == 0);
	CHECK(info.state == MEMORY_BLOCK_OFFLINE && !info.boot && info.zone == ZONE_MOVABLE);
	CHECK(!strcmp(memory_block_valid_zones(HP_HOTADD_BLOCK, buf, sizeof(buf)), "Movable Normal"));
	unsigned long total = totalram_pages();
	for (unsigned long id = HP_HOTADD_BLOCK; id < HP_HOTADD_BLOCK + 3; id++)
		CHECK(memory_block_online(id, MMOP_ONLINE) == 0);
	CHECK(totalram_pages() == total + 3 * PAGES_PER_MEMORY_BLOCK);
	CHECK(host_log_contains("hotplug: memory33: online (Movable) in"));
	CHECK(remove_memory(base, 3 * MEMORY_BLOCK_SIZE) == -EBUSY);
	CHECK(workload_alloc(500 * MiB) == 0);
	CHECK(offline_and_remove_memory(base, 3 * MEMORY_BLOCK_SIZE) == 0);
	CHECK(workload_verify(NULL) == 0);
	CHECK(!pfn_valid(PHYS_PFN(base)) && !arch_is_mapped(base) &&
	      !arch_is_mapped(base + 2 * MEMORY_BLOCK_SIZE));
	CHECK((unsigned long)mm_stat_read(NR_MEMMAP_PAGES) == memmap);
	CHECK(totalram_pages() == total);
	CHECK(mhp_is_removed(base + 5000));
	const char *d =
	    mm_describe_fault_address(page_offset_base + base + MEMORY_BLOCK_SIZE + 8, buf, sizeof(buf));
	CHECK(d && strstr(d, "removed memory (block 33"));
	d = mm_describe_fault_address(page_offset_base + 8 * GiB, buf, sizeof(buf));
	CHECK(d && strstr(d, "not present (block 64"));
	CHECK(mm_describe_fault_address(page_offset_base + MiB * 2, buf, sizeof(buf)) == NULL);
	CHECK(mm_verify(mm_fake_print) == 0);
	/* Added again: the removal is forgotten. */
	CHECK(add_memory(base, MEMORY_BLOCK_SIZE) == 0 && !mhp_is_removed(base));
	CHECK(remove_memory(base, MEMORY_BLOCK_SIZE) == 0);
	workload_free();
}

/* Takes every page GFP_KERNEL can get (onto `pages`) and fills kmalloc's smallest class (objects
 * chained through themselves from *objs): the next kernel allocation needs memory onlined later. */
static void exhaust_kernel_memory(struct list_head *pages, void **objs)
{
	struct page *p;
	void *o;

	for (int order = MAX_ORDER; order >= 0; order--)
		while ((p = alloc_pages(GFP_KERNEL, (unsigned int)order)))
			list_add(&p->lru, pages);
	while ((o = kmalloc(KMALLOC_MIN_SIZE, GFP_KERNEL))) {
		*(void **)o = *objs;
		*objs = o;
	}
}

static void release_kernel_memory(struct list_head *pages, void *objs)
{
	struct page *p, *next;

	while (objs) {
		void *o = objs;
		objs = *(void **)o;
		kfree(o);
	}
	list_for_each_entry_safe(p, next, pages, lru) {
		list_del(&p->lru);
		free_pages(p, p->order);
	}
}

/* A block onlined into ZONE_NORMAL while it is the only free kernel memory, and still entirely free:
 * offline_and_remove_memory must not put anything of its own into it (a kernel allocation there
 * would make the block unmovable and the removal fail). */
static void test_remove_only_free_normal_block(void)
{
	phys_addr_t base = PFN_PHYS(bpfn(HP_HOTADD_BLOCK));
	LIST_HEAD(pages);
	void *objs = NULL;

	hp_boot();
	REQUIRE(add_memory(base, MEMORY_BLOCK_SIZE) == 0); /* its memmap comes from boot memory */
	unsigned long managed = totalram_pages();
	exhaust_kernel_memory(&pages, &objs);
	REQUIRE(zone_free_pages(&zones[ZONE_NORMAL]) == 0);
	REQUIRE(memory_block_online(HP_HOTADD_BLOCK, MMOP_ONLINE_KERNEL) == 0);
	REQUIRE(zone_free_pages(&zones[ZONE_NORMAL]) == PAGES_PER_MEMORY_BLOCK);
	CHECK(offline_and_remove_memory(base, MEMORY_BLOCK_SIZE) == 0);
	if (!test_ok())
		printf("INFO: %s\n", hotplug_last_error());
	CHECK(!pfn_valid(bpfn(HP_HOTADD_BLOCK)) && mhp_is_removed(base));
	CHECK(totalram_pages() == managed);
	release_kernel_memory(&pages, objs);
	CHECK(nr_free_pages() == totalram_pages());
	CHECK(nr_isolated_pageblocks() == 0 && mm_verify(mm_fake_print) == 0);
}

/* hotplug_last_error() is the last operation's: cleared when one begins, so a success leaves it
 * empty and a fresh failure (here -ENOMEM) names only its own reason, never an earlier one. */
static void test_last_error_cleared(void)
{
	phys_addr_t base = PFN_PHYS(bpfn(HP_HOTADD_BLOCK));
	LIST_HEAD(pages);
	void *objs = NULL;

	hp_boot();
	CHECK(memory_block_offline(0) == -EINVAL && strstr(hotplug_last_error(), "hole"));
	CHECK(memory_block_offline(B) == 0);
	CHECK(!strcmp(hotplug_last_error(), ""));
	CHECK(memory_block_offline(0) == -EINVAL);
	CHECK(memory_block_online(B, MMOP_ONLINE) == 0);
	CHECK(!strcmp(hotplug_last_error(), ""));
	CHECK(memory_block_offline(0) == -EINVAL);
	exhaust_kernel_memory(&pages, &objs);
	CHECK(add_memory(base, MEMORY_BLOCK_SIZE) == -ENOMEM);
	CHECK(strstr(hotplug_last_error(), "-ENOMEM") && !strstr(hotplug_last_error(), "hole"));
	release_kernel_memory(&pages, objs);
	CHECK(memory_block_offline(0) == -EINVAL);
	CHECK(add_memory(base, MEMORY_BLOCK_SIZE) == 0);
	CHECK(!strcmp(hotplug_last_error(), ""));
	CHECK(memory_block_offline(0) == -EINVAL);
	CHECK(offline_and_remove_memory(base, MEMORY_BLOCK_SIZE) == 0);
	CHECK(!strcmp(hotplug_last_error(), ""));
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* Pages of block id in the buddy or the pcp cache. */
static unsigned long block_free(unsigned long id)
{
	unsigned long free, off, other;

	hp_block_census(id, &free, &off, &other);
	return free;
}

/* Memory just onlined goes to the tail of the free lists (Linux's FPI_TO_TAIL, and isolation moving
 * free pages to the tail): the pages that were free before are allocated first. */
static void test_onlined_pages_allocated_last(void)
{
	hp_boot();
	REQUIRE(add_memory(PFN_PHYS(bpfn(HP_HOTADD_BLOCK)), MEMORY_BLOCK_SIZE) == 0);
	unsigned long before = zone_free_pages(&zones[ZONE_MOVABLE]);
	REQUIRE(memory_block_online(HP_HOTADD_BLOCK, MMOP_ONLINE_MOVABLE) == 0);
	REQUIRE(zone_free_pages(&zones[ZONE_MOVABLE]) == before + PAGES_PER_MEMORY_BLOCK);
	/* Every page ZONE_MOVABLE had before, in order-0 allocations: none from the new block. */
	CHECK(workload_alloc(before * PAGE_SIZE) == 0);
	CHECK(block_free(HP_HOTADD_BLOCK) == PAGES_PER_MEMORY_BLOCK);
	CHECK(block_free(HP_MOVABLE_FIRST) + block_free(HP_MOVABLE_LAST) <= zones[ZONE_MOVABLE].pcp.count);
	workload_free();
	drain_all_pages(NULL);
	/* The same for whole pageblocks. */
	unsigned long n = 0;
	struct page *p;
	LIST_HEAD(blocks);
	while ((p = alloc_pages(GFP_MOVABLE, pageblock_order)) &&
	       pfn_to_block_id(page_to_pfn(p)) != HP_HOTADD_BLOCK) {
		list_add(&p->lru, &blocks);
		n++;
	}
	CHECK(p && n == 2 * PAGES_PER_MEMORY_BLOCK / pageblock_nr_pages);
	if (p)
		free_pages(p, pageblock_order);
	struct page *next;
	list_for_each_entry_safe(p, next, &blocks, lru) {
		list_del(&p->lru);
		free_pages(p, pageblock_order);
	}
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* Pages a driver plugs back or gives back after a failed unplug (free_contig_range, here through the
 * agreeing owner) go to the tail too: allocated after everything else that is free. */
static void test_plugged_pages_allocated_last(void)
{
	hp_boot();
	REQUIRE(offline_owner_init() == 0);
	REQUIRE(offline_owner_unplug(B, 0, 8) == 0); /* the first 16 MiB of block B */
	REQUIRE(offline_owner_plug(B, 0, 8) == 0);
	unsigned long others = zone_free_pages(&zones[ZONE_MOVABLE]) - 8 * 512;
	CHECK(workload_alloc(others * PAGE_SIZE) == 0);
	unsigned long still = 0;
	for (unsigned long pfn = bpfn(B); pfn < bpfn(B) + 8 * 512; pfn++)
		still += PageBuddy(pfn_to_page(pfn)) ? 1UL << buddy_order(pfn_to_page(pfn)) : 0;
	CHECK(still == 8 * 512);
	workload_free();
	/* Through the online-page callback: the rest of the block is onlined to the tail as well. */
	REQUIRE(offline_owner_unplug(B, 0, 8) == 0);
	REQUIRE(memory_block_offline(B) == 0);
	REQUIRE(memory_block_online(B, MMOP_ONLINE) == 0);
	REQUIRE(offline_owner_plug(B, 0, 8) == 0);
	CHECK(workload_alloc((zone_free_pages(&zones[ZONE_MOVABLE]) - PAGES_PER_MEMORY_BLOCK) * PAGE_SIZE) ==
	      0);
	CHECK(block_free(B) == PAGES_PER_MEMORY_BLOCK);
	workload_free();
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* offline_and_remove_memory: if one block cannot go, the others come back online in their zone. */
static void test_offline_and_remove_rollback(void)
{
	hp_boot();
	REQUIRE(balloon_inflate(PAGE_SIZE, false, HP_MOVABLE_LAST) == 0);
	CHECK(offline_and_remove_memory(PFN_PHYS(bpfn(HP_MOVABLE_FIRST)), 2 * MEMORY_BLOCK_SIZE) == -EBUSY);
	CHECK(online_section_nr(HP_MOVABLE_FIRST) && online_section_nr(HP_MOVABLE_LAST));
	CHECK(page_zonenum(pfn_to_page(bpfn(HP_MOVABLE_FIRST))) == ZONE_MOVABLE);
	CHECK(pfn_valid(bpfn(HP_MOVABLE_FIRST)));
	CHECK(nr_isolated_pageblocks() == 0 && mm_verify(mm_fake_print) == 0);
}

/* One lock: a notifier calling back into hotplug gets -EBUSY, and so does a second caller. */
static int reenter_result = 1;
static int reenter_call(struct notifier_block *nb, unsigned long action, void *data)
{
	if (action == MEM_GOING_OFFLINE)
		reenter_result = offline_pages(block_id_to_pfn(HP_MOVABLE_FIRST), PAGES_PER_MEMORY_BLOCK);
	return NOTIFY_OK;
}

static void test_lock(void)
{
	struct notifier_block nb = {.notifier_call = reenter_call, .name = "?"};

	hp_boot();
	CHECK(mem_hotplug_begin("test") == 0);
	CHECK(memory_block_offline(B) == -EBUSY && strstr(hotplug_last_error(), "held by test"));
	CHECK(add_memory(4 * GiB, MEMORY_BLOCK_SIZE) == -EBUSY);
	mem_hotplug_done();
	CHECK(register_memory_notifier(&nb) == 0);
	CHECK(register_memory_notifier(&nb) == -EEXIST);
	CHECK(memory_block_offline(B) == 0);
	CHECK(reenter_result == -EBUSY);
	CHECK(unregister_memory_notifier(&nb) == 0);
	CHECK(online_section_nr(HP_MOVABLE_FIRST));
}

static void other_callback(unsigned long pfn, unsigned long nr_pages)
{
	generic_online_page(pfn, nr_pages);
}

/* MEM_GOING_ONLINE may be vetoed (MEM_CANCEL_ONLINE follows, the block stays offline); one online-page
 * callback at a time. */
static void test_online_veto_and_callback(void)
{
	hp_boot();
	REQUIRE(memory_block_offline(B) == 0);
	unsigned long managed = totalram_pages();
	hp_rec_reset();
	hp_rec.veto = MEM_GOING_ONLINE;
	CHECK(memory_block_online(B, MMOP_ONLINE) == -EBUSY);
	CHECK(strstr(hotplug_last_error(), "online failed: -EBUSY: vetoed by recorder"));
	CHECK(hp_rec_saw(MEM_CANCEL_ONLINE) && !hp_rec_saw(MEM_ONLINE));
	CHECK(!online_section_nr(B) && totalram_pages() == managed);
	hp_rec.veto = 0;
	CHECK(memory_block_online(B, MMOP_ONLINE) == 0 && hp_rec_saw(MEM_ONLINE));
	CHECK(mm_verify(mm_fake_print) == 0);

	REQUIRE(offline_owner_init() == 0);
	CHECK(set_online_page_callback(other_callback) == -EINVAL);
	CHECK(restore_online_page_callback(other_callback) == -EINVAL);
	offline_owner_exit();
	CHECK(set_online_page_callback(other_callback) == 0);
	CHECK(offline_owner_init() == -EINVAL);
	CHECK(restore_online_page_callback(other_callback) == 0);
}

static char lsmem_out[4096];
static void lsmem_pr(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(lsmem_out);
	va_start(ap, fmt);
	vsnprintf(lsmem_out + n, sizeof(lsmem_out) - n, fmt, ap);
	va_end(ap);
}

static void test_lsmem(void)
{
	hp_boot();
	REQUIRE(add_memory(4 * GiB, 2 * MEMORY_BLOCK_SIZE) == 0);
	REQUIRE(memory_block_online(HP_HOTADD_BLOCK, MMOP_ONLINE_KERNEL) == 0);
	lsmem_out[0] = 0;
	lsmem_show(lsmem_pr);
	fputs(lsmem_out, stdout);
	CHECK(strstr(lsmem_out, "RANGE ") && strstr(lsmem_out, "REMOVABLE") && strstr(lsmem_out, "ZONES"));
	CHECK(strstr(lsmem_out,
		     "0x0000000000000000-0x0000000007ffffff  128M online        no        0        Normal"));
	CHECK(strstr(lsmem_out,
		     "0x0000000030000000-0x000000003fffffff  256M online        yes       6-7      Movable"));
	CHECK(strstr(lsmem_out,
		     "0x0000000100000000-0x0000000107ffffff  128M online        yes       32       Normal"));
	CHECK(strstr(lsmem_out, "0x0000000108000000-0x000000010fffffff  128M offline       yes       33"));
	CHECK(strstr(lsmem_out, "Memory block size:       128M"));
	CHECK(strstr(lsmem_out, "Total online memory:     1.1G"));
	CHECK(strstr(lsmem_out, "Total offline memory:    128M"));
	CHECK(mmop_from_string("online_movable") == MMOP_ONLINE_MOVABLE && mmop_from_string("x") == -EINVAL);
}

int main(void)
{
	RUN("hotplug", "boot blocks and states", test_boot_blocks);
	RUN("hotplug", "isolation with and without MEMORY_OFFLINE", test_isolation_modes);
	RUN("hotplug", "refcount-0 PageOffline pages are skipped", test_refcount0_skipped);
	RUN("hotplug", "refcount-1 PageOffline page fails the offline, nothing lost", test_refcount1_fails);
	RUN("hotplug", "MEM_CANCEL_OFFLINE restores only dropped refs", test_cancel_restores_refs);
	RUN("hotplug", "online callback re-marks PageOffline", test_online_callback_remarks);
	RUN("hotplug", "movable PageOffline pages are migrated", test_movable_offline_migrated);
	RUN("hotplug", "workload pages migrate with their data", test_workload_migrated);
	RUN("hotplug", "range checks: holes, whole blocks, one zone", test_range_checks);
	RUN("hotplug", "a range whose end wraps is refused", test_range_wraps);
	RUN("hotplug", "kernel allocation stops isolation with a reason", test_unmovable_kernel_page);
	RUN("hotplug", "add, online, offline, remove, fault report", test_add_remove);
	RUN("hotplug", "offline_and_remove_memory rolls back", test_offline_and_remove_rollback);
	RUN("hotplug", "an entirely free ZONE_NORMAL block is removed", test_remove_only_free_normal_block);
	RUN("hotplug", "onlined pages are allocated last", test_onlined_pages_allocated_last);
	RUN("hotplug", "plugged and given-back pages are allocated last", test_plugged_pages_allocated_last);
	RUN("hotplug", "the last error is cleared when an operation begins", test_last_error_cleared);
	RUN("hotplug", "one hotplug lock", test_lock);
	RUN("hotplug", "lsmem", test_lsmem);
	RUN("hotplug", "MEM_GOING_ONLINE veto, one online-page callback", test_online_veto_and_callback);
	return test_summary();
}

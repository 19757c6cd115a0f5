/* host-srcs: @mm-core @mm-hotplug @mmtest @mm-vheap tests/host/mm_fake.c tests/host/vmap_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* vheap (include/mm/vheap.h) over the fake vmap area, whose addresses alias the fake physical memory
 * as page tables do: growing and shrinking, all or nothing, and migration (isolate, migrate, putback)
 * moving pages while their addresses keep the data, also for a page released while migration held it.
 * mm_verify (with vheap's verify hook) after every step. */
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/contig.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory.h"
#include "mm/memory_hotplug.h"
#include "mm/migrate.h"
#include "mm/mmzone.h"
#include "mm/page_isolation.h"
#include "mm/sparse.h"
#include "mm/vheap.h"
#include "mm_fake.h"
#include "vmap_fake.h"

static void boot(void)
{
	mm_fake_use_memfd(true);
	hp_boot();
}

static int verify(void)
{
	return mm_verify(mm_fake_print);
}

static struct page *page_at(struct vheap *h, unsigned long i)
{
	phys_addr_t pa = arch_vmap_phys((unsigned long)vheap_base(h) + i * PAGE_SIZE);
	return pa == (phys_addr_t)-1 ? NULL : pfn_to_page(PHYS_PFN(pa));
}

/* Every 8-byte word of the first `pages` pages: its own index mixed with a seed. */
static void fill(struct vheap *h, unsigned long pages, u64 seed)
{
	u64 *w = vheap_base(h);
	for (unsigned long i = 0; i < pages * PAGE_SIZE / 8; i++)
		w[i] = (i + 1) * 0x9e3779b97f4a7c15ULL ^ seed;
}

static unsigned long count_bad(struct vheap *h, unsigned long pages, u64 seed)
{
	const u64 *w = vheap_base(h);
	unsigned long bad = 0;
	for (unsigned long i = 0; i < pages * PAGE_SIZE / 8; i++)
		bad += w[i] != ((i + 1) * 0x9e3779b97f4a7c15ULL ^ seed);
	return bad;
}

static void test_grow_shrink_destroy(void)
{
	boot();
	unsigned long free0 = nr_free_pages();
	struct vheap *h = vheap_create(1 * MiB);
	REQUIRE(h);
	CHECK(vheap_size(h) == 0 && vheap_nr_pages(h) == 0 && nr_free_pages() == free0);
	CHECK(vheap_grow(h, 100) == 100 && vheap_nr_pages(h) == 1);
	CHECK(vheap_grow(h, 3 * PAGE_SIZE) == 100 + 3 * PAGE_SIZE && vheap_nr_pages(h) == 4);
	CHECK(nr_free_pages() == free0 - 4);
	const u64 *zero = vheap_base(h);
	CHECK(zero[0] == 0 && zero[4 * PAGE_SIZE / 8 - 1] == 0); /* new heap memory reads zero */
	fill(h, 4, 1);
	/* the address and the frame's direct map are the same memory */
	struct page *p2 = page_at(h, 2);
	REQUIRE(p2);
	CHECK(PageMovable(p2) && page_zonenum(p2) == ZONE_MOVABLE && page_ref_count(p2) == 1);
	CHECK(!memcmp(page_address(p2), (char *)vheap_base(h) + 2 * PAGE_SIZE, PAGE_SIZE));
	CHECK(vheap_verify(mm_fake_print) == 0 && verify() == 0);
	/* sbrk(-n): pages wholly above the break go */
	CHECK(vheap_grow(h, -(long)(2 * PAGE_SIZE)) == 100 + PAGE_SIZE && vheap_nr_pages(h) == 2);
	CHECK(nr_free_pages() == free0 - 2 && vmap_fake_mapped() == 2);
	CHECK(count_bad(h, 2, 1) == 0);
	/* refusals change nothing */
	CHECK(vheap_grow(h, -(long)(1 * MiB)) == -EINVAL);
	CHECK(vheap_grow(h, (long)(1 * MiB)) == -ENOMEM);
	CHECK(vheap_size(h) == 100 + PAGE_SIZE && vheap_nr_pages(h) == 2);
	CHECK(vheap_create(0) == NULL && vheap_create(vheap_max_bytes() + 1) == NULL);
	vheap_destroy(h);
	CHECK(nr_free_pages() == free0 && vmap_fake_mapped() == 0 && verify() == 0);
	/* VHEAP_MAX at a time, and a slot comes back */
	struct vheap *all[VHEAP_MAX];
	for (int i = 0; i < VHEAP_MAX; i++)
		CHECK((all[i] = vheap_create(PAGE_SIZE)) != NULL);
	CHECK(vheap_create(PAGE_SIZE) == NULL);
	vheap_destroy(all[3]);
	CHECK((all[3] = vheap_create(PAGE_SIZE)) != NULL);
	for (int i = 0; i < VHEAP_MAX; i++)
		vheap_destroy(all[i]);
}

static void test_grow_all_or_nothing(void)
{
	boot();
	struct vheap *h = vheap_create(64 * MiB);
	REQUIRE(h);
	CHECK(vheap_grow(h, 4 * PAGE_SIZE) == 4 * PAGE_SIZE);
	unsigned long free0 = nr_free_pages();
	vmap_fake_fail_after = 3; /* the fourth new page finds no page table */
	CHECK(vheap_grow(h, 8 * PAGE_SIZE) == -ENOMEM);
	CHECK(vheap_size(h) == 4 * PAGE_SIZE && vheap_nr_pages(h) == 4 && nr_free_pages() == free0);
	CHECK(vmap_fake_mapped() == 4 && verify() == 0);
	/* no memory: more than is free */
	vmap_fake_fail_after = -1;
	CHECK(vheap_grow(h, (long)(nr_free_pages() + 10) * (long)PAGE_SIZE) == -ENOMEM);
	CHECK(vheap_nr_pages(h) == 4 && nr_free_pages() == free0 && verify() == 0);
	vheap_destroy(h);
}

/* alloc_contig_range over the pageblocks holding the heap migrates every page out: each address now
 * maps another frame and reads the same data. */
static void test_contig_range_migrates(void)
{
	boot();
	struct vheap *h = vheap_create(16 * MiB);
	REQUIRE(h);
	const unsigned long n = 600; /* more than one pageblock's worth is not needed; spans two */
	REQUIRE(vheap_grow(h, (long)(n * PAGE_SIZE)) == (long)(n * PAGE_SIZE));
	fill(h, n, 7);
	unsigned long lo = ~0UL, hi = 0;
	static unsigned long before[600];
	for (unsigned long i = 0; i < n; i++) {
		before[i] = page_to_pfn(page_at(h, i));
		lo = before[i] < lo ? before[i] : lo;
		hi = before[i] > hi ? before[i] : hi;
	}
	lo = pageblock_start_pfn(lo);
	hi = pageblock_start_pfn(hi) + pageblock_nr_pages;
	unsigned long remaps0 = vmap_fake_remaps;
	struct busy_pfn busy;
	busy_pfn_clear(&busy);
	int rc = alloc_contig_range(lo, hi, &busy);
	CHECK(rc == 0);
	if (rc)
		printf("INFO: alloc_contig_range: %d at pfn 0x%lx: %s\n", rc, busy.pfn, busy.reason);
	unsigned long moved = 0;
	for (unsigned long i = 0; i < n; i++) {
		unsigned long pfn = page_to_pfn(page_at(h, i));
		moved += pfn != before[i];
		CHECK(pfn < lo || pfn >= hi);
	}
	CHECK(moved == n && vheap_nr_migrated(h) == n && vmap_fake_remaps - remaps0 == n);
	CHECK(count_bad(h, n, 7) == 0);
	CHECK(vheap_verify(mm_fake_print) == 0);
	if (!rc)
		free_contig_range(lo, hi - lo);
	CHECK(verify() == 0);
	vheap_destroy(h);
	CHECK(verify() == 0);
}

static struct page *zone_normal_target(struct page *src, unsigned long private)
{
	return alloc_pages(GFP_KERNEL, src->order);
}

/* The protocol step by step; and a page the heap releases while migration holds it is freed by
 * putback, not leaked and not freed twice. */
static void test_isolate_migrate_putback(void)
{
	LIST_HEAD(l);
	unsigned long done = 0;

	boot();
	unsigned long free0 = nr_free_pages();
	struct vheap *h = vheap_create(1 * MiB);
	REQUIRE(h && vheap_grow(h, 3 * PAGE_SIZE) == 3 * PAGE_SIZE);
	fill(h, 3, 3);
	/* isolate, then put back: nothing moves */
	struct page *p0 = page_at(h, 0);
	REQUIRE(isolate_movable_page(p0, MR_TEST));
	putback_movable_page(p0);
	CHECK(page_at(h, 0) == p0 && page_ref_count(p0) == 1 && !PageIsolated(p0));
	/* isolate and migrate to ZONE_NORMAL */
	REQUIRE(isolate_movable_page(p0, MR_TEST));
	list_add(&p0->lru, &l);
	CHECK(migrate_pages(&l, zone_normal_target, 0, MR_TEST, NULL, &done) == 0 && done == 1);
	CHECK(page_at(h, 0) != p0 && page_zonenum(page_at(h, 0)) == ZONE_NORMAL);
	CHECK(count_bad(h, 3, 3) == 0 && verify() == 0);
	/* released while isolated: the heap cannot free it; migration's putback does */
	struct page *p2 = page_at(h, 2);
	REQUIRE(isolate_movable_page(p2, MR_TEST));
	CHECK(vheap_grow(h, -(long)PAGE_SIZE) == 2 * PAGE_SIZE);
	CHECK(page_ref_count(p2) == 2 && !PageBuddy(p2)); /* not freed under migration */
	list_add(&p2->lru, &l);
	done = 0;
	CHECK(migrate_pages(&l, alloc_migration_target, 0, MR_TEST, NULL, &done) == 1 && done == 0);
	CHECK(page_ref_count(p2) == 0 && !PageMovable(p2));
	/* released with migration's reference taken, before the owner was asked to isolate */
	struct page *p1 = page_at(h, 1);
	REQUIRE(get_page_unless_zero(p1));
	vheap_destroy(h);
	CHECK(page_ref_count(p1) == 2);
	page_ref_dec(p1); /* migration's reference, as isolate_movable_page holds it */
	REQUIRE(page_movable_ops(p1)->isolate_page(p1, MR_TEST)); /* an orphan isolates */
	SetPageIsolated(p1);
	page_ref_inc(p1);
	putback_movable_page(p1);
	CHECK(page_ref_count(p1) == 0);
	CHECK(nr_free_pages() == free0 && vmap_fake_mapped() == 0 && verify() == 0);
}

int main(void)
{
	RUN("vheap", "grow, shrink, destroy; addresses alias their frames", test_grow_shrink_destroy);
	RUN("vheap", "a failed grow keeps nothing", test_grow_all_or_nothing);
	RUN("vheap", "alloc_contig_range migrates every page and remaps it", test_contig_range_migrates);
	RUN("vheap", "isolate, migrate, putback; pages released while isolated",
	    test_isolate_migrate_putback);
	return test_summary();
}

/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* The migration protocol with a test owner that can refuse at each step, and alloc_contig_range on
 * ranges of any alignment. */
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/contig.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/migrate.h"
#include "mm/page_isolation.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"
#include "mm_fake.h"

/* ---- a test owner: one page at a time, with a switch per step ---- */
static struct page *owned;
static bool refuse_isolate, refuse_migrate;
static int isolated_calls, migrate_calls, putback_calls, owner_id;

static bool t_isolate(struct page *page, int mode)
{
	isolated_calls++;
	return !refuse_isolate;
}
static int t_migrate(struct page *dst, struct page *src, int mode)
{
	migrate_calls++;
	if (refuse_migrate)
		return -EAGAIN;
	memcpy(page_address(dst), page_address(src), PAGE_SIZE);
	__SetPageMovable(dst, (unsigned int)owner_id);
	owned = dst;
	return 0;
}
static void t_putback(struct page *page)
{
	putback_calls++;
}
static const struct movable_operations test_ops = {"test-owner", t_isolate, t_migrate, t_putback};

static struct page *zone_normal_target(struct page *src, unsigned long private)
{
	return alloc_pages(GFP_KERNEL, src->order); /* ZONE_NORMAL only */
}

static void setup(void)
{
	hp_boot();
	owner_id = register_movable_ops(&test_ops);
	owned = alloc_page(GFP_MOVABLE);
	__SetPageMovable(owned, (unsigned int)owner_id);
	memset(page_address(owned), 0x5a, PAGE_SIZE);
	refuse_isolate = refuse_migrate = false;
	isolated_calls = migrate_calls = putback_calls = 0;
}

static void test_protocol(void)
{
	LIST_HEAD(l);
	struct busy_pfn busy;
	unsigned long done = 0;

	setup();
	struct page *src = owned;
	CHECK(page_zonenum(src) == ZONE_MOVABLE);
	unsigned long free = nr_free_pages();
	REQUIRE(isolate_movable_page(src, MR_TEST));
	CHECK(PageIsolated(src) && page_ref_count(src) == 2);
	list_add(&src->lru, &l);
	busy_pfn_clear(&busy);
	CHECK(migrate_pages(&l, zone_normal_target, 0, MR_TEST, &busy, &done) == 0 && done == 1);
	CHECK(owned != src && page_zonenum(owned) == ZONE_NORMAL && page_ref_count(owned) == 1);
	CHECK(((unsigned char *)page_address(owned))[100] == 0x5a);
	CHECK(PageBuddy(src) || PagePcp(src)); /* the source went back to the allocator */
	CHECK(nr_free_pages() == free);
	CHECK(list_empty(&l) && putback_calls == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

static void test_refusals(void)
{
	LIST_HEAD(l);
	struct busy_pfn busy;

	setup();
	struct page *src = owned;
	refuse_isolate = true;
	CHECK(!isolate_movable_page(src, MR_TEST));
	CHECK(page_ref_count(src) == 1 && !PageIsolated(src));

	refuse_isolate = false;
	refuse_migrate = true;
	unsigned long free = nr_free_pages();
	REQUIRE(isolate_movable_page(src, MR_TEST));
	list_add(&src->lru, &l);
	busy_pfn_clear(&busy);
	CHECK(migrate_pages(&l, alloc_migration_target, 0, MR_TEST, &busy, NULL) == 1);
	CHECK(strstr(busy.reason, "test-owner refused"));
	CHECK(owned == src && page_ref_count(src) == 1 && !PageIsolated(src) && putback_calls == 1);
	CHECK(nr_free_pages() == free);

	/* An extra reference holds the page where it is. */
	refuse_migrate = false;
	get_page(src);
	REQUIRE(isolate_movable_page(src, MR_TEST));
	list_add(&src->lru, &l);
	busy_pfn_clear(&busy);
	CHECK(migrate_pages(&l, alloc_migration_target, 0, MR_TEST, &busy, NULL) == 1);
	CHECK(strstr(busy.reason, "extra reference") && owned == src);
	put_page(src);

	/* No target: -ENOMEM, the page is given back. */
	REQUIRE(isolate_movable_page(src, MR_TEST));
	list_add(&src->lru, &l);
	migrate_fail_after = 0;
	CHECK(migrate_pages(&l, alloc_migration_target, 0, MR_TEST, NULL, NULL) == -ENOMEM);
	migrate_fail_after = -1;
	CHECK(page_ref_count(src) == 1 && owned == src);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* Every page of [start, end) allocated, order 0, refcount 1; the rest of the pageblocks untouched. */
static void contig_case(unsigned long start, unsigned long end)
{
	unsigned long free = nr_free_pages();
	struct busy_pfn busy;

	CHECK(alloc_contig_range(start, end, &busy) == 0);
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(pfn);
		if (PageBuddy(p) || PagePcp(p) || page_ref_count(p) != 1 || p->order != 0) {
			printf("INFO: pfn 0x%lx: type %u ref %d order %u\n", pfn, p->page_type,
			       page_ref_count(p), p->order);
			CHECK(!"page of the range not allocated");
			break;
		}
	}
	CHECK(nr_free_pages() == free - (end - start));
	CHECK(nr_isolated_pageblocks() == 0);
	CHECK(workload_verify(NULL) == 0);
	free_contig_range(start, end - start);
	CHECK(nr_free_pages() == free);
	CHECK(mm_verify(mm_fake_print) == 0);
}

static void test_contig(void)
{
	unsigned long b = block_id_to_pfn(HP_MOVABLE_FIRST);

	hp_boot();
	REQUIRE(workload_alloc(250 * MiB) == 0); /* ZONE_MOVABLE is 256 MiB: mostly workload */
	contig_case(b, b + 512);		 /* one pageblock */
	contig_case(b + 100, b + 1000);		 /* unaligned both ends, across pageblocks */
	contig_case(b + 3, b + 4);		 /* a single page */
	contig_case(b, b + PAGES_PER_MEMORY_BLOCK);
	workload_free();
	contig_case(b + 7, b + 9); /* inside one free max-order chunk */
}

static void test_contig_refused(void)
{
	struct busy_pfn busy;

	hp_boot();
	REQUIRE(pin_alloc_block(PAGE_SIZE, 2) == 0);
	unsigned long b = block_id_to_pfn(2), free = nr_free_pages();
	CHECK(alloc_contig_range(b, b + 1024, &busy) == -EBUSY);
	CHECK(busy.pfn == b && strstr(busy.reason, "kernel allocation"));
	CHECK(nr_free_pages() == free && nr_isolated_pageblocks() == 0);
	/* A PageOffline page is unmovable for alloc_contig_range. */
	REQUIRE(alloc_contig_range(b + 600, b + 601, NULL) == 0);
	__SetPageOffline(pfn_to_page(b + 600));
	CHECK(alloc_contig_range(b + 512, b + 1024, &busy) == -EBUSY && strstr(busy.reason, "PageOffline"));
	__ClearPageOffline(pfn_to_page(b + 600));
	free_contig_range(b + 600, 1);
	CHECK(alloc_contig_range(block_id_to_pfn(9), block_id_to_pfn(9) + 8, NULL) == -EINVAL);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* A failed alloc_contig_range gives each pageblock it isolated the type it had: the UNMOVABLE
 * pageblocks of a ZONE_NORMAL block stay UNMOVABLE, whether isolation stopped part way or the
 * migration failed once everything was isolated. */
static void test_contig_failure_keeps_types(void)
{
	struct hp_snap before;
	struct busy_pfn busy;

	setup();
	unsigned long id = hp_unmovable_normal_block();
	REQUIRE(id);
	unsigned long b = block_id_to_pfn(id), e = block_id_to_pfn(id + 1), pin = b + 3 * 512 + 9;

	/* Isolation stops at a kernel allocation in the fourth pageblock. */
	REQUIRE(alloc_contig_range(pin, pin + 1, NULL) == 0);
	hp_snap(&before);
	CHECK(alloc_contig_range(b, b + 4 * 512, &busy) == -EBUSY);
	CHECK(busy.pfn == pin && strstr(busy.reason, "kernel allocation"));
	CHECK(hp_pageblocks_changed(&before, b, e) == 0);
	free_contig_range(pin, 1);

	/* Migration fails after the whole range was isolated: its owner refuses to move the page. */
	REQUIRE(alloc_contig_range(b + 700, b + 701, NULL) == 0);
	struct page *p = pfn_to_page(b + 700);
	__SetPageMovable(p, (unsigned int)owner_id);
	refuse_migrate = true;
	hp_snap(&before);
	CHECK(alloc_contig_range(b, b + 4 * 512, &busy) == -EBUSY);
	CHECK(migrate_calls > 0);
	CHECK(hp_pageblocks_changed(&before, b, e) == 0);
	refuse_migrate = false;
	__ClearPageMovable(p);
	free_contig_range(b + 700, 1);
	CHECK(get_pfnblock_migratetype(b) == MIGRATE_UNMOVABLE);
	CHECK(nr_isolated_pageblocks() == 0 && mm_verify(mm_fake_print) == 0);
}

int main(void)
{
	RUN("migrate", "isolate, migrate, free the source", test_protocol);
	RUN("migrate", "owner refusals, extra reference, no target", test_refusals);
	RUN("migrate", "alloc_contig_range of any alignment over workload pages", test_contig);
	RUN("migrate", "alloc_contig_range refuses unmovable and PageOffline pages", test_contig_refused);
	RUN("migrate", "a failed alloc_contig_range keeps the pageblocks' types",
	    test_contig_failure_keeps_types);
	return test_summary();
}

/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* Zone spans as memory blocks leave a zone (remove_pfn_range_from_zone): an edge moves to the next
 * block still online in the zone, across gaps; a hole in the middle leaves the span alone (as in
 * Linux); the last block out empties the zone. */
#include <stdio.h>
#include <sys/mman.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "mm/debug.h"
#include "mm/memory_hotplug.h"
#include "mm/mmzone.h"
#include "mm_fake.h"

static unsigned long bpfn(unsigned long id)
{
	return block_id_to_pfn(id);
}

/* The zone spans exactly blocks [first, end) (end == first: empty), and mm_verify is clean. */
static bool span_is(enum zone_type z, unsigned long first, unsigned long end)
{
	const struct zone *zone = &zones[z];
	bool ok = first == end ? zone_is_empty(zone) && zone->zone_start_pfn == 0
			       : zone->zone_start_pfn == bpfn(first) && zone_end_pfn(zone) == bpfn(end);

	if (!ok)
		printf("INFO: zone %s spans [0x%lx, 0x%lx), expected blocks [%lu, %lu)\n", zone->name,
		       zone->zone_start_pfn, zone_end_pfn(zone), first, end);
	return ok && mm_verify(mm_fake_print) == 0;
}

static int offline_block(unsigned long id)
{
	return offline_pages(bpfn(id), PAGES_PER_MEMORY_BLOCK);
}

static void test_edges_and_middle(void)
{
	hp_boot();
	REQUIRE(span_is(ZONE_MOVABLE, HP_MOVABLE_FIRST, HP_MOVABLE_LAST + 1));
	REQUIRE(add_memory(PFN_PHYS(bpfn(32)), 4 * MEMORY_BLOCK_SIZE) == 0);
	for (unsigned long id = 32; id < 36; id++)
		REQUIRE(memory_block_online(id, MMOP_ONLINE_MOVABLE) == 0);
	/* blocks 6, 7 (boot) and 32-35: the span crosses the gap */
	CHECK(span_is(ZONE_MOVABLE, 6, 36));
	CHECK(offline_block(6) == 0); /* the start edge moves to block 7 */
	CHECK(span_is(ZONE_MOVABLE, 7, 36));
	CHECK(offline_block(33) == 0); /* a hole in the middle: no change */
	CHECK(span_is(ZONE_MOVABLE, 7, 36));
	CHECK(offline_block(35) == 0); /* the end edge moves down one block */
	CHECK(span_is(ZONE_MOVABLE, 7, 35));
	CHECK(offline_block(34) == 0); /* ... and past the hole left by block 33 */
	CHECK(span_is(ZONE_MOVABLE, 7, 33));
	CHECK(offline_block(7) == 0); /* the start edge crosses the gap 8-31 */
	CHECK(span_is(ZONE_MOVABLE, 32, 33));
	CHECK(offline_block(32) == 0); /* the last block: the zone is empty */
	CHECK(span_is(ZONE_MOVABLE, 0, 0));
	CHECK(memory_block_online(34, MMOP_ONLINE_MOVABLE) == 0);
	CHECK(span_is(ZONE_MOVABLE, 34, 35));
	/* ZONE_NORMAL never moved */
	CHECK(zones[ZONE_NORMAL].zone_start_pfn == 0 && zone_end_pfn(&zones[ZONE_NORMAL]) == bpfn(6));
}

/* A range removed at once that holds both edges, and blocks of the other zone inside the span. */
static void test_other_zone_inside(void)
{
	hp_boot();
	REQUIRE(add_memory(PFN_PHYS(bpfn(32)), 3 * MEMORY_BLOCK_SIZE) == 0);
	REQUIRE(memory_block_online(32, MMOP_ONLINE_KERNEL) == 0);
	REQUIRE(memory_block_online(33, MMOP_ONLINE_MOVABLE) == 0);
	REQUIRE(memory_block_online(34, MMOP_ONLINE_KERNEL) == 0);
	CHECK(span_is(ZONE_NORMAL, 0, 35));
	CHECK(span_is(ZONE_MOVABLE, 6, 34));
	CHECK(offline_block(34) == 0); /* Normal's end skips block 33 (Movable's) and the gap */
	CHECK(span_is(ZONE_NORMAL, 0, 33));
	CHECK(offline_block(33) == 0);
	CHECK(span_is(ZONE_MOVABLE, 6, 8));
	CHECK(offline_pages(bpfn(6), 2 * PAGES_PER_MEMORY_BLOCK) == 0); /* both edges at once */
	CHECK(span_is(ZONE_MOVABLE, 0, 0));
}

/* Removing at an edge looks only at the sections between the old and the new edge: the memmap of a
 * block further inside the zone is not read (it is made inaccessible while the edge moves), so
 * removing n blocks one by one costs O(n), not O(n^2). */
static void test_edge_reads_only_crossed_sections(void)
{
	hp_boot();
	REQUIRE(add_memory(PFN_PHYS(bpfn(32)), 4 * MEMORY_BLOCK_SIZE) == 0);
	for (unsigned long id = 32; id < 36; id++)
		REQUIRE(memory_block_online(id, MMOP_ONLINE_MOVABLE) == 0);
	void *inner = __nr_to_section(33)->memmap;
	REQUIRE(mprotect(inner, MEMMAP_BYTES_PER_SECTION, PROT_NONE) == 0);
	CHECK(offline_block(35) == 0); /* the new end is block 34's: 33 is not looked at */
	CHECK(offline_block(6) == 0);  /* the new start is block 7's */
	REQUIRE(mprotect(inner, MEMMAP_BYTES_PER_SECTION, PROT_READ | PROT_WRITE) == 0);
	CHECK(span_is(ZONE_MOVABLE, 7, 35));
}

int main(void)
{
	RUN("zone-span", "edges move past absent blocks, a middle hole stays", test_edges_and_middle);
	RUN("zone-span", "the other zone's blocks inside the span", test_other_zone_inside);
	RUN("zone-span", "an edge removal reads only the sections it crosses",
	    test_edge_reads_only_crossed_sections);
	return test_summary();
}

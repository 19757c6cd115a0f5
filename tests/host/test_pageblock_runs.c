/* host-srcs: @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* Pageblock runs (kernel/mm/pageblock.c, internal.h): the helpers that read and write a section's
 * flags bytes eight at a time, checked against a plain byte-by-byte walk on random and patterned
 * bytes; and the fast paths built on them (isolation, its undo, offlining and onlining of deferred
 * pageblocks), checked by recounting each zone's free pages and isolated pageblocks from the bytes
 * and the free lists after every step. The random cases use a fixed seed, so a failure replays. */
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/contig.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory_hotplug.h"
#include "mm/migrate.h"
#include "mm/page_isolation.h"
#include "mm_fake.h"

#include "../../kernel/mm/internal.h"

#define FIRST HP_HOTADD_BLOCK /* hot-added blocks 32.. */
#define NSEC  4		      /* sections (= memory blocks) the tests add */
#define PB    pageblock_nr_pages

static unsigned long bpfn(unsigned long id)
{
	return block_id_to_pfn(id);
}

static u64 rng;
static u64 next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static unsigned long pick(unsigned long n)
{
	return (unsigned long)(next_rand() % n);
}

/* ---- the reference: one byte at a time ---- */

/* Read straight from the section so that the reference shares no code with pageblock.c. */
static u8 *byte_at(unsigned long pfn)
{
	return &__pfn_to_section(pfn)->pageblock_flags[(pfn & ~PAGE_SECTION_MASK) >> pageblock_order];
}

static unsigned long sec_end(unsigned long pfn)
{
	return (pfn & PAGE_SECTION_MASK) + PAGES_PER_SECTION;
}

static unsigned long ref_same(unsigned long pfn, unsigned long end)
{
	unsigned long p = pfn, stop = end < sec_end(pfn) ? end : sec_end(pfn);
	u8 b = *byte_at(pfn);

	while (p < stop && *byte_at(p) == b)
		p += PB;
	return p < end ? p : end;
}

static unsigned long ref_masked(unsigned long pfn, unsigned long end, u8 mask, u8 value)
{
	unsigned long p = pfn;

	while (p < end && (*byte_at(p) & mask) == value)
		p += PB;
	return p < end ? p : end;
}

static unsigned long ref_masked_past_memmap(unsigned long pfn, unsigned long end, u8 mask, u8 value)
{
	unsigned long p = pfn;

	while (p < end && ((*byte_at(p) & mask) == value || (*byte_at(p) & PB_MEMMAP_ON_MEMORY)))
		p += PB;
	return p < end ? p : end;
}

/* ---- helpers against the reference ---- */

static u8 saved[NSEC][PAGEBLOCKS_PER_SECTION];
static u8 expect[NSEC][PAGEBLOCKS_PER_SECTION];
static unsigned long base_pfn, range_end, mismatches;

static void save_bytes(u8 (*to)[PAGEBLOCKS_PER_SECTION])
{
	for (unsigned long s = 0; s < NSEC; s++)
		memcpy(to[s], __nr_to_section(FIRST + s)->pageblock_flags, PAGEBLOCKS_PER_SECTION);
}

static void load_bytes(u8 (*from)[PAGEBLOCKS_PER_SECTION])
{
	for (unsigned long s = 0; s < NSEC; s++)
		memcpy(__nr_to_section(FIRST + s)->pageblock_flags, from[s], PAGEBLOCKS_PER_SECTION);
}

static void mismatch(const char *what, unsigned long pfn, unsigned long end, unsigned long got,
		     unsigned long want)
{
	if (mismatches++ < 10)
		printf("INFO: %s(pb %lu, end pb %lu + %lu): got pb %lu + %lu, want pb %lu + %lu\n", what,
		       (pfn - base_pfn) / PB, (end - base_pfn) / PB, (end - base_pfn) % PB,
		       (got - base_pfn) / PB, (got - base_pfn) % PB, (want - base_pfn) / PB,
		       (want - base_pfn) % PB);
}

static void set_online(bool online)
{
	for (unsigned long s = 0; s < NSEC; s++) {
		if (online)
			__nr_to_section(FIRST + s)->flags |= SECTION_IS_ONLINE;
		else
			__nr_to_section(FIRST + s)->flags &= ~SECTION_IS_ONLINE;
	}
}

/* Every reader at (pfn, end); end may lie in a later section (the one-section helpers stop at pfn's
 * section end) and need not be pageblock-aligned. */
static void check_readers(unsigned long pfn, unsigned long end)
{
	static const u8 masks[] = {PB_MEMMAP_DEFERRED, PB_MEMMAP_ON_MEMORY,
				   PB_MIGRATE_ISOLATE | PB_MEMMAP_DEFERRED, PB_MIGRATETYPE_MASK, 0xff};
	unsigned long got, want;

	if ((got = pageblock_same_run_end(pfn, end)) != (want = ref_same(pfn, end)))
		mismatch("same_run_end", pfn, end, got, want);
	if ((got = deferred_run_end(pfn, end)) != (want = ref_same(pfn, ALIGN_UP(end, PB))))
		mismatch("deferred_run_end", pfn, end, got, want);
	if ((got = memmap_free_run_end(pfn, end)) != (want = ref_masked(pfn, end, PB_MEMMAP_ON_MEMORY, 0)))
		mismatch("memmap_free_run_end", pfn, end, got, want);
	/* a mask and value that match the byte at pfn, so the run is not empty from the start */
	u8 mask = masks[pick(sizeof(masks))], value = (u8)(*byte_at(pfn) & mask);
	if ((got = pageblock_masked_run_end(pfn, end, mask, value)) !=
	    (want = ref_masked(pfn, end, mask, value)))
		mismatch("masked_run_end", pfn, end, got, want);
	/* the sections marked online by hand for it: this looks at the helper alone */
	unsigned long memmap = 0, want_memmap = 0;
	set_online(true);
	got = pageblock_online_run_end(pfn, end, mask, value, &memmap);
	set_online(false);
	if (got != (want = ref_masked_past_memmap(pfn, end, mask, value)))
		mismatch("online_run_end", pfn, end, got, want);
	for (unsigned long s = 0; s < NSEC; s++) /* memmap pageblocks are first in their section */
		if (bpfn(FIRST + s) >= pfn && bpfn(FIRST + s) < got &&
		    (*byte_at(bpfn(FIRST + s)) & PB_MEMMAP_ON_MEMORY))
			want_memmap++;
	if (memmap != want_memmap)
		mismatch("online_run_end's memmap count", pfn, end, memmap, want_memmap);
	/* and one that does not match it: the run is empty */
	value = (u8)(value ^ mask);
	if (mask && (got = pageblock_masked_run_end(pfn, end, mask, value)) != pfn)
		mismatch("masked_run_end (no match at pfn)", pfn, end, got, pfn);
}

/* pageblock_set_run over [pfn, end) of one section: exactly those bytes change, nothing around. */
static void check_set_run(unsigned long pfn, unsigned long end, u8 b)
{
	save_bytes(expect);
	for (unsigned long p = pfn; p < end; p += PB)
		expect[pfn_to_section_nr(p) - FIRST][(p & ~PAGE_SECTION_MASK) / PB] = b;
	pageblock_set_run(pfn, end, b);
	for (unsigned long s = 0; s < NSEC; s++)
		for (unsigned long i = 0; i < PAGEBLOCKS_PER_SECTION; i++)
			if (__nr_to_section(FIRST + s)->pageblock_flags[i] != expect[s][i]) {
				unsigned long at = bpfn(FIRST + s) + i * PB;
				mismatch("set_run (byte differs)", pfn, end, at, at);
				/* repaired, so that one miss is not reported again by every later case */
				__nr_to_section(FIRST + s)->pageblock_flags[i] = expect[s][i];
			}
}

/* The bytes of all NSEC sections: kind 0 random bytes, 1 runs of a few values with random lengths
 * (long ones too, so that whole words match), 2 one byte everywhere with one odd one out. */
static void fill(int kind)
{
	static const u8 vals[] = {PB_MEMMAP_DEFERRED | MIGRATE_MOVABLE,
				  PB_MEMMAP_DEFERRED | MIGRATE_MOVABLE | PB_MIGRATE_ISOLATE,
				  PB_MEMMAP_DEFERRED | MIGRATE_UNMOVABLE,
				  PB_MEMMAP_DEFERRED | PB_MEMMAP_ON_MEMORY | MIGRATE_MOVABLE,
				  MIGRATE_MOVABLE,
				  PB_MEMMAP_LAZY | MIGRATE_MOVABLE};
	u8 *all = &expect[0][0];

	if (kind == 0) {
		for (unsigned long i = 0; i < sizeof(expect); i++)
			all[i] = (u8)next_rand();
	} else if (kind == 1) {
		for (unsigned long i = 0; i < sizeof(expect);) {
			unsigned long n = pick(4) ? pick(4) + 1 : pick(80) + 1;
			u8 v = vals[pick(sizeof(vals))];
			for (; n && i < sizeof(expect); n--)
				all[i++] = v;
		}
	} else {
		memset(all, vals[0], sizeof(expect));
		all[pick(sizeof(expect))] = vals[pick(sizeof(vals))];
	}
	load_bytes(expect);
}

static void test_helpers(void)
{
	hp_boot();
	REQUIRE(add_memory(PFN_PHYS(bpfn(FIRST)), NSEC * MEMORY_BLOCK_SIZE) == 0);
	save_bytes(saved);
	base_pfn = bpfn(FIRST);
	range_end = bpfn(FIRST + NSEC);
	mismatches = 0;
	rng = 0x9e3779b97f4a7c15ULL;

	/* Every start in the second section against every pageblock end up to its section's end and a
	 * little past it, each aligned, one page short and one page over: all alignments of start and
	 * end within a word, and runs that stop at the section end. */
	for (int kind = 0; kind < 3; kind++) {
		fill(kind);
		unsigned long sec = bpfn(FIRST + 1);
		for (unsigned long i = 0; i < PAGEBLOCKS_PER_SECTION; i++)
			for (unsigned long j = i + 1; j <= PAGEBLOCKS_PER_SECTION + 2; j++) {
				unsigned long pfn = sec + i * PB, end = sec + j * PB;
				check_readers(pfn, end);
				check_readers(pfn, end - 1);
				if (end + 1 <= range_end)
					check_readers(pfn, end + 1);
			}
	}
	/* A whole section of one byte, and all of them: runs up to and across every section end. */
	memset(expect, PB_MEMMAP_DEFERRED | MIGRATE_MOVABLE, sizeof(expect));
	load_bytes(expect);
	for (unsigned long s = 0; s < NSEC; s++)
		check_readers(bpfn(FIRST + s) + pick(PAGEBLOCKS_PER_SECTION) * PB, range_end - pick(2));
	CHECK(pageblock_masked_run_end(base_pfn, range_end, PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED) ==
	      range_end);
	CHECK(pageblock_masked_run_end(base_pfn, range_end - 3, 0xff, PB_MEMMAP_DEFERRED | MIGRATE_MOVABLE) ==
	      range_end - 3);
	/* one byte differing in the last section, masked out or not */
	expect[NSEC - 1][37] |= PB_MIGRATE_ISOLATE;
	load_bytes(expect);
	CHECK(pageblock_masked_run_end(base_pfn, range_end, PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED) ==
	      range_end);
	CHECK(pageblock_masked_run_end(base_pfn + 5 * PB, range_end, 0xff,
				       PB_MEMMAP_DEFERRED | MIGRATE_MOVABLE) ==
	      bpfn(FIRST + NSEC - 1) + 37 * PB);

	/* Blocks that each hold their memmap in their first pageblock: one run past all of them. */
	for (unsigned long sec = 0; sec < NSEC; sec++)
		expect[sec][0] = PB_MEMMAP_ON_MEMORY;
	load_bytes(expect); /* with the byte at 37 of the last section still isolated */
	CHECK(pageblock_masked_run_end(base_pfn + PB, range_end, PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED) ==
	      bpfn(FIRST + 1));
	/* a section of deferred pageblocks behind its memmap is unused; one with a written one is not */
	CHECK(pageblock_section_unused(__nr_to_section(FIRST)));
	expect[1][63] = MIGRATE_MOVABLE;
	load_bytes(expect);
	CHECK(!pageblock_section_unused(__nr_to_section(FIRST + 1)));
	expect[1][63] = PB_MEMMAP_DEFERRED | MIGRATE_MOVABLE;
	load_bytes(expect);
	CHECK(pageblock_section_unused(__nr_to_section(FIRST + 1)));
	/* Past memmap, across online sections only, counting the memmap pageblocks passed. The sections
	 * are marked online by hand: this looks at the helper alone. */
	unsigned long memmap = 0;
	CHECK(pageblock_online_run_end(base_pfn, range_end, PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED,
				       &memmap) == base_pfn); /* offline */
	set_online(true);
	CHECK(pageblock_online_run_end(base_pfn, range_end, PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED,
				       &memmap) == range_end);
	CHECK(memmap == NSEC);
	memmap = 0;
	CHECK(pageblock_online_run_end(base_pfn + PB, range_end, 0xff, PB_MEMMAP_DEFERRED | MIGRATE_MOVABLE,
				       &memmap) == bpfn(FIRST + NSEC - 1) + 37 * PB);
	CHECK(memmap == NSEC - 1); /* not the first section's: the run starts past it */
	CHECK(pageblock_online_run_end(base_pfn + PB, range_end, PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED,
				       NULL) ==
	      bpfn(FIRST + 1)); /* without memmap: it ends at the next one */
	__nr_to_section(FIRST + 2)->flags &= ~SECTION_IS_ONLINE;
	memmap = 0;
	CHECK(pageblock_online_run_end(base_pfn, range_end, PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED,
				       &memmap) == bpfn(FIRST + 2));
	CHECK(memmap == 2);
	/* nor into a section of another zone */
	__nr_to_section(FIRST + 2)->flags |= SECTION_IS_ONLINE;
	unsigned long zone_bits = __nr_to_section(FIRST + 3)->flags & SECTION_ZONE_MASK;
	__nr_to_section(FIRST + 3)->flags ^= (1UL << SECTION_ZONE_SHIFT);
	CHECK(pageblock_online_run_end(base_pfn, range_end, PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED,
				       &memmap) == bpfn(FIRST + 3));
	__nr_to_section(FIRST + 3)->flags =
	    (__nr_to_section(FIRST + 3)->flags & ~SECTION_ZONE_MASK) | zone_bits;
	set_online(false);

	/* Random cases: any start, any end up to the range's end, any alignment of both. */
	for (int c = 0; c < 6000; c++) {
		if (c % 200 == 0)
			fill((int)pick(3));
		unsigned long pfn = base_pfn + pick((range_end - base_pfn) / PB) * PB;
		unsigned long end = pfn + 1 + pick(range_end - pfn);
		if (pick(2)) /* mostly inside pfn's section, where the interesting ends are */
			end = pfn + 1 + pick(sec_end(pfn) - pfn);
		check_readers(pfn, end);
	}

	/* pageblock_set_run: odd lengths at every start, the last pageblock partly covered or not. */
	for (int c = 0; c < 3000; c++) {
		fill((int)pick(3));
		unsigned long s = FIRST + pick(NSEC), i = pick(PAGEBLOCKS_PER_SECTION);
		unsigned long pfn = bpfn(s) + i * PB, n = 1 + pick(PAGEBLOCKS_PER_SECTION - i);
		unsigned long end = pfn + n * PB - (pick(2) ? pick(PB) : 0);
		check_set_run(pfn, end, (u8)next_rand());
		/* the readers see what was written, whole words of it too */
		check_readers(pfn, end);
	}
	printf("INFO: helper mismatches: %lu\n", mismatches);
	CHECK(mismatches == 0);

	load_bytes(saved);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(remove_memory(PFN_PHYS(base_pfn), NSEC * MEMORY_BLOCK_SIZE) == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* ---- the fast paths: counts recomputed from the bytes ---- */

/* Zone z's free pages per list and isolated pageblocks, counted afresh: a deferred pageblock is
 * free on the list of its byte's type, a written one has its PageBuddy chunks (never larger than a
 * pageblock) on its type's list, a memmap pageblock counts nowhere. */
static bool counts_match(enum zone_type z, const char *when)
{
	const struct zone *zone = &zones[z];
	unsigned long free[MIGRATE_TYPES] = {0}, iso = 0;
	bool ok = true;

	for (unsigned long nr = 0; nr < FIRST + NSEC + 1; nr++) {
		struct mem_section *ms = __nr_to_section(nr);
		if (!online_section(ms) || section_zonenum(ms) != z)
			continue;
		for (unsigned long pfn = section_nr_to_pfn(nr); pfn < section_nr_to_pfn(nr + 1); pfn += PB) {
			u8 b = *byte_at(pfn);
			int mt = pageblock_flags_migratetype(b);
			if (b & PB_MEMMAP_ON_MEMORY)
				continue;
			iso += !!(b & PB_MIGRATE_ISOLATE);
			if (b & PB_MEMMAP_DEFERRED) {
				free[mt] += PB;
				continue;
			}
			for (unsigned long p = pfn; p < pfn + PB;) {
				struct page *page = pfn_to_page(p);
				if (PageBuddy(page)) {
					free[mt] += 1UL << buddy_order(page);
					p += 1UL << buddy_order(page);
				} else {
					p++;
				}
			}
		}
	}
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		if (free[mt] != zone->free_pages[mt]) {
			printf("INFO: %s: zone %s free_pages[%s] %lu, counted %lu\n", when, zone->name,
			       migratetype_names[mt], zone->free_pages[mt], free[mt]);
			ok = false;
		}
	if (iso != zone->nr_isolate_pageblock) {
		printf("INFO: %s: zone %s nr_isolate_pageblock %lu, counted %lu\n", when, zone->name,
		       zone->nr_isolate_pageblock, iso);
		ok = false;
	}
	return ok && mm_verify(mm_fake_print) == 0;
}

static bool all_match(const char *when)
{
	bool a = counts_match(ZONE_NORMAL, when), b = counts_match(ZONE_MOVABLE, when);
	return a && b;
}

static unsigned long isolated_in(unsigned long s, unsigned long e)
{
	unsigned long n = 0;

	for (unsigned long pfn = pageblock_start_pfn(s); pfn < e; pfn += PB)
		n += !!(*byte_at(pfn) & PB_MIGRATE_ISOLATE);
	return n;
}

static void test_fast_paths(void)
{
	unsigned long pfn = bpfn(FIRST), nr = NSEC * PAGES_PER_MEMORY_BLOCK;
	const unsigned long mom = FIRST + 2; /* the block that holds its own memmap */

	hp_boot();
	REQUIRE(add_memory(PFN_PHYS(pfn), (mom - FIRST) * MEMORY_BLOCK_SIZE) == 0);
	REQUIRE(add_memory_driver_managed(PFN_PHYS(bpfn(mom)), MEMORY_BLOCK_SIZE, MHP_MEMMAP_ON_MEMORY) == 0);
	REQUIRE(add_memory(PFN_PHYS(bpfn(mom + 1)), (FIRST + NSEC - mom - 1) * MEMORY_BLOCK_SIZE) == 0);
	for (unsigned long id = FIRST; id < FIRST + NSEC; id++)
		REQUIRE(memory_block_online(id, MMOP_ONLINE_MOVABLE) == 0);
	/* onlined, never used: every pageblock deferred but the memmap one */
	CHECK(zones[ZONE_MOVABLE].nr_deferred == nr - MHP_MEMMAP_ON_MEMORY_PAGES);
	CHECK(pageblock_memmap_on_memory(bpfn(mom)) && !pageblock_memmap_on_memory(bpfn(mom) + PB));
	CHECK(all_match("onlined"));

	/* From the middle of the first section's sixth pageblock to the middle of the last section's
	 * 41st: partial pageblocks at both ends, whole sections and the memmap pageblock between. */
	unsigned long s = pfn + 5 * PB + 123, e = bpfn(FIRST + NSEC - 1) + 40 * PB + 77;
	unsigned long want_iso = (pageblock_end_pfn(e) - pageblock_start_pfn(s)) / PB - 1; /* less memmap */
	CHECK(start_isolate_page_range(s, e, MEMORY_OFFLINE, NULL) == 0);
	CHECK(isolated_in(s, e) == want_iso && zones[ZONE_MOVABLE].nr_isolate_pageblock == want_iso);
	CHECK(!pageblock_memmap_deferred(s) && !pageblock_memmap_deferred(e)); /* partly covered: written */
	CHECK(pageblock_memmap_deferred(s + PB) && pageblock_memmap_deferred(e - PB));
	CHECK(all_match("isolated"));
	CHECK(test_pages_isolated(s, e, MEMORY_OFFLINE, NULL) == 0);
	CHECK(all_match("tested"));
	/* Three pageblocks in the middle of a run let go: the run splits in three, and the test of the
	 * whole range must stop at the first of them, not step over it with the run before. */
	unsigned long hole = bpfn(FIRST + 1) + 13 * PB;
	struct busy_pfn busy_at;
	undo_isolate_page_range(hole, hole + 3 * PB);
	CHECK(zones[ZONE_MOVABLE].nr_isolate_pageblock == want_iso - 3 &&
	      isolated_in(hole, hole + 3 * PB) == 0);
	CHECK(all_match("hole undone"));
	busy_pfn_clear(&busy_at);
	CHECK(test_pages_isolated(s, e, MEMORY_OFFLINE, &busy_at) == -EBUSY && busy_at.pfn == hole);
	/* isolating the hole and one more fails at that one, still isolated, and undoes the hole's */
	CHECK(start_isolate_page_range(hole, hole + 4 * PB, MEMORY_OFFLINE, NULL) == -EBUSY);
	CHECK(isolated_in(hole, hole + 3 * PB) == 0);
	CHECK(zones[ZONE_MOVABLE].nr_isolate_pageblock == want_iso - 3 && all_match("overlap refused"));
	CHECK(start_isolate_page_range(hole, hole + 3 * PB, MEMORY_OFFLINE, NULL) == 0);
	CHECK(zones[ZONE_MOVABLE].nr_isolate_pageblock == want_iso && all_match("hole isolated"));
	undo_isolate_page_range(hole + PB, hole + 2 * PB);
	/* the undo of the whole range meets isolated and not isolated pageblocks in one section */
	undo_isolate_page_range(s, e);
	CHECK(isolated_in(pfn, pfn + nr) == 0 && zones[ZONE_MOVABLE].nr_isolate_pageblock == 0);
	CHECK(all_match("undone"));

	/* An unmovable allocation (contig pages are pinned kernel pages) in the second section: isolation
	 * fails there, after isolating what came before, and undoes all of it. */
	unsigned long busy = bpfn(FIRST + 1) + 20 * PB + 300;
	REQUIRE(alloc_contig_range(busy, busy + 16, NULL) == 0);
	CHECK(all_match("contig allocated"));
	struct zone before = zones[ZONE_MOVABLE];
	u8 bytes[NSEC][PAGEBLOCKS_PER_SECTION];
	save_bytes(bytes);
	CHECK(start_isolate_page_range(s, e, MEMORY_OFFLINE, NULL) == -EBUSY);
	CHECK(memcmp(before.free_pages, zones[ZONE_MOVABLE].free_pages, sizeof(before.free_pages)) == 0);
	CHECK(before.nr_isolate_pageblock == zones[ZONE_MOVABLE].nr_isolate_pageblock);
	CHECK(before.nr_deferred == zones[ZONE_MOVABLE].nr_deferred);
	CHECK(isolated_in(pfn, pfn + nr) == 0);
	/* the same bytes again, but for pageblocks the failed attempt wrote (no longer deferred) */
	save_bytes(expect);
	unsigned long differ = 0;
	for (unsigned long i = 0; i < NSEC; i++)
		for (unsigned long j = 0; j < PAGEBLOCKS_PER_SECTION; j++)
			differ += (bytes[i][j] & ~PB_MEMMAP_DEFERRED) != (expect[i][j] & ~PB_MEMMAP_DEFERRED);
	CHECK(differ == 0);
	CHECK(all_match("failed isolation"));
	free_contig_range(busy, 16);
	CHECK(all_match("contig freed"));
	/* Not for offlining, the memmap pageblock refuses: the failure comes after two whole sections
	 * went over in runs, and all of them are undone. */
	busy_pfn_clear(&busy_at);
	CHECK(start_isolate_page_range(s, e, 0, &busy_at) == -EBUSY && busy_at.pfn == bpfn(mom));
	CHECK(isolated_in(pfn, pfn + nr) == 0 && all_match("refused at the memmap"));

	/* Offline the range's blocks and online them again: the deferred runs leave and come back. */
	CHECK(offline_pages(pfn, nr) == 0);
	CHECK(zones[ZONE_MOVABLE].nr_deferred == 0 && all_match("offlined"));
	CHECK(online_pages(pfn, nr, ZONE_MOVABLE) == 0);
	CHECK(all_match("onlined again"));
	/* Some deferred pageblocks claimed for UNMOVABLE (as an allocation's fallback does): runs of
	 * either type, which isolation and its undo must keep apart. */
	unsigned long um = bpfn(FIRST + NSEC - 1);
	for (unsigned long i = 0; i < PAGEBLOCKS_PER_SECTION; i++)
		if (i % 7 == 3 || (i >= 20 && i < 31)) {
			unsigned long irq;
			spin_lock_irqsave(&zones[ZONE_MOVABLE].lock, irq);
			CHECK(move_freepages_block_pfn(&zones[ZONE_MOVABLE], um + i * PB,
						       MIGRATE_UNMOVABLE) == PB);
			spin_unlock_irqrestore(&zones[ZONE_MOVABLE].lock, irq);
		}
	save_bytes(bytes);
	CHECK(all_match("some unmovable"));
	CHECK(start_isolate_page_range(s, e, MEMORY_OFFLINE, NULL) == 0);
	CHECK(all_match("isolated again"));
	CHECK(test_pages_isolated(s, e, MEMORY_OFFLINE, NULL) == 0);
	undo_isolate_page_range(s, e);
	CHECK(all_match("undone again"));
	/* every pageblock back to its own type; only the two partly covered ones were written */
	save_bytes(expect);
	differ = 0;
	for (unsigned long i = 0; i < NSEC; i++)
		for (unsigned long j = 0; j < PAGEBLOCKS_PER_SECTION; j++)
			differ += (bytes[i][j] & ~PB_MEMMAP_DEFERRED) != (expect[i][j] & ~PB_MEMMAP_DEFERRED);
	CHECK(differ == 0);
	/* isolate exactly the run of deferred pageblocks of a section, aligned, then offline through
	 * offline_pages's own isolation of all blocks */
	CHECK(start_isolate_page_range(bpfn(FIRST + 1), bpfn(FIRST + 2), MEMORY_OFFLINE, NULL) == 0);
	CHECK(zones[ZONE_MOVABLE].nr_isolate_pageblock == PAGEBLOCKS_PER_SECTION && all_match("one section"));
	undo_isolate_page_range(bpfn(FIRST + 1), bpfn(FIRST + 2));
	CHECK(offline_and_remove_memory(PFN_PHYS(pfn), (mom - FIRST) * MEMORY_BLOCK_SIZE) == 0);
	CHECK(all_match("first blocks removed"));
	for (unsigned long id = mom; id < FIRST + NSEC; id++)
		CHECK(memory_block_offline(id) == 0);
	CHECK(all_match("all offline"));
}

/* A walk over a range with no memory at all (a section whose root was never allocated) says "offline
 * section", as before the runs: the run helper looks at nothing of such a section. */
static void test_absent_sections(void)
{
	unsigned long nr = 40 * SECTIONS_PER_ROOT + 3, pfn = section_nr_to_pfn(nr), memmap = 0, migrated = 0;
	struct busy_pfn busy;

	hp_boot();
	REQUIRE(__nr_to_section(nr) == NULL);
	CHECK(pageblock_online_run_end(pfn, pfn + PAGES_PER_SECTION, 0, 0, &memmap) == pfn && memmap == 0);
	busy_pfn_clear(&busy);
	CHECK(test_pages_isolated(pfn, pfn + pageblock_nr_pages, MEMORY_OFFLINE, &busy) == -EBUSY);
	CHECK(busy.pfn == pfn);
	busy_pfn_clear(&busy);
	CHECK(test_pages_isolated(pfn, pfn + pageblock_nr_pages, 0, &busy) == -EBUSY);
	CHECK(migrate_range(pfn, pfn + pageblock_nr_pages, MEMORY_OFFLINE, MR_MEMORY_HOTPLUG, &busy,
			    &migrated) == -EBUSY);
}

int main(void)
{
	RUN("pageblock-runs", "run helpers match a byte-by-byte walk", test_helpers);
	RUN("pageblock-runs", "isolation, undo, failure, offline and online keep the counts",
	    test_fast_paths);
	RUN("pageblock-runs", "walks over sections with no memory say so", test_absent_sections);
	return test_summary();
}

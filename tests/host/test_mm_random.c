/* host-srcs: @mm-core tests/host/mm_fake.c */
/* Seeded random operation sequences against the page allocator, with mm_verify after every step on a
 * small arena and every 1,000 steps on a large one. The seed is printed; MM_SEED=N replays a run,
 * MM_STEPS=N changes its length. Every allocated page carries a tag (its pfn and the allocation's
 * serial) in its first word, checked when freed: two allocations that overlap show up at once. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_test.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/init.h"
#include "mm/mmzone.h"
#include "mm/arch.h"
#include "mm/slab.h"
#include "mm_fake.h"

#define MiB	     (1ULL << 20)
#define MAX_HELD     4096
#define MAX_ISOLATED 8

static u64 rng_state;
static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}
static unsigned long rnd_below(unsigned long n)
{
	return (unsigned long)(rnd() % n);
}

struct held {
	struct page *page;
	unsigned int order;
	u64 serial;
	bool movable;
};

static struct held held[MAX_HELD];
static unsigned long nheld;
static void *kheld[MAX_HELD];
static unsigned long nkheld;
static unsigned long isolated[MAX_ISOLATED]; /* pageblock start pfns */
static unsigned long nisolated;
static u64 serial;
static const char *failed_op;

static u64 tag_of(unsigned long pfn, u64 s)
{
	return (u64)pfn << 32 ^ s ^ 0x7a67000000000000ULL;
}

static bool in_isolated(unsigned long pfn, unsigned int order)
{
	for (unsigned long i = 0; i < nisolated; i++)
		if (pageblock_start_pfn(pfn) == isolated[i] ||
		    pageblock_start_pfn(pfn + (1UL << order) - 1) == isolated[i])
			return true;
	return false;
}

static unsigned int random_order(void)
{
	/* Mostly small, sometimes up to MAX_ORDER. */
	unsigned long r = rnd_below(100);
	return r < 55	? 0
	       : r < 75 ? 1
	       : r < 85 ? 2
	       : r < 92 ? (unsigned int)rnd_below(5) + 3
			: (unsigned int)rnd_below(MAX_ORDER + 1);
}

static bool op_alloc(void)
{
	if (nheld == MAX_HELD)
		return true;
	unsigned int order = random_order();
	bool movable = rnd() & 1;
	struct page *p = alloc_pages(movable ? GFP_MOVABLE : GFP_KERNEL, order);
	if (!p)
		return true; /* full: fine */
	unsigned long pfn = page_to_pfn(p);
	if ((pfn & ((1UL << order) - 1)) || page_ref_count(p) != 1 || in_isolated(pfn, order) ||
	    (!movable && page_zonenum(p) != ZONE_NORMAL)) {
		failed_op = "alloc returned a bad page";
		return false;
	}
	held[nheld] = (struct held){p, order, ++serial, movable};
	for (unsigned long i = 0; i < (1UL << order); i++)
		*(u64 *)page_address(p + i) = tag_of(pfn + i, serial);
	nheld++;
	return true;
}

static bool op_free(void)
{
	if (!nheld)
		return true;
	unsigned long i = rnd_below(nheld);
	struct held h = held[i];
	unsigned long pfn = page_to_pfn(h.page);
	for (unsigned long k = 0; k < (1UL << h.order); k++)
		if (*(u64 *)page_address(h.page + k) != tag_of(pfn + k, h.serial)) {
			failed_op = "allocated page overwritten (overlapping allocations?)";
			return false;
		}
	held[i] = held[--nheld];
	if (h.order && rnd_below(4) == 0) {
		/* Free it page by page. */
		split_page(h.page, h.order);
		for (unsigned long k = 0; k < (1UL << h.order); k++)
			put_page(h.page + k);
	} else {
		free_pages(h.page, h.order);
	}
	return true;
}

static bool op_kmalloc(void)
{
	if (nkheld < MAX_HELD && rnd_below(2)) {
		size_t size = 1 + rnd_below(rnd_below(8) ? 2048 : 20000);
		void *p = kmalloc(size, GFP_KERNEL);
		if (p) {
			memset(p, 0x3c, size);
			kheld[nkheld++] = p;
		}
	} else if (nkheld) {
		unsigned long i = rnd_below(nkheld);
		kfree(kheld[i]);
		kheld[i] = kheld[--nkheld];
	}
	return true;
}

static bool op_isolate(void)
{
	struct zone *z = &zones[rnd_below(2) ? ZONE_MOVABLE : ZONE_NORMAL];
	unsigned long flags;

	if (nisolated && (nisolated == MAX_ISOLATED || rnd_below(2))) {
		unsigned long i = rnd_below(nisolated);
		struct page *p = pfn_to_page(isolated[i]);
		struct zone *pz = page_zone(p);
		spin_lock_irqsave(&pz->lock, flags);
		move_freepages_block(pz, p, MIGRATE_MOVABLE);
		spin_unlock_irqrestore(&pz->lock, flags);
		isolated[i] = isolated[--nisolated];
		return true;
	}
	if (!z->spanned_pages)
		return true;
	unsigned long pfn = pageblock_start_pfn(z->zone_start_pfn + rnd_below(z->spanned_pages));
	if (in_isolated(pfn, 0) || page_zonenum(pfn_to_page(pfn)) != z->idx)
		return true;
	spin_lock_irqsave(&z->lock, flags);
	move_freepages_block(z, pfn_to_page(pfn), MIGRATE_ISOLATE);
	spin_unlock_irqrestore(&z->lock, flags);
	isolated[nisolated++] = pfn;
	return true;
}

static bool op_take_off_buddy(void)
{
	struct zone *z = &zones[rnd_below(3) ? ZONE_NORMAL : ZONE_MOVABLE];
	if (!z->spanned_pages)
		return true;
	unsigned long pfn = z->zone_start_pfn + rnd_below(z->spanned_pages);
	struct page *p = pfn_to_page(pfn);
	if (!take_page_off_buddy(p))
		return true;
	/* Give it back as an allocation of our own. */
	if (nheld == MAX_HELD || in_isolated(pfn, 0)) {
		set_page_count(p, 1);
		__free_page(p);
		return true;
	}
	set_page_count(p, 1);
	held[nheld] = (struct held){p, 0, ++serial, false};
	*(u64 *)page_address(p) = tag_of(pfn, serial);
	nheld++;
	return true;
}

static bool step(void)
{
	unsigned long r = rnd_below(1000);
	if (r < 450)
		return op_alloc();
	if (r < 900)
		return op_free();
	if (r < 960)
		return op_kmalloc();
	if (r < 975)
		return op_isolate();
	if (r < 990)
		return op_take_off_buddy();
	drain_all_pages(NULL);
	return true;
}

static u64 seed_from_env(void)
{
	const char *s = getenv("MM_SEED");
	if (s && *s)
		return strtoull(s, NULL, 0);
	return (u64)time(NULL) ^ ((u64)clock() << 20);
}

static unsigned long steps_from_env(unsigned long dflt)
{
	const char *s = getenv("MM_STEPS");
	return s && *s ? strtoul(s, NULL, 0) : dflt;
}

/* Hot-adds `sections` sections at 4 GiB into ZONE_MOVABLE the way onlining does (lazy memmap when
 * memmap_lazy_init is set). */
static void hot_add(unsigned long sections)
{
	unsigned long pfn0 = PHYS_PFN(4ULL << 30), nr = sections * PAGES_PER_SECTION;
	for (unsigned long s = 0; s < sections; s++)
		if (sparse_add_section(pfn_to_section_nr(pfn0) + s, NULL, PAGES_PER_SECTION))
			return;
	if (arch_add_memory(PFN_PHYS(pfn0), nr << PAGE_SHIFT))
		return;
	move_pfn_range_to_zone(&zones[ZONE_MOVABLE], pfn0, nr, MIGRATE_MOVABLE, false);
	zones[ZONE_MOVABLE].present_pages += nr;
	online_mem_sections(pfn0, pfn0 + nr);
	free_online_range(pfn0, nr);
}

static void run(const char *name, u64 ram, u64 movable, unsigned long steps, unsigned long verify_every,
		unsigned long hot_sections)
{
	u64 seed = seed_from_env();
	rng_state = seed ? seed : 1;
	printf("INFO: mm-random: %s: seed %llu, %lu steps, verify every %lu (replay: MM_SEED=%llu)\n", name,
	       seed, steps, verify_every, seed);
	fflush(stdout);

	movablecore_bytes = movable;
	host_log_echo = false;
	mm_fake_boot_simple(ram);
	movablecore_bytes = 0;
	if (hot_sections) {
		bool was_lazy = memmap_lazy_init;
		memmap_lazy_init = true;
		hot_add(hot_sections);
		memmap_lazy_init = was_lazy;
	}
	nheld = nkheld = nisolated = 0;
	failed_op = NULL;
	unsigned long start_free = nr_free_pages();

	unsigned long i;
	for (i = 0; i < steps; i++) {
		if (!step())
			break;
		if ((i + 1) % verify_every == 0 && mm_verify(mm_fake_print) != 0) {
			failed_op = "verify found violations";
			break;
		}
	}
	if (failed_op) {
		printf("INFO: mm-random: %s: step %lu: %s; replay with MM_SEED=%llu\n", name, i, failed_op,
		       seed);
		test_fail_at(__FILE__, __LINE__, failed_op);
		host_log_echo = true;
		return;
	}
	/* Everything back: the free count returns exactly. */
	while (nheld)
		op_free();
	while (nkheld)
		kfree(kheld[--nkheld]);
	while (nisolated)
		op_isolate();
	drain_all_pages(NULL);
	host_log_echo = true;
	CHECK(mm_verify(mm_fake_print) == 0);
	/* kmalloc keeps at most one empty slab per class. */
	CHECK(nr_free_pages() + (unsigned long)mm_stat_read(NR_SLAB_PAGES) == start_free);
	CHECK(mm_bad_frees == 0);
	if (!test_ok())
		printf("INFO: mm-random: %s: replay with MM_SEED=%llu\n", name, seed);
}

static void test_small(void)
{
	/* 24 MiB: ~6000 pages, verify after every step. */
	run("small", 24 * MiB, 0, steps_from_env(200000), 1, 0);
}

static void test_large(void)
{
	/* 1 GiB with a 256 MiB ZONE_MOVABLE, verify every 1,000 steps. */
	run("large", 1024 * MiB, 256 * MiB, steps_from_env(200000), 1000, 0);
}

static void test_lazy(void)
{
	/* 24 MiB of boot RAM and a hot-added 128 MiB with a lazy memmap, verify every step. */
	run("lazy", 24 * MiB, 0, steps_from_env(100000), 1, 1);
}

int main(void)
{
	RUN("mm-random", "small arena, verify every step", test_small);
	RUN("mm-random", "large arena, verify every 1000 steps", test_large);
	RUN("mm-random", "hot-added lazy memmap, verify every step", test_lazy);
	return test_summary();
}

/* Host benchmark of the page allocator (kernel/mm on tests/host/mm_fake.c), built by scripts/bench
 * with release flags, no sanitizers, page_poison off. Each figure is the median of RUNS runs (min and
 * max shown too):
 *   - ns per order-0 alloc+free pair in steady state: a 1 GiB arena, every page allocated, then half of
 *     them freed in random order (so the free memory is scattered), then N pairs;
 *   - the same through the buddy alone (pcp cache disabled), for comparison;
 *   - ns per order-9 (2 MiB) alloc+free pair on the arena with every page back (scattered order-0
 *     holes never leave a free 2 MiB chunk);
 *   - a random mixed workload (alloc orders 0..3 mostly, up to 9 rarely, frees of random held
 *     allocations, both gfp types): operations per second;
 *   - memmap bytes per GiB of RAM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/init.h"
#include "mm/mmzone.h"
#include "mm_fake.h"

extern bool host_log_echo;

#define RUNS  5
#define MiB   (1ULL << 20)
#define ARENA (1024 * MiB)

static u64 rng = 88172645463325252ULL;
static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct page **pages;
static unsigned long npages;

/* Boots a 1 GiB arena and leaves half of it allocated, picked in random order. */
static void fragment_half(void)
{
	mm_fake_boot_simple(ARENA);
	unsigned long total = nr_free_pages();
	pages = realloc(pages, total * sizeof(*pages));
	npages = 0;
	struct page *p;
	while ((p = alloc_page(GFP_KERNEL)))
		pages[npages++] = p;
	for (unsigned long i = npages - 1; i > 0; i--) {
		unsigned long j = rnd() % (i + 1);
		struct page *t = pages[i];
		pages[i] = pages[j];
		pages[j] = t;
	}
	unsigned long half = npages / 2;
	for (unsigned long i = half; i < npages; i++)
		__free_page(pages[i]);
	npages = half;
	drain_all_pages(NULL);
}

static double ns_per_pair(unsigned int order, gfp_t gfp, unsigned long n)
{
	/* warm up */
	for (unsigned long i = 0; i < 1000; i++) {
		struct page *p = alloc_pages(gfp, order);
		if (p)
			free_pages(p, order);
	}
	u64 t0 = arch_now_ns();
	for (unsigned long i = 0; i < n; i++) {
		struct page *p = alloc_pages(gfp, order);
		if (!p) {
			fprintf(stderr, "mm_bench: out of order-%u pages\n", order);
			exit(1);
		}
		free_pages(p, order);
	}
	return (double)(arch_now_ns() - t0) / (double)n;
}

/* Random mixed workload: returns operations per second. */
static double mixed_ops_per_sec(unsigned long ops)
{
	enum { HELD = 65536 };
	static struct {
		struct page *p;
		unsigned int order;
	} held[HELD];
	unsigned long nheld = 0, done = 0;

	mm_fake_boot_simple(ARENA);
	u64 t0 = arch_now_ns();
	for (unsigned long i = 0; i < ops; i++) {
		u64 r = rnd();
		if ((r & 1) && nheld < HELD) {
			unsigned int sel = (unsigned int)((r >> 8) % 100);
			unsigned int order = sel < 60	? 0
					     : sel < 80 ? 1
					     : sel < 90 ? 2
					     : sel < 98 ? 3
							: (unsigned int)((r >> 20) % 10);
			struct page *p = alloc_pages((r & 2) ? GFP_MOVABLE : GFP_KERNEL, order);
			if (p) {
				held[nheld].p = p;
				held[nheld++].order = order;
			}
		} else if (nheld) {
			unsigned long k = (r >> 32) % nheld;
			free_pages(held[k].p, held[k].order);
			held[k] = held[--nheld];
		}
		done++;
	}
	double secs = (double)(arch_now_ns() - t0) / 1e9;
	while (nheld) {
		nheld--;
		free_pages(held[nheld].p, held[nheld].order);
	}
	return (double)done / secs;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, const char *unit, double v[RUNS])
{
	qsort(v, RUNS, sizeof(v[0]), cmp_double);
	printf("%-58s %12.1f %-6s (min %.1f, max %.1f)\n", what, v[RUNS / 2], unit, v[0], v[RUNS - 1]);
}

int main(void)
{
	double o0[RUNS], o0_buddy[RUNS], o9[RUNS], mixed[RUNS];

	host_log_echo = false;
	page_poison_enabled = false;
	for (int r = 0; r < RUNS; r++) {
		fragment_half();
		o0[r] = ns_per_pair(0, GFP_KERNEL, 5000000);
		zone_pcp_disable(&zones[ZONE_NORMAL]);
		o0_buddy[r] = ns_per_pair(0, GFP_KERNEL, 2000000);
		zone_pcp_enable(&zones[ZONE_NORMAL]);
		/* Scattered order-0 holes never make a 2 MiB chunk: measure order 9 with every page back. */
		for (unsigned long i = 0; i < npages; i++)
			__free_page(pages[i]);
		o9[r] = ns_per_pair(9, GFP_KERNEL, 200000);
		mixed[r] = mixed_ops_per_sec(5000000) / 1e6;
	}
	printf("mm bench (host build, -O2, no sanitizers, page_poison off; median of %d runs)\n", RUNS);
	report("order-0 alloc+free pair, steady state (pcp)", "ns", o0);
	report("order-0 alloc+free pair, steady state (buddy only)", "ns", o0_buddy);
	report("order-9 alloc+free pair (1 GiB arena, all free)", "ns", o9);
	report("random mixed workload (orders 0..9, both types)", "Mops/s", mixed);
	printf("%-58s %12.0f bytes (%.3f%% of RAM)\n", "memmap per GiB of RAM (full sections)",
	       (double)mm_stat_read(NR_MEMMAP_PAGES) * PAGE_SIZE / ((double)ARENA / (1 << 30)),
	       100.0 * (double)mm_stat_read(NR_MEMMAP_PAGES) * PAGE_SIZE / (double)ARENA);
	printf("struct page: %zu bytes\n", sizeof(struct page));
	free(pages);
	return 0;
}

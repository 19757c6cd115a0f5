/* memtest SIZE SECONDS: allocates SIZE with malloc, fills it with checksummed data and verifies it,
 * again and again, for SECONDS; the memory a program checks is what a resize must carry across. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "app_args.h"
#include "kernel/app.h"

#define MEMTEST_PAGE 4096

/* The word at index i in pass p: a 64-bit mix of both, so a word moved, lost or swapped shows. */
static uint64_t pattern(size_t i, unsigned p)
{
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)p << 32 | p);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

static void fill(uint64_t *w, size_t n, unsigned p)
{
	for (size_t i = 0; i < n; i++)
		w[i] = pattern(i, p);
}

/* Returns the index of the first word that is not pass p's, or n. */
static size_t check(const uint64_t *w, size_t n, unsigned p)
{
	for (size_t i = 0; i < n; i++)
		if (w[i] != pattern(i, p))
			return i;
	return n;
}

static int memtest_main(int argc, char **argv)
{
	size_t size;
	unsigned long seconds;

	if (argc != 3 || app_parse_size(argv[1], SIZE_MAX / 2, &size) ||
	    app_parse_uint(argv[2], 0, 3600, &seconds)) {
		fprintf(stderr, "usage: memtest SIZE SECONDS (SIZE like 512K or 1M; SECONDS 0..3600)\n");
		return 2;
	}
	size_t n = size / sizeof(uint64_t);
	uint64_t *w = malloc(size);
	if (!w || !n) {
		printf("memtest: error: malloc of %zu bytes failed: out of memory\n", size);
		return 1;
	}

	clock_t start = clock();
	unsigned passes = 0;
	fill(w, n, 0);
	printf("memtest: %zu pages filled, verifying for %lu s\n", (size + MEMTEST_PAGE - 1) / MEMTEST_PAGE,
	       seconds);
	do {
		size_t bad = check(w, n, passes);
		if (bad != n) {
			printf("memtest: error: word %zu (page %zu, offset 0x%zx) is 0x%016llx, expected "
			       "0x%016llx "
			       "in pass %u\n",
			       bad, bad * sizeof(uint64_t) / MEMTEST_PAGE, bad * sizeof(uint64_t),
			       (unsigned long long)w[bad], (unsigned long long)pattern(bad, passes), passes);
			free(w);
			return 1;
		}
		passes++;
		fill(w, n, passes);
	} while ((unsigned long)((clock() - start) / CLOCKS_PER_SEC) < seconds);
	printf("memtest: ok (%zu pages, %u passes)\n", (size + MEMTEST_PAGE - 1) / MEMTEST_PAGE, passes);
	free(w);
	return 0;
}
APP(memtest, "memtest", "memtest SIZE SECONDS: malloc SIZE, fill and verify it for SECONDS", memtest_main);

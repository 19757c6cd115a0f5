/* mallocbench [ROUNDS]: newlib's malloc and free under load, with the numbers printed. Three phases:
 * churn (random sizes into a table of slots, each malloc'd block filled and checked before its free),
 * realloc (one block grown a step at a time), and exhaustion (64 KiB blocks until malloc returns NULL,
 * all freed, then one more must succeed: the heap is reusable after running out). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_args.h"
#include "kernel/app.h"

#define SLOTS	     256
#define EXHAUST_SIZE (64 * 1024)
#define EXHAUST_MAX  4096

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static unsigned long ns_since(clock_t start, unsigned long ops)
{
	unsigned long long ns = (unsigned long long)(clock() - start) * (1000000000ULL / CLOCKS_PER_SEC);

	return ops ? (unsigned long)(ns / ops) : 0;
}

/* Each block holds its size's low byte in every byte, so an overlap between blocks shows. */
static int churn(unsigned long rounds)
{
	static unsigned char *slot[SLOTS];
	static size_t len[SLOTS];
	unsigned long ops = 0, failed = 0;
	clock_t start = clock();

	for (unsigned long r = 0; r < rounds; r++) {
		unsigned s = rnd() % SLOTS;
		if (slot[s]) {
			for (size_t i = 0; i < len[s]; i++)
				if (slot[s][i] != (unsigned char)len[s]) {
					printf("mallocbench: error: block of %zu bytes changed at byte %zu\n",
					       len[s], i);
					return -1;
				}
			free(slot[s]);
			slot[s] = NULL;
		}
		len[s] = 1 + (rnd() % 4 == 0 ? rnd() % 4096 : rnd() % 128);
		slot[s] = malloc(len[s]);
		if (!slot[s]) {
			failed++;
			continue;
		}
		memset(slot[s], (unsigned char)len[s], len[s]);
		ops++;
	}
	printf("mallocbench: churn: %lu malloc+free pairs, %lu ns per pair, %lu failed\n", ops,
	       ns_since(start, ops), failed);
	for (unsigned s = 0; s < SLOTS; s++) {
		free(slot[s]);
		slot[s] = NULL;
	}
	return 0;
}

static int grow(void)
{
	clock_t start = clock();
	unsigned char *p = NULL;
	unsigned steps = 0;

	for (size_t n = 64; n <= 256 * 1024; n += 64, steps++) {
		unsigned char *q = realloc(p, n);
		if (!q) {
			printf("mallocbench: error: realloc to %zu bytes failed\n", n);
			free(p);
			return -1;
		}
		if (n > 64 && q[n - 65] != (unsigned char)(n - 64)) {
			printf("mallocbench: error: realloc to %zu bytes lost the old contents\n", n);
			free(q);
			return -1;
		}
		q[n - 1] = (unsigned char)n;
		p = q;
	}
	free(p);
	printf("mallocbench: realloc: %u steps of 64 bytes to 256 KiB, %lu ns per step\n", steps,
	       ns_since(start, steps));
	return 0;
}

static int exhaust(void)
{
	static void *block[EXHAUST_MAX];
	unsigned n = 0;

	while (n < EXHAUST_MAX && (block[n] = malloc(EXHAUST_SIZE)))
		n++;
	if (n == EXHAUST_MAX) {
		printf("mallocbench: error: malloc never returned NULL (%u blocks of 64 KiB)\n", n);
		return -1;
	}
	printf("mallocbench: exhaust: malloc returned NULL after %u KiB\n", n * (EXHAUST_SIZE / 1024));
	for (unsigned i = 0; i < n; i++)
		free(block[i]);
	void *again = malloc(EXHAUST_SIZE);
	if (!again) {
		printf("mallocbench: error: malloc fails after everything was freed\n");
		return -1;
	}
	free(again);
	return 0;
}

static int mallocbench_main(int argc, char **argv)
{
	unsigned long rounds = 100000;

	if (argc > 2 || (argc == 2 && app_parse_uint(argv[1], 1, 100000000, &rounds))) {
		fprintf(stderr, "usage: mallocbench [ROUNDS] (1..100000000, default 100000)\n");
		return 2;
	}
	if (churn(rounds) || grow() || exhaust())
		return 1;
	printf("mallocbench: ok\n");
	return 0;
}
APP(mallocbench, "mallocbench", "mallocbench [ROUNDS]: malloc/free churn, realloc and exhaustion, timed",
    mallocbench_main);

/* host-srcs: tests/host/lib_renamed.c */
/* kernel/lib/printf.c against the C library: a table of formats and edge values, every truncation
 * length of each, then a seeded random comparison (TEST_SEED=N repeats a run). %p is ours on purpose
 * (0x + 16 digits) and is checked against that rule instead. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_test.h"
#include "lib_renamed.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-truncation"

static int mismatches;

/* Reports one difference (the first few in full). */
static void report(const char *what, const char *fmt, size_t size, const char *want, int wn, const char *got,
		   int gn)
{
	if (++mismatches <= 20)
		printf("INFO: printf: %s: format \"%s\" size %zu: libc \"%s\" (%d), ours \"%s\" (%d)\n", what,
		       fmt, size, want, wn, got, gn);
}

/* Runs libc and ours on the same arguments at buffer sizes `sizes` (plus the full one), checking the
 * return value, the stored bytes, the terminator, and that nothing past `size` is written. */
#define COMPARE(fmt, ...)                                                                                    \
	do {                                                                                                 \
		char want[512], got[520];                                                                    \
		int wn = snprintf(want, sizeof(want), fmt, __VA_ARGS__);                                     \
		int gn = hm_snprintf(NULL, 0, fmt, __VA_ARGS__);                                             \
		if (wn != gn) {                                                                              \
			report("length", fmt, 0, want, wn, "", gn);                                          \
			CHECK(wn == gn);                                                                     \
			break;                                                                               \
		}                                                                                            \
		for (size_t size = 0; size <= (size_t)wn + 1 && size < sizeof(want); size++) {               \
			if (size > 8 && size < (size_t)wn - 2 && size % 7)                                   \
				continue; /* every size near the ends, a sample in between */                \
			char w2[512];                                                                        \
			snprintf(w2, size ? size : 1, fmt, __VA_ARGS__);                                     \
			if (!size)                                                                           \
				w2[0] = 0;                                                                   \
			memset(got, 0x5a, sizeof(got));                                                      \
			gn = hm_snprintf(got, size, fmt, __VA_ARGS__);                                       \
			bool ok =                                                                            \
			    gn == wn && got[size] == 0x5a && (size ? !strcmp(got, w2) : got[0] == 0x5a);     \
			if (!ok) {                                                                           \
				report("truncated", fmt, size, w2, wn, size ? got : "", gn);                 \
				CHECK(ok);                                                                   \
				break;                                                                       \
			}                                                                                    \
		}                                                                                            \
	} while (0)

static void t_integers(void)
{
	COMPARE("%d %i %d %d %d", 0, 1, -1, INT_MAX, INT_MIN);
	COMPARE("%u %u %u", 0u, 1u, UINT_MAX);
	COMPARE("%x %X %o %x %o", 0u, 0xabcdefu, 0777u, UINT_MAX, UINT_MAX);
	COMPARE("%ld %ld %ld %lu %lx", 0L, LONG_MAX, LONG_MIN, ULONG_MAX, ULONG_MAX);
	COMPARE("%lld %lld %lld %llu %llx %llX %llo", 0LL, LLONG_MAX, LLONG_MIN, ULLONG_MAX, ULLONG_MAX,
		0x123456789abcdefULL, ULLONG_MAX);
	COMPARE("%zu %zx %zd %zd", SIZE_MAX, (size_t)0x1000, (ssize_t)-5, (ssize_t)PTRDIFF_MIN);
	COMPARE("%jd %ju %td", INTMAX_MIN, UINTMAX_MAX, (ptrdiff_t)-77);
	COMPARE("%hhd %hhd %hhu %hhx %hd %hu %hx", 127, 128, 511, -1, 32768, 65537, -1);
	COMPARE("%hhd %hd", -129, -32769);
}

static void t_flags_width_precision(void)
{
	COMPARE("[%5d][%-5d][%05d][%+d][% d][%+5d][% 05d][%-+5d]", 42, 42, -42, 42, 42, -42, 42, 42);
	COMPARE("[%.0d][%.0u][%.0x][%5.0d][%-5.0d][%.1d]", 0, 0u, 0u, 0, 0, 0);
	COMPARE("[%.5d][%8.5d][%-8.5d][%+.5d][% .5d][%.3d]", -42, 42, -42, 42, 42, 123456);
	COMPARE("[%#x][%#X][%#o][%#x][%#o][%#.0o][%#.3o][%#5o][%#08x][%#-8x]", 255u, 255u, 8u, 0u, 0u, 0u, 8u,
		8u, 0xabu, 0xabu);
	COMPARE("[%#.8x][%#010llx][%#llo]", 0x1234u, 0xdeadULL, ULLONG_MAX);
	COMPARE("[%020d][%020lld][%-20lld][%+020lld]", INT_MIN, LLONG_MIN, LLONG_MIN, LLONG_MAX);
	COMPARE("[%*d][%-*d][%*d][%.*d][%.*d][%*.*d]", 6, 1, 6, 2, -6, 3, 4, 5, -1, 6, 8, 3, 7);
	COMPARE("[%0*d][%0-*d]", 5, -3, 5, -3);
	COMPARE("[%1d][%0d][%00005d]", 12345, 6, 7);
	COMPARE("[%100d]", 1);
	COMPARE("[%.100u]", 1u);
	COMPARE("[%-0+ #10x]", 0x77u);
}

static void t_chars_strings(void)
{
	COMPARE("[%c][%3c][%-3c][%c]", 'a', 'b', 'c', 0x100 + 'd');
	COMPARE("[%s][%10s][%-10s][%.2s][%.0s][%10.2s][%-10.2s]", "hello", "hello", "hello", "hello", "hello",
		"hello", "hello");
	COMPARE("[%*s][%-*s][%.*s][%.*s]", 8, "ab", 8, "ab", 1, "ab", -1, "ab");
	COMPARE("[%s][%5s]", "", "");
	COMPARE("100%% [%%] %d%%", 5);
	COMPARE("%s", "no conversions here at all, just a fairly long line of text to truncate");
	COMPARE("%s%s%s", "a", "bc", "def");
	COMPARE("\x7f\xff%c%s", (char)0xe9, "\xc3\xa9");
}

/* A %s precision bounds what is read: the argument need not be terminated. */
static void t_string_precision_reads(void)
{
	char *p = malloc(3);
	char buf[16];

	REQUIRE(p);
	memcpy(p, "abc", 3); /* no NUL: ASan would catch a read past it */
	CHECK(hm_snprintf(buf, sizeof(buf), "%.3s|%.2s", p, p) == 6);
	CHECK(!strcmp(buf, "abc|ab"));
	free(p);
}

static void t_ours_only(void)
{
	char buf[64];

	CHECK(hm_snprintf(buf, sizeof(buf), "%s", (char *)NULL) == 6 && !strcmp(buf, "(null)"));
	CHECK(hm_snprintf(buf, sizeof(buf), "[%8s]", (char *)NULL) == 10 && !strcmp(buf, "[  (null)]"));
	CHECK(hm_snprintf(buf, sizeof(buf), "%p", (void *)0x1000) == 18 &&
	      !strcmp(buf, "0x0000000000001000"));
	CHECK(hm_snprintf(buf, sizeof(buf), "%p", (void *)0) == 18 && !strcmp(buf, "0x0000000000000000"));
	CHECK(hm_snprintf(buf, sizeof(buf), "%p", (void *)UINTPTR_MAX) == 18 &&
	      !strcmp(buf, "0xffffffffffffffff"));
	CHECK(hm_snprintf(buf, sizeof(buf), "[%20p]", (void *)0xabc) == 22 &&
	      !strcmp(buf, "[  0x0000000000000abc]"));
	CHECK(hm_snprintf(buf, sizeof(buf), "[%-20p]", (void *)0xabc) == 22 &&
	      !strcmp(buf, "[0x0000000000000abc  ]"));
	/* An unknown conversion is copied; a lone % at the end too. */
	CHECK(hm_snprintf(buf, sizeof(buf), "a%yb") == 4 && !strcmp(buf, "a%yb"));
	CHECK(hm_snprintf(buf, sizeof(buf), "a%-5") == 4 && !strcmp(buf, "a%-5"));
	CHECK(hm_snprintf(buf, sizeof(buf), "x%") == 2 && !strcmp(buf, "x%"));
	/* size 0 never touches the buffer, even a NULL one. */
	CHECK(hm_snprintf(NULL, 0, "%d", 12345) == 5);
	buf[0] = 'q';
	CHECK(hm_snprintf(buf, 1, "%d", 12345) == 5 && buf[0] == 0);
}

/* ---- randomized ---- */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	return test_splitmix64(&rng_state);
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Values biased toward the edges of each width. */
static uint64_t rnd_value(void)
{
	static const uint64_t edge[] = {0,
					1,
					2,
					7,
					8,
					9,
					10,
					15,
					16,
					0x7f,
					0x80,
					0xff,
					0x100,
					0x7fff,
					0x8000,
					0xffff,
					0x10000,
					0x7fffffff,
					0x80000000,
					0xffffffff,
					0x100000000,
					0x7fffffffffffffffULL,
					0x8000000000000000ULL,
					0xffffffffffffffffULL};
	switch (rnd_below(4)) {
	case 0:
		return edge[rnd_below(sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return -edge[rnd_below(sizeof(edge) / sizeof(edge[0]))];
	case 2:
		return rnd() >> rnd_below(64);
	default:
		return rnd();
	}
}

static const char *const rnd_strings[] = {"", "a", "hotmem", "memory block 33", "(x)", "0123456789abcdef"};

static void t_random(void)
{
	const char *env = getenv("TEST_SEED");
	unsigned long long seed = env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL);
	int cases = 20000;

	printf("INFO: printf: random: seed %llu (TEST_SEED=%llu repeats it), %d cases\n", seed, seed, cases);
	rng_state = seed;
	mismatches = 0;
	for (int i = 0; i < cases && mismatches < 20; i++) {
		static const char convs[] = "diuxXocs";
		static const char *const lens[] = {"", "hh", "h", "l", "ll", "z"};
		char conv = convs[rnd_below(sizeof(convs) - 1)];
		bool is_int = conv != 'c' && conv != 's';
		const char *len = is_int ? lens[rnd_below(6)] : "";
		char fmt[64];
		int n = 0, star_w = 0, star_p = 0, nstars = 0, sv[2];

		n += sprintf(fmt + n, "<%s", rnd_below(2) ? "x" : "");
		fmt[n++] = '%';
		for (int f = 0; f < 3; f++) {
			/* UB combinations are left out: # with d/u/c/s, +/space with unsigned, 0 with c/s */
			switch (rnd_below(8)) {
			case 0:
				fmt[n++] = '-';
				break;
			case 1:
				if (is_int)
					fmt[n++] = '0';
				break;
			case 2:
				if (conv == 'd' || conv == 'i')
					fmt[n++] = '+';
				break;
			case 3:
				if (conv == 'd' || conv == 'i')
					fmt[n++] = ' ';
				break;
			case 4:
				if (conv == 'x' || conv == 'X' || conv == 'o')
					fmt[n++] = '#';
				break;
			}
		}
		switch (rnd_below(4)) {
		case 1:
			n += sprintf(fmt + n, "%u", rnd_below(30));
			break;
		case 2:
			fmt[n++] = '*';
			star_w = 1;
			sv[nstars++] = (int)rnd_below(61) - 30;
			break;
		}
		if (conv != 'c') {
			switch (rnd_below(5)) {
			case 1:
				n += sprintf(fmt + n, ".%u", rnd_below(25));
				break;
			case 2:
				fmt[n++] = '.';
				break;
			case 3:
				n += sprintf(fmt + n, ".*");
				star_p = 1;
				sv[nstars++] = (int)rnd_below(31) - 5;
				break;
			}
		}
		n += sprintf(fmt + n, "%s%c>", len, conv);
		(void)star_w;
		(void)star_p;

		int before = mismatches;
		uint64_t v = rnd_value();
		const char *s = rnd_strings[rnd_below(sizeof(rnd_strings) / sizeof(rnd_strings[0]))];

#define WITH_STARS(...)                                                                                      \
	do {                                                                                                 \
		if (nstars == 0)                                                                             \
			COMPARE(fmt, __VA_ARGS__);                                                           \
		else if (nstars == 1)                                                                        \
			COMPARE(fmt, sv[0], __VA_ARGS__);                                                    \
		else                                                                                         \
			COMPARE(fmt, sv[0], sv[1], __VA_ARGS__);                                             \
	} while (0)
		if (conv == 's') {
			WITH_STARS(s);
		} else if (conv == 'c') {
			WITH_STARS((int)(v % 95 + 32));
		} else if (!strcmp(len, "l") || !strcmp(len, "z")) {
			WITH_STARS((long)v);
		} else if (!strcmp(len, "ll")) {
			WITH_STARS((long long)v);
		} else {
			WITH_STARS((int)v);
		}
		if (mismatches != before)
			printf("INFO: printf: random: case %d failed\n", i);
	}
}

int main(void)
{
	RUN("printf", "integers and length modifiers", t_integers);
	RUN("printf", "flags, width and precision", t_flags_width_precision);
	RUN("printf", "characters and strings", t_chars_strings);
	RUN("printf", "%s precision bounds the read", t_string_precision_reads);
	RUN("printf", "NULL, %p, unknown conversions, size 0", t_ours_only);
	RUN("printf", "random formats against libc", t_random);
	return test_summary();
}

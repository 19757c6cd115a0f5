/* host-srcs: tests/host/lib_renamed.c kernel/lib/strutil.c */
/* kernel/lib/string.c against the C library on random buffers: every alignment of source and
 * destination, lengths around the 8- and 32-byte steps, every overlap for memmove. Buffers are malloc'd
 * to the exact size so ASan catches a byte read or written past either end. Then the helpers of
 * kernel/lib/strutil.c. TEST_SEED=N repeats a run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_test.h"
#include "kernel/errno.h"
#include "lib/string.h"
#include "lib_renamed.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return test_splitmix64(&rng_state);
}

static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rnd();
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Lengths worth trying: all small ones, each side of the word and unrolled-loop steps, some large. */
static const size_t lengths[] = {0,  1,	  2,   3,   4,	 5,   6,   7,	 8,    9,    10,   15,	      16, 17,
				 23, 24,  25,  31,  32,	 33,  39,  40,	 41,   63,   64,   65,	      95, 96,
				 97, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 4097, 65536 + 13};
#define NLEN (sizeof(lengths) / sizeof(lengths[0]))

static void t_memcpy(void)
{
	for (size_t li = 0; li < NLEN; li++)
		for (size_t sa = 0; sa < 8; sa++)
			for (size_t da = 0; da < 8; da++) {
				size_t n = lengths[li];
				unsigned char *src = malloc(sa + n + 1), *dst = malloc(da + n + 1),
					      *want = malloc(da + n + 1);

				REQUIRE(src && dst && want);
				fill_random(src, sa + n + 1);
				fill_random(dst, da + n + 1);
				memcpy(want, dst, da + n + 1);
				memcpy(want + da, src + sa, n);
				CHECK(hm_memcpy(dst + da, src + sa, n) == dst + da);
				CHECK(!memcmp(dst, want, da + n + 1));
				free(src);
				free(dst);
				free(want);
				if (!test_ok())
					return;
			}
}

static void t_memmove(void)
{
	/* One buffer, every pair of offsets in a window, so every overlap in both directions. */
	for (size_t li = 0; li < NLEN && lengths[li] <= 4097; li++) {
		size_t n = lengths[li], span = n + 48;
		unsigned char *buf = malloc(span), *want = malloc(span);

		REQUIRE(buf && want);
		for (size_t s = 0; s + n <= span; s += (n > 64 ? 3 : 1))
			for (size_t d = 0; d + n <= span; d += (n > 64 ? 5 : 1)) {
				fill_random(buf, span);
				memcpy(want, buf, span);
				memmove(want + d, want + s, n);
				CHECK(hm_memmove(buf + d, buf + s, n) == buf + d);
				CHECK(!memcmp(buf, want, span));
				if (!test_ok()) {
					printf("INFO: string: memmove: n=%zu src+%zu dst+%zu\n", n, s, d);
					free(buf);
					free(want);
					return;
				}
			}
		free(buf);
		free(want);
	}
}

static void t_memset(void)
{
	static const int values[] = {0, 1, 0x5a, 0x80, 0xff, -1, 0x1ab};

	for (size_t li = 0; li < NLEN; li++)
		for (size_t a = 0; a < 8; a++)
			for (size_t vi = 0; vi < sizeof(values) / sizeof(values[0]); vi++) {
				size_t n = lengths[li];
				unsigned char *buf = malloc(a + n + 1), *want = malloc(a + n + 1);

				REQUIRE(buf && want);
				fill_random(buf, a + n + 1);
				memcpy(want, buf, a + n + 1);
				memset(want + a, values[vi], n);
				CHECK(hm_memset(buf + a, values[vi], n) == buf + a);
				CHECK(!memcmp(buf, want, a + n + 1));
				free(buf);
				free(want);
				if (!test_ok())
					return;
			}
}

static void t_memcmp_memchr(void)
{
	for (size_t li = 0; li < NLEN; li++)
		for (size_t a = 0; a < 8; a++) {
			size_t n = lengths[li];
			unsigned char *x = malloc(a + n + 1), *y = malloc(n + 1);

			REQUIRE(x && y);
			fill_random(x, a + n + 1);
			memcpy(y, x + a, n);
			CHECK(hm_memcmp(x + a, y, n) == 0);
			for (int k = 0; k < 8 && n; k++) {
				size_t at = (size_t)(rnd() % n);

				y[at] = (unsigned char)rnd();
				CHECK(sign(hm_memcmp(x + a, y, n)) == sign(memcmp(x + a, y, n)));
				CHECK(sign(hm_memcmp(y, x + a, n)) == sign(memcmp(y, x + a, n)));
				int c = (int)(rnd() & 0xff);
				CHECK(hm_memchr(x + a, c, n) == memchr(x + a, c, n));
				CHECK(hm_memchr(x + a, c + 0x100, n) == memchr(x + a, c + 0x100, n));
			}
			free(x);
			free(y);
			if (!test_ok())
				return;
		}
}

/* A random string of n characters from a small alphabet (so searches find things), high bytes too. */
static char *rnd_string(size_t n)
{
	static const char alphabet[] = "aab c\t\x80\xff";
	char *s = malloc(n + 1);

	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rnd() % (sizeof(alphabet) - 1)];
	s[n] = 0;
	return s;
}

static void t_strings(void)
{
	for (int iter = 0; iter < 4000; iter++) {
		size_t n = (size_t)(rnd() % 40), m = (size_t)(rnd() % 6);
		char *s = rnd_string(n), *t = rnd_string(m), *u = strdup(s);
		int c = "ab \x80\xff\0z"[rnd() % 7];
		size_t k = (size_t)(rnd() % 45);

		REQUIRE(s && t && u);
		if (n && rnd() % 2)
			u[rnd() % n] = (char)rnd();
		CHECK(hm_strlen(s) == strlen(s));
		CHECK(hm_strnlen(s, k) == strnlen(s, k));
		CHECK(sign(hm_strcmp(s, u)) == sign(strcmp(s, u)));
		CHECK(sign(hm_strcmp(s, t)) == sign(strcmp(s, t)));
		CHECK(sign(hm_strncmp(s, u, k)) == sign(strncmp(s, u, k)));
		CHECK(sign(hm_strncmp(t, s, k)) == sign(strncmp(t, s, k)));
		CHECK(hm_strchr(s, c) == strchr(s, c));
		CHECK(hm_strrchr(s, c) == strrchr(s, c));
		CHECK(hm_strstr(s, t) == strstr(s, t));
		CHECK(hm_strspn(s, t) == strspn(s, t));
		CHECK(hm_strcspn(s, t) == strcspn(s, t));
		free(s);
		free(t);
		free(u);
		if (!test_ok()) {
			printf("INFO: string: strings: iteration %d\n", iter);
			return;
		}
	}
	CHECK(hm_strstr("abc", "") != NULL && !strcmp(hm_strstr("abc", ""), "abc"));
	CHECK(hm_strstr("", "") != NULL);
	CHECK(hm_strstr("", "a") == NULL);
	CHECK(hm_strstr("aaab", "aab") && !strcmp(hm_strstr("aaab", "aab"), "aab"));
}

static void t_strlcpy_strscpy(void)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	CHECK(strlcpy(buf, "hello", sizeof(buf)) == 5 && !strcmp(buf, "hello"));
	CHECK(strlcpy(buf, "hello world", sizeof(buf)) == 11 && !strcmp(buf, "hello w"));
	buf[0] = 'q';
	CHECK(strlcpy(buf, "abc", 0) == 3 && buf[0] == 'q');
	CHECK(strlcpy(buf, "abc", 1) == 3 && buf[0] == 0);
	CHECK(strscpy(buf, "1234567", sizeof(buf)) == 7 && !strcmp(buf, "1234567"));
	CHECK(strscpy(buf, "12345678", sizeof(buf)) == -E2BIG && !strcmp(buf, "1234567"));
	CHECK(strscpy(buf, "", sizeof(buf)) == 0 && buf[0] == 0);
	CHECK(strscpy(buf, "x", 0) == -E2BIG);
	CHECK(strstarts("loglevel=7", "loglevel="));
	CHECK(!strstarts("log", "loglevel="));
	CHECK(strstarts("anything", ""));
}

static void t_split_args(void)
{
	char line[] = "  memory   33\tonline_movable  \n";
	char *argv[4];

	CHECK(split_args(line, argv, 4) == 3);
	CHECK(!strcmp(argv[0], "memory") && !strcmp(argv[1], "33") && !strcmp(argv[2], "online_movable"));
	CHECK(argv[3] == NULL);

	char empty[] = " \t ";
	CHECK(split_args(empty, argv, 4) == 0 && argv[0] == NULL);

	char many[] = "a b c d e";
	CHECK(split_args(many, argv, 4) == -E2BIG);
	CHECK(!strcmp(argv[3], "d"));

	char exact[] = "a b";
	CHECK(split_args(exact, argv, 2) == 2 && !strcmp(argv[1], "b"));

	char trim[] = "  \t padded words \r\n";
	CHECK(!strcmp(strim(trim), "padded words"));
	char blank[] = "   ";
	CHECK(!strcmp(strim(blank), ""));
	CHECK(!strcmp(skip_spaces("\t\n x"), "x"));
}

int main(void)
{
	const char *env = getenv("TEST_SEED");
	unsigned long long seed = env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL);

	printf("INFO: string: seed %llu (TEST_SEED=%llu repeats it)\n", seed, seed);
	rng_state = seed;
	RUN("string", "memcpy, all alignments", t_memcpy);
	RUN("string", "memmove, all overlaps", t_memmove);
	RUN("string", "memset, all alignments", t_memset);
	RUN("string", "memcmp and memchr", t_memcmp_memchr);
	RUN("string", "str* against libc", t_strings);
	RUN("string", "strlcpy, strscpy, strstarts", t_strlcpy_strscpy);
	RUN("string", "split_args, strim, skip_spaces", t_split_args);
	return test_summary();
}

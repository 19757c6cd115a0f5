/* In-kernel tests of the string and formatting functions as the kernel links them: newlib's, built
 * freestanding with SSE, called from kernel code built without it. They check newlib works inside the
 * kernel (SSE enabled, its reentrancy structure in place) and that its answers are the C library's. */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "lib/parse.h"
#include "lib/printf.h"
#include "lib/string.h"

static u8 buf[160], ref[160];

/* Byte-at-a-time references through volatile pointers, so gcc cannot turn them into mem* calls. */
static void ref_fill(u32 seed)
{
	for (u32 i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = ref[i] = (u8)(seed >> 16);
	}
}

static void ref_move(u32 d, u32 s, u32 n)
{
	volatile u8 *r = ref;
	u8 tmp[sizeof(ref)];

	for (u32 i = 0; i < n; i++)
		tmp[i] = r[s + i];
	for (u32 i = 0; i < n; i++)
		r[d + i] = tmp[i];
}

static bool same(void)
{
	volatile const u8 *a = buf, *b = ref;

	for (u32 i = 0; i < sizeof(buf); i++)
		if (a[i] != b[i])
			return false;
	return true;
}

KTEST(lib, memmove_memcpy_overlaps)
{
	static const u32 lens[] = {0, 1, 7, 8, 9, 31, 32, 33, 64, 71};

	for (u32 li = 0; li < ARRAY_SIZE(lens); li++)
		for (u32 s = 0; s + lens[li] <= sizeof(buf); s += 7)
			for (u32 d = 0; d + lens[li] <= sizeof(buf); d += 5) {
				ref_fill(s * 131 + d);
				ref_move(d, s, lens[li]);
				KT_ASSERT(memmove(buf + d, buf + s, lens[li]) == buf + d);
				KT_ASSERT(same());
				if (d + lens[li] <= s || s + lens[li] <= d) { /* disjoint: memcpy too */
					ref_fill(s + d);
					ref_move(d, s, lens[li]);
					memcpy(buf + d, buf + s, lens[li]);
					KT_ASSERT(same());
				}
			}
}

KTEST(lib, memset_memcmp)
{
	for (u32 a = 0; a < 8; a++)
		for (u32 n = 0; n < 80; n += 3) {
			volatile u8 *r = ref;

			ref_fill(a + n);
			for (u32 i = 0; i < n; i++)
				r[a + i] = 0xa5;
			/* c is converted to unsigned char: 0x1a5 fills with 0xa5 */
			/* cppcheck-suppress memsetValueOutOfRange */
			KT_ASSERT(memset(buf + a, 0x1a5, n) == buf + a);
			KT_ASSERT(same());
			KT_EXPECT(memcmp(buf, ref, sizeof(buf)) == 0);
			if (n) {
				r[a + n - 1] = 0xa6;
				KT_EXPECT(memcmp(buf, ref, sizeof(buf)) < 0);
				KT_EXPECT(memcmp(ref, buf, sizeof(buf)) > 0);
			}
		}
}

/* newlib's snprintf inside the kernel: the conversions printk's callers use, the C99 length modifiers
 * (newlib built with --enable-newlib-io-long-long and c99 formats) and truncation. */
KTEST(lib, snprintf_formats)
{
	const char *volatile null_str = NULL; /* hidden from gcc's format checks */
	char out[64];

	KT_EXPECT(snprintf(out, sizeof(out), "%d|%lld|%llu", -2147483647 - 1,
			   (long long)(-9223372036854775807LL - 1), 18446744073709551615ULL) == 53);
	KT_EXPECT(!strcmp(out, "-2147483648|-9223372036854775808|18446744073709551615"));
	KT_EXPECT(snprintf(out, sizeof(out), "[%5d|%-5d|%05d|%+d|%.3d]", 42, 42, -42, 42, 7) > 0);
	KT_EXPECT(!strcmp(out, "[   42|42   |-0042|+42|007]"));
	KT_EXPECT(snprintf(out, sizeof(out), "%#x %#o %X %zx %p", 255u, 8u, 0xabcu, (size_t)0x1000,
			   (void *)0x10) > 0);
	KT_EXPECT(!strcmp(out, "0xff 010 ABC 1000 0x10"));
	KT_EXPECT(snprintf(out, sizeof(out), "%s|%.2s|%8s|%c", "str", "str", null_str, 'c') > 0);
	KT_EXPECT(!strcmp(out, "str|st|  (null)|c"));
	KT_EXPECT(snprintf(out, 4, "%s", "truncated") == 9 && !strcmp(out, "tru"));
	KT_EXPECT(snprintf(NULL, 0, "%d", 12345) == 5);
}

KTEST(lib, parse_and_errname)
{
	char out[FORMAT_SIZE_MAX];
	u64 v;

	KT_EXPECT(parse_size("256M", &v) == 0 && v == 256ULL << 20);
	KT_EXPECT(parse_size("0x10k", &v) == 0 && v == 16ULL << 10);
	KT_EXPECT(parse_size("16777216T", &v) == -ERANGE);
	KT_EXPECT(parse_u64("12x", &v) == -EINVAL);
	KT_EXPECT(!strcmp(format_size(out, sizeof(out), 3ULL << 30), "3G"));
	KT_EXPECT(!strcmp(format_size(out, sizeof(out), 4097), "4097"));
	KT_EXPECT(!strcmp(errname(-EBUSY), "-EBUSY"));
}

/* Bitmaps of u64 words, bit i in word i / 64. The caller sizes them with BITS_TO_U64. */
#ifndef LIB_BITMAP_H
#define LIB_BITMAP_H

#include "kernel/types.h"

#define BITS_TO_U64(n) (((n) + 63) / 64)

static inline bool test_bit64(const u64 *map, unsigned long i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}
static inline void set_bit64(u64 *map, unsigned long i)
{
	map[i / 64] |= 1ULL << (i % 64);
}
static inline void clear_bit64(u64 *map, unsigned long i)
{
	map[i / 64] &= ~(1ULL << (i % 64));
}
/* Sets bit i to v; returns whether it changed. */
static inline bool assign_bit64(u64 *map, unsigned long i, bool v)
{
	if (test_bit64(map, i) == v)
		return false;
	map[i / 64] ^= 1ULL << (i % 64);
	return true;
}

/* Set bits of w, by adding neighbouring bit counts in parallel (a dozen operations whatever w is):
 * the kernel is built for any x86_64, which may lack POPCNT, and links no libgcc for
 * __builtin_popcountll's fallback. */
static inline unsigned long hweight64(u64 w)
{
	w -= (w >> 1) & 0x5555555555555555ULL;
	w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned long)((w * 0x0101010101010101ULL) >> 56);
}

/* Word-at-a-time searches over bits [start, end) (end is the bitmap's size or less).
 * find_next_bit64/find_next_zero_bit64: the first set (clear) bit, or end when there is none.
 * find_prev_bit64: the last set bit, or end when there is none. */
static inline unsigned long find_next_bit64_x(const u64 *map, unsigned long start, unsigned long end,
					      u64 invert)
{
	while (start < end) {
		u64 w = (map[start / 64] ^ invert) >> (start % 64);
		if (w) {
			start += (unsigned long)__builtin_ctzll(w);
			return start < end ? start : end;
		}
		start = (start / 64 + 1) * 64;
	}
	return end;
}
static inline unsigned long find_next_bit64(const u64 *map, unsigned long start, unsigned long end)
{
	return find_next_bit64_x(map, start, end, 0);
}
static inline unsigned long find_next_zero_bit64(const u64 *map, unsigned long start, unsigned long end)
{
	return find_next_bit64_x(map, start, end, ~0ULL);
}
static inline unsigned long find_prev_bit64(const u64 *map, unsigned long start, unsigned long end)
{
	for (unsigned long i = end; i > start;) {
		unsigned long top = (i - 1) % 64; /* highest bit of this word still inside the range */
		u64 w = map[(i - 1) / 64] & (~0ULL >> (63 - top));
		if (w) {
			unsigned long b = (i - 1) / 64 * 64 + 63 - (unsigned long)__builtin_clzll(w);
			return b >= start ? b : end;
		}
		i = (i - 1) / 64 * 64;
	}
	return end;
}

#endif

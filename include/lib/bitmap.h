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

#endif

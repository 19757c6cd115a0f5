/* Sizes for people: "1 GiB", "1.25 GiB", "300 MiB", "4 KiB", "512 B". Binary units (B, KiB, MiB, GiB,
 * TiB, PiB, EiB), the largest that keeps the number at 1 or more, at most two decimals, rounded to the
 * nearest, trailing zeros dropped. For log and shell lines that also carry the exact bytes for scripts:
 *
 *   pr_info("plugged=%llu (%s)\n", bytes, human_size(bytes).s);
 *
 * human_size returns the text in a struct, so it needs no buffer and lives until the end of the full
 * expression (the printf call). Header-only, so every user (the host tests' too) has it. */
#ifndef LIB_SIZE_H
#define LIB_SIZE_H

#include "kernel/types.h"
#include "lib/printf.h"

struct human_size {
	char s[32]; /* "1023.99 KiB" is the longest; room for what the compiler cannot rule out */
};

static inline struct human_size human_size(u64 bytes)
{
	static const char units[] = "KMGTPE";
	struct human_size h = {{0}};
	unsigned u = 0; /* bytes >> (10 * u) is the whole part */

	while (u < 6 && bytes >> (10 * (u + 1)))
		u++;
	if (u == 0) {
		snprintf(h.s, sizeof(h.s), "%llu B", bytes);
		return h;
	}
	unsigned shift = 10 * u;
	unsigned whole = (unsigned)(bytes >> shift); /* 1-1023 */
	/* hundredths, from the 10 bits below the whole part (1/1024 resolution), rounded */
	unsigned hundredths = (unsigned)((((bytes >> (shift - 10)) & 1023) * 100 + 512) >> 10);
	if (hundredths == 100) {
		whole++;
		hundredths = 0;
	}
	if (whole == 1024 && u < 6) { /* rounded up into the next unit: 1023.999 MiB is 1 GiB */
		whole = 1;
		u++;
	}
	if (hundredths == 0)
		snprintf(h.s, sizeof(h.s), "%u %ciB", whole, units[u - 1]);
	else if (hundredths % 10 == 0)
		snprintf(h.s, sizeof(h.s), "%u.%u %ciB", whole, hundredths / 10, units[u - 1]);
	else
		snprintf(h.s, sizeof(h.s), "%u.%02u %ciB", whole, hundredths, units[u - 1]);
	return h;
}

#endif

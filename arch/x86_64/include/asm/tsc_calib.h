/* Where the TSC's frequency comes from, and the arithmetic of each source (arch/x86_64/tsc_calib.c).
 * Pure: the host tests feed it CPUID answers and counter readings; arch/x86_64/tsc.c reads the
 * hardware. The order of preference is the enum's. */
#ifndef ASM_TSC_CALIB_H
#define ASM_TSC_CALIB_H

#include "kernel/types.h"

#define PM_TIMER_HZ 3579545ULL

enum tsc_source {
	TSC_SRC_PIT,	  /* measured against PIT channel 2 */
	TSC_SRC_CPUID_15, /* CPUID 0x15: crystal Hz x numerator / denominator */
	TSC_SRC_CPUID_16, /* CPUID 0x15 ratio without a crystal: 0x16's base MHz */
	TSC_SRC_PM_TIMER, /* measured against the ACPI PM timer */
	TSC_SRC_RTC,	  /* measured between two CMOS RTC second edges */
	TSC_SRC_ASSUMED,  /* nothing to measure against: TSC_ASSUMED_HZ */
};

#define TSC_ASSUMED_HZ 1000000000ULL
/* A frequency outside this range is a broken measurement or a CPUID that lies. */
#define TSC_MIN_HZ 1000000ULL
#define TSC_MAX_HZ 100000000000ULL

/* The name the `time:` line uses for a source ("the PIT", "CPUID leaf 0x15", ...). */
const char *tsc_source_name(enum tsc_source src);

/* The TSC frequency CPUID gives, or 0: max_leaf is EAX of leaf 0; eax15/ebx15/ecx15 leaf 0x15's
 * denominator, numerator and crystal Hz (read only when max_leaf reaches it); eax16 leaf 0x16's EAX
 * (base MHz in bits 15:0; read only when max_leaf reaches 0x16). A crystal of 0 takes the base MHz
 * as the TSC's. *src gets TSC_SRC_CPUID_15 or _16 when the result is not 0. Out of range: 0. */
u64 tsc_hz_from_cpuid(u32 max_leaf, u32 eax15, u32 ebx15, u32 ecx15, u32 eax16, enum tsc_source *src);

/* Ticks of the PM timer from reading t0 to reading t1, with one wrap of its 24- or 32-bit counter. */
u32 pm_timer_ticks(u32 t0, u32 t1, bool bits32);

/* Seconds the CMOS RTC counted from reading s0 to reading s1 of its seconds register (0-59, BCD unless
 * `binary`), with one wrap of the minute; 0 when they are equal or a reading is not a valid second. Two
 * second edges are one second apart only if none was missed: a guest that was not scheduled for a
 * while sees the next edge two or more seconds later. */
u32 rtc_seconds_between(u8 s0, u8 s1, bool binary);

/* The TSC frequency from `cycles` TSC cycles over `ticks` ticks of a `ref_hz` clock; 0 when ticks is 0
 * or the result is out of range. */
u64 tsc_hz_from_ref(u64 cycles, u64 ticks, u64 ref_hz);

/* The sources as the hardware (arch/x86_64/tsc.c) or a host test gives them. A measurement returns the
 * TSC's Hz and its error bound in *err_ppm, or 0 when its clock is absent or did not move. */
struct tsc_sources {
	u64 (*pit)(void *ctx, u64 *err_ppm);
	void (*cpuid)(void *ctx, u32 leaf, u32 *eax, u32 *ebx, u32 *ecx);
	u64 (*pm_timer)(void *ctx, u64 *err_ppm);
	u64 (*rtc)(void *ctx, u64 *err_ppm);
	void *ctx;
};

/* The TSC's frequency from the first source that gives one in range, in enum tsc_source's order;
 * TSC_ASSUMED_HZ when none does. *src names it; *err_ppm is 0 but for the measured ones. */
u64 tsc_calibrate(const struct tsc_sources *s, enum tsc_source *src, u64 *err_ppm);

#endif

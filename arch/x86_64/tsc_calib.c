/* The TSC frequency's arithmetic, one function per source (asm/tsc_calib.h). */
#include <asm/tsc_calib.h>

const char *tsc_source_name(enum tsc_source src)
{
	switch (src) {
	case TSC_SRC_PIT:
		return "the PIT";
	case TSC_SRC_CPUID_15:
		return "CPUID leaf 0x15";
	case TSC_SRC_CPUID_16:
		return "CPUID leaves 0x15 and 0x16";
	case TSC_SRC_PM_TIMER:
		return "the ACPI PM timer";
	case TSC_SRC_RTC:
		return "the CMOS RTC";
	case TSC_SRC_ASSUMED:
		break;
	}
	return "assumed";
}

static bool in_range(u64 hz)
{
	return hz >= TSC_MIN_HZ && hz <= TSC_MAX_HZ;
}

u64 tsc_hz_from_cpuid(u32 max_leaf, u32 eax15, u32 ebx15, u32 ecx15, u32 eax16, enum tsc_source *src)
{
	if (max_leaf < 0x15 || !eax15 || !ebx15)
		return 0; /* no leaf, or it does not know the ratio */
	if (ecx15) {
		/* ecx * ebx / eax without overflow: each factor is below 2^32. */
		u64 hz = (u64)(ecx15 / eax15) * ebx15 + (u64)(ecx15 % eax15) * ebx15 / eax15;
		if (!in_range(hz))
			return 0;
		*src = TSC_SRC_CPUID_15;
		return hz;
	}
	/* The crystal is not listed: the ratio times the crystal is the base frequency itself. */
	u64 mhz = max_leaf >= 0x16 ? (eax16 & 0xffff) : 0;
	if (!in_range(mhz * 1000000))
		return 0;
	*src = TSC_SRC_CPUID_16;
	return mhz * 1000000;
}

u32 pm_timer_ticks(u32 t0, u32 t1, bool bits32)
{
	return (t1 - t0) & (bits32 ? 0xffffffffu : 0xffffffu);
}

static int rtc_second(u8 v, bool binary)
{
	if (!binary) {
		if ((v & 0x0f) > 9)
			return -1;
		v = (u8)((v >> 4) * 10 + (v & 0x0f));
	}
	return v < 60 ? v : -1;
}

u32 rtc_seconds_between(u8 s0, u8 s1, bool binary)
{
	int a = rtc_second(s0, binary), b = rtc_second(s1, binary);
	if (a < 0 || b < 0)
		return 0;
	return (u32)((b - a + 60) % 60);
}

u64 tsc_hz_from_ref(u64 cycles, u64 ticks, u64 ref_hz)
{
	if (!ticks || !ref_hz || cycles > ~0ULL / ref_hz)
		return 0; /* no time passed, or a span no calibration takes (> 5e12 cycles at 3.58 MHz) */
	u64 hz = cycles * ref_hz / ticks;
	return in_range(hz) ? hz : 0;
}

u64 tsc_calibrate(const struct tsc_sources *s, enum tsc_source *src, u64 *err_ppm)
{
	u64 hz = s->pit(s->ctx, err_ppm);
	*src = TSC_SRC_PIT;
	if (in_range(hz))
		return hz;
	*err_ppm = 0;
	u32 max_leaf, b, c, a15 = 0, b15 = 0, c15 = 0, a16 = 0;
	s->cpuid(s->ctx, 0, &max_leaf, &b, &c);
	if (max_leaf >= 0x15)
		s->cpuid(s->ctx, 0x15, &a15, &b15, &c15);
	if (max_leaf >= 0x16)
		s->cpuid(s->ctx, 0x16, &a16, &b, &c);
	hz = tsc_hz_from_cpuid(max_leaf, a15, b15, c15, a16, src);
	if (hz)
		return hz;
	*src = TSC_SRC_PM_TIMER;
	if (in_range(hz = s->pm_timer(s->ctx, err_ppm)))
		return hz;
	*err_ppm = 0;
	*src = TSC_SRC_RTC;
	if (in_range(hz = s->rtc(s->ctx, err_ppm)))
		return hz;
	*err_ppm = 0;
	*src = TSC_SRC_ASSUMED;
	return TSC_ASSUMED_HZ;
}

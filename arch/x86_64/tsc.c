/* The clock: the TSC calibrated against the PIT or, without one, CPUID, the ACPI PM timer or the CMOS
 * RTC (asm/tsc_calib.h); the tick (PIT channel 0 on IRQ 0, or the LAPIC timer). ktime_ns() turns TSC
 * cycles into nanoseconds with a 32.32 fixed-point multiplier. */
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/timer.h"
#include "lib/printf.h"
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/pit.h>
#include <asm/tsc_calib.h>

static u64 tsc_base;
static u64 tsc_freq;
static u64 ns_mult; /* ns = cycles * ns_mult >> 32 */

u64 ktime_ns(void)
{
	if (!ns_mult)
		return 0;
	return (u64)(((unsigned __int128)(rdtsc() - tsc_base) * ns_mult) >> 32);
}

void udelay(unsigned us)
{
	u64 cycles =
	    tsc_freq ? tsc_freq / 1000000 * us + 1 : (u64)us * 4000; /* 4 GHz guess before calibration */
	u64 t0 = rdtsc();
	while (rdtsc() - t0 < cycles)
		cpu_relax();
}

/* The tick: due timers first (they may wake threads), then the scheduler's slice accounting. */
static irqreturn_t tick_irq(int irq, void *dev)
{
	timer_tick();
	sched_tick();
	return IRQ_HANDLED;
}

static void lapic_tick(void)
{
	timer_tick();
	sched_tick();
}

/* The LAPIC timer's rate: a one-shot count from ~0 over 10 ms of the (calibrated) TSC. */
static u64 lapic_timer_hz(void)
{
	lapic_timer_start(0xffffffff, false);
	u64 t0 = rdtsc();
	udelay(10000);
	u32 left = lapic_timer_current();
	u64 cycles = rdtsc() - t0;
	lapic_timer_stop();
	return (u64)(0xffffffffu - left) * tsc_freq / cycles;
}

/* One reading of a port, the TSC around it: the narrowest of `tries`, its instant the middle. */
struct port_sample {
	u32 value;
	u64 tsc, width;
};

static struct port_sample pm_sample(const struct pm_timer *pmt, int tries)
{
	struct port_sample best = {0, 0, ~0ULL};
	for (int i = 0; i < tries; i++) {
		u64 a = rdtsc();
		u32 v = inl(pmt->port);
		u64 b = rdtsc();
		if (b - a < best.width)
			best = (struct port_sample){v, a + (b - a) / 2, b - a};
	}
	return best;
}

/* The TSC against the PM timer over ~50 ms; 0 when the timer does not move (100000 equal reads). */
static u64 pm_timer_calibrate(const struct pm_timer *pmt, u64 *err_ppm)
{
	const u32 want = (u32)(PM_TIMER_HZ / 20);
	struct port_sample s0 = pm_sample(pmt, 3), s1;
	u32 still = 0;
	do {
		s1 = pm_sample(pmt, 1);
		still = pm_timer_ticks(s0.value, s1.value, pmt->bits32) ? 0 : still + 1;
	} while (pm_timer_ticks(s0.value, s1.value, pmt->bits32) < want && still < 100000);
	s1 = pm_sample(pmt, 3);
	u64 cycles = s1.tsc - s0.tsc;
	u64 hz = tsc_hz_from_ref(cycles, pm_timer_ticks(s0.value, s1.value, pmt->bits32), PM_TIMER_HZ);
	if (hz)
		*err_ppm = (s0.width + s1.width) / 2 * 1000000 / cycles;
	return hz;
}

#define CMOS_INDEX  0x70
#define CMOS_DATA   0x71
#define RTC_REG_A   0x0a
#define RTC_REG_B   0x0b
#define RTC_SECONDS 0x00
#define RTC_UIP	    0x80 /* register A: an update of the time registers is near */
#define RTC_BINARY  0x04 /* register B: the time registers count in binary, not BCD */

static u8 cmos_read(u8 reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

/* The TSC at the next rise of UIP (once a second, 244 us before the update), +-*width/2, and in *sec the
 * seconds register once that update is done; false when the edge or the update's end does not come
 * within `guard` TSC cycles. */
static bool rtc_uip_rise(u64 guard, u64 *tsc, u64 *width, u8 *sec)
{
	u64 start = rdtsc(), a, b;
	u8 v;
	while ((cmos_read(RTC_REG_A) & RTC_UIP) && rdtsc() - start < guard)
		cpu_relax();
	do {
		a = rdtsc();
		v = cmos_read(RTC_REG_A);
		b = rdtsc();
	} while (!(v & RTC_UIP) && b - start < guard);
	*tsc = a + (b - a) / 2;
	*width = b - a;
	if (!(v & RTC_UIP))
		return false;
	while ((v = cmos_read(RTC_REG_A)) & RTC_UIP && rdtsc() - start < guard)
		cpu_relax();
	*sec = cmos_read(RTC_SECONDS);
	return !(v & RTC_UIP);
}

/* The TSC between two second edges of the RTC (1 to 2 s), divided by the seconds the RTC counted
 * between them (more than one when the guest missed an edge while it was not running); 0 without a
 * running RTC. */
static u64 rtc_calibrate(u64 *err_ppm)
{
	u8 a = cmos_read(RTC_REG_A);
	if (a == 0xff || (a & 0x70) != 0x20)
		return 0; /* no RTC, or its divider is not the 32.768 kHz one that counts seconds */
	/* Bounded by 2.5 s of a 10 GHz TSC (~10 s at 2.5 GHz): the edges come once a second. */
	const u64 guard = 25000000000ULL;
	u64 t0, w0, t1, w1;
	u8 s0, s1;
	if (!rtc_uip_rise(guard, &t0, &w0, &s0) || !rtc_uip_rise(guard, &t1, &w1, &s1))
		return 0;
	u64 hz = tsc_hz_from_ref(t1 - t0, rtc_seconds_between(s0, s1, cmos_read(RTC_REG_B) & RTC_BINARY), 1);
	if (hz)
		*err_ppm = (w0 + w1) / 2 * 1000000 / (t1 - t0);
	return hz;
}

static u64 pit_measure(void *ctx, u64 *err_ppm)
{
	return pit_calibrate_tsc(20, err_ppm);
}

static void read_cpuid(void *ctx, u32 leaf, u32 *a, u32 *b, u32 *c)
{
	u32 d;
	cpuid(leaf, 0, a, b, c, &d);
}

static u64 pm_measure(void *ctx, u64 *err_ppm)
{
	const struct pm_timer *pmt = ctx;
	return pmt && pmt->port ? pm_timer_calibrate(pmt, err_ppm) : 0;
}

static u64 rtc_measure(void *ctx, u64 *err_ppm)
{
	return rtc_calibrate(err_ppm);
}

/* "calibrated against the PIT, +-12 ppm", "from CPUID leaf 0x15", "assumed". */
static void describe(char *buf, u32 len, enum tsc_source src, u64 err_ppm)
{
	if (src == TSC_SRC_PIT || src == TSC_SRC_PM_TIMER || src == TSC_SRC_RTC)
		snprintf(buf, len, "calibrated against %s, +-%llu ppm", tsc_source_name(src), err_ppm);
	else if (src == TSC_SRC_ASSUMED)
		snprintf(buf, len, "%s", tsc_source_name(src));
	else
		snprintf(buf, len, "from %s", tsc_source_name(src));
}

void time_init(const struct pm_timer *pmt)
{
	u64 err_ppm = 0;
	enum tsc_source src;
	char how[64];
	const struct tsc_sources hw = {pit_measure, read_cpuid, pm_measure, rtc_measure, (void *)pmt};
	tsc_freq = tsc_calibrate(&hw, &src, &err_ppm);
	if (src == TSC_SRC_ASSUMED)
		printk(KERN_ERR "time: no PIT, no TSC frequency in CPUID, no ACPI PM timer and no CMOS RTC "
				"to calibrate the TSC against: assuming %llu MHz, times may be off\n",
		       TSC_ASSUMED_HZ / 1000000);
	describe(how, sizeof(how), src, err_ppm);
	ns_mult = (u64)(((unsigned __int128)NSEC_PER_SEC << 32) / tsc_freq);
	tsc_base = rdtsc();
	if (irq_uses_ioapic() || src != TSC_SRC_PIT) {
		/* The IOAPIC's pin for the PIT differs between firmware tables (QEMU's microvm lists no
		 * override for it), and a machine may have no PIT: the tick is the local APIC's own timer. */
		u64 hz = lapic_timer_hz();
		u32 count = (u32)((hz + HZ / 2) / HZ);
		irq_set_lapic_timer_handler(lapic_tick);
		lapic_timer_start(count ? count : 1, true);
		arch_local_irq_enable();
		printk("time: TSC %llu.%03llu MHz (%s), tick %d Hz on the LAPIC timer (%llu Hz after its "
		       "divider, calibrated against the TSC)\n",
		       tsc_freq / 1000000, tsc_freq / 1000 % 1000, how, HZ, hz);
		return;
	}
	pit_start_periodic(HZ);
	request_irq(0, tick_irq, 0, "timer", NULL);
	arch_local_irq_enable();
	printk("time: TSC %llu.%03llu MHz (%s), tick %d Hz on IRQ 0\n", (tsc_freq / 1000000),
	       (tsc_freq / 1000 % 1000), how, HZ);
}

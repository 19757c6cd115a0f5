/* The clock: TSC calibrated against the PIT, and the tick (PIT channel 0 on IRQ 0). ktime_ns() turns
 * TSC cycles into nanoseconds with a 32.32 fixed-point multiplier. */
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/timer.h"
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/pit.h>

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

static irqreturn_t tick_irq(int irq, void *dev)
{
	timer_tick();
	return IRQ_HANDLED;
}

static void lapic_tick(void)
{
	timer_tick();
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

void time_init(void)
{
	u64 err_ppm = 0;
	tsc_freq = pit_calibrate_tsc(20, &err_ppm);
	if (tsc_freq < 1000000) {
		printk(KERN_ERR "time: TSC calibration failed (%llu Hz): assuming 1 GHz\n", tsc_freq);
		tsc_freq = 1000000000;
	}
	ns_mult = (u64)(((unsigned __int128)NSEC_PER_SEC << 32) / tsc_freq);
	tsc_base = rdtsc();
	if (irq_uses_ioapic()) {
		/* The IOAPIC's pin for the PIT differs between firmware tables (QEMU's microvm lists no
		 * override for it): the tick is the local APIC's own timer. */
		u64 hz = lapic_timer_hz();
		u32 count = (u32)((hz + HZ / 2) / HZ);
		irq_set_lapic_timer_handler(lapic_tick);
		lapic_timer_start(count ? count : 1, true);
		arch_local_irq_enable();
		printk(
		    "time: TSC %llu.%03llu MHz (calibrated against the PIT, +-%llu ppm), tick %d Hz on the "
		    "LAPIC timer (%llu Hz after its divider, calibrated against the TSC)\n",
		    tsc_freq / 1000000, tsc_freq / 1000 % 1000, err_ppm, HZ, hz);
		return;
	}
	pit_start_periodic(HZ);
	request_irq(0, tick_irq, 0, "timer", NULL);
	arch_local_irq_enable();
	printk("time: TSC %llu.%03llu MHz (calibrated against the PIT, +-%llu ppm), tick %d Hz on IRQ 0\n",
	       (tsc_freq / 1000000), (tsc_freq / 1000 % 1000), err_ppm, HZ);
}

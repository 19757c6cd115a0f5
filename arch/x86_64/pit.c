/* The 8254 PIT: the periodic tick on channel 0, and channel 2 as a stopwatch for the TSC. */
#include <asm/io.h>
#include <asm/pit.h>

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B	0x61 /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */

void pit_start_periodic(unsigned hz)
{
	u32 div = (u32)((PIT_HZ + hz / 2) / hz);
	if (div > 0xffff)
		div = 0xffff;
	outb(PIT_CMD, 0x34); /* channel 0, lobyte/hibyte, mode 2 (rate generator), binary */
	outb(PIT_CH0, (u8)div);
	outb(PIT_CH0, (u8)(div >> 8));
}

/* One reading of channel 2's counter with the TSC around it; the reading's instant is taken as the
 * middle, good to +-width/2 (port I/O can be slow under a hypervisor). Of `tries` readings the
 * narrowest is kept. */
struct pit_sample {
	u16 count;
	u64 tsc;   /* middle of the read */
	u64 width; /* TSC cycles the read took */
};

static u16 read_ch2(void)
{
	outb(PIT_CMD, 0x80); /* latch channel 2 */
	u8 lo = inb(PIT_CH2);
	u8 hi = inb(PIT_CH2);
	return (u16)(lo | hi << 8);
}

static struct pit_sample sample(int tries)
{
	struct pit_sample best = {0, 0, ~0ULL};
	for (int i = 0; i < tries; i++) {
		u64 a = rdtsc();
		u16 c = read_ch2();
		u64 b = rdtsc();
		if (b - a < best.width)
			best = (struct pit_sample){c, a + (b - a) / 2, b - a};
	}
	return best;
}

u64 pit_calibrate_tsc(unsigned ms, u64 *err_ppm)
{
	u8 b = inb(PORT_B);
	outb(PORT_B, (u8)(b & ~0x03)); /* gate low, speaker off */
	outb(PIT_CMD, 0xb0);	       /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
	outb(PORT_B, (u8)((b & ~0x02) | 0x01)); /* gate high: counting down from 0xffff */
	u32 want = (u32)(PIT_HZ * ms / 1000);
	if (want > 0xf000)
		want = 0xf000; /* the counter holds ~55 ms */
	struct pit_sample s0 = sample(3), s1;
	/* Wait on the counter itself. A missing PIT never moves it (its port reads 0xff): give up after
	 * 100000 readings without a change, where a PIT at 1.19 MHz moves within a few. */
	u64 guard = rdtsc();
	u32 still = 0;
	do {
		s1 = sample(1);
		still = s1.count == s0.count ? still + 1 : 0;
	} while ((u16)(s0.count - s1.count) < want && still < 100000 && rdtsc() - guard < 20000000000ULL);
	s1 = sample(3);
	outb(PORT_B, b);
	u32 counts = (u16)(s0.count - s1.count);
	if (counts == 0 || s1.tsc <= s0.tsc)
		return 0;
	u64 cycles = s1.tsc - s0.tsc;
	if (err_ppm)
		*err_ppm = (s0.width + s1.width) / 2 * 1000000 / cycles;
	return cycles * PIT_HZ / counts; /* < 2^64: cycles of 50 ms at 100 GHz times 1.2e6 */
}

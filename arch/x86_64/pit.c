/* The 8254 PIT: the periodic tick on channel 0, and channel 2 as a stopwatch for the TSC. */
#include <asm/io.h>
#include <asm/pit.h>

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61 /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */

void pit_start_periodic(unsigned hz)
{
	u32 div = (u32)((PIT_HZ + hz / 2) / hz);
	if (div > 0xffff)
		div = 0xffff;
	outb(PIT_CMD, 0x34); /* channel 0, lobyte/hibyte, mode 2 (rate generator), binary */
	outb(PIT_CH0, (u8)div);
	outb(PIT_CH0, (u8)(div >> 8));
}

u64 pit_measure_tsc(u16 counts)
{
	u8 b = inb(PORT_B);
	outb(PORT_B, (u8)((b & ~0x02) & ~0x01)); /* gate low, speaker off */
	outb(PIT_CMD, 0xb0);                      /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, (u8)counts);
	outb(PIT_CH2, (u8)(counts >> 8));
	u8 gate = (u8)((inb(PORT_B) & ~0x02) | 0x01);
	u64 t0 = rdtsc();
	outb(PORT_B, gate); /* counting starts on the gate's rising edge */
	/* OUT2 goes high at terminal count; bounded in case the PIT is absent (~10 s of TSC). */
	u64 t1;
	do {
		t1 = rdtsc();
	} while (!(inb(PORT_B) & 0x20) && t1 - t0 < 50000000000ULL);
	outb(PORT_B, b);
	return t1 - t0;
}

/* The 8254 programmable interval timer (arch/x86_64/pit.c): 1.193182 MHz input clock. Channel 0 is the
 * periodic tick on IRQ 0; channel 2 (gated by port 0x61, no IRQ) measures time for TSC calibration. */
#ifndef ASM_PIT_H
#define ASM_PIT_H

#include "kernel/types.h"

#define PIT_HZ 1193182ULL

/* Channel 0 as a rate generator at `hz` interrupts per second (IRQ 0). */
void pit_start_periodic(unsigned hz);
/* Busy-waits `counts` PIT input cycles (< 65536) on channel 2 and returns the TSC cycles that took. */
u64 pit_measure_tsc(u16 counts);

#endif

/* The 8254 programmable interval timer (arch/x86_64/pit.c): 1.193182 MHz input clock. Channel 0 is the
 * periodic tick on IRQ 0; channel 2 (gated by port 0x61, no IRQ) measures time for TSC calibration. */
#ifndef ASM_PIT_H
#define ASM_PIT_H

#include "kernel/types.h"

#define PIT_HZ 1193182ULL

/* Channel 0 as a rate generator at `hz` interrupts per second (IRQ 0). */
void pit_start_periodic(unsigned hz);
/* TSC frequency in Hz measured against channel 2 over about `ms` milliseconds (at most 50), from
 * counter readings bracketed by the TSC, so slow port I/O (a hypervisor trapping every access) costs
 * accuracy only through the bracket's width; *err_ppm (may be NULL) gets that bound. 0 when the PIT
 * does not count. */
u64 pit_calibrate_tsc(unsigned ms, u64 *err_ppm);

#endif

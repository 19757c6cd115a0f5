/* A fake clock and CPU for host tests of kernel/timer.c and kernel/workqueue.c: ktime_ns() reads
 * fake_now; arch_cpu_idle() ("halt until an interrupt") advances it to the next tick and runs
 * timer_tick() as the tick interrupt would; the in-kernel test hooks (ktest_*) are stubs. */
#ifndef TESTS_HOST_TIME_FAKE_H
#define TESTS_HOST_TIME_FAKE_H

#include "kernel/types.h"

extern u64 fake_now;	    /* ns */
extern u64 fake_tick_ns;    /* how far one idle advances the clock (default 1 ms) */
extern unsigned fake_idles; /* arch_cpu_idle calls */
extern bool fake_irqs_on;

/* Advances the clock by ns in tick steps, running the tick each step. */
void fake_advance(u64 ns);

#endif

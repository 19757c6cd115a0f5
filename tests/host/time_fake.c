/* Fake clock and CPU for host tests of timers and work (see time_fake.h). */
#include "kernel/irq.h"
#include "kernel/timer.h"
#include "time_fake.h"

u64 fake_now;
u64 fake_tick_ns = NSEC_PER_MSEC;
unsigned fake_idles;
bool fake_irqs_on = true;

u64 ktime_ns(void)
{
	return fake_now;
}

void udelay(unsigned us)
{
	fake_now += (u64)us * NSEC_PER_USEC;
}

void fake_advance(u64 ns)
{
	u64 end = fake_now + ns;
	while (fake_now < end) {
		fake_now += fake_tick_ns;
		timer_tick();
	}
}

void arch_cpu_idle(void)
{
	fake_idles++;
	fake_irqs_on = true;
	fake_advance(fake_tick_ns);
}

void arch_local_irq_enable(void)
{
	fake_irqs_on = true;
}

void arch_local_irq_disable(void)
{
	fake_irqs_on = false;
}

bool arch_irqs_enabled(void)
{
	return fake_irqs_on;
}

/* The KTEST bodies in timer.c/workqueue.c are compiled in but never run on the host. */
void ktest_fail(const char *file, int line, const char *what)
{
	(void)file, (void)line, (void)what;
}
void ktest_skip(const char *why)
{
	(void)why;
}
void ktest_info(const char *fmt, ...)
{
	(void)fmt;
}

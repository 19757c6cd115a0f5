/* Time and timers.
 *
 * Clock: ktime_ns() counts nanoseconds since time_init from the TSC, calibrated against the PIT or,
 * without one, the sources time_init lists (arch/x86_64/tsc.c, tsc_calib.c). The tick: the PIT at HZ
 *interrupts periodically (arch/x86_64/pit.c); each tick runs the timers that are due (kernel/timer.c) and
 *wakes the idle loop.
 *
 * Timer callbacks run in interrupt context (interrupts disabled): they only note things and queue
 * work (kernel/workqueue.h; delayed work is a timer that queues a work item). A timer fires no
 * earlier than its expiry and, with HZ = 1000, normally within a millisecond or two after it.
 *
 *	static struct timer_list t;
 *	timer_setup(&t, my_fn, data);
 *	mod_timer(&t, ktime_ns() + 20 * NSEC_PER_MSEC);      // one-shot, absolute expiry
 *	timer_start_periodic(&t, 100 * NSEC_PER_MSEC);       // every 100 ms until del_timer
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "kernel/types.h"
#include "lib/list.h"

#define HZ	      1000
#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC  1000000000ULL

struct timer_list;
typedef void timer_fn_t(struct timer_list *t);

struct timer_list {
	struct list_head entry; /* in the pending list, sorted by expiry */
	u64 expires;		/* ktime_ns() at which it fires */
	u64 period;		/* 0: one-shot; else re-armed at expires + period after each run */
	timer_fn_t *fn;
	void *data;
	bool pending;
	u64 fired; /* times it ran */
};

/* The ACPI PM timer as the FADT describes it: a 3.579545 MHz counter at an I/O port, 24 or 32 bits. */
struct pm_timer {
	u16 port; /* 0: none */
	bool bits32;
};

/* Calibrates the TSC (against the PIT; without one from CPUID leaf 0x15/0x16, the PM timer `pmt`
 * (may be NULL), or the CMOS RTC), starts the tick, and enables interrupts. After irq_init. */
void time_init(const struct pm_timer *pmt);

/* Nanoseconds since time_init (0 before). Monotonic. */
u64 ktime_ns(void);

void timer_setup(struct timer_list *t, timer_fn_t *fn, void *data);
/* (Re)arms t to fire once at ktime `expires`; a pending t is moved. Returns true when it was pending.
 * An expiry in the past fires at the next tick. */
bool mod_timer(struct timer_list *t, u64 expires);
/* Fires every period_ns from now on (first at now + period_ns); period_ns >= 1 ms. */
void timer_start_periodic(struct timer_list *t, u64 period_ns);
/* Stops t. Returns true when it was pending. Safe from a timer callback, including t's own. */
bool del_timer(struct timer_list *t);
static inline bool timer_pending(const struct timer_list *t)
{
	return t->pending;
}

/* Called by the architecture's tick interrupt: runs the timers that are due. */
void timer_tick(void);

/* Waits at least ms milliseconds, halting the CPU between interrupts. Does not run deferred work
 * (so it may be called from work). Meant for interrupts enabled; with them off it spins on the clock
 * (and never enables them). Not for interrupt context. */
void msleep(unsigned ms);
/* Busy-waits at least us microseconds on the TSC (for device delays; any context). */
void udelay(unsigned us);
/* Halts until cond(arg) is true or timeout_ns passed; returns the last cond(arg). cond is checked
 * after every interrupt (at least every tick), so it may poll a device. Does not run deferred work. */
bool wait_until(bool (*cond)(void *arg), void *arg, u64 timeout_ns);

#endif

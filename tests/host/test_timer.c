/* host-srcs: kernel/timer.c kernel/workqueue.c tests/host/time_fake.c arch/x86_64/tsc_calib.c */
/* Timers and deferred work on a fake clock: expiry order, FIFO among equal expiries, never early,
 * periodic re-arming on the period's grid (missed periods skipped), deletion and re-arming from a
 * callback, msleep/wait_until, work FIFO with a budget per round, delayed work, cancel. The TSC's
 * calibration: which source wins when the others are missing, the PM timer's wrap, the RTC's seconds, the
 * arithmetic. */
#include <string.h>

#include "host_test.h"
#include "kernel/idle.h"
#include "kernel/timer.h"
#include "kernel/workqueue.h"
#include "time_fake.h"
#include <asm/tsc_calib.h>

#define MS NSEC_PER_MSEC

static char log_buf[64];
static unsigned log_n;

struct rec {
	struct timer_list t;
	char tag;
	u64 at[8];
	unsigned n;
	int action; /* 0 nothing, 1 delete itself, 2 re-arm itself +5 ms once */
};

static void rec_fn(struct timer_list *t)
{
	struct rec *r = container_of(t, struct rec, t);
	if (r->n < 8)
		r->at[r->n] = ktime_ns();
	r->n++;
	if (log_n < sizeof(log_buf) - 1)
		log_buf[log_n++] = r->tag;
	if (r->action == 1)
		del_timer(t);
	if (r->action == 2 && r->n == 1)
		mod_timer(t, ktime_ns() + 5 * MS);
}

static void reset(void)
{
	fake_now = 1000 * MS;
	fake_tick_ns = MS;
	memset(log_buf, 0, sizeof(log_buf));
	log_n = 0;
}

static void rec_init(struct rec *r, char tag)
{
	memset(r, 0, sizeof(*r));
	r->tag = tag;
	timer_setup(&r->t, rec_fn, r);
}

static void case_order(void)
{
	reset();
	static struct rec a, b, c, d;
	rec_init(&a, 'a'), rec_init(&b, 'b'), rec_init(&c, 'c'), rec_init(&d, 'd');
	u64 t0 = fake_now;
	mod_timer(&c.t, t0 + 30 * MS);
	mod_timer(&a.t, t0 + 10 * MS);
	mod_timer(&b.t, t0 + 10 * MS); /* same expiry as a: after a */
	mod_timer(&d.t, t0 + 20 * MS);
	CHECK(timer_pending(&a.t) && timer_pending(&c.t));
	fake_advance(9 * MS);
	CHECK(log_n == 0); /* never early */
	fake_advance(30 * MS);
	CHECK(strcmp(log_buf, "abdc") == 0);
	CHECK(a.at[0] >= t0 + 10 * MS && a.at[0] <= t0 + 11 * MS);
	CHECK(c.at[0] >= t0 + 30 * MS && !timer_pending(&c.t));
	/* mod_timer moves a pending timer; del_timer stops it */
	mod_timer(&a.t, fake_now + 50 * MS);
	CHECK(mod_timer(&a.t, fake_now + 5 * MS) == true);
	mod_timer(&b.t, fake_now + 6 * MS);
	CHECK(del_timer(&b.t) && !del_timer(&b.t));
	fake_advance(10 * MS);
	CHECK(a.n == 2 && b.n == 1);
	/* an expiry in the past fires at the next tick */
	mod_timer(&d.t, fake_now - 100 * MS);
	fake_advance(MS);
	CHECK(d.n == 2);
}

static void case_periodic(void)
{
	reset();
	static struct rec p;
	rec_init(&p, 'p');
	u64 t0 = fake_now;
	timer_start_periodic(&p.t, 10 * MS);
	fake_advance(35 * MS);
	CHECK(p.n == 3);
	for (unsigned k = 0; k < 3; k++)
		CHECK(p.at[k] == t0 + (k + 1) * 10 * MS);
	/* a long stall (ticks lost): one run, then back on the 10 ms grid */
	fake_tick_ns = 47 * MS;
	fake_advance(47 * MS);
	CHECK(p.n == 4);
	fake_tick_ns = MS;
	u64 next = p.t.expires;
	CHECK(next > fake_now && (next - t0) % (10 * MS) == 0 && next - fake_now <= 10 * MS);
	/* deleting from its own callback stops it */
	p.action = 1;
	fake_advance(20 * MS);
	CHECK(p.n == 5 && !timer_pending(&p.t));
	fake_advance(50 * MS);
	CHECK(p.n == 5);
	/* a periodic period below 1 ms is raised to 1 ms */
	rec_init(&p, 'q');
	timer_start_periodic(&p.t, 10);
	CHECK(p.t.period == MS);
	del_timer(&p.t);
}

static void case_rearm_in_callback(void)
{
	reset();
	static struct rec r;
	rec_init(&r, 'r');
	r.action = 2;
	u64 t0 = fake_now;
	mod_timer(&r.t, t0 + 2 * MS);
	fake_advance(20 * MS);
	CHECK(r.n == 2 && r.at[1] >= r.at[0] + 5 * MS);
	CHECK(t0 + 2 * MS <= r.at[0]);
}

static bool flag;
static bool flag_set(void *arg)
{
	return *(bool *)arg;
}
static void set_flag(struct timer_list *t)
{
	flag = true;
}

static void case_sleep(void)
{
	reset();
	u64 t0 = fake_now;
	msleep(30);
	CHECK(fake_now >= t0 + 30 * MS && fake_now <= t0 + 31 * MS);
	static struct timer_list t;
	timer_setup(&t, set_flag, NULL);
	flag = false;
	t0 = fake_now;
	mod_timer(&t, t0 + 7 * MS);
	CHECK(wait_until(flag_set, &flag, 100 * MS));
	CHECK(fake_now >= t0 + 7 * MS && fake_now < t0 + 9 * MS);
	flag = false;
	t0 = fake_now;
	CHECK(!wait_until(flag_set, &flag, 20 * MS));
	CHECK(fake_now >= t0 + 20 * MS);
}

/* ---- work ---- */

static char wlog[64];
static unsigned wn;
static struct work_struct w1, w2, w3;
static struct delayed_work dw;
static unsigned requeues;

static void wfn(struct work_struct *w)
{
	wlog[wn++] = w == &w1 ? '1' : w == &w2 ? '2' : w == &w3 ? '3' : 'd';
	if (w == &w3 && requeues) {
		requeues--;
		schedule_work(w);
	}
}

static void case_work(void)
{
	reset();
	memset(wlog, 0, sizeof(wlog));
	wn = 0;
	INIT_WORK(&w1, wfn), INIT_WORK(&w2, wfn), INIT_WORK(&w3, wfn);
	CHECK(schedule_work(&w2) && schedule_work(&w1) && !schedule_work(&w2));
	requeues = 100;
	CHECK(schedule_work(&w3));
	CHECK(run_pending_work() == 3 && strcmp(wlog, "213") == 0); /* FIFO; w3's requeue waits */
	CHECK(work_pending(&w3));
	CHECK(cancel_work(&w3) && !work_pending(&w3) && !cancel_work(&w3));
	CHECK(run_pending_work() == 0);
	requeues = 3;
	schedule_work(&w3);
	CHECK(flush_scheduled_work(10) && strcmp(wlog, "2133333") == 0);
}

static void case_delayed(void)
{
	reset();
	memset(wlog, 0, sizeof(wlog));
	wn = 0;
	INIT_DELAYED_WORK(&dw, wfn);
	u64 t0 = fake_now;
	CHECK(schedule_delayed_work(&dw, 20));
	CHECK(!schedule_delayed_work(&dw, 1) && delayed_work_pending(&dw));
	/* the idle loop: work runs only after the timer queued it */
	while (!wn && fake_now < t0 + 100 * MS)
		idle_wait();
	CHECK(wn == 1 && fake_now >= t0 + 20 * MS && fake_now <= t0 + 22 * MS);
	CHECK(!delayed_work_pending(&dw));
	/* cancel before it fires */
	CHECK(schedule_delayed_work(&dw, 5));
	CHECK(cancel_delayed_work(&dw) && !delayed_work_pending(&dw));
	fake_advance(20 * MS);
	CHECK(run_pending_work() == 0 && wn == 1);
	/* cancel after the timer fired but before the work ran */
	CHECK(schedule_delayed_work(&dw, 1));
	fake_advance(2 * MS);
	CHECK(work_pending(&dw.work) && cancel_delayed_work(&dw));
	CHECK(run_pending_work() == 0);
	/* mod_delayed_work re-times a waiting one; 0 ms queues at once */
	t0 = fake_now;
	CHECK(schedule_delayed_work(&dw, 500));
	CHECK(mod_delayed_work(&dw, 3));
	fake_advance(4 * MS);
	CHECK(run_pending_work() == 1 && wn == 2);
	CHECK(schedule_delayed_work(&dw, 0) && work_pending(&dw.work));
	CHECK(run_pending_work() == 1 && wn == 3);
	/* idle with nothing queued halts (one tick) and returns */
	unsigned idles = fake_idles;
	idle_wait();
	CHECK(fake_idles == idles + 1 && fake_irqs_on);
}

/* Fake sources: each answers its Hz (0: absent) and an error bound; CPUID answers from a table. */
struct fake_clocks {
	u64 pit, pm, rtc;
	u32 max_leaf, l15[3], l16;
	unsigned calls; /* bit per source asked: 1 PIT, 2 PM timer, 4 RTC */
};

static u64 f_pit(void *ctx, u64 *err)
{
	struct fake_clocks *f = ctx;
	f->calls |= 1;
	*err = 15;
	return f->pit;
}

static void f_cpuid(void *ctx, u32 leaf, u32 *a, u32 *b, u32 *c)
{
	struct fake_clocks *f = ctx;
	*a = *b = *c = 0;
	if (leaf == 0)
		*a = f->max_leaf;
	else if (leaf == 0x15)
		*a = f->l15[0], *b = f->l15[1], *c = f->l15[2];
	else if (leaf == 0x16)
		*a = f->l16;
}

static u64 f_pm(void *ctx, u64 *err)
{
	struct fake_clocks *f = ctx;
	f->calls |= 2;
	*err = 40;
	return f->pm;
}

static u64 f_rtc(void *ctx, u64 *err)
{
	struct fake_clocks *f = ctx;
	f->calls |= 4;
	*err = 3;
	return f->rtc;
}

static u64 choose(struct fake_clocks *f, enum tsc_source *src, u64 *err)
{
	struct tsc_sources s = {f_pit, f_cpuid, f_pm, f_rtc, f};
	f->calls = 0;
	return tsc_calibrate(&s, src, err);
}

static void case_tsc_source(void)
{
	enum tsc_source src;
	u64 err;
	/* q35: the PIT answers; nothing else is asked */
	struct fake_clocks f = {.pit = 2445000000ULL, .pm = 2446000000ULL, .rtc = 1, .max_leaf = 0xd};
	CHECK(choose(&f, &src, &err) == 2445000000ULL && src == TSC_SRC_PIT && err == 15 && f.calls == 1);
	/* no PIT: CPUID leaf 0x15 before the PM timer, with no error bound */
	f = (struct fake_clocks){.pm = 2446000000ULL, .max_leaf = 0x15, .l15 = {2, 250, 24000000}};
	CHECK(choose(&f, &src, &err) == 3000000000ULL && src == TSC_SRC_CPUID_15 && err == 0);
	CHECK(f.calls == 1);
	/* leaf 0x15 without a crystal: 0x16 */
	f = (struct fake_clocks){.max_leaf = 0x16, .l15 = {2, 250, 0}, .l16 = 2600};
	CHECK(choose(&f, &src, &err) == 2600000000ULL && src == TSC_SRC_CPUID_16);
	/* no PIT, no useful CPUID: the PM timer */
	f = (struct fake_clocks){.pm = 2446000000ULL, .rtc = 2447000000ULL, .max_leaf = 0x15};
	CHECK(choose(&f, &src, &err) == 2446000000ULL && src == TSC_SRC_PM_TIMER && err == 40);
	CHECK(f.calls == 3);
	/* microvm,pit=off,acpi=off: only the RTC */
	f = (struct fake_clocks){.rtc = 2447000000ULL, .max_leaf = 0xd};
	CHECK(choose(&f, &src, &err) == 2447000000ULL && src == TSC_SRC_RTC && err == 3 && f.calls == 7);
	/* nothing: the assumption, without an error bound */
	f = (struct fake_clocks){.max_leaf = 0xd};
	CHECK(choose(&f, &src, &err) == TSC_ASSUMED_HZ && src == TSC_SRC_ASSUMED && err == 0);
	CHECK(f.calls == 7);
	/* a measurement out of range counts as none: a PIT that says 10 Hz, a PM timer 1 THz */
	f = (struct fake_clocks){.pit = 10, .pm = 1000000000000ULL, .rtc = 2447000000ULL};
	CHECK(choose(&f, &src, &err) == 2447000000ULL && src == TSC_SRC_RTC);
	/* the names the time: line uses */
	CHECK(strcmp(tsc_source_name(TSC_SRC_RTC), "the CMOS RTC") == 0);
	CHECK(strcmp(tsc_source_name(TSC_SRC_PM_TIMER), "the ACPI PM timer") == 0);
	CHECK(strcmp(tsc_source_name(TSC_SRC_ASSUMED), "assumed") == 0);
}

static void case_tsc_arithmetic(void)
{
	/* the PM timer's 24-bit counter wraps at 2^24, the 32-bit one at 2^32 */
	CHECK(pm_timer_ticks(0xfffff0, 0x000010, false) == 0x20);
	CHECK(pm_timer_ticks(0xfffffff0, 0x00000010, true) == 0x20);
	CHECK(pm_timer_ticks(0xfffffff0, 0x00000010, false) == 0x20); /* high byte ignored */
	CHECK(pm_timer_ticks(100, 100, true) == 0);
	/* 50 ms of the PM timer (178977 ticks) over 122.2717 M cycles: 2.445437 GHz */
	u64 hz = tsc_hz_from_ref(122271700ULL, 178977, PM_TIMER_HZ);
	CHECK(hz == 2445437415ULL);
	/* the RTC: one second between edges */
	CHECK(tsc_hz_from_ref(2445434000ULL, 1, 1) == 2445434000ULL);
	/* ... or two, when the guest missed an edge: the seconds register says how many (BCD or binary) */
	CHECK(rtc_seconds_between(0x07, 0x08, false) == 1);
	CHECK(rtc_seconds_between(0x09, 0x11, false) == 2);
	CHECK(rtc_seconds_between(0x59, 0x01, false) == 2);
	CHECK(rtc_seconds_between(58, 1, true) == 3);
	CHECK(tsc_hz_from_ref(4890868000ULL, rtc_seconds_between(0x18, 0x20, false), 1) == 2445434000ULL);
	/* the same reading twice, and readings that are no second */
	CHECK(rtc_seconds_between(0x30, 0x30, false) == 0);
	CHECK(rtc_seconds_between(0x1a, 0x20, false) == 0);
	CHECK(rtc_seconds_between(0x60, 0x01, false) == 0);
	CHECK(rtc_seconds_between(60, 1, true) == 0);
	/* no ticks, out of range, and a product that would overflow */
	CHECK(tsc_hz_from_ref(1000, 0, PM_TIMER_HZ) == 0);
	CHECK(tsc_hz_from_ref(999, 1, 1000) == 0);
	CHECK(tsc_hz_from_ref(~0ULL / 2, 1ULL << 40, PM_TIMER_HZ) == 0);
}

int main(void)
{
	RUN("timer", "order, FIFO, never early, mod and del", case_order);
	RUN("timer", "periodic on its grid, lost ticks, delete from callback", case_periodic);
	RUN("timer", "re-arm from the callback", case_rearm_in_callback);
	RUN("timer", "msleep and wait_until", case_sleep);
	RUN("workqueue", "FIFO, budget per round, cancel, flush", case_work);
	RUN("workqueue", "delayed work, cancel, mod, idle", case_delayed);
	RUN("tsc", "calibration source chosen in order", case_tsc_source);
	RUN("tsc", "PM timer wrap and frequency arithmetic", case_tsc_arithmetic);
	return test_summary();
}

/* Software timers on a sorted list, run from the tick interrupt; msleep/wait_until that halt between
 * interrupts. The clock and the tick itself are the architecture's (kernel/timer.h). */
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/spinlock.h"
#include "kernel/timer.h"

static LIST_HEAD(timers);
static spinlock_t timer_lock = SPINLOCK_INIT;
static u64 ticks;

void timer_setup(struct timer_list *t, timer_fn_t *fn, void *data)
{
	INIT_LIST_HEAD(&t->entry);
	t->expires = 0;
	t->period = 0;
	t->fn = fn;
	t->data = data;
	t->pending = false;
	t->fired = 0;
}

/* Inserts t in expiry order (after timers with the same expiry: FIFO). Lock held. */
static void enqueue(struct timer_list *t)
{
	struct list_head *pos;
	list_for_each(pos, &timers) {
		if (list_entry(pos, struct timer_list, entry)->expires > t->expires)
			break;
	}
	__list_add(&t->entry, pos->prev, pos);
	t->pending = true;
}

static bool dequeue(struct timer_list *t)
{
	if (!t->pending)
		return false;
	list_del_init(&t->entry);
	t->pending = false;
	return true;
}

bool mod_timer(struct timer_list *t, u64 expires)
{
	unsigned long fl;
	spin_lock_irqsave(&timer_lock, fl);
	bool was = dequeue(t);
	t->expires = expires;
	t->period = 0;
	enqueue(t);
	spin_unlock_irqrestore(&timer_lock, fl);
	return was;
}

void timer_start_periodic(struct timer_list *t, u64 period_ns)
{
	if (period_ns < NSEC_PER_MSEC)
		period_ns = NSEC_PER_MSEC;
	unsigned long fl;
	spin_lock_irqsave(&timer_lock, fl);
	dequeue(t);
	t->expires = ktime_ns() + period_ns;
	t->period = period_ns;
	enqueue(t);
	spin_unlock_irqrestore(&timer_lock, fl);
}

bool del_timer(struct timer_list *t)
{
	unsigned long fl;
	spin_lock_irqsave(&timer_lock, fl);
	bool was = dequeue(t);
	t->period = 0; /* a periodic timer deleted from its own callback is not re-armed */
	spin_unlock_irqrestore(&timer_lock, fl);
	return was;
}

void timer_tick(void)
{
	ticks++;
	u64 now = ktime_ns();
	/* Interrupts are disabled here; callbacks may add, move or delete timers (their own too). */
	while (!list_empty(&timers)) {
		struct timer_list *t = list_first_entry(&timers, struct timer_list, entry);
		if (t->expires > now)
			break;
		dequeue(t);
		u64 period = t->period;
		if (period) {
			/* Next expiry on the period's grid, skipping the ones already missed. */
			u64 next = t->expires + period;
			if (next <= now)
				next = now - (now - t->expires) % period + period;
			t->expires = next;
			enqueue(t);
		}
		t->fired++;
		t->fn(t);
	}
}

bool wait_until(bool (*cond)(void *arg), void *arg, u64 timeout_ns)
{
	u64 deadline = ktime_ns() + timeout_ns;
	/* Called with interrupts off (a caller bug, but not one to turn into a hang or into enabling
	 * them behind its back): spin on the clock instead of halting. */
	bool can_halt = arch_irqs_enabled();
	for (;;) {
		if (cond(arg))
			return true;
		if (ktime_ns() >= deadline)
			return cond(arg);
		if (can_halt)
			arch_cpu_idle(); /* the tick wakes us at least every 1/HZ */
	}
}

static bool never(void *arg)
{
	return false;
}

void msleep(unsigned ms)
{
	wait_until(never, NULL, (u64)ms * NSEC_PER_MSEC);
}

/* ---- in-kernel tests ---- */

struct probe {
	struct timer_list t;
	u64 want; /* ktime the callback should not run before */
	u64 at[5];
	unsigned n;
};

static void probe_fn(struct timer_list *t)
{
	struct probe *p = (struct probe *)t;
	if (p->n < 5)
		p->at[p->n] = ktime_ns();
	p->n++;
	if (p->n == 5)
		del_timer(t);
}

static bool all_done(void *arg)
{
	struct probe *p = arg;
	for (int i = 0; i < 6; i++)
		if (p[i].n < 1)
			return false;
	return p[6].n >= 5;
}

/* One-shot timers of 0..100 ms and a periodic one: never early, never more than 50 ms late. */
KTEST(timer, never_early_and_bounded_late)
{
	static const unsigned delays_ms[6] = {0, 1, 5, 10, 33, 100};
	static struct probe p[7];
	u64 start = ktime_ns();
	KT_ASSERT(arch_irqs_enabled());
	for (int i = 0; i < 6; i++) {
		timer_setup(&p[i].t, probe_fn, NULL);
		p[i].n = 0;
		p[i].want = start + delays_ms[i] * NSEC_PER_MSEC;
		mod_timer(&p[i].t, p[i].want);
	}
	timer_setup(&p[6].t, probe_fn, NULL);
	p[6].n = 0;
	timer_start_periodic(&p[6].t, 20 * NSEC_PER_MSEC);
	p[6].want = p[6].t.expires;
	KT_EXPECT(wait_until(all_done, p, 1000 * NSEC_PER_MSEC));
	for (int i = 0; i < 6; i++) {
		KT_EXPECT(p[i].n == 1);
		KT_EXPECT(p[i].at[0] >= p[i].want);
		KT_EXPECT(p[i].at[0] <= p[i].want + 50 * NSEC_PER_MSEC);
		ktest_info("timer %u ms: fired %llu us late", delays_ms[i],
			   ((p[i].at[0] - p[i].want) / 1000));
	}
	KT_EXPECT(p[6].n == 5 && !timer_pending(&p[6].t));
	for (unsigned k = 0; k < 5 && k < p[6].n; k++) {
		u64 want = p[6].want + k * 20 * NSEC_PER_MSEC;
		KT_EXPECT(p[6].at[k] >= want);
		KT_EXPECT(p[6].at[k] <= want + 50 * NSEC_PER_MSEC);
	}
	for (int i = 0; i < 7; i++)
		del_timer(&p[i].t);
}

KTEST(timer, msleep_and_clock)
{
	u64 t0 = ktime_ns(), k0 = ticks;
	msleep(30);
	u64 dt = ktime_ns() - t0;
	ktest_info("msleep(30) took %llu us, %llu ticks", (dt / 1000), (ticks - k0));
	KT_EXPECT(dt >= 30 * NSEC_PER_MSEC);
	KT_EXPECT(dt <= 80 * NSEC_PER_MSEC);
	/* The tick runs (a busy TCG host loses PIT ticks, so no exact rate: ktime is the clock). */
	KT_EXPECT(ticks - k0 >= 1);
	u64 a = ktime_ns(), b = ktime_ns();
	KT_EXPECT(b >= a);
	t0 = ktime_ns();
	udelay(2000);
	KT_EXPECT(ktime_ns() - t0 >= 2 * NSEC_PER_MSEC);
}

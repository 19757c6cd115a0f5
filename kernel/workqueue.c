/* The work queue and the shell's wait for input (kernel/workqueue.h, kernel/idle.h); the kworker thread
 * that drains the queue is kernel/kworker.c. */
#include "kernel/idle.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/spinlock.h"
#include "kernel/workqueue.h"

static LIST_HEAD(work_list);
static spinlock_t work_lock = SPINLOCK_INIT;
/* Set once the kworker runs (kernel/kworker.c): wakes it; the shell's wait for input. */
static void (*worker_wake)(void);
static void (*worker_idle_wait)(void);

static void wake_worker(void)
{
	if (worker_wake)
		worker_wake();
}

void INIT_WORK(struct work_struct *w, work_func_t *func)
{
	INIT_LIST_HEAD(&w->entry);
	w->func = func;
	w->pending = false;
}

static void delayed_work_timer(struct timer_list *t)
{
	schedule_work(&((struct delayed_work *)t->data)->work);
}

void INIT_DELAYED_WORK(struct delayed_work *dw, work_func_t *func)
{
	INIT_WORK(&dw->work, func);
	timer_setup(&dw->timer, delayed_work_timer, dw);
}

bool schedule_work(struct work_struct *w)
{
	unsigned long fl;
	bool queued = false;
	spin_lock_irqsave(&work_lock, fl);
	if (!w->pending) {
		w->pending = true;
		list_add_tail(&w->entry, &work_list);
		queued = true;
	}
	spin_unlock_irqrestore(&work_lock, fl);
	if (queued)
		wake_worker();
	return queued;
}

bool schedule_delayed_work(struct delayed_work *dw, unsigned long delay_ms)
{
	unsigned long fl;
	bool ok = false;
	spin_lock_irqsave(&work_lock, fl);
	if (!delayed_work_pending(dw)) {
		ok = true;
		if (delay_ms == 0) {
			dw->work.pending = true;
			list_add_tail(&dw->work.entry, &work_list);
			wake_worker();
		} else {
			mod_timer(&dw->timer, ktime_ns() + delay_ms * NSEC_PER_MSEC);
		}
	}
	spin_unlock_irqrestore(&work_lock, fl);
	return ok;
}

bool mod_delayed_work(struct delayed_work *dw, unsigned long delay_ms)
{
	unsigned long fl = arch_irq_save(); /* no interrupt between the cancel and the new schedule */
	bool was = cancel_delayed_work(dw);
	schedule_delayed_work(dw, delay_ms);
	arch_irq_restore(fl);
	return was;
}

bool cancel_work(struct work_struct *w)
{
	unsigned long fl;
	bool was = false;
	spin_lock_irqsave(&work_lock, fl);
	if (w->pending) {
		list_del_init(&w->entry);
		w->pending = false;
		was = true;
	}
	spin_unlock_irqrestore(&work_lock, fl);
	return was;
}

bool cancel_delayed_work(struct delayed_work *dw)
{
	bool t = del_timer(&dw->timer);
	bool w = cancel_work(&dw->work);
	return t || w;
}

unsigned run_pending_work(void)
{
	unsigned long fl;
	/* Count what is queued now, so an item that requeues itself cannot keep us here. */
	unsigned budget = 0;
	struct list_head *pos;
	spin_lock_irqsave(&work_lock, fl);
	list_for_each(pos, &work_list)
		budget++;
	spin_unlock_irqrestore(&work_lock, fl);

	unsigned ran = 0;
	while (ran < budget) {
		spin_lock_irqsave(&work_lock, fl);
		if (list_empty(&work_list)) {
			spin_unlock_irqrestore(&work_lock, fl);
			break;
		}
		struct work_struct *w = list_first_entry(&work_list, struct work_struct, entry);
		list_del_init(&w->entry);
		w->pending = false;
		spin_unlock_irqrestore(&work_lock, fl);
		w->func(w);
		ran++;
	}
	return ran;
}

bool flush_scheduled_work(unsigned max_rounds)
{
	for (unsigned i = 0; i < max_rounds; i++)
		if (!run_pending_work())
			break;
	return list_empty(&work_list);
}

void workqueue_set_worker(void (*wake)(void), void (*wait)(void))
{
	worker_idle_wait = wait;
	worker_wake = wake;
}

bool workqueue_empty(void)
{
	return list_empty(&work_list);
}

/* The shell's wait for input. With the kworker running: its wait (a sleep until the next tick, while
 * the kworker and other threads run). Before it (early boot, host tests): run deferred work here; with
 * none queued, halt until an interrupt. The check and the halt are atomic (interrupts off in between,
 * sti;hlt), so work queued by an interrupt is never left waiting for the next one. */
void idle_wait(void)
{
	if (worker_idle_wait) {
		worker_idle_wait();
		return;
	}
	if (run_pending_work())
		return;
	arch_local_irq_disable();
	if (list_empty(&work_list))
		arch_cpu_idle();
	else
		arch_local_irq_enable();
}

/* ---- in-kernel tests ---- */

static unsigned order_log[8], order_n;
static struct work_struct wa, wb;
static struct delayed_work dwa;
static u64 dwa_at;

static void log_a(struct work_struct *w)
{
	order_log[order_n++ % 8] = 1;
}
static void log_b(struct work_struct *w)
{
	order_log[order_n++ % 8] = 2;
	if (order_n < 3)
		schedule_work(w); /* requeues itself once */
}
static void log_delayed(struct work_struct *w)
{
	dwa_at = ktime_ns();
	order_log[order_n++ % 8] = 3;
}

static bool dwa_ran(void *arg)
{
	return dwa_at != 0;
}

KTEST(workqueue, fifo_requeue_delayed_cancel)
{
	flush_scheduled_work(100);
	order_n = 0;
	INIT_WORK(&wa, log_a);
	INIT_WORK(&wb, log_b);
	KT_EXPECT(schedule_work(&wa));
	KT_EXPECT(!schedule_work(&wa)); /* already queued */
	KT_EXPECT(schedule_work(&wb));
	KT_EXPECT(run_pending_work() == 2); /* wb's requeue waits for the next round */
	KT_EXPECT(order_n == 2 && order_log[0] == 1 && order_log[1] == 2 && work_pending(&wb));
	KT_EXPECT(run_pending_work() == 1 && order_n == 3 && !work_pending(&wb));

	/* delayed work: not before its time; cancel stops it */
	INIT_DELAYED_WORK(&dwa, log_delayed);
	dwa_at = 0;
	u64 t0 = ktime_ns();
	KT_EXPECT(schedule_delayed_work(&dwa, 20));
	KT_EXPECT(!schedule_delayed_work(&dwa, 5));
	KT_EXPECT(delayed_work_pending(&dwa));
	KT_EXPECT(wait_until(dwa_ran, NULL, 10 * NSEC_PER_MSEC) == false); /* timers queue, nobody runs */
	while (!dwa_at && ktime_ns() - t0 < 500 * NSEC_PER_MSEC)
		idle_wait();
	KT_EXPECT(dwa_at >= t0 + 20 * NSEC_PER_MSEC);
	KT_EXPECT(dwa_at <= t0 + 70 * NSEC_PER_MSEC);
	dwa_at = 0;
	KT_EXPECT(schedule_delayed_work(&dwa, 10));
	KT_EXPECT(cancel_delayed_work(&dwa));
	msleep(30);
	KT_EXPECT(run_pending_work() == 0 && dwa_at == 0);
	/* mod_delayed_work re-times */
	t0 = ktime_ns();
	KT_EXPECT(schedule_delayed_work(&dwa, 200));
	mod_delayed_work(&dwa, 5);
	while (!dwa_at && ktime_ns() - t0 < 500 * NSEC_PER_MSEC)
		idle_wait();
	KT_EXPECT(dwa_at && dwa_at < t0 + 150 * NSEC_PER_MSEC);
}

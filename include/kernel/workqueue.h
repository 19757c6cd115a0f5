/* Deferred work: one queue, FIFO, drained in process context by the `kworker` thread (before it starts,
 * by the shell's idle_wait). Interrupt handlers and timer callbacks queue work; everything that takes
 * time (mm, device requests) runs as work. Work items never run concurrently with each other, and,
 * holding the kernel lock (kernel/sched.h), never in the middle of a shell command; threads that only
 * compute (applications) run meanwhile, so a resize proceeds while they compute.
 *
 *	static struct work_struct w;            INIT_WORK(&w, my_fn);        schedule_work(&w);
 *	static struct delayed_work dw;          INIT_DELAYED_WORK(&dw, fn);  schedule_delayed_work(&dw, 250);
 *	static void fn(struct work_struct *w) { struct delayed_work *dw = to_delayed_work(w); ... }
 */
#ifndef KERNEL_WORKQUEUE_H
#define KERNEL_WORKQUEUE_H

#include "kernel/timer.h"
#include "lib/list.h"

struct work_struct;
typedef void work_func_t(struct work_struct *w);

struct work_struct {
	struct list_head entry;
	work_func_t *func;
	bool pending; /* queued and not yet started */
};

struct delayed_work {
	struct work_struct work;
	struct timer_list timer;
};

void INIT_WORK(struct work_struct *w, work_func_t *func);
void INIT_DELAYED_WORK(struct delayed_work *dw, work_func_t *func);

static inline struct delayed_work *to_delayed_work(struct work_struct *w)
{
	return container_of(w, struct delayed_work, work);
}

/* Queues w unless it is already queued. Returns true when queued now. Any context. A running item may
 * queue itself again: it then runs once more. */
bool schedule_work(struct work_struct *w);
/* Queues dw's work after delay_ms milliseconds (0: now). Returns false, changing nothing, when it is
 * already waiting or queued. Any context. */
bool schedule_delayed_work(struct delayed_work *dw, unsigned long delay_ms);
/* Like schedule_delayed_work, but an already waiting dw is re-timed to the new delay. */
bool mod_delayed_work(struct delayed_work *dw, unsigned long delay_ms);
/* Takes w off the queue if it has not started. Returns true when it was queued. */
bool cancel_work(struct work_struct *w);
/* Stops dw's timer and takes its work off the queue. Returns true when either was pending. */
bool cancel_delayed_work(struct delayed_work *dw);
static inline bool work_pending(const struct work_struct *w)
{
	return w->pending;
}
static inline bool delayed_work_pending(const struct delayed_work *dw)
{
	return dw->work.pending || timer_pending(&dw->timer);
}

/* Starts the kworker thread (after sched_init; kernel/kworker.c); from then on it runs queued work. */
void workqueue_start_worker(void);
/* For the kworker: wake is called when work is queued (any context), wait replaces idle_wait's own
 * run-and-halt. */
void workqueue_set_worker(void (*wake)(void), void (*wait)(void));
/* True when nothing is queued. */
bool workqueue_empty(void);
/* Runs the items queued at the time of the call (not ones they queue). Returns how many ran.
 * Process context only; the kworker calls it with the kernel lock held, as may its holders (tests,
 * vmemcheck) to run work in place. */
unsigned run_pending_work(void);
/* Runs work until the queue is empty (bounded by max_rounds of run_pending_work). Returns true when
 * the queue is empty. For boot code and tests. */
bool flush_scheduled_work(unsigned max_rounds);

#endif

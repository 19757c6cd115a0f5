/* The kworker thread (kernel/workqueue.h): runs deferred work in process context beside the other
 * threads. Apart from workqueue.c so that the queue itself needs no scheduler (host tests). */
#include "kernel/irq.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/timer.h"
#include "kernel/workqueue.h"

static struct task *kworker;

/* Runs the queued work under the kernel lock (so work never interleaves with a shell command:
 * kernel/sched.h), gives the CPU to others between rounds, and sleeps while the queue is empty. The
 * check and the sleep happen with interrupts off, so work queued by an interrupt in between still
 * wakes it. */
static int kworker_fn(void *arg)
{
	for (;;) {
		lock_kernel();
		unsigned ran = run_pending_work();
		unlock_kernel();
		if (ran) {
			yield();
			continue;
		}
		unsigned long fl = arch_irq_save();
		if (workqueue_empty()) {
			current_task()->state = TASK_SLEEPING;
			schedule();
		}
		arch_irq_restore(fl);
	}
	return 0;
}

static void wake_kworker(void)
{
	wake_up_task(kworker);
}

/* The shell's wait for input (idle_wait) once the kworker runs: sleep to the next tick (HZ 1000). */
static void sleep_a_tick(void)
{
	sched_sleep_ns(NSEC_PER_MSEC);
}

void workqueue_start_worker(void)
{
	kworker = kthread_create(kworker_fn, NULL, "kworker");
	if (!kworker)
		panic("workqueue: no kworker thread");
	workqueue_set_worker(wake_kworker, sleep_a_tick);
}

/* In-kernel tests of the scheduler (kernel/sched.h): exit status and slot reuse, yield order,
 * preemption of a thread that never yields, per-thread SSE state, no switch under a spinlock, the
 * kernel lock, timed sleep. A broken preemption hangs the test, which the QEMU case's timeout reports. */
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/timer.h"

static int return_arg(void *arg)
{
	return (int)(long)arg;
}

KTEST(sched, exit_status_and_slot_reuse)
{
	/* more threads than slots, one after the other: each join frees its slot and stack */
	for (long i = 0; i < 2 * SCHED_MAX_THREADS; i++) {
		struct task *t = kthread_create(return_arg, (void *)i, "ktest");
		KT_ASSERT(t);
		KT_EXPECT(kthread_join(t) == (int)i);
	}
}

static unsigned order[12], order_n;

static int log_and_yield(void *arg)
{
	for (int i = 0; i < 5; i++) {
		order[order_n++ % 12] = (unsigned)(long)arg;
		yield();
	}
	return 0;
}

KTEST(sched, yield_round_robin)
{
	order_n = 0;
	struct task *a = kthread_create(log_and_yield, (void *)1, "ktest-a");
	struct task *b = kthread_create(log_and_yield, (void *)2, "ktest-b");
	KT_ASSERT(a && b);
	kthread_join(a);
	kthread_join(b);
	KT_EXPECT(order_n == 10);
	for (unsigned i = 0; i < 10; i++)
		KT_EXPECT(order[i] == 1 + (i & 1));
}

static volatile bool stop;
static volatile u64 spins;

static int spin_until_stopped(void *arg)
{
	while (!stop)
		spins++;
	return 0;
}

static bool spun(void *arg)
{
	return spins > 0;
}

/* The spinner never yields: the only way back to this thread is the tick ending its slice. */
KTEST(sched, tick_preempts_a_thread_that_never_yields)
{
	stop = false;
	spins = 0;
	struct task *t = kthread_create(spin_until_stopped, NULL, "ktest-spin");
	KT_ASSERT(t);
	KT_EXPECT(wait_until(spun, NULL, 2 * NSEC_PER_SEC));
	u64 seen = spins;
	msleep(30);
	KT_EXPECT(spins > seen); /* it ran again meanwhile: we were preempted too */
	stop = true;
	KT_EXPECT(kthread_join(t) == 0);
	ktest_info("spinner ran %llu ticks", t->ticks);
}

static inline void xmm0_write(u64 v)
{
	__asm__ __volatile__("movq %0, %%xmm0" ::"r"(v));
}
static inline u64 xmm0_read(void)
{
	u64 v;
	__asm__ __volatile__("movq %%xmm0, %0" : "=r"(v));
	return v;
}

/* Each thread keeps its own value in xmm0 for 50 ms of computing while the others are switched in. */
static int hold_xmm0(void *arg)
{
	u64 mine = 0x1111111111111111ULL * (u64)(long)arg, end = ktime_ns() + 50 * NSEC_PER_MSEC;
	xmm0_write(mine);
	while (ktime_ns() < end)
		if (xmm0_read() != mine)
			return 1;
	return 0;
}

KTEST(sched, fpu_state_is_per_thread)
{
	xmm0_write(0xabcdef);
	struct task *a = kthread_create(hold_xmm0, (void *)3, "ktest-fpu3");
	struct task *b = kthread_create(hold_xmm0, (void *)5, "ktest-fpu5");
	KT_ASSERT(a && b);
	KT_EXPECT(kthread_join(a) == 0);
	KT_EXPECT(kthread_join(b) == 0);
	KT_EXPECT(a->ticks + b->ticks >= 2 * SCHED_SLICE_TICKS); /* they were switched while computing */
	KT_EXPECT(xmm0_read() == 0xabcdef);
}

KTEST(sched, no_switch_while_a_spinlock_is_held)
{
	static spinlock_t l = SPINLOCK_INIT;
	unsigned long fl;
	stop = false;
	spins = 0;
	struct task *t = kthread_create(spin_until_stopped, NULL, "ktest-spin");
	KT_ASSERT(t);
	KT_EXPECT(wait_until(spun, NULL, 2 * NSEC_PER_SEC));
	spin_lock_irqsave(&l, fl);
	KT_EXPECT(preempt_count == 1);
	u64 before = spins;
	udelay(3 * SCHED_SLICE_TICKS * 1000); /* three slices */
	KT_EXPECT(spins == before);
	spin_unlock_irqrestore(&l, fl);
	KT_EXPECT(preempt_count == 0);
	stop = true;
	kthread_join(t);
}

static volatile bool locked_once;

static int take_kernel_lock(void *arg)
{
	lock_kernel();
	locked_once = true;
	unlock_kernel();
	return 0;
}

static bool got_lock(void *arg)
{
	return locked_once;
}

/* This thread (the shell's) holds the kernel lock: another holder cannot run while we are only
 * preempted, and runs as soon as we block. */
KTEST(sched, kernel_lock_excludes_until_the_holder_blocks)
{
	locked_once = false;
	struct task *t = kthread_create(take_kernel_lock, NULL, "ktest-lock");
	KT_ASSERT(t);
	KT_EXPECT(!wait_until(got_lock, NULL, 5 * SCHED_SLICE_TICKS * NSEC_PER_MSEC));
	kthread_join(t);
	KT_EXPECT(locked_once);
}

KTEST(sched, sleep_lasts_at_least_its_time)
{
	u64 t0 = ktime_ns();
	sched_sleep_ns(20 * NSEC_PER_MSEC);
	u64 dt = ktime_ns() - t0;
	KT_EXPECT(dt >= 20 * NSEC_PER_MSEC);
	KT_EXPECT(dt < 200 * NSEC_PER_MSEC);
}

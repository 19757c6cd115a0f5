/* Shell commands of the scheduler (INTERFACE.md): `threads` lists the threads, `spin` starts a thread
 * that computes without ever yielding, the test load for preemption (docs/ARCHITECTURE.md, "Threads"). */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/shell.h"
#include "kernel/timer.h"
#include "lib/parse.h"

#define SPIN_MAX_SECONDS 3600

static void show_task(const struct task *t, void *arg)
{
	shell_printf("%4u  %-15s  %-8s  %10llu\n", t->id, t->name, task_state_name(t), t->ticks);
}

static int cmd_threads(int argc, char **argv)
{
	if (argc != 1)
		return shell_error("threads", -EINVAL, "no arguments; usage: threads");
	shell_printf("  ID  NAME             STATE          TICKS\n");
	for_each_task(show_task, NULL);
	return 0;
}
SHELL_COMMAND(threads, "threads", "threads", "list the kernel threads: id, name, state, ticks on the CPU",
	      cmd_threads);

/* xorshift rounds until the clock passes the end: never yields, sleeps or takes a lock, so only the
 * tick's preemption lets anything else run meanwhile. */
static int spin_fn(void *arg)
{
	u64 seconds = (u64)(unsigned long)arg;
	u64 t0 = ktime_ns(), end = t0 + seconds * NSEC_PER_SEC, rounds = 0, x = 88172645463325252ULL;
	while (ktime_ns() < end) {
		for (int i = 0; i < 1000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		rounds++;
	}
	printk("spin: done after %llu ms: %llu000 rounds (%llx), %llu ticks on the CPU\n",
	       (ktime_ns() - t0) / NSEC_PER_MSEC, rounds, x & 0xffff, current_task()->ticks);
	return 0;
}

static int cmd_spin(int argc, char **argv)
{
	u64 seconds;
	if (argc != 2 || parse_u64(argv[1], &seconds) || seconds < 1 || seconds > SPIN_MAX_SECONDS)
		return shell_error("spin", -EINVAL, "usage: spin SECONDS (1 to %u)", SPIN_MAX_SECONDS);
	struct task *t = kthread_create(spin_fn, (void *)(unsigned long)seconds, "spin");
	if (!t)
		return shell_error("spin", -ENOMEM, "no thread could be created (see the sched: line)");
	shell_printf("spin: thread %u computes for %llu s without yielding\n", t->id, seconds);
	kthread_detach(t);
	return 0;
}
SHELL_COMMAND(spin, "spin", "spin SECONDS",
	      "start a thread that computes for SECONDS without yielding (the shell stays usable)", cmd_spin);

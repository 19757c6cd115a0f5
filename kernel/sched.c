/* Kernel threads and the scheduler (kernel/sched.h): a fixed table of threads, one FIFO run queue,
 * round-robin slices ended by the tick, the kernel lock, exit and reaping.
 *
 * One CPU: "atomic" here means "with interrupts off". Every change to the run queue, a thread's state
 * or the kernel lock's owner happens with interrupts off, which on one CPU excludes both the tick and
 * every other thread. A second CPU would need a run-queue spinlock and per-CPU current/idle. */
#include "kernel/arch.h"
#include "kernel/irq.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/timer.h"
#include "kernel/workqueue.h"
#include "lib/string.h"

int preempt_count;

static struct task tasks[SCHED_MAX_THREADS];
static LIST_HEAD(run_queue); /* ready threads, not the running one, never idle */
static struct task *current;
static struct task *idle_task;
static struct task *kernel_lock_owner;
static bool need_resched;
static bool running;
static unsigned next_id;
static struct work_struct reap_work;

struct task *current_task(void)
{
	return current;
}

bool sched_running(void)
{
	return running;
}

/* The first ready thread that may run: one that wants the kernel lock waits while another holds it.
 * The holder is the running thread or ready itself (a sleeper gave the lock up), so the idle thread is
 * chosen only when nothing at all is ready. */
static struct task *pick_next(void)
{
	struct task *t;
	list_for_each_entry(t, &run_queue, run)
		if (!t->kernel_lock_depth || !kernel_lock_owner || kernel_lock_owner == t)
			return t;
	return idle_task;
}

void schedule(void)
{
	unsigned long fl = arch_irq_save();
	struct task *prev = current;

	if (preempt_count)
		panic("sched: thread '%s' called schedule() with preempt_count %d (a spinlock held?)",
		      prev->name, preempt_count);
	need_resched = false;
	if (prev->state == TASK_RUNNING && prev != idle_task)
		list_add_tail(&prev->run, &run_queue);
	else if (prev->state != TASK_RUNNING && kernel_lock_owner == prev)
		kernel_lock_owner = NULL; /* asleep or dead: let the other holders run meanwhile */
	struct task *next = pick_next();
	if (next != idle_task)
		list_del_init(&next->run);
	if (next->kernel_lock_depth)
		kernel_lock_owner = next;
	next->slice = SCHED_SLICE_TICKS;
	if (next != prev) {
		current = next;
		arch_fpu_save(prev->fpu);
		arch_fpu_restore(next->fpu);
		arch_switch_to(&prev->sp, next->sp);
		/* back on prev's stack: someone switched to us */
	}
	arch_irq_restore(fl);
}

void yield(void)
{
	schedule();
}

void wake_up_task(struct task *t)
{
	unsigned long fl = arch_irq_save();
	if (t->state == TASK_SLEEPING) {
		t->state = TASK_RUNNING;
		t->wake_at = 0;
		list_add_tail(&t->run, &run_queue);
		if (current == idle_task)
			need_resched = true;
	}
	arch_irq_restore(fl);
}

void sched_sleep_ns(u64 ns)
{
	if (!running) {
		msleep((unsigned)DIV_ROUND_UP(ns, NSEC_PER_MSEC));
		return;
	}
	unsigned long fl = arch_irq_save();
	u64 until = ktime_ns() + ns;
	while (ktime_ns() < until) {
		current->wake_at = until;
		current->state = TASK_SLEEPING;
		schedule();
	}
	current->wake_at = 0;
	arch_irq_restore(fl);
}

void sched_tick(void)
{
	if (!running)
		return;
	u64 now = ktime_ns();
	current->ticks++;
	for (unsigned i = 0; i < SCHED_MAX_THREADS; i++)
		if (tasks[i].state == TASK_SLEEPING && tasks[i].wake_at && now >= tasks[i].wake_at)
			wake_up_task(&tasks[i]);
	if (current->slice)
		current->slice--;
	if ((current == idle_task || !current->slice) && !list_empty(&run_queue))
		need_resched = true;
}

void preempt_schedule_irq(void)
{
	if (running && need_resched && preempt_count == 0)
		schedule();
}

/* ---- the kernel lock ---- */

void lock_kernel(void)
{
	unsigned long fl = arch_irq_save();
	struct task *me = current;
	if (me->kernel_lock_depth++ == 0) {
		if (!kernel_lock_owner)
			kernel_lock_owner = me;
		while (kernel_lock_owner != me)
			schedule(); /* stays ready; pick_next passes it over until the lock is free */
	}
	arch_irq_restore(fl);
}

void unlock_kernel(void)
{
	unsigned long fl = arch_irq_save();
	struct task *me = current;
	if (!me->kernel_lock_depth)
		panic("sched: thread '%s' unlocks the kernel lock it does not hold", me->name);
	if (--me->kernel_lock_depth == 0 && kernel_lock_owner == me)
		kernel_lock_owner = NULL;
	arch_irq_restore(fl);
}

/* ---- creating, ending and reaping threads ---- */

/* The first code of every new thread (arch_thread_start calls it), interrupts still off from the
 * switch that brought it here. */
static __noreturn void thread_entry(void)
{
	arch_local_irq_enable();
	kthread_exit(current->fn(current->arg));
}

struct task *kthread_create(kthread_fn_t *fn, void *arg, const char *name)
{
	struct task *t = NULL;
	unsigned long fl = arch_irq_save();
	for (unsigned i = 0; i < SCHED_MAX_THREADS; i++)
		if (tasks[i].state == TASK_UNUSED) {
			t = &tasks[i];
			t->state = TASK_SLEEPING; /* taken; not in any queue until the end */
			t->wake_at = 0;
			break;
		}
	arch_irq_restore(fl);
	if (!t) {
		printk(KERN_ERR "sched: cannot create thread '%s': all %u thread slots are in use\n", name,
		       SCHED_MAX_THREADS);
		return NULL;
	}
	unsigned slot = (unsigned)(t - tasks);
	unsigned long top = arch_kstack_alloc(slot, KSTACK_SIZE);
	if (!top) {
		printk(KERN_ERR "sched: cannot create thread '%s': no memory for its %u KiB stack\n", name,
		       KSTACK_SIZE / 1024);
		t->state = TASK_UNUSED;
		return NULL;
	}
	strlcpy(t->name, name, sizeof(t->name));
	t->id = next_id++;
	t->fn = fn;
	t->arg = arg;
	t->exit_code = 0;
	t->detached = false;
	t->joiner = NULL;
	t->ticks = 0;
	t->kernel_lock_depth = 0;
	t->stack_top = top;
	t->sp = arch_thread_stack_init(top, thread_entry);
	INIT_LIST_HEAD(&t->run);
	arch_fpu_init_state(t->fpu);
	wake_up_task(t);
	return t;
}

/* Frees a dead thread's stack and slot. It is off the CPU for good. Process context. */
static void task_free(struct task *t)
{
	arch_kstack_free((unsigned)(t - tasks), KSTACK_SIZE);
	t->stack_top = 0;
	t->state = TASK_UNUSED;
}

__noreturn void kthread_exit(int status)
{
	arch_irq_save(); /* never restored: this thread does not run again */
	struct task *me = current;
	if (me == &tasks[0] || me == idle_task)
		panic("sched: thread '%s' cannot exit", me->name);
	me->exit_code = status;
	me->kernel_lock_depth = 0;
	me->state = TASK_DEAD;
	if (me->joiner)
		wake_up_task(me->joiner);
	if (me->detached)
		schedule_work(&reap_work);
	schedule();
	panic("sched: dead thread '%s' ran again", me->name);
}

int kthread_join(struct task *t)
{
	unsigned long fl = arch_irq_save();
	if (t->detached || t->joiner || t == current)
		panic("sched: bad join of thread '%s'", t->name);
	t->joiner = current;
	while (t->state != TASK_DEAD) {
		current->state = TASK_SLEEPING;
		schedule();
	}
	arch_irq_restore(fl);
	int status = t->exit_code;
	task_free(t);
	return status;
}

void kthread_detach(struct task *t)
{
	unsigned long fl = arch_irq_save();
	bool dead = t->state == TASK_DEAD;
	t->detached = true;
	arch_irq_restore(fl);
	if (dead)
		task_free(t);
}

/* Work item: frees every detached thread that ended (kthread_exit queued it). */
static void reap_dead(struct work_struct *w)
{
	for (unsigned i = 0; i < SCHED_MAX_THREADS; i++)
		if (tasks[i].state == TASK_DEAD && tasks[i].detached)
			task_free(&tasks[i]);
}

/* The idle thread: runs when nothing is ready and halts until an interrupt makes something ready
 * (wake_up_task then asks for the switch on the way out of that interrupt). */
static int idle_fn(void *arg)
{
	for (;;) {
		arch_local_irq_disable();
		if (list_empty(&run_queue)) {
			arch_cpu_idle(); /* sti; hlt: returns after an interrupt */
		} else {
			arch_local_irq_enable();
			schedule();
		}
	}
	return 0;
}

void sched_init(void)
{
	struct task *m = &tasks[0];
	m->state = TASK_RUNNING;
	m->id = next_id++;
	strlcpy(m->name, "main", sizeof(m->name));
	INIT_LIST_HEAD(&m->run);
	m->slice = SCHED_SLICE_TICKS;
	m->kernel_lock_depth = 1; /* kmain and the shell: see kernel/sched.h */
	kernel_lock_owner = m;
	current = m;
	INIT_WORK(&reap_work, reap_dead);
	idle_task = kthread_create(idle_fn, NULL, "idle");
	if (!idle_task)
		panic("sched: no idle thread");
	unsigned long fl = arch_irq_save();
	list_del_init(&idle_task->run); /* never queued: chosen when nothing else is ready */
	idle_task->state = TASK_RUNNING;
	running = true;
	arch_irq_restore(fl);
	printk("sched: threads with %u KiB stacks, %u ms slices (HZ %u), up to %u threads\n",
	       KSTACK_SIZE / 1024, SCHED_SLICE_TICKS * 1000 / HZ, HZ, SCHED_MAX_THREADS);
}

const char *task_state_name(const struct task *t)
{
	switch (t->state) {
	case TASK_RUNNING:
		return t == current ? "running" : "ready";
	case TASK_SLEEPING:
		return "sleeping";
	case TASK_DEAD:
		return "dead";
	default:
		return "unused";
	}
}

unsigned for_each_task(void (*fn)(const struct task *t, void *arg), void *arg)
{
	unsigned n = 0;
	for (unsigned i = 0; i < SCHED_MAX_THREADS; i++)
		if (tasks[i].state != TASK_UNUSED) {
			fn(&tasks[i], arg);
			n++;
		}
	return n;
}

/* Kernel threads and the scheduler (kernel/sched.c; docs/ARCHITECTURE.md, "Threads").
 *
 * One CPU. Every thread has its own kernel stack (16 KiB, an unmapped guard page below it) and its own
 * FPU/SSE state (saved with fxsave on every switch). Ready threads wait in one FIFO run queue; the
 * running one keeps the CPU until it blocks, yields, exits, or its slice (SCHED_SLICE_TICKS ticks)
 * ends: then the tick interrupt switches to the next ready thread. The tick preempts only a thread that
 * ran with interrupts enabled and preempt_count == 0, so never inside a spinlock or an irq-off section.
 * When nothing is ready the idle thread halts the CPU.
 *
 * The kernel lock (lock_kernel) keeps the code written for one thread of control correct: shell
 * commands and deferred work (the `kworker` thread) hold it, so they never interleave with each other,
 * exactly as when work ran only while the shell waited for input. A holder keeps it while preempted
 * and gives it up while blocked (asleep, joining): then the other holders may run. Threads that only
 * compute (applications, `spin`) do not take it, so they run meanwhile.
 *
 *	static int fn(void *arg) { ...; return 0; }
 *	struct task *t = kthread_create(fn, arg, "name");
 *	int status = kthread_join(t);         // or kthread_detach(t): reaped by itself when it ends
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include "kernel/compiler.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"
#include "lib/list.h"

#define SCHED_MAX_THREADS 64
#define SCHED_SLICE_TICKS 10 /* 10 ms at HZ 1000 */
#define TASK_COMM_LEN	  16
#define KSTACK_SIZE	  (16 * 1024)
#define FPU_STATE_SIZE	  512 /* the fxsave area */

enum task_state {
	TASK_UNUSED,   /* a free slot */
	TASK_RUNNING,  /* on the CPU, or ready in the run queue */
	TASK_SLEEPING, /* blocked until woken (wake_up_task) or its timeout */
	TASK_DEAD,     /* exited; waits to be reaped */
};

typedef int kthread_fn_t(void *arg);

struct task {
	u8 fpu[FPU_STATE_SIZE] __aligned(16); /* fxsave area while off the CPU */
	unsigned long sp;		      /* saved stack pointer while off the CPU */
	unsigned long stack_top;	      /* 0: the boot stack (main) */
	struct list_head run;		      /* in the run queue while ready */
	enum task_state state;
	unsigned id;
	char name[TASK_COMM_LEN];
	kthread_fn_t *fn;
	void *arg;
	int exit_code;
	bool detached;	     /* reaped by the kworker when it ends, not joined */
	struct task *joiner; /* waiting in kthread_join */
	u64 ticks;	     /* ticks it was running when the tick came */
	unsigned slice;	     /* ticks left of its slice */
	u64 wake_at;	     /* ktime_ns a timed sleep ends (0: none) */
	unsigned kernel_lock_depth;
};

/* Creates a ready thread running fn(arg) (its return value is its exit status). The name is copied
 * (truncated to 15 characters). Process context. Returns the thread, or NULL with one `sched:` error
 * line (no free slot: SCHED_MAX_THREADS; no memory for the stack). */
struct task *kthread_create(kthread_fn_t *fn, void *arg, const char *name);
/* Ends the calling thread with `status`. */
__noreturn void kthread_exit(int status);
/* Waits for t to end, frees it and returns its status. One joiner per thread; never for a detached
 * one. Blocks (gives up the kernel lock meanwhile). */
int kthread_join(struct task *t);
/* t is freed by itself when it ends; the caller forgets t. */
void kthread_detach(struct task *t);

/* The running thread. */
struct task *current_task(void);
/* Gives the CPU to the next ready thread, if any (the caller stays ready). */
void yield(void);
/* Switches to the next ready thread. A caller that set current_task()->state = TASK_SLEEPING first,
 * with interrupts off since it checked its condition, sleeps until wake_up_task. Callable with
 * interrupts off (it keeps the caller's interrupt flag); never with a spinlock held (panics). */
void schedule(void);
/* Makes a sleeping t ready. Any context, interrupts too. */
void wake_up_task(struct task *t);
/* Sleeps at least ns nanoseconds (to the tick after the deadline). Process context after sched_init. */
void sched_sleep_ns(u64 ns);

/* The kernel lock (see above). Nests. Process context. */
void lock_kernel(void);
void unlock_kernel(void);

/* No switch away from the running thread until the matching preempt_enable. */
static inline void preempt_disable(void)
{
	preempt_count++;
	__asm__ __volatile__("" ::: "memory");
}
static inline void preempt_enable(void)
{
	__asm__ __volatile__("" ::: "memory");
	preempt_count--;
}

/* Turns the boot thread into thread 0, `main` (holding the kernel lock), and starts the idle thread.
 * After time_init (the tick drives the slices). */
void sched_init(void);
/* True once sched_init ran. */
bool sched_running(void);
/* From the tick interrupt: charges the running thread, ends its slice, wakes timed sleepers. */
void sched_tick(void);
/* From the end of an interrupt that interrupted code with interrupts enabled: switches threads when
 * the slice ended or the idle thread has work, unless preempt_count says not now. */
void preempt_schedule_irq(void);

/* For the `threads` command: calls fn for every thread (slot order); returns how many. */
unsigned for_each_task(void (*fn)(const struct task *t, void *arg), void *arg);
const char *task_state_name(const struct task *t);

#endif

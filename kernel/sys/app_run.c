/* Running an application (include/kernel/app.h): the registry, a fresh C library state per run, the
 * program's own kernel thread, and the end of a run by exit, _exit or a fault.
 *
 * app_run starts the program on a thread of its own (APP_STACK_SIZE) and joins it: the shell, which
 * holds the kernel lock, gives the lock up while it waits, so the kworker's deferred work (a virtio-mem
 * resize) runs while the program computes. Every end of the program is kthread_exit on its thread:
 * main returns into exit(), exit() and _exit() land in app_exit, and the exception handler calls
 * app_fault_exit for a fault the program owns (its thread, its code, no spinlock held, no interrupt
 * handler running), leaving the faulting frame on a stack that is freed with the thread. The status
 * reaches the shell through kthread_join; the heap is released there, after the thread is gone. */
#include <stdlib.h>

#include "kernel/app.h"
#include "kernel/app_heap.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "syscalls.h"

extern const struct app __apps_start[], __apps_end[];
/* linker.ld: the code of apps/ and of newlib; their data and bss */
extern const char __app_text_start[], __app_text_end[];
extern char __app_data_start[], __app_data_end[];

static const struct app *running;
static struct task *app_task; /* the program's thread, set by itself before main */

struct app_start {
	const struct app *app;
	int argc;
	char **argv;
};
/* The programs' and newlib's data as they were at boot: put back at every run. */
static char *app_data_saved;

const struct app *app_first(void)
{
	return __apps_start;
}

const struct app *app_end(void)
{
	return __apps_end;
}

const struct app *app_find(const char *name)
{
	for (const struct app *a = __apps_start; a < __apps_end; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

const char *app_current_name(void)
{
	return running ? running->name : NULL;
}

int app_init(void)
{
	size_t n = (size_t)(__app_data_end - __app_data_start);
	unsigned long flags;

	app_data_saved = kmalloc(n, GFP_KERNEL);
	if (!app_data_saved)
		return -ENOMEM;
	flags = arch_irq_save();
	memcpy(app_data_saved, __app_data_start, n);
	arch_irq_restore(flags);
	return 0;
}

/* A program starts with the data the image gave it and newlib as if never used: its data and bss and
 * all of newlib's (malloc's state, so the heap starts empty; the reentrancy structure with stdio,
 * errno, atexit) are put back as they were at boot. The kernel never calls malloc and keeps no
 * pointer into this data; it reads it (printk's formatting) in interrupts, hence they are off. */
static int app_data_fresh(void)
{
	unsigned long flags;

	if (!app_data_saved)
		return -ENOMEM;
	flags = arch_irq_save();
	memcpy(__app_data_start, app_data_saved, (size_t)(__app_data_end - __app_data_start));
	arch_irq_restore(flags);
	return 0;
}

/* The program's thread: main, then exit() (atexit handlers, stdio flushed), which ends in _exit and
 * so in app_exit. Never returns. */
static int app_thread(void *arg)
{
	const struct app_start *st = arg;

	app_task = current_task();
	exit(st->app->main(st->argc, st->argv));
}

int app_run(const struct app *a, int argc, char **argv)
{
	struct app_start st = {a, argc, argv}; /* lives until the join: the thread reads it */
	struct task *t;
	int err, status;

	if (running)
		return -EBUSY;
	err = app_data_fresh();
	if (err)
		return err;
	err = app_heap_init();
	if (err)
		return err;
	newlib_syscalls_start();
	running = a;
	t = kthread_create_stack(app_thread, &st, a->name, APP_STACK_SIZE);
	if (!t) {
		running = NULL;
		app_heap_release();
		return -ENOMEM;
	}
	status = kthread_join(t); /* gives up the kernel lock until the program ends */
	app_task = NULL;
	running = NULL;
	if (app_heap_migrated())
		printk("run: %s: %lu heap pages were migrated while it ran\n", a->name, app_heap_migrated());
	app_heap_release();
	return status;
}

void app_exit(int status)
{
	if (!running || current_task() != app_task)
		panic("app: _exit(%d) outside a program's thread", status);
	kthread_exit(status & 0xff);
}

bool app_owns_fault(u64 rip)
{
	return running && app_task && current_task() == app_task && preempt_count == 0 &&
	       rip >= (u64)__app_text_start && rip < (u64)__app_text_end;
}

bool app_owns_stack_overflow(u64 addr)
{
	if (!running || !app_task || current_task() != app_task || preempt_count != 0 || !app_task->stack_top)
		return false;
	u64 bottom = app_task->stack_top - app_task->stack_size;
	return addr < bottom && addr >= bottom - PAGE_SIZE;
}

void app_fault_exit(int status)
{
	app_exit(status);
}

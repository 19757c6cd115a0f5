/* Running an application (include/kernel/app.h): the registry, the run context, a fresh C library
 * state per run, and the end of a run by exit, _exit or a fault.
 *
 * The run context is a setjmp in app_run: exit paths longjmp back to it, from newlib's _exit or from
 * the exception handler, which leaves the faulting frame behind (a fault is accepted only in program
 * or C library code outside interrupt handlers, so no kernel lock is held there). Today the program
 * runs on the caller's stack, between the shell's command and its next prompt; app_enter is what a
 * kernel thread would run instead, with app_run waiting for it. */
#include <setjmp.h>
#include <stdlib.h>

#include "kernel/app.h"
#include "kernel/app_heap.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "syscalls.h"

extern const struct app __apps_start[], __apps_end[];
/* linker.ld: the code of apps/ and of newlib; their data and bss */
extern const char __app_text_start[], __app_text_end[];
extern char __app_data_start[], __app_data_end[];

static const struct app *running;
static jmp_buf run_ctx;
static int run_status;
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

/* The program's side of the run: main, then exit() (atexit handlers, stdio flushed), which ends in
 * _exit and so in app_exit. Never returns. */
static __noreturn void app_enter(const struct app *a, int argc, char **argv)
{
	exit(a->main(argc, argv));
}

int app_run(const struct app *a, int argc, char **argv)
{
	unsigned long flags;
	int err;

	if (running)
		return -EBUSY;
	err = app_data_fresh();
	if (err)
		return err;
	err = app_heap_init();
	if (err)
		return err;
	newlib_syscalls_start();
	flags = arch_irq_save();
	arch_irq_restore(flags);

	running = a;
	if (setjmp(run_ctx) == 0)
		app_enter(a, argc, argv);

	/* back from app_exit or app_fault_exit: interrupts as they were, a clean FPU */
	arch_irq_restore(flags);
	arch_fpu_reset();
	running = NULL;
	app_heap_release();
	return run_status;
}

void app_exit(int status)
{
	if (!running)
		panic("app: _exit(%d) with no program running", status);
	run_status = status & 0xff;
	longjmp(run_ctx, 1);
}

bool app_owns_fault(u64 rip)
{
	return running && rip >= (u64)__app_text_start && rip < (u64)__app_text_end;
}

void app_fault_exit(int status)
{
	app_exit(status);
}

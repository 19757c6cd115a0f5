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
#include <sys/reent.h>

#include "kernel/app.h"
#include "kernel/app_heap.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

extern const struct app __apps_start[], __apps_end[];
/* linker.ld: the code of apps/ and of newlib, and the data and bss of newlib's malloc */
extern const char __app_text_start[], __app_text_end[];
extern char __malloc_state_start[], __malloc_state_end[];

void newlib_syscalls_start(void); /* kernel/sys/newlib_syscalls.c */

#define MALLOC_STATE_MAX 4096

static const struct app *running;
static jmp_buf run_ctx;
static int run_status;
/* newlib's malloc keeps its state (bins, top chunk, sbrk base) in static data: a copy of it as the
 * image holds it, before any malloc, is put back when a run starts, so each heap starts empty. */
static char malloc_state_boot[MALLOC_STATE_MAX];
static bool malloc_state_saved;

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

/* An empty heap for malloc, and stdio, errno and atexit as at program start: the reentrancy structure
 * is initialized again (stdio then allocates its buffers from the new heap on first use). */
static void libc_fresh_state(void)
{
	size_t n = (size_t)(__malloc_state_end - __malloc_state_start);

	if (n > sizeof(malloc_state_boot))
		panic("app: newlib's malloc state is %zu bytes, more than the %d kept", n, MALLOC_STATE_MAX);
	if (!malloc_state_saved) {
		memcpy(malloc_state_boot, __malloc_state_start, n);
		malloc_state_saved = true;
	}
	memcpy(__malloc_state_start, malloc_state_boot, n);

	unsigned long flags = arch_irq_save(); /* printk in an interrupt reads the locale through it */
	_REENT_INIT_PTR(_impure_ptr);
	arch_irq_restore(flags);
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
	err = app_heap_init();
	if (err)
		return err;
	libc_fresh_state();
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

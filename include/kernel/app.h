/* Applications: C programs on newlib, linked into the image (apps/), started by the shell's `run`.
 *
 *   static int hello_main(int argc, char **argv) { printf("hello\n"); return 0; }
 *   APP(hello, "hello", "prints hello", hello_main);
 *
 * app_run gives a program its argv, a fresh C library state (stdio, errno, an empty malloc heap) and a
 * run context: returning from main, exit() and _exit() end the run with a status, and so does a CPU
 * fault in the program's code (reported with its name; the status is 128 + the POSIX signal number a
 * Unix would send: 139 for a page fault or #GP, 132 for #UD, 136 for a divide error). The program runs
 * on a kernel thread of its own (named after it, APP_STACK_SIZE of stack, no kernel lock), which every
 * one of these ends; app_run waits for it with kthread_join (kernel/sys/app_run.c). */
#ifndef KERNEL_APP_H
#define KERNEL_APP_H

#include "kernel/compiler.h"

/* The program thread's stack: newlib's printf with its floating-point conversion takes a few KiB, the
 * programs' own frames are small; twice the default thread stack leaves room. */
#define APP_STACK_SIZE (32 * 1024)

struct app {
	const char *name;
	const char *help; /* one line, shown by `apps` */
	int (*main)(int argc, char **argv);
};

#define APP(id, name_, help_, main_)                                                                         \
	static const struct app app_##id __section(".apps")                                                  \
	    __attribute__((used, aligned(8))) = {name_, help_, main_}

/* Saves the programs' data and newlib's as they are at boot, for every run to start from (after
 * mm_init: it kmallocs the copy). 0 or -ENOMEM. */
int app_init(void);

/* The registry, in the order the linker placed it. */
const struct app *app_first(void);
const struct app *app_end(void);
/* The program called name, or NULL. */
const struct app *app_find(const char *name);

/* Runs a with argv[0..argc-1] (argv[0] is its name) on its own thread and waits until it ends (giving
 * up the kernel lock meanwhile); returns its exit status (0..255), or -EBUSY when a program is already
 * running, -ENOMEM when its heap or thread cannot be set up or app_init failed. */
int app_run(const struct app *a, int argc, char **argv);
/* Ends the running program with status (newlib's _exit lands here): the program's thread exits.
 * Called on any other thread, it panics. Never returns. */
__noreturn void app_exit(int status);

/* For the exception handler: true when a fault at rip belongs to the running program (a program runs,
 * the faulting thread is the program's, it holds no spinlock, rip lies in application or C library code;
 * the caller checks that no interrupt handler was running).
 * app_fault_exit then ends it with status (after the handler printed its report). */
bool app_owns_fault(u64 rip);
/* For the double-fault handler: true when addr (CR2) lies in the guard page below the running program's
 * stack and the faulting thread is the program's, holding no spinlock: the program ran off its stack,
 * and the page fault could not even push its frame. #DF saves no usable rip, hence the address. */
bool app_owns_stack_overflow(u64 addr);
__noreturn void app_fault_exit(int status);
/* The running program's name, or NULL. */
const char *app_current_name(void);

#endif

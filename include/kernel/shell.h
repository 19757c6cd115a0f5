/* The serial shell. Commands register themselves anywhere in the kernel:
 *
 *   static int cmd_lsmem(int argc, char **argv) { ... return 0; }
 *   SHELL_COMMAND(lsmem, "lsmem", "list memory blocks like util-linux lsmem", cmd_lsmem);
 *
 * A command prints its output with printk/shell_printf; on failure it prints one line
 * `<command>: error: <reason>` (shell_error does this) and returns a negative errno. */
#ifndef KERNEL_SHELL_H
#define KERNEL_SHELL_H

#include "kernel/compiler.h"

struct shell_command {
	const char *name;
	const char *usage; /* shown by help, e.g. "memory N [online|offline|...]" */
	const char *help;
	int (*fn)(int argc, char **argv);
};

#define SHELL_COMMAND(id, name_, usage_, help_, fn_)                                                         \
	static const struct shell_command shell_cmd_##id __section(".shell_cmds")                            \
	    __attribute__((used, aligned(8))) = {name_, usage_, help_, fn_}

/* Output for shell commands: goes straight to the console (not through the log ring). */
void shell_printf(const char *fmt, ...) __printf(1, 2);
/* Prints "<cmd>: error: <reason>" and returns err (a negative errno) for `return shell_error(...)`. */
int shell_error(const char *cmd, int err, const char *fmt, ...) __printf(3, 4);
/* Runs one command line as if typed; returns the command's result. */
int shell_exec(char *line);
/* The shell loop: prompt, read, run. Never returns. */
__noreturn void shell_run(void);

#endif

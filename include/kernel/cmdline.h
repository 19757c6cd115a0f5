/* Kernel command line. Parameters register themselves anywhere in the kernel:
 *
 *   static int set_movablecore(const char *val) { ... return 0 or -EINVAL; }
 *   CMDLINE_PARAM(movablecore, "movablecore", set_movablecore);
 *
 * `val` is the text after '=' (NULL for a bare flag such as `selftest`). A handler that returns an
 * error gets one warning line naming the parameter; an unknown parameter gets one warning line too. */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include "kernel/compiler.h"

struct cmdline_param {
	const char *name;
	int (*set)(const char *val);
};

#define CMDLINE_PARAM(id, name_, fn_)                                                             \
	static const struct cmdline_param cmdline_param_##id __section(".cmdline_params")          \
		__attribute__((used, aligned(8))) = {name_, fn_}

/* Parse the whole command line (a private copy is kept). Returns the number of warnings. */
int cmdline_parse(const char *cmdline);
/* The command line as the loader gave it. */
const char *cmdline_get(void);

#endif

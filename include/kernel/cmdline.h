/* Kernel command line. Parameters register themselves anywhere in the kernel:
 *
 *   static int set_movablecore(const char *val) { ... return 0 or -EINVAL; }
 *   CMDLINE_PARAM(movablecore, "movablecore", set_movablecore);
 *
 * `val` is the text after '=' (NULL for a bare flag such as `selftest`). A handler that returns an
 * error gets one warning line naming the parameter (and what it takes, with CMDLINE_PARAM_VALID); an
 * unknown parameter gets one warning line too. */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include "kernel/compiler.h"

struct cmdline_param {
	const char *name;
	int (*set)(const char *val);
	const char *valid; /* what the parameter takes, for the bad-value warning ("0-8"); may be NULL */
};

#define CMDLINE_PARAM(id, name_, fn_) CMDLINE_PARAM_VALID(id, name_, fn_, NULL)
/* The same, saying what values the parameter takes: `cmdline: bad value for loglevel=99: -EINVAL:
 * loglevel takes 0-8 (ignored)`. */
#define CMDLINE_PARAM_VALID(id, name_, fn_, valid_)                                                          \
	static const struct cmdline_param cmdline_param_##id __section(".cmdline_params")                    \
	    __attribute__((used, aligned(8))) = {name_, fn_, valid_}

/* Parse the whole command line (a private copy is kept). Returns the number of warnings. */
int cmdline_parse(const char *cmdline);
/* The command line as the loader gave it. */
const char *cmdline_get(void);

#endif

/* Arguments of the memory shell commands (kernel/shell/hotplug.c, mmtest.c); not an API. */
#ifndef SHELL_MM_ARGS_H
#define SHELL_MM_ARGS_H

#include "kernel/errno.h"
#include "kernel/shell.h"
#include "lib/parse.h"
#include "mm/memory.h"

/* A memory block number below NR_MEMORY_BLOCKS: 0 or -EINVAL. */
static inline int parse_block(const char *s, unsigned long *id)
{
	u64 v;

	if (parse_u64(s, &v) || v >= NR_MEMORY_BLOCKS)
		return -EINVAL;
	*id = (unsigned long)v;
	return 0;
}

/* A size (bytes or with K/M/G) that is not 0 and fits physical memory; otherwise prints the command's
 * error line and returns -EINVAL. */
static inline int parse_size_arg(const char *cmd, const char *s, u64 *bytes)
{
	if (!s || parse_size(s, bytes) || !*bytes)
		return shell_error(cmd, -EINVAL, "bad size '%s' (bytes or with K/M/G)", s ? s : "");
	/* also keeps the rounding up to whole pages from wrapping */
	if (*bytes > (1ULL << MAX_PHYSMEM_BITS))
		return shell_error(cmd, -EINVAL, "size '%s' is more than physical memory can be (2^%d)", s,
				   MAX_PHYSMEM_BITS);
	return 0;
}

#endif

/* Names of error numbers for log lines: "offline failed: -EBUSY". */
#include "kernel/errno.h"
#include "kernel/compiler.h"

/* clang-format off */
static const char *const names[] = {
	[EPERM] = "-EPERM",
	[ENOENT] = "-ENOENT",
	[EIO] = "-EIO",
	[ENXIO] = "-ENXIO",
	[E2BIG] = "-E2BIG",
	[EAGAIN] = "-EAGAIN",
	[ENOMEM] = "-ENOMEM",
	[EFAULT] = "-EFAULT",
	[EBUSY] = "-EBUSY",
	[EEXIST] = "-EEXIST",
	[ENODEV] = "-ENODEV",
	[EINVAL] = "-EINVAL",
	[ENOSPC] = "-ENOSPC",
	[ERANGE] = "-ERANGE",
	[ENOSYS] = "-ENOSYS",
	[EOPNOTSUPP] = "-EOPNOTSUPP",
	[ETIMEDOUT] = "-ETIMEDOUT",
	[ECANCELED] = "-ECANCELED",
};
/* clang-format on */

/* errname(-EBUSY) is "-EBUSY", errname(EBUSY) is "EBUSY", errname(0) is "0"; a number without a
 * name gives "-E?" (or "E?"). */
const char *errname(int err)
{
	unsigned int n = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;
	const char *name;

	if (!err)
		return "0";
	name = n < ARRAY_SIZE(names) && names[n] ? names[n] : "-E?";
	return err < 0 ? name : name + 1;
}

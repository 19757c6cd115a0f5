/* Error numbers: functions return 0 or a negative errno, as in Linux (same values). */
#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

#define EPERM	   1
#define ENOENT	   2
#define EIO	   5
#define ENXIO	   6
#define E2BIG	   7
#define EAGAIN	   11
#define ENOMEM	   12
#define EFAULT	   14
#define EBUSY	   16
#define EEXIST	   17
#define ENODEV	   19
#define EINVAL	   22
#define ENOSPC	   28
#define ERANGE	   34
#define ENOSYS	   38
#define ETIMEDOUT  110
#define EOPNOTSUPP 95
#define ECANCELED  125

/* errname(-EBUSY) == "-EBUSY", errname(EBUSY) == "EBUSY", errname(0) == "0"; unknown values give
 * "-E?" (or "E?" when positive). */
const char *errname(int err);

#endif

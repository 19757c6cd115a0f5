/* What kernel/sys/app_run.c calls in newlib_syscalls.c (a header of this folder only). */
#ifndef KERNEL_SYS_SYSCALLS_H
#define KERNEL_SYS_SYSCALLS_H

/* A program starts: clock() counts from now. */
void newlib_syscalls_start(void);

#endif

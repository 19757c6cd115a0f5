/* The system calls newlib needs, all of them, in one place. newlib's x86_64-elf build calls them by
 * their plain names (write, sbrk, ...): its reentrant wrappers (_write_r) call these and copy errno.
 *
 * What a program gets:
 *   write      fd 1 and 2 go to the console; other descriptors: EBADF
 *   sbrk       the program heap (include/kernel/app_heap.h); past its limit errno = ENOMEM and
 *              (void *)-1, so malloc returns NULL
 *   _exit      ends the program with its status (kernel/sys/app_run.c); exit() flushes stdio first
 *   times      clock(): time since the program started, in CLOCKS_PER_SEC units, from the TSC clock
 *   gettimeofday  time(), gettimeofday(): the time since boot (the kernel keeps no calendar time)
 *   isatty, fstat  fd 0-2 are a terminal (stdio then buffers stdout by line); other fds: EBADF
 *   close      fd 0-2: nothing to do; others: EBADF
 *   getpid     1
 *   the rest   errno = ENOSYS, -1: open, read, lseek, fork, execve, wait, kill, link, unlink, stat,
 *              mkdir, fcntl, getentropy, sigprocmask
 *
 * This file includes newlib's <errno.h>, whose values (ENOSYS is 88) are not the kernel's Linux ones, so
 * it includes no kernel header that brings kernel/errno.h. */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

#include "kernel/app.h"
#include "kernel/app_heap.h"
#include "kernel/console.h"
#include "kernel/timer.h"
#include "syscalls.h"

/* newlib's headers do not declare every syscall the library calls; these are the missing prototypes. */
int close(int fd);
int execve(const char *path, char *const argv[], char *const envp[]);
int fcntl(int fd, int cmd, ...);
int fork(void);
int fstat(int fd, struct stat *st);
int getentropy(void *buf, size_t len);
int getpid(void);
int gettimeofday(struct timeval *tv, void *tz);
int isatty(int fd);
int kill(int pid, int sig);
int link(const char *old, const char *new_);
_off_t lseek(int fd, _off_t off, int whence);
int mkdir(const char *path, mode_t mode);
int open(const char *path, int flags, ...);
_ssize_t read(int fd, void *buf, size_t n);
void *sbrk(ptrdiff_t incr);
int stat(const char *path, struct stat *st);
clock_t times(struct tms *t);
int unlink(const char *path);
int wait(int *status);
_ssize_t write(int fd, const void *buf, size_t n);
void _exit(int status);

static u64 run_start_ns;

void newlib_syscalls_start(void)
{
	run_start_ns = ktime_ns();
}

static int std_fd(int fd)
{
	return fd >= 0 && fd <= 2;
}

_ssize_t write(int fd, const void *buf, size_t n)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, n);
	return (_ssize_t)n;
}

void *sbrk(ptrdiff_t incr)
{
	void *old = app_heap_grow(incr);

	if (!old) {
		errno = ENOMEM;
		return (void *)-1;
	}
	return old;
}

void _exit(int status)
{
	app_exit(status);
}

clock_t times(struct tms *t)
{
	u64 now = ktime_ns();
	u64 per_tick = NSEC_PER_SEC / CLOCKS_PER_SEC;

	if (t) {
		t->tms_utime = (clock_t)((now - run_start_ns) / per_tick);
		t->tms_stime = 0;
		t->tms_cutime = 0;
		t->tms_cstime = 0;
	}
	return (clock_t)(now / per_tick);
}

int gettimeofday(struct timeval *tv, void *tz)
{
	u64 now = ktime_ns();

	(void)tz;
	if (tv) {
		tv->tv_sec = (time_t)(now / NSEC_PER_SEC);
		tv->tv_usec = (suseconds_t)(now % NSEC_PER_SEC / NSEC_PER_USEC);
	}
	return 0;
}

int isatty(int fd)
{
	if (std_fd(fd))
		return 1;
	errno = EBADF;
	return 0;
}

int fstat(int fd, struct stat *st)
{
	if (!std_fd(fd)) {
		errno = EBADF;
		return -1;
	}
	*st = (struct stat){.st_mode = S_IFCHR};
	return 0;
}

int close(int fd)
{
	if (std_fd(fd))
		return 0;
	errno = EBADF;
	return -1;
}

int getpid(void)
{
	return 1;
}

/* ---- not provided: ENOSYS ---- */

static int nosys(void)
{
	errno = ENOSYS;
	return -1;
}

int open(const char *path, int flags, ...)
{
	return nosys();
}

_ssize_t read(int fd, void *buf, size_t n)
{
	return nosys();
}

_off_t lseek(int fd, _off_t off, int whence)
{
	return nosys();
}

int fork(void)
{
	return nosys();
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return nosys();
}

int wait(int *status)
{
	return nosys();
}

int kill(int pid, int sig)
{
	return nosys();
}

int link(const char *old, const char *new_)
{
	return nosys();
}

int unlink(const char *path)
{
	return nosys();
}

int stat(const char *path, struct stat *st)
{
	return nosys();
}

int mkdir(const char *path, mode_t mode)
{
	return nosys();
}

int fcntl(int fd, int cmd, ...)
{
	return nosys();
}

int getentropy(void *buf, size_t len)
{
	return nosys();
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	return nosys();
}

/* Host test reporting and the host's printk. Linked into every host test: it must not reference any
 * kernel symbol. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_test.h"

static const char *cur_area, *cur_name;
static char cur_fail[512];
static bool cur_failed, cur_skipped;
static char cur_skip_why[256];
static int n_pass, n_fail, n_skip;

void test_begin(const char *area, const char *name)
{
	cur_area = area;
	cur_name = name;
	cur_failed = false;
	cur_skipped = false;
	cur_fail[0] = 0;
}

void test_fail_at(const char *file, int line, const char *what)
{
	if (!cur_failed)
		snprintf(cur_fail, sizeof(cur_fail), "%s:%d: %s", file, line, what);
	else
		fprintf(stdout, "INFO: %s: %s: also failed: %s:%d: %s\n", cur_area, cur_name, file, line,
			what);
	cur_failed = true;
}

void test_skip(const char *why)
{
	cur_skipped = true;
	snprintf(cur_skip_why, sizeof(cur_skip_why), "%s", why);
}

bool test_ok(void)
{
	return !cur_failed;
}

bool test_end(void)
{
	if (cur_failed) {
		printf("FAIL: %s: %s: %s\n", cur_area, cur_name, cur_fail);
		n_fail++;
	} else if (cur_skipped) {
		printf("SKIP: %s: %s (%s)\n", cur_area, cur_name, cur_skip_why);
		n_skip++;
	} else {
		printf("PASS: %s: %s\n", cur_area, cur_name);
		n_pass++;
	}
	fflush(stdout);
	return !cur_failed;
}

int test_summary(void)
{
	printf("SUMMARY: %d passed, %d failed, %d skipped\n", n_pass, n_fail, n_skip);
	return n_fail ? 1 : 0;
}

/* ---- printk ---- */
#define LOG_KEEP 64
static char log_lines[LOG_KEEP][512];
static int log_next;
bool host_log_echo = true;

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	if (fmt[0] == '\001' && fmt[1])
		fmt += 2;
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	snprintf(log_lines[log_next], sizeof(log_lines[0]), "%s", buf);
	log_next = (log_next + 1) % LOG_KEEP;
	if (host_log_echo) {
		fputs("log: ", stdout);
		fputs(buf, stdout);
		if (n > 0 && buf[strlen(buf) - 1] != '\n')
			fputc('\n', stdout);
	}
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

bool host_log_contains(const char *needle)
{
	for (int i = 0; i < LOG_KEEP; i++)
		if (strstr(log_lines[i], needle))
			return true;
	return false;
}

int host_log_count(const char *needle)
{
	int n = 0;
	for (int i = 0; i < LOG_KEEP; i++)
		n += strstr(log_lines[i], needle) != NULL;
	return n;
}

void host_log_clear(void)
{
	memset(log_lines, 0, sizeof(log_lines));
	log_next = 0;
}

/* ---- what the kernel's arch and scheduler provide ---- */
int preempt_count;

unsigned long arch_irq_save(void)
{
	return 0;
}

void arch_irq_restore(unsigned long flags)
{
	(void)flags;
}

__attribute__((noreturn)) void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("panic: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
	abort();
}

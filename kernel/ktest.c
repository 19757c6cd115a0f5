/* The in-kernel test runner (see include/kernel/ktest.h). */
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/string.h"

extern const struct ktest __ktests_start[], __ktests_end[];

static const struct ktest *current;
static bool cur_failed, cur_skipped;
static char cur_why[256];
static bool at_boot;

static int set_selftest(const char *val)
{
	if (val) /* a bad value changes nothing */
		return -EINVAL;
	at_boot = true;
	return 0;
}
CMDLINE_PARAM_VALID(selftest, "selftest", set_selftest, "no value");

bool ktest_requested_at_boot(void)
{
	return at_boot;
}

void ktest_fail(const char *file, int line, const char *what)
{
	if (!cur_failed)
		snprintf(cur_why, sizeof(cur_why), "%s:%d: %s", file, line, what);
	else
		printk("INFO: %s: %s: also failed: %s:%d: %s\n", current->area, current->name, file, line,
		       what);
	cur_failed = true;
}

void ktest_skip(const char *why)
{
	cur_skipped = true;
	strlcpy(cur_why, why, sizeof(cur_why));
}

void ktest_info(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("INFO: %s: %s: %s\n", current ? current->area : "ktest", current ? current->name : "", buf);
}

static bool area_matches(const struct ktest *t, const char *filter)
{
	return !filter || strncmp(t->area, filter, strlen(filter)) == 0;
}

int ktest_count(const char *filter)
{
	int n = 0;

	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		n += area_matches(t, filter);
	return n;
}

/* Each round appends the smallest area greater than the previous one (the table is in link order). */
char *ktest_areas(char *buf, size_t size)
{
	const char *prev = "";
	size_t at = 0;

	buf[0] = '\0';
	for (;;) {
		const char *next = NULL;
		for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
			if (strcmp(t->area, prev) > 0 && (!next || strcmp(t->area, next) < 0))
				next = t->area;
		if (!next)
			return buf;
		at += scnprintf(buf + at, size - at, "%s%s", at ? " " : "", next);
		prev = next;
	}
}

int ktest_run_all(const char *filter)
{
	int pass = 0, fail = 0, skip = 0;
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
		if (!area_matches(t, filter))
			continue;
		current = t;
		cur_failed = cur_skipped = false;
		cur_why[0] = '\0';
		t->fn();
		if (cur_failed) {
			printk("FAIL: %s: %s: %s\n", t->area, t->name, cur_why);
			fail++;
		} else if (cur_skipped) {
			printk("SKIP: %s: %s (%s)\n", t->area, t->name, cur_why);
			skip++;
		} else {
			printk("PASS: %s: %s\n", t->area, t->name);
			pass++;
		}
	}
	current = NULL;
	printk("SUMMARY: %d passed, %d failed, %d skipped\n", pass, fail, skip);
	return fail;
}

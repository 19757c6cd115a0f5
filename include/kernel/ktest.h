/* In-kernel tests. A test is a function registered with KTEST(area, name) anywhere in the kernel;
 * `selftest` on the command line (or in the shell) runs them all and prints, like the host tests,
 *   PASS: area: name | FAIL: area: name: file:line: condition | SKIP: area: name (why)
 * then `SUMMARY: N passed, N failed, N skipped`. From the command line it exits QEMU with 33 when all
 * passed and 35 otherwise. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "kernel/compiler.h"

struct ktest {
	const char *area;
	const char *name;
	void (*fn)(void);
};

#define KTEST(area, name)                                                                                    \
	static void ktest_fn_##area##_##name(void);                                                          \
	static const struct ktest ktest_##area##_##name __section(".ktests")                                 \
	    __attribute__((used, aligned(8))) = {#area, #name, ktest_fn_##area##_##name};                    \
	static void ktest_fn_##area##_##name(void)

/* Record a failed check (the test goes on; it is reported FAIL at its end). */
void ktest_fail(const char *file, int line, const char *what);
/* Mark the running test skipped, with the reason printed in parentheses. */
void ktest_skip(const char *why);
/* INFO: line inside a test (numbers worth seeing in the log). */
void ktest_info(const char *fmt, ...) __printf(1, 2);

#define KT_EXPECT(cond)                                                                                      \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			ktest_fail(__FILE__, __LINE__, #cond);                                               \
	} while (0)
#define KT_ASSERT(cond)                                                                                      \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			ktest_fail(__FILE__, __LINE__, #cond);                                               \
			return;                                                                              \
		}                                                                                            \
	} while (0)

/* Run every registered test whose area starts with `filter` (NULL or "" for all).
 * Returns the number of failures. */
int ktest_run_all(const char *filter);
/* How many registered tests ktest_run_all(filter) would run. */
int ktest_count(const char *filter);
/* Writes the areas of the registered tests into buf, alphabetically, separated by spaces ("acpi
 * hotplug ..."); returns buf. */
char *ktest_areas(char *buf, size_t size);
/* True when the command line says `selftest`: kmain then runs every test instead of the shell. */
bool ktest_requested_at_boot(void);

#endif

/* The host tests' report vocabulary, the same as the in-kernel ktest:
 *   PASS: area: case | FAIL: area: case: file:line: condition | SKIP: area: case (why) | INFO: ...
 * and a closing `SUMMARY: N passed, N failed, N skipped`. test_summary() returns the exit status. */
#ifndef HOST_TEST_H
#define HOST_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void test_begin(const char *area, const char *name);
void test_fail_at(const char *file, int line, const char *what);
void test_skip(const char *why);
/* Ends the current case and prints its PASS/FAIL/SKIP line. Returns true when it passed. */
bool test_end(void);
int test_summary(void);
/* True while the current case has no failure. */
bool test_ok(void);

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			test_fail_at(__FILE__, __LINE__, #cond);                                             \
	} while (0)
#define REQUIRE(cond)                                                                                        \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			test_fail_at(__FILE__, __LINE__, #cond);                                             \
			return;                                                                              \
		}                                                                                            \
	} while (0)

/* Runs fn as case `name` of `area`. */
#define RUN(area, name, fn)                                                                                  \
	do {                                                                                                 \
		test_begin(area, name);                                                                      \
		fn();                                                                                        \
		test_end();                                                                                  \
	} while (0)

/* splitmix64: the randomized tests' generator; the same seed gives the same sequence everywhere. */
static inline uint64_t test_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* printk on the host writes to stdout (prefixed "log: ") and keeps the last lines so a test can look
 * for a message. */
bool host_log_contains(const char *needle);
/* How many of the kept lines contain needle. */
int host_log_count(const char *needle);
void host_log_clear(void);
/* Set to false to keep printk quiet on stdout (lines are still captured). */
extern bool host_log_echo;

#endif

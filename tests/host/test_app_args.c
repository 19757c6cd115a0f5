/* host-srcs: apps/app_args.c */
/* The argument parsing of the programs in apps/ (SIZE and SECONDS of memtest, ROUNDS of mallocbench),
 * on glibc here as on newlib in the kernel: good values, every suffix, and what must be refused. */
#include <stdint.h>
#include <stdio.h>

#include "../../apps/app_args.h"
#include "host_test.h"

static void t_sizes(void)
{
	size_t v;

	CHECK(app_parse_size("4096", SIZE_MAX, &v) == 0 && v == 4096);
	CHECK(app_parse_size("512K", SIZE_MAX, &v) == 0 && v == 512 << 10);
	CHECK(app_parse_size("1m", SIZE_MAX, &v) == 0 && v == 1 << 20);
	CHECK(app_parse_size("700M", SIZE_MAX, &v) == 0 && v == 700UL << 20);
	CHECK(app_parse_size("2G", SIZE_MAX, &v) == 0 && v == 2UL << 30);
	CHECK(app_parse_size("1M", 1 << 20, &v) == 0 && v == 1 << 20);
	CHECK(app_parse_size("2M", 1 << 20, &v) == -1); /* above max */
	CHECK(app_parse_size("0", SIZE_MAX, &v) == -1); /* nothing to test */
	CHECK(app_parse_size("", SIZE_MAX, &v) == -1);
	CHECK(app_parse_size("M", SIZE_MAX, &v) == -1);
	CHECK(app_parse_size("-1M", SIZE_MAX, &v) == -1); /* strtoul would take the sign */
	CHECK(app_parse_size(" 1M", SIZE_MAX, &v) == -1); /* and the space */
	CHECK(app_parse_size("1MB", SIZE_MAX, &v) == -1);
	CHECK(app_parse_size("1T", SIZE_MAX, &v) == -1);
	CHECK(app_parse_size("1x", SIZE_MAX, &v) == -1);
	CHECK(app_parse_size("99999999999999999999", SIZE_MAX, &v) == -1); /* past 2^64 */
	CHECK(app_parse_size("17179869184G", SIZE_MAX, &v) == -1);	   /* 2^34 G overflows */
}

static void t_uints(void)
{
	unsigned long v;

	CHECK(app_parse_uint("30", 0, 3600, &v) == 0 && v == 30);
	CHECK(app_parse_uint("0", 0, 3600, &v) == 0 && v == 0);
	CHECK(app_parse_uint("3601", 0, 3600, &v) == -1);
	CHECK(app_parse_uint("0", 1, 10, &v) == -1);
	CHECK(app_parse_uint("1s", 0, 3600, &v) == -1);
	CHECK(app_parse_uint("+1", 0, 3600, &v) == -1);
	CHECK(app_parse_uint("", 0, 3600, &v) == -1);
}

int main(void)
{
	RUN("app_args", "sizes with K, M, G and what is refused", t_sizes);
	RUN("app_args", "whole numbers in a range", t_uints);
	return test_summary();
}

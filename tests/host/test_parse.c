/* host-srcs: kernel/lib/parse.c kernel/lib/errname.c */
/* parse_u64, parse_size and format_size (kernel/lib/parse.c), and errname(). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "kernel/errno.h"
#include "lib/parse.h"

/* parse_u64(s) returns err and, on success, the value want; *out is untouched on error. */
static bool u64_is(const char *s, int err, u64 want)
{
	u64 v = 0xdeadbeef;
	int r = parse_u64(s, &v);

	if (r != err || (err ? v != 0xdeadbeef : v != want)) {
		printf("INFO: parse: parse_u64(\"%s\") = %d, %llu\n", s, r, v);
		return false;
	}
	return true;
}

static bool size_is(const char *s, int err, u64 want)
{
	u64 v = 0xdeadbeef;
	int r = parse_size(s, &v);

	if (r != err || (err ? v != 0xdeadbeef : v != want)) {
		printf("INFO: parse: parse_size(\"%s\") = %d, %llu\n", s, r, v);
		return false;
	}
	return true;
}

static void t_parse_u64(void)
{
	CHECK(u64_is("0", 0, 0));
	CHECK(u64_is("4096", 0, 4096));
	CHECK(u64_is("010", 0, 10));
	CHECK(u64_is("0x1000", 0, 0x1000));
	CHECK(u64_is("0XaBcD", 0, 0xabcd));
	CHECK(u64_is("18446744073709551615", 0, UINT64_MAX));
	CHECK(u64_is("0xffffffffffffffff", 0, UINT64_MAX));
	CHECK(u64_is("0x0000000000000000000001", 0, 1));
	CHECK(u64_is("18446744073709551616", -ERANGE, 0));
	CHECK(u64_is("99999999999999999999999", -ERANGE, 0));
	CHECK(u64_is("0x10000000000000000", -ERANGE, 0));
	CHECK(u64_is("", -EINVAL, 0));
	CHECK(u64_is("0x", -EINVAL, 0));
	CHECK(u64_is("x10", -EINVAL, 0));
	CHECK(u64_is("-1", -EINVAL, 0));
	CHECK(u64_is("+1", -EINVAL, 0));
	CHECK(u64_is(" 1", -EINVAL, 0));
	CHECK(u64_is("1 ", -EINVAL, 0));
	CHECK(u64_is("12a", -EINVAL, 0));
	CHECK(u64_is("0xfg", -EINVAL, 0));
	CHECK(u64_is("1K", -EINVAL, 0));
	CHECK(u64_is("99999999999999999999999x", -EINVAL, 0)); /* junk wins over overflow */
}

static void t_parse_size(void)
{
	CHECK(size_is("4096", 0, 4096));
	CHECK(size_is("0", 0, 0));
	CHECK(size_is("0K", 0, 0));
	CHECK(size_is("64K", 0, 64 << 10));
	CHECK(size_is("64k", 0, 64 << 10));
	CHECK(size_is("256M", 0, 256ULL << 20));
	CHECK(size_is("256m", 0, 256ULL << 20));
	CHECK(size_is("1G", 0, 1ULL << 30));
	CHECK(size_is("3g", 0, 3ULL << 30));
	CHECK(size_is("2T", 0, 2ULL << 40));
	CHECK(size_is("2GiB", 0, 2ULL << 30));
	CHECK(size_is("2GB", 0, 2ULL << 30));
	CHECK(size_is("0x10M", 0, 16ULL << 20));
	CHECK(size_is("0x1B", 0, 0x1b)); /* B is a hex digit here, not a suffix */
	CHECK(size_is("16777215T", 0, 16777215ULL << 40));
	CHECK(size_is("16777216T", -ERANGE, 0));
	CHECK(size_is("17179869184G", -ERANGE, 0));
	CHECK(size_is("18446744073709551615", 0, UINT64_MAX));
	CHECK(size_is("18446744073709551616", -ERANGE, 0));
	CHECK(size_is("99999999999999999999999K", -ERANGE, 0));
	CHECK(size_is("", -EINVAL, 0));
	CHECK(size_is("K", -EINVAL, 0));
	CHECK(size_is("1P", -EINVAL, 0));
	CHECK(size_is("1KK", -EINVAL, 0));
	CHECK(size_is("1Ki", -EINVAL, 0));
	CHECK(size_is("1KiBx", -EINVAL, 0));
	CHECK(size_is("1B", -EINVAL, 0));
	CHECK(size_is("1 G", -EINVAL, 0));
	CHECK(size_is("-1G", -EINVAL, 0));
	CHECK(size_is("1.5G", -EINVAL, 0));
	CHECK(size_is("99999999999999999999999Q", -EINVAL, 0));
}

static bool formats_as(u64 bytes, const char *want)
{
	char buf[FORMAT_SIZE_MAX];
	u64 back = 0;

	format_size(buf, sizeof(buf), bytes);
	if (strcmp(buf, want) || parse_size(buf, &back) || back != bytes) {
		printf("INFO: parse: format_size(%llu) = \"%s\", parsed back %llu\n", bytes, buf, back);
		return false;
	}
	return true;
}

static void t_format_size(void)
{
	char small[4];

	CHECK(formats_as(0, "0"));
	CHECK(formats_as(1, "1"));
	CHECK(formats_as(1023, "1023"));
	CHECK(formats_as(1024, "1K"));
	CHECK(formats_as(4096, "4K"));
	CHECK(formats_as(4097, "4097"));
	CHECK(formats_as(1536ULL << 10, "1536K"));
	CHECK(formats_as(300ULL << 20, "300M"));
	CHECK(formats_as(1ULL << 30, "1G"));
	CHECK(formats_as(3ULL << 30, "3G"));
	CHECK(formats_as(0x9fc00, "639K"));
	CHECK(formats_as(1ULL << 40, "1T"));
	CHECK(formats_as(1ULL << 63, "8388608T"));
	CHECK(formats_as(UINT64_MAX, "18446744073709551615"));
	CHECK(formats_as(UINT64_MAX & ~1023ULL, "18014398509481983K"));
	CHECK(!strcmp(format_size(small, sizeof(small), 123456), "123"));
}

/* A switch is "0" or "1", nothing else; a refusal leaves *out alone. */
static void t_parse_01(void)
{
	bool b = true;

	CHECK(parse_01("0", &b) == 0 && !b);
	CHECK(parse_01("1", &b) == 0 && b);
	static const char *const bad[] = {"", "2", "01", "10", "1 ", " 1", "yes", "on", "true", "-1"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = true;
		CHECK(parse_01(bad[i], &b) == -EINVAL && b);
	}
	CHECK(parse_01(NULL, &b) == -EINVAL && b);
}

static void t_errname(void)
{
	CHECK(!strcmp(errname(-EBUSY), "-EBUSY"));
	CHECK(!strcmp(errname(EBUSY), "EBUSY"));
	CHECK(!strcmp(errname(-EINVAL), "-EINVAL"));
	CHECK(!strcmp(errname(-ECANCELED), "-ECANCELED"));
	CHECK(!strcmp(errname(-EOPNOTSUPP), "-EOPNOTSUPP"));
	CHECK(!strcmp(errname(0), "0"));
	CHECK(!strcmp(errname(-3), "-E?"));
	CHECK(!strcmp(errname(3), "E?"));
	CHECK(!strcmp(errname(-100000), "-E?"));
	CHECK(!strcmp(errname(INT32_MIN), "-E?"));
}

int main(void)
{
	RUN("parse", "parse_u64", t_parse_u64);
	RUN("parse", "parse_size", t_parse_size);
	RUN("parse", "format_size", t_format_size);
	RUN("parse", "parse_01", t_parse_01);
	RUN("parse", "errname", t_errname);
	return test_summary();
}

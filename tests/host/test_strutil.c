/* host-srcs: kernel/lib/strutil.c */
/* The helpers of kernel/lib/strutil.c that the C library lacks: strscpy, strstarts, skip_spaces,
 * strim and split_args (the shell's and `run`'s argv splitting), and strlcpy, which the kernel takes
 * from newlib and the host (glibc before 2.38) from strutil.c. */
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "kernel/errno.h"
#include "lib/string.h"

static void t_strlcpy_strscpy(void)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	CHECK(strlcpy(buf, "hello", sizeof(buf)) == 5 && !strcmp(buf, "hello"));
	CHECK(strlcpy(buf, "hello world", sizeof(buf)) == 11 && !strcmp(buf, "hello w"));
	buf[0] = 'q';
	CHECK(strlcpy(buf, "abc", 0) == 3 && buf[0] == 'q');
	CHECK(strlcpy(buf, "abc", 1) == 3 && buf[0] == 0);
	CHECK(strscpy(buf, "1234567", sizeof(buf)) == 7 && !strcmp(buf, "1234567"));
	CHECK(strscpy(buf, "12345678", sizeof(buf)) == -E2BIG && !strcmp(buf, "1234567"));
	CHECK(strscpy(buf, "", sizeof(buf)) == 0 && buf[0] == 0);
	CHECK(strscpy(buf, "x", 0) == -E2BIG);
	CHECK(strstarts("loglevel=7", "loglevel="));
	CHECK(!strstarts("log", "loglevel="));
	CHECK(strstarts("anything", ""));
}

static void t_split_args(void)
{
	char line[] = "  memory   33\tonline_movable  \n";
	char *argv[4];

	CHECK(split_args(line, argv, 4) == 3);
	CHECK(!strcmp(argv[0], "memory") && !strcmp(argv[1], "33") && !strcmp(argv[2], "online_movable"));
	CHECK(argv[3] == NULL);

	char empty[] = " \t ";
	CHECK(split_args(empty, argv, 4) == 0 && argv[0] == NULL);

	char many[] = "a b c d e";
	CHECK(split_args(many, argv, 4) == -E2BIG);
	CHECK(!strcmp(argv[3], "d"));

	char exact[] = "a b";
	CHECK(split_args(exact, argv, 2) == 2 && !strcmp(argv[1], "b"));

	char trim[] = "  \t padded words \r\n";
	CHECK(!strcmp(strim(trim), "padded words"));
	char blank[] = "   ";
	CHECK(!strcmp(strim(blank), ""));
	CHECK(!strcmp(skip_spaces("\t\n x"), "x"));
}

int main(void)
{
	RUN("strutil", "strlcpy, strscpy, strstarts", t_strlcpy_strscpy);
	RUN("strutil", "split_args, strim, skip_spaces", t_split_args);
	return test_summary();
}

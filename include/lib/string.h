/* Memory and string functions: the C library's (<string.h>: newlib in the kernel, glibc on the host),
 * and the helpers it lacks (kernel/lib/strutil.c). The kernel is compiled with _DEFAULT_SOURCE, so
 * newlib declares its POSIX and BSD functions too (strnlen, strlcpy). */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <string.h>

#include "kernel/types.h"

/* Copies at most size-1 bytes of src and always NUL-terminates when size > 0 (BSD strlcpy).
 * Returns strlen(src): a result >= size means the copy was truncated. */
size_t strlcpy(char *dst, const char *src, size_t size);
/* Linux's strscpy: like strlcpy but returns the number of bytes copied (without the NUL), or -E2BIG
 * when src did not fit (dst then holds the truncated, terminated string). */
long strscpy(char *dst, const char *src, size_t size);
/* True when s begins with prefix. */
bool strstarts(const char *s, const char *prefix);
/* First character of s that is not white space. */
char *skip_spaces(const char *s);
/* Strips leading and trailing white space in place; returns the start of the trimmed string. */
char *strim(char *s);
/* Splits line in place at runs of white space into at most max words, NUL-terminating each, and
 * stores them in argv[0..argc-1] (argv[argc] = NULL when argc < max). Returns argc, or -E2BIG when the
 * line holds more than max words (argv then holds the first max). */
int split_args(char *line, char **argv, int max);

#endif

/* Memory and string functions with the C library's names and contracts (kernel/lib/string.c), and a
 * few helpers for parsing command lines (kernel/lib/strutil.c).
 *
 * On the host (HOST_BUILD) the standard names are the C library's own, so code under test gets
 * ASan-checked versions; the host tests of kernel/lib/string.c compile it under renamed symbols
 * (tests/host/lib_renamed.c), defining LIB_HOST_RENAMED. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "kernel/types.h"

#if defined(HOST_BUILD) && !defined(LIB_HOST_RENAMED)
#include <string.h>
#else
/* mem* move 8 bytes at a time: byte loops run ~7x slower under QEMU's TCG. gcc may also emit calls
 * to memcpy/memset/memmove/memcmp itself, so these names must exist in the kernel. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
#endif

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

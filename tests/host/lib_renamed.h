/* kernel/lib's functions that share their names with the C library, as the host tests see them:
 * tests/host/lib_renamed.c compiles kernel/lib/{string,printf}.c with every such name prefixed hm_,
 * so the test binary holds both versions and compares them. */
#ifndef TESTS_HOST_LIB_RENAMED_H
#define TESTS_HOST_LIB_RENAMED_H

#include <stdarg.h>
#include <stddef.h>

void *hm_memcpy(void *dst, const void *src, size_t n);
void *hm_memmove(void *dst, const void *src, size_t n);
void *hm_memset(void *dst, int c, size_t n);
int hm_memcmp(const void *a, const void *b, size_t n);
void *hm_memchr(const void *s, int c, size_t n);
size_t hm_strlen(const char *s);
size_t hm_strnlen(const char *s, size_t max);
int hm_strcmp(const char *a, const char *b);
int hm_strncmp(const char *a, const char *b, size_t n);
char *hm_strchr(const char *s, int c);
char *hm_strrchr(const char *s, int c);
char *hm_strstr(const char *haystack, const char *needle);
size_t hm_strspn(const char *s, const char *accept);
size_t hm_strcspn(const char *s, const char *reject);
int hm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hm_snprintf(char *buf, size_t size, const char *fmt, ...);

#endif

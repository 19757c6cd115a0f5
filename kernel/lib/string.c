/* The C library's memory and string functions, for the kernel (see include/lib/string.h).
 *
 * Bulk work moves 8 bytes at a time through unaligned 64-bit accesses (x86 does them at full speed,
 * and under QEMU's TCG a byte loop runs ~7x slower than a qword loop), four words per iteration to
 * keep the loop overhead of emulated code down. */
#include "lib/string.h"

/* A 64-bit word at any address that may alias any object. */
typedef u64 __attribute__((may_alias, aligned(1))) unaligned_u64;

/* gcc recognizes copy and fill loops and replaces them with calls to memcpy/memset, which inside
 * memcpy/memset themselves would recurse forever. */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

#define LOAD(p)	    (*(const unaligned_u64 *)(p))
#define STORE(p, v) (*(unaligned_u64 *)(p) = (v))

/* Copies n bytes upward. Also safe for overlapping buffers when dst < src: every word is read
 * before the bytes below the next unread one are written. */
static NO_LIBCALL void copy_forward(u8 *d, const u8 *s, size_t n)
{
	for (; n >= 32; n -= 32, d += 32, s += 32) {
		u64 a = LOAD(s), b = LOAD(s + 8), c = LOAD(s + 16), e = LOAD(s + 24);

		STORE(d, a);
		STORE(d + 8, b);
		STORE(d + 16, c);
		STORE(d + 24, e);
	}
	for (; n >= 8; n -= 8, d += 8, s += 8)
		STORE(d, LOAD(s));
	while (n--)
		*d++ = *s++;
}

/* Copies n bytes downward, from the end: safe for overlapping buffers when dst > src. */
static NO_LIBCALL void copy_backward(u8 *d, const u8 *s, size_t n)
{
	d += n;
	s += n;
	for (; n >= 32; n -= 32) {
		d -= 32;
		s -= 32;
		u64 a = LOAD(s + 24), b = LOAD(s + 16), c = LOAD(s + 8), e = LOAD(s);

		STORE(d + 24, a);
		STORE(d + 16, b);
		STORE(d + 8, c);
		STORE(d, e);
	}
	for (; n >= 8; n -= 8) {
		d -= 8;
		s -= 8;
		STORE(d, LOAD(s));
	}
	while (n--)
		*--d = *--s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	if (d - s >= n) /* dst below src, or past its end: an upward copy never overwrites unread bytes */
		copy_forward(dst, src, n);
	else
		copy_backward(dst, src, n);
	return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	u64 v = 0x0101010101010101ULL * (u8)c;

	for (; n >= 32; n -= 32, d += 32) {
		STORE(d, v);
		STORE(d + 8, v);
		STORE(d + 16, v);
		STORE(d + 24, v);
	}
	for (; n >= 8; n -= 8, d += 8)
		STORE(d, v);
	while (n--)
		*d++ = (u8)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *p = a, *q = b;

	/* Skip equal words; the first differing byte decides, so finish bytewise. */
	for (; n >= 8 && LOAD(p) == LOAD(q); n -= 8, p += 8, q += 8)
		;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const u8 *p = s;

	for (; n; n--, p++)
		if (*p == (u8)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const u8 *p = (const u8 *)a, *q = (const u8 *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return (*p > *q) - (*p < *q);
}

int strncmp(const char *a, const char *b, size_t n)
{
	const u8 *p = (const u8 *)a, *q = (const u8 *)b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
		if (!*p)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return (char *)haystack;
	for (; *haystack; haystack++)
		if (*haystack == *needle && !strncmp(haystack, needle, n))
			return (char *)haystack;
	return NULL;
}

size_t strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] && strchr(accept, s[n]))
		n++;
	return n;
}

size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] && !strchr(reject, s[n]))
		n++;
	return n;
}

/* Formatted output into a buffer (kernel/lib/printf.c), C99 semantics.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%; length modifiers hh h l ll z j t; flags - 0 + space #;
 * width and precision, either given as `*`. Differences from the C library, on purpose:
 *   - %p prints "0x" and exactly 16 hex digits (0x0000000000001000), so columns line up;
 *   - %s of NULL prints "(null)" (a precision may cut it);
 *   - no floating point, no %n; an unknown conversion is copied to the output as written.
 * On the host (HOST_BUILD) these are the C library's, except in the tests of printf.c itself, which
 * compile it under renamed symbols (LIB_HOST_RENAMED). */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include "kernel/compiler.h"

#if defined(HOST_BUILD) && !defined(LIB_HOST_RENAMED)
#include <stdio.h>
#else
/* Writes at most size bytes including the terminating NUL (none when size is 0) and returns the
 * length the full output would have had: a result >= size means the output was truncated. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
#endif

/* Like vsnprintf, but returns the number of characters actually stored (without the NUL), so calls
 * can append: `n += scnprintf(buf + n, sizeof(buf) - n, ...)` never runs past the buffer. */
static inline int vscnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);

	if (n < 0 || size == 0)
		return 0;
	return (size_t)n >= size ? (int)(size - 1) : n;
}

static inline __printf(3, 4) int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#endif

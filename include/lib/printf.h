/* Formatted output into a buffer: the C library's snprintf and vsnprintf (<stdio.h>: newlib's in the
 * kernel, glibc's on the host; C99, with long long and the C99 length modifiers z j t). printk formats
 * with them (docs/BENCHMARKS.md "printk" measured the cost). %p prints 0x and the digits it needs. */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include <stdio.h>

#include "kernel/compiler.h"

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

#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include "kernel/compiler.h"

/* Prints "panic: <message>" and leaves QEMU with the failure code (35). Never returns. Only for
 * conditions no caller can cause and no code can recover from: broken boot data, kernel bugs. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define BUG_ON(cond)                                                                                         \
	do {                                                                                                 \
		if (unlikely(cond))                                                                          \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond);                                \
	} while (0)

#endif

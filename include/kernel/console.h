/* The console the kernel talks through (the 16550 serial port on x86). */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "kernel/types.h"

void console_init(void);
/* Writes n bytes; "\n" goes out as "\r\n". */
void console_write(const char *s, size_t n);
/* Returns the next input byte, or -1 when none is waiting. Never blocks. */
int console_getc(void);

#endif

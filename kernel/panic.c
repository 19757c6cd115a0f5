#include "kernel/exit.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/printf.h"

void panic(const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	arch_irq_save(); /* interrupts stay off from here on */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk(KERN_EMERG "panic: %s\n", buf);
	qemu_exit(false);
}

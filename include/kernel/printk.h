/* Kernel log: printk with Linux-style level prefixes, kept in a ring buffer (dmesg) and printed to
 * the console when the level passes `loglevel=`. Subsystems prefix their lines ("mm: ...").
 * On the host the tests provide their own printk (tests/host/support). */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include "kernel/compiler.h"

#define KERN_SOH     "\001"
#define KERN_EMERG   KERN_SOH "0"
#define KERN_ALERT   KERN_SOH "1"
#define KERN_CRIT    KERN_SOH "2"
#define KERN_ERR     KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE  KERN_SOH "5"
#define KERN_INFO    KERN_SOH "6"
#define KERN_DEBUG   KERN_SOH "7"

#define LOGLEVEL_DEFAULT 7 /* messages with a level below this number reach the console: 0..6 */

int printk(const char *fmt, ...) __printf(1, 2);
/* Console threshold (`loglevel=N`): messages whose level is below it are printed. */
extern int console_loglevel;
/* Print every line of the log ring to the console (the `dmesg` command). */
void printk_dump_ring(void);
int vprintk(const char *fmt, va_list ap);
/* Registers the function called before each line that goes to the console (NULL: none). The shell
 * registers one to keep log lines off the line its prompt is on; printk knows nothing of the shell. */
void printk_set_console_hook(void (*before_line)(void));

#define pr_emerg(fmt, ...)  printk(KERN_EMERG fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)    printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)   printk(KERN_WARNING fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)   printk(KERN_INFO fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)  printk(KERN_DEBUG fmt, ##__VA_ARGS__)

#endif

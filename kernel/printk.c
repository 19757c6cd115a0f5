/* printk: formats a message, keeps it in the log ring (dmesg) and prints it on the console when its
 * level is below console_loglevel. Lines are assembled until '\n', so several printk calls may build
 * one line. Before a line goes to the console the console hook runs, if one is registered: the shell's
 * puts a line printed while it waits at its prompt on a line of its own (kernel/shell/shell.c). */
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/parse.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LOG_RING_SIZE 65536
#define LINE_MAX      512

int console_loglevel = LOGLEVEL_DEFAULT;

static char ring[LOG_RING_SIZE];
static size_t ring_head; /* total bytes ever written; ring[ring_head % size] is next */
static char line[LINE_MAX];
static size_t line_len;
static int line_level = -1;
static spinlock_t log_lock = SPINLOCK_INIT;

static void (*console_hook)(void);

void printk_set_console_hook(void (*before_line)(void))
{
	console_hook = before_line;
}

static void ring_put(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ring[(ring_head + i) % LOG_RING_SIZE] = s[i];
	ring_head += n;
}

static void flush_line(void)
{
	int level = line_level < 0 ? 4 : line_level;
	line[line_len++] = '\n';
	ring_put(line, line_len);
	if (level < console_loglevel) {
		if (console_hook)
			console_hook();
		console_write(line, line_len);
	}
	line_len = 0;
	line_level = -1;
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[LINE_MAX];
	int level = -1;
	if (fmt[0] == KERN_SOH[0] && fmt[1] >= '0' && fmt[1] <= '7') {
		level = fmt[1] - '0';
		fmt += 2;
	}
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = strnlen(buf, sizeof(buf) - 1);

	unsigned long flags;
	spin_lock_irqsave(&log_lock, flags);
	if (level >= 0 && line_len == 0)
		line_level = level;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			flush_line();
			continue;
		}
		if (line_len < LINE_MAX - 1)
			line[line_len++] = buf[i];
		if (line_len == LINE_MAX - 1)
			flush_line();
	}
	spin_unlock_irqrestore(&log_lock, flags);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void printk_dump_ring(void)
{
	size_t start = ring_head > LOG_RING_SIZE ? ring_head - LOG_RING_SIZE : 0;
	size_t i = start;
	/* when the ring has wrapped, skip the first partial line */
	if (start > 0)
		while (i < ring_head && ring[i % LOG_RING_SIZE] != '\n')
			i++;
	char chunk[128];
	size_t c = 0;
	for (; i < ring_head; i++) {
		chunk[c++] = ring[i % LOG_RING_SIZE];
		if (c == sizeof(chunk)) {
			console_write(chunk, c);
			c = 0;
		}
	}
	console_write(chunk, c);
}

static int set_loglevel(const char *val)
{
	u64 v;
	if (!val || parse_u64(val, &v) < 0 || v > 8)
		return -EINVAL;
	console_loglevel = (int)v;
	return 0;
}
CMDLINE_PARAM_VALID(loglevel, "loglevel", set_loglevel, "0-8");

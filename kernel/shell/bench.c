/* `printk-bench [N]`: what one printk costs the caller, measured in the kernel (TSC clock): N calls
 * of the formatter alone (vsnprintf of a typical log line into a buffer) and N printk calls at
 * KERN_DEBUG, which format and go to the log ring but not to the console (the serial port would be
 * all that is measured otherwise). scripts/bench runs it; docs/BENCHMARKS.md keeps the figures. */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "kernel/timer.h"
#include "lib/parse.h"
#include "lib/printf.h"

#define BENCH_DEFAULT_CALLS 20000

static __printf(3, 4) int format_one(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static u64 ns_per_call(u64 start, u64 calls)
{
	return (ktime_ns() - start) / calls;
}

static int cmd_printk_bench(int argc, char **argv)
{
	u64 calls = BENCH_DEFAULT_CALLS;
	char buf[160];
	u64 start;
	int saved;

	if (argc > 2 || (argc == 2 && (parse_u64(argv[1], &calls) || calls == 0 || calls > 10000000)))
		return shell_error("printk-bench", -EINVAL, "usage: printk-bench [CALLS] (1..10000000)");

	start = ktime_ns();
	for (u64 i = 0; i < calls; i++)
		format_one(buf, sizeof(buf), "virtio-mem: plugged block %lu at 0x%016llx (%s), %llu kB, %d%%",
			   (unsigned long)i, 0x140000000ULL + (i << 21), "movable", i * 2048, (int)(i % 100));
	u64 fmt_ns = ns_per_call(start, calls);

	/* Level 7 is below the console only at loglevel 8: keep the console out of the loop. */
	saved = console_loglevel;
	console_loglevel = 7;
	start = ktime_ns();
	for (u64 i = 0; i < calls; i++)
		printk(KERN_DEBUG "virtio-mem: plugged block %lu at 0x%016llx (%s), %llu kB, %d%%\n",
		       (unsigned long)i, 0x140000000ULL + (i << 21), "movable", i * 2048, (int)(i % 100));
	u64 printk_ns = ns_per_call(start, calls);
	console_loglevel = saved;

	shell_printf(
	    "printk-bench: %llu calls: vsnprintf %llu ns per call, printk (ring only) %llu ns per call\n",
	    calls, fmt_ns, printk_ns);
	return 0;
}
SHELL_COMMAND(printk_bench, "printk-bench", "printk-bench [CALLS]",
	      "time the formatter and printk (log ring only) per call", cmd_printk_bench);

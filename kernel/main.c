/* kmain: the order of a boot (docs/ARCHITECTURE.md, "A boot, step by step"). */
#include "drivers/acpi.h"
#include "drivers/pci.h"
#include "drivers/virtio_balloon.h"
#include "drivers/virtio_mem.h"
#include "drivers/virtio_mmio.h"
#include "drivers/virtio_pci.h"
#include "drivers/vmemcheck.h"
#include "kernel/app.h"
#include "kernel/app_heap.h"
#include "kernel/arch.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/exit.h"
#include "kernel/iomem.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/shell.h"
#include "kernel/timer.h"
#include "kernel/workqueue.h"
#include "lib/string.h"
#include "mm/init.h"

static struct boot_info boot_info;

static void print_memory_map(const struct boot_info *bi)
{
	printk("memory map (%u regions):\n", bi->nr_regions);
	for (u32 i = 0; i < bi->nr_regions; i++) {
		const struct mem_region *r = &bi->regions[i];
		printk("  e820: [mem 0x%016llx-0x%016llx] %s\n", r->start, (r->start + r->size - 1),
		       boot_mem_type_name(r->type));
	}
	u64 usable = boot_info_usable_bytes(bi);
	printk("usable RAM: %llu bytes (%llu MiB)\n", usable, (usable >> 20));
}

/* Every region of the memory map, reserved ones too, is the firmware's: no device may be handed it. */
static void claim_memory_map(const struct boot_info *bi)
{
	for (u32 i = 0; i < bi->nr_regions; i++)
		iomem_claim(bi->regions[i].start, bi->regions[i].size, "e820 %s",
			    boot_mem_type_name(bi->regions[i].type));
}

void kmain(u32 magic, u32 info)
{
	console_init();
	arch_early_init();
	printk("\nhotmem %s (x86_64)\n", HOTMEM_VERSION);
	arch_setup_boot_info(magic, info, &boot_info);
	printk("boot loader: %s\n", boot_info.loader);
	printk("command line: %s\n", boot_info.cmdline);
	cmdline_parse(boot_info.cmdline);
	print_memory_map(&boot_info);
	claim_memory_map(&boot_info);
	/* While the early direct map still covers the firmware's tables (phys 0..4 GiB). */
	acpi_init(boot_info.rsdp);
	/* Replaces the early direct map with one of RAM only (include/mm/arch.h). */
	mm_init(&boot_info);
	/* programs: the copy of their data and newlib's that each run starts from */
	if (app_init() < 0)
		printk(KERN_ERR
		       "app: no memory for the programs' data copy: run will refuse to start them\n");
	/* cpu: interrupt controller, then the clock and tick (interrupts are on from here) */
	const struct acpi_info *ai = acpi_get_info();
	irq_init(ai && ai->madt ? &ai->irq : NULL);
	time_init(ai ? &ai->pm_timer : NULL);
	/* threads: this code goes on as thread `main` (the shell); deferred work gets its kworker */
	sched_init();
	app_heap_setup(); /* vheap's OOM retry, for every heap */
	workqueue_start_worker();
	/* devices */
	pci_init(&boot_info);
	virtio_pci_init();
	virtio_mmio_init();
	if (vmemcheck_requested_at_boot())
		vmemcheck_boot(); /* instead of the virtio-mem driver; leaves QEMU */
	virtio_mem_init();
	virtio_balloon_init();

	if (ktest_requested_at_boot()) {
		int failed = ktest_run_all(NULL);
		qemu_exit(failed == 0);
	}
	u64 cycles = arch_read_tsc() - arch_boot_tsc();
	printk("boot: shell ready after %llu TSC cycles\n", cycles);
	shell_run();
}

/* ---- commands about the machine as a whole ---- */
static int cmd_poweroff(int argc, char **argv)
{
	printk("poweroff: bye\n");
	machine_poweroff();
}
SHELL_COMMAND(poweroff, "poweroff", "poweroff", "power the machine off (QEMU exits with status 33)",
	      cmd_poweroff);

static int cmd_reboot(int argc, char **argv)
{
	printk("reboot: resetting\n");
	machine_reboot();
}
SHELL_COMMAND(reboot, "reboot", "reboot", "reset the machine", cmd_reboot);

static int overflow_thread_stack(void *arg)
{
	arch_crash(true);
	return -EFAULT;
}

static int cmd_crash(int argc, char **argv)
{
	bool stack = argc > 1 && strcmp(argv[1], "stack") == 0;
	bool thread = argc > 1 && strcmp(argv[1], "thread-stack") == 0;
	if (argc > 2 || (argc == 2 && !stack && !thread))
		return shell_error("crash", -EINVAL, "usage: crash [stack|thread-stack]");
	if (thread) {
		printk("crash: overflowing a thread's stack on purpose\n");
		struct task *t = kthread_create(overflow_thread_stack, NULL, "crash");
		if (!t)
			return shell_error("crash", -ENOMEM,
					   "no thread could be created (see the sched: line)");
		kthread_join(t); /* the fault ends QEMU first */
		return shell_error("crash", -EFAULT, "the fault did not happen");
	}
	printk(stack ? "crash: overflowing the kernel stack on purpose\n"
		     : "crash: touching an unmapped address on purpose\n");
	arch_crash(stack);
	return shell_error("crash", -EFAULT, "the fault did not happen");
}
SHELL_COMMAND(
    crash, "crash", "crash [stack|thread-stack]",
    "fault on purpose (stack, thread-stack: overflow the shell's or a new thread's stack into its guard "
    "page) to show the fault report (exit 35)",
    cmd_crash);

static int cmd_selftest(int argc, char **argv)
{
	char areas[200];

	if (argc > 2)
		return shell_error("selftest", -EINVAL, "one area at most; usage: selftest [AREA]");
	if (argc == 2 && !ktest_count(argv[1]))
		return shell_error("selftest", -ENOENT,
				   "no tests in area '%s' (nothing run); the areas are: %s", argv[1],
				   ktest_areas(areas, sizeof(areas)));
	int failed = ktest_run_all(argc > 1 ? argv[1] : NULL);
	return failed ? shell_error("selftest", -EIO, "%d tests failed", failed) : 0;
}
SHELL_COMMAND(selftest, "selftest", "selftest [AREA]", "run the in-kernel tests (of one area)", cmd_selftest);

static int cmd_cmdline(int argc, char **argv)
{
	shell_printf("%s\n", *skip_spaces(cmdline_get()) ? cmdline_get() : "(empty)");
	return 0;
}
SHELL_COMMAND(cmdline, "cmdline", "cmdline", "print the kernel command line ('(empty)' when there is none)",
	      cmd_cmdline);

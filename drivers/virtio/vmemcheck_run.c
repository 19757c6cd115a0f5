/* vmemcheck: the `vmemcheck[=S]` boot parameter and the boot mode, and the `vmemcheck [N] [wait S]`
 * shell command, which borrows a device from the virtio-mem driver (docs/INTERFACE.md). */
#include "drivers/virtio_mem_driver.h"
#include "drivers/vmemcheck.h"
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/exit.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "lib/parse.h"
#include "lib/string.h"

static bool at_boot;
static unsigned boot_wait_s = VMEMCHECK_WAIT_DEFAULT_S;

static int set_vmemcheck(const char *val)
{
	u64 s;

	if (val && (parse_u64(val, &s) || s > VMEMCHECK_WAIT_MAX_S))
		return -EINVAL; /* a bad value changes nothing */
	if (val)
		boot_wait_s = (unsigned)s;
	at_boot = true;
	return 0;
}
CMDLINE_PARAM_VALID(vmemcheck, "vmemcheck", set_vmemcheck,
		    "no value, or the seconds to wait for the host to change requested_size (0-600)");

bool vmemcheck_requested_at_boot(void)
{
	return at_boot;
}

static void print_console(const char *line)
{
	printk("%s\n", line);
}

void vmemcheck_boot(void)
{
	struct vmemcheck c = {.wait_s = boot_wait_s, .print = print_console};

	printk("vmemcheck: checking every virtio-mem device; the virtio-mem driver is not started\n");
	vmemcheck_all(&c);
	bool ok = c.failed == 0;
	printk("vmemcheck: %s; leaving QEMU with status %d\n", ok ? "every check passed" : "checks failed",
	       ok ? 33 : 35);
	qemu_debug_exit_try(ok);
	machine_poweroff(); /* a VMM without isa-debug-exit: ACPI power-off */
}

static void print_shell(const char *line)
{
	shell_printf("%s\n", line);
}

static int cmd_vmemcheck(int argc, char **argv)
{
	struct vmemcheck c = {.wait_s = VMEMCHECK_WAIT_DEFAULT_S, .print = print_shell};
	unsigned first = 0, last, nr = virtio_mem_count(), refused = 0;
	int i = 1;
	u64 v;
	char why[240];

	if (!nr)
		return shell_error("vmemcheck", -ENODEV, "no virtio-mem device");
	last = nr - 1;
	if (i < argc && strcmp(argv[i], "wait")) {
		if (parse_u64(argv[i], &v) || v >= nr)
			return shell_error("vmemcheck", -EINVAL,
					   "no device %s (the devices are 0-%u); usage: %s", argv[i], nr - 1,
					   "vmemcheck [N] [wait S]");
		first = last = (unsigned)v;
		i++;
	}
	if (i < argc) {
		if (strcmp(argv[i], "wait") || i + 1 >= argc || parse_u64(argv[i + 1], &v) ||
		    v > VMEMCHECK_WAIT_MAX_S)
			return shell_error("vmemcheck", -EINVAL,
					   "bad argument '%s'; usage: vmemcheck [N] [wait S], S seconds 0-%u",
					   argv[i], VMEMCHECK_WAIT_MAX_S);
		c.wait_s = (unsigned)v;
		i += 2;
	}
	if (i < argc)
		return shell_error("vmemcheck", -EINVAL, "too many arguments; usage: vmemcheck [N] [wait S]");

	vmemcheck_begin(&c);
	for (unsigned n = first; n <= last; n++) {
		struct virtio_mem *vm = virtio_mem_get(n);
		int err = vmem_lend(vm, why, sizeof(why));
		if (!err) {
			err = vmemcheck_device(&c, vm, why, sizeof(why));
			vmem_give_back(vm);
		}
		if (err) {
			refused++;
			shell_error("vmemcheck", err, "%s is in use, left alone: %s", vm->name, why);
		}
	}
	vmemcheck_end(&c);
	if (refused)
		return -EBUSY;
	if (c.failed)
		return shell_error("vmemcheck", -EIO, "%u of %u checks failed", c.failed, c.n);
	return 0;
}
SHELL_COMMAND(vmemcheck, "vmemcheck", "vmemcheck [N] [wait S]",
	      "conformance report of virtio-mem device N (with nothing plugged), as TAP", cmd_vmemcheck);

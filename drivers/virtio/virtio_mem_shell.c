/* virtio-mem: the `virtio-mem [N]` and `memmap [N]` shell commands (INTERFACE.md). */
#include "drivers/virtio_mem_driver.h"
#include "kernel/errno.h"
#include "kernel/shell.h"
#include "lib/parse.h"
#include "lib/size.h"
#include "mm/arch.h"

static int pick(const char *cmd, int argc, char **argv, unsigned *first, unsigned *last)
{
	u64 n;

	if (!virtio_mem_count())
		return shell_error(cmd, -ENODEV, "no virtio-mem device");
	*first = 0;
	*last = virtio_mem_count() - 1;
	if (argc < 2)
		return 0;
	if (parse_u64(argv[1], &n) || n >= virtio_mem_count())
		return shell_error(cmd, -EINVAL, "no device %s (there are %u)", argv[1], virtio_mem_count());
	*first = *last = (unsigned)n;
	return 0;
}

/* One character per unit of memory block mb (SBM) or per memory block (BBM). */
static char unit_char(const struct vmem_state *st, unsigned long mb, unsigned long u)
{
	bool plugged = vmem_is_plugged(st, u);

	switch (vmem_mb_state(st, mb)) {
	case VMEM_MB_ONLINE_MOVABLE:
	case VMEM_MB_ONLINE_KERNEL:
		return plugged ? '#' : '_';
	case VMEM_MB_OFFLINE:
		return plugged ? 'o' : '-';
	default:
		return plugged ? '+' : '.';
	}
}

static void mb_map(const struct vmem_state *st, unsigned long mb, char *buf)
{
	unsigned long u0 = vmem_mb_first_unit(st, mb);
	unsigned n = vmem_mb_nr_units(st);

	for (unsigned i = 0; i < n; i++)
		buf[i] = unit_char(st, mb, u0 + i);
	buf[n] = 0;
}

static void show_device(struct virtio_mem *vm)
{
	struct vmem_state *st = &vm->st;
	struct virtio_mem_config *c = &vm->cfg;
	struct virtio_device *vdev = vm->vdev;

	shell_printf(
	    "%s: %s at %s, %s, features%s%s%s\n", vm->name, vdev->name, vdev->bus_name ? vdev->bus_name : "?",
	    vmem_mode_name(st->mode), virtio_has_feature(vdev, VIRTIO_F_VERSION_1) ? " VERSION_1" : "",
	    virtio_has_feature(vdev, VIRTIO_MEM_F_ACPI_PXM) ? " ACPI_PXM" : "",
	    virtio_has_feature(vdev, VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE) ? " UNPLUGGED_INACCESSIBLE" : "");
	shell_printf(
	    "  region 0x%llx-0x%llx (%llu MiB), block %llu KiB, %s %llu KiB, memory blocks %llu-%llu",
	    c->addr, (c->addr + c->region_size - 1), (c->region_size >> 20), (c->block_size >> 10),
	    st->mode == VMEM_SBM ? "sub-block" : "big block", (st->unit_size >> 10), st->mb_first,
	    (st->mb_first + st->nr_mb - 1));
	if (virtio_has_feature(vdev, VIRTIO_MEM_F_ACPI_PXM))
		shell_printf(", node %u", c->node_id);
	shell_printf("\n");
	shell_printf(
	    "  requested %llu, plugged %llu (driver: %llu), usable region %llu (requested %s, plugged %s, "
	    "usable %s)\n",
	    c->requested_size, c->plugged_size, vmem_plugged_bytes(st), c->usable_region_size,
	    human_size(c->requested_size).s, human_size(c->plugged_size).s,
	    human_size(c->usable_region_size).s);
	if (vm->broken)
		shell_printf("  state: broken: %s\n", vm->broken_why);
	else if (delayed_work_pending(&vm->work) && vm->last_error[0])
		shell_printf("  state: waiting to retry (back-off %u ms, %llu retries)\n", vm->backoff_ms,
			     vm->retries);
	else
		shell_printf("  state: %s\n", vm->resizing ? "resizing" : "idle");
	if (vm->last_error[0])
		shell_printf("  last failure: %s\n", vm->last_error);
	shell_printf(
	    "  last resize: %llu us: requests %llu us (%llu), add %llu us, online %llu us, unplug %llu us\n",
	    vm->last_resize_us, (vm->times[VMEM_T_REQUEST] / 1000), vm->nr_requests,
	    (vm->times[VMEM_T_ADD] / 1000), (vm->times[VMEM_T_ONLINE] / 1000),
	    (vm->times[VMEM_T_UNPLUG] / 1000));
	shell_printf("  requests:");
	for (int t = 0; t < VIRTIO_MEM_NR_REQ_TYPES; t++) {
		shell_printf(" %s", vmem_req_name(t));
		/* lower case and "err": no success line of the shell says "error" (INTERFACE.md) */
		static const char *const answer[VIRTIO_MEM_NR_RESP_TYPES] = {"ack", "nack", "busy", "err"};
		for (int r = 0; r < VIRTIO_MEM_NR_RESP_TYPES; r++)
			shell_printf(" %s=%llu", answer[r], vm->counters[t][r]);
		shell_printf(t + 1 < VIRTIO_MEM_NR_REQ_TYPES ? ";" : "\n");
	}
	if (vm->violations)
		shell_printf("  protocol violations: %llu\n", vm->violations);

	unsigned long used = 0;
	char map[130];
	for (unsigned long mb = 0; mb < st->nr_mb; mb++) {
		unsigned plugged = vmem_mb_plugged(st, mb);
		if (!plugged && !vmem_mb_added(st, mb))
			continue;
		used++;
		shell_printf("  memory%llu: %s, plugged %u/%u", (st->mb_first + mb),
			     vmem_mb_state_name(vmem_mb_state(st, mb)), plugged, vmem_mb_nr_units(st));
		if (st->mode == VMEM_SBM && plugged != st->units_per_mb) {
			mb_map(st, mb, map);
			shell_printf("  [%s]", map);
		}
		shell_printf("\n");
	}
	if (!used)
		shell_printf("  no memory block in use\n");
}

static int cmd_virtio_mem(int argc, char **argv)
{
	unsigned first, last;
	int err = pick("virtio-mem", argc, argv, &first, &last);

	if (err)
		return err;
	for (unsigned i = first; i <= last; i++)
		show_device(virtio_mem_get(i));
	return 0;
}
SHELL_COMMAND(virtio_mem, "virtio-mem", "virtio-mem [N]",
	      "virtio-mem devices: config, mode, plugged/requested, blocks, requests", cmd_virtio_mem);

static void show_map(struct virtio_mem *vm)
{
	struct vmem_state *st = &vm->st;
	char map[130];

	shell_printf("%s: [0x%llx-0x%llx], one character per %s (%llu KiB)\n", vm->name, st->addr,
		     (st->addr + st->region_size - 1), st->mode == VMEM_SBM ? "sub-block" : "memory block",
		     ((st->mode == VMEM_SBM ? st->unit_size : VMEM_MEMORY_BLOCK_SIZE) >> 10));
	if (st->first_addr != st->addr)
		shell_printf("  [0x%llx-0x%llx] not a whole memory block: unused\n", st->addr,
			     (st->first_addr - 1));
	if (st->mode == VMEM_SBM) {
		for (unsigned long mb = 0; mb < st->nr_mb; mb++) {
			mb_map(st, mb, map);
			shell_printf("  memory%-5llu %s\n", (st->mb_first + mb), map);
		}
	} else {
		for (unsigned long mb = 0; mb < st->nr_mb; mb += 64) {
			unsigned n = 0;
			for (unsigned long b = mb; b < st->nr_mb && b < mb + 64; b++)
				map[n++] = unit_char(st, b, vmem_mb_first_unit(st, b));
			map[n] = 0;
			shell_printf("  memory%-5llu %s\n", (st->mb_first + mb), map);
		}
	}
	u64 end = st->first_addr + (u64)st->nr_mb * VMEM_MEMORY_BLOCK_SIZE;
	if (end != st->addr + st->region_size)
		shell_printf("  [0x%llx-0x%llx] not a whole memory block: unused\n", end,
			     (st->addr + st->region_size - 1));
	shell_printf("  legend: # plugged, online   o plugged, offline   + plugged, not added\n"
		     "          _ unplugged, PageOffline in an online block   - unplugged in an offline block"
		     "   . unplugged\n");
}

static int cmd_memmap(int argc, char **argv)
{
	unsigned first, last;
	int err = pick("memmap", argc, argv, &first, &last);

	if (err)
		return err;
	for (unsigned i = first; i <= last; i++)
		show_map(virtio_mem_get(i));
	return 0;
}
SHELL_COMMAND(memmap, "memmap", "memmap [N]", "picture of virtio-mem device N's region", cmd_memmap);

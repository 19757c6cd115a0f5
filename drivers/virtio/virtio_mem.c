/* virtio-mem: probe, and the work that moves plugged_size toward requested_size.
 *
 * A config change (or the probe) queues the resize work. One pass of the work (virtio_mem_resize.c)
 * reads the configuration, plans the next units to plug or unplug (virtio_mem_state.c), asks the
 * device (virtio_mem_req.c) and lets mm use or give up the memory (virtio_mem_mm.c), until the plugged
 * size reaches the requested one. What cannot be done now (BUSY, out of memory, pages that do not move) is
 * retried by a back-off timer, doubled after each try that made no progress and reset by progress. A device
 * that breaks the protocol is left alone; what is plugged stays usable. */
#include "drivers/virtio_mem_driver.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/iomem.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/size.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/slab.h"

LIST_HEAD(vmem_devices);
static struct virtio_mem *vmem_by_id[VMEM_MAX_DEVICES];
static unsigned vmem_nr;

struct virtio_mem *virtio_mem_get(unsigned n)
{
	return n < vmem_nr ? vmem_by_id[n] : NULL;
}

unsigned virtio_mem_count(void)
{
	return vmem_nr;
}

void vmem_set_broken(struct virtio_mem *vm, const char *fmt, ...)
{
	va_list ap;

	if (vm->broken)
		return;
	va_start(ap, fmt);
	vscnprintf(vm->broken_why, sizeof(vm->broken_why), fmt, ap);
	va_end(ap);
	vm->broken = true;
	pr_err("%s: device broken: %s\n", vm->name, vm->broken_why);
	if (!vm->removed)
		virtio_set_failed(vm->vdev); /* the driver gives up on it: the device is told */
	if (vm->work.work.func)
		cancel_delayed_work(&vm->work);
}

void vmem_run_work(struct virtio_mem *vm)
{
	bool progress = false;
	int err;

	if (vm->broken || vm->lent)
		return;
	err = vmem_resize(vm, &progress);
	if (progress)
		vm->backoff_ms = VMEM_BACKOFF_MIN_MS;
	if (err == -EAGAIN && !vm->broken) {
		if (strcmp(vm->last_error, vm->reported_error)) {
			pr_warn("%s: %s; retrying in %u ms\n", vm->name, vm->last_error, vm->backoff_ms);
			memcpy(vm->reported_error, vm->last_error, sizeof(vm->reported_error));
		}
		vm->retries++;
		schedule_delayed_work(&vm->work, vm->backoff_ms);
		vm->backoff_ms = min(vm->backoff_ms * 2, (unsigned)VMEM_BACKOFF_MAX_MS);
	} else if (!err) {
		vm->reported_error[0] = 0;
		vm->backoff_ms = VMEM_BACKOFF_MIN_MS;
	}
}

static void virtio_mem_work(struct work_struct *w)
{
	vmem_run_work(container_of(to_delayed_work(w), struct virtio_mem, work));
}

/* A resize starts with the first config change after the last one ended (or after one that could not
 * be reached); further changes during it keep its start time. */
static void start_resize(struct virtio_mem *vm)
{
	if (!vm->resizing || vm->cannot_reach) {
		vm->resizing = true;
		vm->cannot_reach = false;
		vm->resize_start_ns = arch_now_ns();
		memset(vm->times, 0, sizeof(vm->times));
		vm->nr_requests = 0;
	}
}

/* ---- virtio driver ---- */

static void vmem_vq_done(struct virtqueue *vq)
{
	(void)vq; /* answers are reaped by the request that waits for them */
}

static void vmem_free(struct virtio_mem *vm)
{
	vmem_state_free(&vm->st);
	kfree(vm->refs_dropped);
	kfree(vm->req);
	kfree(vm->resp);
	kfree(vm);
}

int vmem_setup_requests(struct virtio_mem *vm)
{
	vq_callback_t *cbs[] = {vmem_vq_done};
	const char *const names[] = {"virtio-mem.req"};
	int err = -ENOMEM;

	vm->req = kzalloc(sizeof(*vm->req), GFP_KERNEL);
	vm->resp = kzalloc(sizeof(*vm->resp), GFP_KERNEL);
	if (vm->req && vm->resp)
		err = virtio_find_vqs(vm->vdev, 1, &vm->vq, cbs, names);
	if (err) {
		kfree(vm->req);
		kfree(vm->resp);
		vm->req = NULL;
		vm->resp = NULL;
	}
	return err;
}

/* The device's region must be memory this CPU can address, and nobody else's: no region of the
 * firmware's memory map (reserved ones too), no ACPI table, no PCI BAR (include/kernel/iomem.h).
 * 0, or -EINVAL / -EBUSY with the reason in why. */
static int vmem_check_region_claims(const struct virtio_mem_config *c, char *why, size_t n)
{
	unsigned bits = arch_phys_addr_bits();
	u64 end = c->addr + c->region_size; /* no overflow: vmem_config_check */

	if (bits < 64 && end > 1ULL << bits) {
		snprintf(why, n, "the region ends above the CPU's %u-bit physical address space (0x%llx)",
			 bits, (1ULL << bits));
		return -EINVAL;
	}
	const struct iomem_claim *o = iomem_find_claim(c->addr, c->region_size);
	if (o) {
		snprintf(why, n, "the region overlaps %s [mem 0x%llx-0x%llx]", o->name, o->start, o->end);
		return -EBUSY;
	}
	return 0;
}

static int virtio_mem_probe(struct virtio_device *vdev)
{
	struct virtio_mem *vm;
	struct virtio_mem_config c;
	const char *why = NULL;
	char claim_why[128];
	int err;

	if (vmem_nr == VMEM_MAX_DEVICES) {
		pr_err("virtio-mem: %s: more than %d devices; left alone\n", vdev->name, VMEM_MAX_DEVICES);
		return -ENOSPC;
	}
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	vm->id = (int)vmem_nr;
	snprintf(vm->name, sizeof(vm->name), "virtio-mem%d", vm->id);
	vm->vdev = vdev;
	vm->backoff_ms = VMEM_BACKOFF_MIN_MS;
	INIT_DELAYED_WORK(&vm->work, virtio_mem_work);
	err = vmem_cread_config(vdev, &c);
	if (err) {
		pr_err("%s (%s): cannot read the configuration: %s; device left alone\n", vm->name,
		       vdev->name, errname(err));
		goto fail;
	}
	err = vmem_config_check(&c, &why);
	if (!err) {
		err = vmem_check_region_claims(&c, claim_why, sizeof(claim_why));
		if (err)
			why = claim_why;
	}
	if (!err)
		err = vmem_state_init(&vm->st, vm->name, &c, &why);
	if (!err)
		err = vmem_mm_check_region(&vm->st, &why);
	if (err) {
		pr_err("%s (%s): bad configuration: %s (block_size 0x%llx addr 0x%llx region_size 0x%llx "
		       "usable 0x%llx plugged 0x%llx requested 0x%llx); device left alone\n",
		       vm->name, vdev->name, why, c.block_size, c.addr, c.region_size, c.usable_region_size,
		       c.plugged_size, c.requested_size);
		goto fail;
	}
	vm->cfg0 = vm->cfg = c;
	vm->refs_dropped = kcalloc(vm->st.nr_mb, 1, GFP_KERNEL);
	err = vm->refs_dropped ? vmem_setup_requests(vm) : -ENOMEM;
	if (err)
		goto fail;
	if (list_empty(&vmem_devices)) {
		err = vmem_mm_init();
		if (err)
			goto fail_vqs;
	}
	virtio_device_ready(vdev);
	vdev->priv = vm;
	list_add_tail(&vm->list, &vmem_devices);
	vmem_by_id[vmem_nr++] = vm;

	char node[24] = "";
	if (virtio_has_feature(vdev, VIRTIO_MEM_F_ACPI_PXM))
		snprintf(node, sizeof(node), ", node %u", c.node_id);
	pr_info("%s (%s): region [0x%llx-0x%llx] %llu MiB, block %llu KiB, %s with %llu KiB units, memory "
		"blocks %llu-%llu%s%s\n",
		vm->name, vdev->name, c.addr, (c.addr + c.region_size - 1), (c.region_size >> 20),
		(c.block_size >> 10), vmem_mode_name(vm->st.mode), (vm->st.unit_size >> 10), vm->st.mb_first,
		(vm->st.mb_first + vm->st.nr_mb - 1),
		virtio_has_feature(vdev, VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE) ? ", unplugged-inaccessible"
									      : "",
		node);

	if (c.plugged_size) {
		vm->unplug_all_pending = true;
		start_resize(vm);
	}
	if (c.requested_size)
		start_resize(vm);
	schedule_delayed_work(&vm->work, 0);
	return 0;

fail_vqs:
	/* The queue and the request buffers go only once the device has stopped. One that does not stop
	 * is dead: they are leaked on purpose, as it may still write them. */
	if (virtio_reset_device(vdev))
		return err;
	virtio_del_vqs(vdev);
fail:
	vmem_free(vm);
	return err ? err : -EINVAL;
}

static void virtio_mem_config_changed(struct virtio_device *vdev)
{
	struct virtio_mem *vm = vdev->priv;

	if (!vm || vm->broken)
		return;
	vm->config_gen++; /* a pass that read the config before this reads it again */
	if (vm->lent)
		return; /* vmem_give_back reads it again */
	start_resize(vm);
	mod_delayed_work(&vm->work, 0);
}

int vmem_lend(struct virtio_mem *vm, char *why, size_t n)
{
	u64 plugged = vmem_plugged_bytes(&vm->st);

	if (vm->broken) {
		snprintf(why, n, "the driver gave up on it: %s", vm->broken_why);
		return -EIO;
	}
	if (vm->lent) {
		snprintf(why, n, "it is being checked already");
		return -EBUSY;
	}
	if (vmem_read_config(vm)) {
		snprintf(why, n, "the driver gave up on it: %s", vm->broken_why);
		return -EIO;
	}
	if (plugged || vm->cfg.plugged_size || vm->unplug_all_pending) {
		snprintf(why, n,
			 "%llu bytes plugged by the driver, plugged_size %llu (%s): the memory is in use; "
			 "set requested-size 0 and wait for the driver to unplug it",
			 plugged, vm->cfg.plugged_size, human_size(vm->cfg.plugged_size).s);
		return -EBUSY;
	}
	for (unsigned long mb = 0; mb < vm->st.nr_mb; mb++) {
		if (vmem_mb_added(&vm->st, mb)) {
			snprintf(why, n, "memory block %llu of its region is still added",
				 vm->st.mb_first + mb);
			return -EBUSY;
		}
	}
	cancel_delayed_work(&vm->work);
	vm->lent = true;
	return 0;
}

void vmem_give_back(struct virtio_mem *vm)
{
	vm->lent = false;
	if (vm->broken)
		return;
	vm->config_gen++;
	start_resize(vm);
	mod_delayed_work(&vm->work, 0);
}

/* The driver's state must outlive the device as long as its memory is in mm (the online-page callback
 * and the notifier look it up), so remove only stops the work. */
static void virtio_mem_remove(struct virtio_device *vdev)
{
	struct virtio_mem *vm = vdev->priv;

	if (!vm)
		return;
	vm->removed = true; /* the core reset the device already */
	vmem_set_broken(vm, "driver removed; %llu MiB stay plugged", (vmem_plugged_bytes(&vm->st) >> 20));
}

static struct virtio_driver virtio_mem_driver = {
    .name = "virtio-mem",
    .device_id = VIRTIO_ID_MEM,
    .features = BIT_ULL(VIRTIO_MEM_F_ACPI_PXM) | BIT_ULL(VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE),
    .config_fields = vmem_config_fields,
    .nr_config_fields = VMEM_NR_CONFIG_FIELDS,
    .probe = virtio_mem_probe,
    .remove = virtio_mem_remove,
    .config_changed = virtio_mem_config_changed,
};

int virtio_mem_init(void)
{
	return register_virtio_driver(&virtio_mem_driver);
}

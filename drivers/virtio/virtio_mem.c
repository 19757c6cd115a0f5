/* virtio-mem: probe, and the work that moves plugged_size toward requested_size.
 *
 * A config change (or the probe) queues the resize work. One pass of the work reads the configuration,
 * plans the next units to plug or unplug (virtio_mem_state.c), asks the device (virtio_mem_req.c) and
 * lets mm use or give up the memory (virtio_mem_mm.c), until the plugged size reaches the requested
 * one. What cannot be done now (BUSY, out of memory, pages that do not move) is retried by a back-off
 * timer, doubled after each try that made no progress and reset by progress. A device that breaks the
 * protocol is left alone; what is plugged stays usable. */
#include "drivers/virtio_mem_driver.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/slab.h"

LIST_HEAD(vmem_devices);
static struct virtio_mem *vmem_by_id[VMEM_MAX_DEVICES];
static unsigned vmem_nr;

/* A pass asks to be re-planned after a NACK (the config changed under it). */
#define VMEM_REPLAN 1

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
	if (vm->work.work.func)
		cancel_delayed_work(&vm->work);
}

static void note_error(struct virtio_mem *vm, const char *fmt, ...) __printf(2, 3);
static void note_error(struct virtio_mem *vm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vscnprintf(vm->last_error, sizeof(vm->last_error), fmt, ap);
	va_end(ap);
}

static u64 unit_bytes(const struct virtio_mem *vm, unsigned long n)
{
	return (u64)n * vm->st.unit_size;
}

/* ---- plug ---- */

#define VMEM_ADD_BATCH 16 /* memory blocks added and onlined by one call (2 GiB, 16 MiB of memmap) */

/* Gives the device the plugged units of memory blocks [mb, mb + n) back (they could not be added).
 * 0, or -EIO when the device broke. */
static int unplug_not_added(struct virtio_mem *vm, unsigned long mb, unsigned long n, bool *progress)
{
	struct vmem_state *st = &vm->st;
	unsigned long u = vmem_mb_first_unit(st, mb);
	unsigned long end = st->mode == VMEM_SBM ? u + n * st->units_per_mb : u + n / st->mbs_per_unit;

	while (u < end) {
		if (!vmem_is_plugged(st, u)) {
			u++;
			continue;
		}
		unsigned long s = u;
		while (u < end && vmem_is_plugged(st, u))
			u++;
		int r = vmem_req_unplug(vm, vmem_unit_addr(st, s), (u - s) * vmem_unit_blocks(st));
		if (r < 0)
			return -EIO;
		if (r == VIRTIO_MEM_RESP_ERROR) {
			vmem_set_broken(vm, "UNPLUG of 0x%llx answered ERROR", (unsigned long long)vmem_unit_addr(st, s));
			return -EIO;
		}
		if (r == VIRTIO_MEM_RESP_ACK) {
			vmem_set_plugged(st, s, u - s, false);
			*progress = true;
		}
	}
	return 0;
}

/* Adds (and onlines) the memory blocks of units [first, first + nr) that hold plugged units but are
 * not added, up to VMEM_ADD_BATCH adjacent blocks per call; a batch that fails is retried block by
 * block, and a block that cannot be added has its units unplugged again (-EAGAIN: retry later). */
static int add_touched(struct virtio_mem *vm, unsigned long first, unsigned long nr, bool *progress)
{
	struct vmem_state *st = &vm->st;
	unsigned long mb = vmem_unit_mb(st, first);
	unsigned long mb_end = vmem_unit_mb(st, first + nr - 1) + st->mbs_per_unit;
	int ret = 0;

	while (mb < mb_end) {
		if (vmem_mb_added(st, mb) || !vmem_mb_plugged(st, mb)) {
			mb += st->mbs_per_unit;
			continue;
		}
		unsigned long n = st->mbs_per_unit;
		while (mb + n < mb_end && n + st->mbs_per_unit <= max(VMEM_ADD_BATCH, st->mbs_per_unit) &&
		       !vmem_mb_added(st, mb + n) && vmem_mb_plugged(st, mb + n))
			n += st->mbs_per_unit;
		if (vmem_mm_add(vm, mb, n)) {
			for (unsigned long b = mb; b < mb + n; b += st->mbs_per_unit) {
				if (n > st->mbs_per_unit && vmem_mm_add(vm, b, st->mbs_per_unit) == 0)
					continue;
				if (unplug_not_added(vm, b, st->mbs_per_unit, progress))
					return -EIO;
				ret = -EAGAIN;
			}
		}
		mb += n;
	}
	return ret;
}

static int exec_plug(struct virtio_mem *vm, const struct vmem_plan *p, bool *progress)
{
	struct vmem_state *st = &vm->st;

	for (unsigned i = 0; i < p->n; i++) {
		const struct vmem_run *r = &p->run[i];
		u64 addr = vmem_unit_addr(st, r->first);
		int resp = vmem_req_plug(vm, addr, r->nr * vmem_unit_blocks(st));

		switch (resp) {
		case VIRTIO_MEM_RESP_ACK:
			vmem_set_plugged(st, r->first, r->nr, true);
			*progress = true;
			vmem_mm_plugged(vm, r->first, r->nr);
			if (add_touched(vm, r->first, r->nr, progress))
				return vm->broken ? -EIO : -EAGAIN;
			break;
		case VIRTIO_MEM_RESP_NACK:
			return VMEM_REPLAN;
		case VIRTIO_MEM_RESP_BUSY:
			note_error(vm, "PLUG of 0x%llx (%llu MiB): device BUSY", (unsigned long long)addr,
				   (unsigned long long)(unit_bytes(vm, r->nr) >> 20));
			return -EAGAIN;
		case VIRTIO_MEM_RESP_ERROR:
			vmem_set_broken(vm, "PLUG of [0x%llx-0x%llx] answered ERROR", (unsigned long long)addr,
					(unsigned long long)(addr + unit_bytes(vm, r->nr) - 1));
			return -EIO;
		default:
			return -EIO;
		}
	}
	return 0;
}

/* ---- unplug ---- */

/* Unplugs run r from its top, memory block by memory block, as far as mm lets go of the units; one
 * UNPLUG request for what is ready. */
static int exec_unplug_run(struct virtio_mem *vm, const struct vmem_run *r, bool *progress)
{
	struct vmem_state *st = &vm->st;
	unsigned long end = r->first + r->nr, ready = end;
	int err = 0, ret = 0;

	vmem_mm_unplug_whole_blocks(vm, r->first, r->nr);
	while (ready > r->first) {
		unsigned long mb = vmem_unit_mb(st, ready - 1);
		unsigned long start = st->mode == VMEM_SBM ? max(r->first, vmem_mb_first_unit(st, mb)) : ready - 1;
		unsigned long want = ready - start;
		unsigned long done = vmem_mm_prepare_unplug(vm, start, want, &err);
		ready -= done;
		if (done < want)
			break;
	}
	if (ready < end) {
		u64 addr = vmem_unit_addr(st, ready);
		int resp = vmem_req_unplug(vm, addr, (end - ready) * vmem_unit_blocks(st));
		if (resp == VIRTIO_MEM_RESP_ACK) {
			vmem_set_plugged(st, ready, end - ready, false);
			*progress = true;
			for (unsigned long mb = vmem_unit_mb(st, ready); mb <= vmem_unit_mb(st, end - 1);
			     mb += st->mbs_per_unit)
				if (vmem_mm_remove_empty(vm, mb))
					ret = -EAGAIN;
		} else {
			if (resp >= 0)
				vmem_mm_unplug_failed(vm, ready, end - ready);
			if (resp == VIRTIO_MEM_RESP_ERROR) {
				vmem_set_broken(vm, "UNPLUG of [0x%llx-0x%llx] answered ERROR",
						(unsigned long long)addr,
						(unsigned long long)(addr + unit_bytes(vm, end - ready) - 1));
				return -EIO;
			}
			if (resp < 0)
				return -EIO;
			note_error(vm, "UNPLUG of 0x%llx (%llu MiB): device %s", (unsigned long long)addr,
				   (unsigned long long)(unit_bytes(vm, end - ready) >> 20), vmem_resp_name(resp));
			return -EAGAIN;
		}
	}
	if (ready > r->first)
		return -EAGAIN; /* mm kept some units; last_error says why */
	return ret;
}

static int exec_unplug(struct virtio_mem *vm, const struct vmem_plan *p, bool *progress)
{
	for (unsigned i = 0; i < p->n; i++) {
		int err = exec_unplug_run(vm, &p->run[i], progress);
		if (err)
			return err;
	}
	return 0;
}

/* ---- the resize pass ---- */

/* Adds what is plugged but not added (when not shrinking) and removes added blocks left empty. */
static int settle(struct virtio_mem *vm, bool growing, bool *progress)
{
	struct vmem_state *st = &vm->st;
	int ret = 0;

	for (unsigned long mb = 0; mb < st->nr_mb && !vm->broken; mb += st->mbs_per_unit)
		if (vmem_mm_remove_empty(vm, mb))
			ret = -EAGAIN;
	if (growing && !vm->broken && add_touched(vm, 0, st->nr_units, progress))
		ret = -EAGAIN;
	return vm->broken ? -EIO : ret;
}

static int unplug_all(struct virtio_mem *vm)
{
	int resp = vmem_req_unplug_all(vm);

	if (resp < 0)
		return -EIO;
	if (resp == VIRTIO_MEM_RESP_ACK) {
		pr_info("%s: unplugged the %llu MiB left plugged from before (UNPLUG_ALL)\n", vm->name,
			(unsigned long long)(vm->cfg.plugged_size >> 20));
		vm->unplug_all_pending = false;
		return 0;
	}
	if (resp == VIRTIO_MEM_RESP_ERROR) {
		vmem_set_broken(vm, "UNPLUG_ALL answered ERROR");
		return -EIO;
	}
	note_error(vm, "UNPLUG_ALL: device %s", vmem_resp_name(resp));
	return -EAGAIN;
}

static void resize_done(struct virtio_mem *vm)
{
	u64 us = (arch_now_ns() - vm->resize_start_ns) / 1000;

	vm->resizing = false;
	vm->last_resize_us = us;
	vm->last_error[0] = 0;
	pr_info("%s: resize done: plugged=%llu requested=%llu in %llu us\n", vm->name,
		(unsigned long long)vm->cfg.plugged_size, (unsigned long long)vm->cfg.requested_size,
		(unsigned long long)us);
	pr_info("%s: resize time: requests %llu us (%llu), add %llu us, online %llu us, unplug %llu us\n",
		vm->name, (unsigned long long)(vm->times[VMEM_T_REQUEST] / 1000),
		(unsigned long long)vm->nr_requests, (unsigned long long)(vm->times[VMEM_T_ADD] / 1000),
		(unsigned long long)(vm->times[VMEM_T_ONLINE] / 1000),
		(unsigned long long)(vm->times[VMEM_T_UNPLUG] / 1000));
}

/* One pass: 0 when the requested size is reached (or cannot be), -EAGAIN to retry later, -EIO when
 * the device broke. */
static int vmem_resize(struct virtio_mem *vm, bool *progress)
{
	struct vmem_state *st = &vm->st;
	struct vmem_plan *p = &vm->plan;
	unsigned long want = 0;
	int err;

	for (int pass = 0; pass < 1000; pass++) {
		if (vm->unplug_all_pending) {
			err = unplug_all(vm);
			if (err)
				return err;
		}
		err = vmem_read_config(vm);
		if (err)
			return -EIO;
		if (vm->cfg.plugged_size != vmem_plugged_bytes(st)) {
			vm->violations++;
			vmem_set_broken(vm, "plugged_size is %llu but the driver plugged %llu",
					(unsigned long long)vm->cfg.plugged_size,
					(unsigned long long)vmem_plugged_bytes(st));
			return -EIO;
		}
		want = (unsigned long)min(vm->cfg.requested_size / st->unit_size, (u64)st->nr_units);
		if (st->nr_plugged < want) {
			err = settle(vm, true, progress);
			if (err)
				return err;
			if (!vmem_plan_plug(st, want - st->nr_plugged, p))
				break; /* nothing usable left to plug */
			u64 requested = vm->cfg.requested_size;
			err = exec_plug(vm, p, progress);
			if (err == VMEM_REPLAN) {
				if (vmem_read_config(vm))
					return -EIO;
				if (vm->cfg.requested_size == requested) {
					note_error(vm, "PLUG answered NACK although requested_size allows it");
					return -EAGAIN;
				}
				continue;
			}
			if (err)
				return err;
		} else if (st->nr_plugged > want) {
			if (!vmem_plan_unplug(st, st->nr_plugged - want, p))
				break;
			err = exec_unplug(vm, p, progress);
			if (err)
				return err;
		} else {
			break;
		}
	}
	err = settle(vm, st->nr_plugged <= want, progress);
	if (err)
		return err;
	if (vm->resizing) {
		if (st->nr_plugged == want &&
		    vm->cfg.requested_size - vmem_plugged_bytes(st) < st->unit_size)
			resize_done(vm);
		else if (!vm->cannot_reach) {
			vm->cannot_reach = true;
			pr_warn("%s: cannot reach requested_size %llu: %llu plugged, usable region %llu, %lu units of %llu in whole memory blocks\n",
				vm->name, (unsigned long long)vm->cfg.requested_size,
				(unsigned long long)vmem_plugged_bytes(st),
				(unsigned long long)vm->cfg.usable_region_size, st->nr_units,
				(unsigned long long)st->unit_size);
		}
	}
	return 0;
}

void vmem_run_work(struct virtio_mem *vm)
{
	bool progress = false;
	int err;

	if (vm->broken)
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

static void start_resize(struct virtio_mem *vm)
{
	if (!vm->resizing) {
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

static int virtio_mem_probe(struct virtio_device *vdev)
{
	struct virtio_mem *vm;
	struct virtio_mem_config c;
	const char *why = NULL;
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
	err = virtio_cread_bytes(vdev, 0, &c, sizeof(c));
	if (err) {
		pr_err("%s (%s): cannot read the configuration: %s; device left alone\n", vm->name, vdev->name,
		       errname(err));
		goto fail;
	}
	err = vmem_config_check(&c, &why);
	if (!err)
		err = vmem_state_init(&vm->st, vm->name, &c, &why);
	if (err) {
		pr_err("%s (%s): bad configuration: %s (block_size 0x%llx addr 0x%llx region_size 0x%llx usable 0x%llx plugged 0x%llx requested 0x%llx); device left alone\n",
		       vm->name, vdev->name, why, (unsigned long long)c.block_size, (unsigned long long)c.addr,
		       (unsigned long long)c.region_size, (unsigned long long)c.usable_region_size,
		       (unsigned long long)c.plugged_size, (unsigned long long)c.requested_size);
		goto fail;
	}
	vm->cfg0 = vm->cfg = c;
	vm->refs_dropped = kcalloc(vm->st.nr_mb, 1, GFP_KERNEL);
	vm->req = kzalloc(sizeof(*vm->req), GFP_KERNEL);
	vm->resp = kzalloc(sizeof(*vm->resp), GFP_KERNEL);
	err = -ENOMEM;
	if (!vm->refs_dropped || !vm->req || !vm->resp)
		goto fail;
	{
		vq_callback_t *cbs[] = {vmem_vq_done};
		const char *const names[] = {"virtio-mem.req"};
		err = virtio_find_vqs(vdev, 1, &vm->vq, cbs, names);
		if (err)
			goto fail;
	}
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
	pr_info("%s (%s): region [0x%llx-0x%llx] %llu MiB, block %llu KiB, %s with %llu KiB units, memory blocks %llu-%llu%s%s\n",
		vm->name, vdev->name, (unsigned long long)c.addr,
		(unsigned long long)(c.addr + c.region_size - 1), (unsigned long long)(c.region_size >> 20),
		(unsigned long long)(c.block_size >> 10), vmem_mode_name(vm->st.mode),
		(unsigned long long)(vm->st.unit_size >> 10), (unsigned long long)vm->st.mb_first,
		(unsigned long long)(vm->st.mb_first + vm->st.nr_mb - 1),
		virtio_has_feature(vdev, VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE) ? ", unplugged-inaccessible" : "",
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
	virtio_reset_device(vdev);
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
	vmem_set_broken(vm, "driver removed; %llu MiB stay plugged",
			(unsigned long long)(vmem_plugged_bytes(&vm->st) >> 20));
}

static struct virtio_driver virtio_mem_driver = {
	.name = "virtio-mem",
	.device_id = VIRTIO_ID_MEM,
	.features = BIT_ULL(VIRTIO_MEM_F_ACPI_PXM) | BIT_ULL(VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE),
	.probe = virtio_mem_probe,
	.remove = virtio_mem_remove,
	.config_changed = virtio_mem_config_changed,
};

int virtio_mem_init(void)
{
	return register_virtio_driver(&virtio_mem_driver);
}

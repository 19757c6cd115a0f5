/* virtio-mem: one resize pass: plan, ask the device, let mm use or give up the memory, until the
 * plugged size reaches the requested one (DESIGN.md §4; docs/VIRTIO-MEM.md "A resize"). */
#include "drivers/virtio_mem_driver.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/arch.h"

/* A pass asks to be re-planned after a NACK (the config changed under it). */
#define VMEM_REPLAN 1

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

/* Gives the device the plugged units in [u, end) back (not added, or never made usable). 0, or -EIO
 * when the device broke. */
static int unplug_units(struct virtio_mem *vm, unsigned long u, unsigned long end, bool *progress)
{
	struct vmem_state *st = &vm->st;

	while (u < end) {
		if (!vmem_is_plugged(st, u)) {
			u++;
			continue;
		}
		unsigned long s = u;
		while (u < end && vmem_is_plugged(st, u) &&
		       (u - s + 1) * vmem_unit_blocks(st) <= VIRTIO_MEM_MAX_NB_BLOCKS)
			u++;
		int r = vmem_req_unplug(vm, vmem_unit_addr(st, s), (u - s) * vmem_unit_blocks(st));
		if (r < 0)
			return -EIO;
		if (r == VIRTIO_MEM_RESP_ERROR) {
			vmem_set_broken(vm, "UNPLUG of 0x%llx answered ERROR",
					(unsigned long long)vmem_unit_addr(st, s));
			return -EIO;
		}
		if (r == VIRTIO_MEM_RESP_ACK) {
			vmem_set_plugged(st, s, u - s, false);
			*progress = true;
		}
	}
	return 0;
}

/* The same for the units of memory blocks [mb, mb + n). */
static int unplug_not_added(struct virtio_mem *vm, unsigned long mb, unsigned long n, bool *progress)
{
	struct vmem_state *st = &vm->st;
	unsigned long u = vmem_mb_first_unit(st, mb);
	unsigned long end = st->mode == VMEM_SBM ? u + n * st->units_per_mb : u + n / st->mbs_per_unit;

	return unplug_units(vm, u, end, progress);
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
			unsigned long ok = vmem_mm_plugged(vm, r->first, r->nr);
			if (ok < r->first + r->nr) {
				/* could not map: what is not usable goes straight back */
				if (unplug_units(vm, ok, r->first + r->nr, progress))
					return -EIO;
				return -EAGAIN;
			}
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
			vmem_set_broken(vm, "PLUG of [0x%llx-0x%llx] answered ERROR",
					(unsigned long long)addr,
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
		unsigned long start =
		    st->mode == VMEM_SBM ? max(r->first, vmem_mb_first_unit(st, mb)) : ready - 1;
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
				   (unsigned long long)(unit_bytes(vm, end - ready) >> 20),
				   vmem_resp_name(resp));
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
	/* notice: an INTERFACE.md line that scripts wait for, shown down to loglevel=6 */
	pr_notice("%s: resize done: plugged=%llu requested=%llu in %llu us\n", vm->name,
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
int vmem_resize(struct virtio_mem *vm, bool *progress)
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
					note_error(vm,
						   "PLUG answered NACK although requested_size allows it");
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
		if (st->nr_plugged == want && vm->cfg.requested_size - vmem_plugged_bytes(st) < st->unit_size)
			resize_done(vm);
		else if (!vm->cannot_reach) {
			vm->cannot_reach = true;
			pr_warn("%s: cannot reach requested_size %llu: %llu plugged, usable region %llu, %lu "
				"units of %llu in whole memory blocks\n",
				vm->name, (unsigned long long)vm->cfg.requested_size,
				(unsigned long long)vmem_plugged_bytes(st),
				(unsigned long long)vm->cfg.usable_region_size, st->nr_units,
				(unsigned long long)st->unit_size);
		}
	}
	return 0;
}

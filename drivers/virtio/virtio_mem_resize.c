/* virtio-mem: one resize pass: plan, ask the device, let mm use or give up the memory, until the
 * plugged size reaches the requested one (docs/VIRTIO-MEM.md "A resize"). */
#include "drivers/virtio_mem_driver.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/size.h"
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

/* ---- giving units back ---- */

/* Gives the device the plugged units in [u, end) back (not added, unusable, or never made usable).
 * A refusal (BUSY, NACK) leaves them plugged and returns -EAGAIN; 0 when all went; -EIO when the
 * device broke. Giving back is no progress toward the target: the caller decides what it means. */
static int unplug_units(struct virtio_mem *vm, unsigned long u, unsigned long end)
{
	struct vmem_state *st = &vm->st;
	int ret = 0;

	unsigned long s, e, max_units = vmem_request_max_units(st);

	while ((s = vmem_next_plugged_run(st, u, end, false, &e)) < end) {
		u = min(e, s + max_units); /* one request: at most VIRTIO_MEM_MAX_NB_BLOCKS blocks */
		int r = vmem_req_unplug(vm, vmem_unit_addr(st, s), (u - s) * vmem_unit_blocks(st));
		if (r < 0)
			return -EIO;
		if (r == VIRTIO_MEM_RESP_ERROR) {
			vmem_set_broken(vm, "UNPLUG of 0x%llx answered ERROR", vmem_unit_addr(st, s));
			return -EIO;
		}
		if (r == VIRTIO_MEM_RESP_ACK) {
			vmem_set_plugged(st, s, u - s, false);
		} else {
			note_error(vm, "UNPLUG of 0x%llx (%llu MiB): device %s", vmem_unit_addr(st, s),
				   (unit_bytes(vm, u - s) >> 20), vmem_resp_name(r));
			ret = -EAGAIN;
		}
	}
	return ret;
}

/* The same for the plugged units of the memory blocks in [mb, mb_end) that are not added. */
static int unplug_not_added(struct virtio_mem *vm, unsigned long mb, unsigned long mb_end)
{
	struct vmem_state *st = &vm->st;
	int ret = 0;

	for (; mb < mb_end; mb += st->mbs_per_unit) {
		if (vmem_mb_added(st, mb) || !vmem_mb_plugged(st, mb))
			continue;
		unsigned long u = vmem_mb_first_unit(st, mb);
		int err = unplug_units(vm, u, u + vmem_mb_nr_units(st));
		if (err == -EIO)
			return err;
		ret = ret ? ret : err;
	}
	return ret;
}

/* Gives the unusable units (plugged, never mapped) back to the device. 0 when none is left,
 * -EAGAIN when the device refused, -EIO when it broke. */
static int give_back_unusable(struct virtio_mem *vm)
{
	struct vmem_state *st = &vm->st;
	unsigned long u = 0;

	while (st->nr_unusable && (u = find_next_bit64(st->unusable, u, st->nr_units)) < st->nr_units) {
		unsigned long s = u;
		u = find_next_zero_bit64(st->unusable, u, st->nr_units);
		int err = unplug_units(vm, s, u);
		if (err)
			return err;
	}
	return 0;
}

/* ---- plug ---- */

/* Memory blocks added and onlined by one call when their memmap comes from ZONE_NORMAL (2 GiB, 16 MiB
 * of memmap). Blocks that carry their own memmap take nothing from the rest of memory: a run of them
 * is added in one call, whatever its length (one add, one online, one log line each). */
#define VMEM_ADD_BATCH 16

/* Adds (and onlines) the memory blocks of units [first, first + nr) that hold plugged units but are
 * not added, adjacent blocks together (see VMEM_ADD_BATCH). A batch that fails is retried block by
 * block up to the first block that fails: its cause (no memmap, no page tables) holds for the rest
 * too, so the units of every block still not added go back to the device and the back-off retries
 * (-EAGAIN, the reason in last_error once). */
static int add_touched(struct virtio_mem *vm, unsigned long first, unsigned long nr)
{
	struct vmem_state *st = &vm->st;
	unsigned long mb = vmem_unit_mb(st, first);
	unsigned long mb_end = vmem_unit_mb(st, first + nr - 1) + st->mbs_per_unit;

	while (mb < mb_end) {
		if (vmem_mb_added(st, mb) || !vmem_mb_plugged(st, mb)) {
			mb += st->mbs_per_unit;
			continue;
		}
		unsigned long n = st->mbs_per_unit;
		bool on_memory = vmem_mm_memmap_on_block(vm, mb);
		while (mb + n < mb_end &&
		       (on_memory ? vmem_mm_memmap_on_block(vm, mb + n)
				  : n + st->mbs_per_unit <= max(VMEM_ADD_BATCH, st->mbs_per_unit)) &&
		       !vmem_mb_added(st, mb + n) && vmem_mb_plugged(st, mb + n))
			n += st->mbs_per_unit;
		if (vmem_mm_add(vm, mb, n) == 0) {
			mb += n;
			continue;
		}
		if (n > st->mbs_per_unit)
			while (mb < mb_end && (vmem_mb_added(st, mb) || !vmem_mb_plugged(st, mb) ||
					       vmem_mm_add(vm, mb, st->mbs_per_unit) == 0))
				mb += st->mbs_per_unit;
		char why[sizeof(vm->last_error)];
		memcpy(why, vm->last_error, sizeof(why));
		if (unplug_not_added(vm, mb, mb_end) == -EIO)
			return -EIO;
		memcpy(vm->last_error, why, sizeof(why)); /* the cause, not the give-back */
		return -EAGAIN;
	}
	return 0;
}

static int exec_plug(struct virtio_mem *vm, const struct vmem_plan *p, bool *progress)
{
	struct vmem_state *st = &vm->st;

	for (unsigned i = 0; i < p->n; i++) {
		const struct vmem_run *r = &p->run[i];
		u64 addr = vmem_unit_addr(st, r->first);
		int resp = vmem_req_plug(vm, addr, r->nr * vmem_unit_blocks(st));
		int err;

		switch (resp) {
		case VIRTIO_MEM_RESP_ACK:
			vmem_set_plugged(st, r->first, r->nr, true);
			unsigned long ok = vmem_mm_plugged(vm, r->first, r->nr);
			if (ok < r->first + r->nr) {
				/* could not map: the units of added blocks are tracked as unusable, and go
				 * back at once with the rest of the run */
				for (unsigned long u = ok; u < r->first + r->nr; u++)
					if (vmem_mb_added(st, vmem_unit_mb(st, u)))
						vmem_set_unusable(st, u, 1, true);
				char why[sizeof(vm->last_error)];
				memcpy(why, vm->last_error, sizeof(why));
				if (unplug_units(vm, ok, r->first + r->nr) == -EIO)
					return -EIO;
				memcpy(vm->last_error, why, sizeof(why));
				return -EAGAIN;
			}
			err = add_touched(vm, r->first, r->nr);
			if (err)
				return err;
			*progress = true; /* the run is plugged and usable */
			break;
		case VIRTIO_MEM_RESP_NACK:
			return VMEM_REPLAN;
		case VIRTIO_MEM_RESP_BUSY:
			note_error(vm, "PLUG of 0x%llx (%llu MiB): device BUSY", addr,
				   (unit_bytes(vm, r->nr) >> 20));
			return -EAGAIN;
		case VIRTIO_MEM_RESP_ERROR:
			vmem_set_broken(vm, "PLUG of [0x%llx-0x%llx] answered ERROR", addr,
					(addr + unit_bytes(vm, r->nr) - 1));
			return -EIO;
		default:
			return -EIO;
		}
	}
	return 0;
}

/* ---- unplug ---- */

/* UNPLUG for the ready units of [first, end) (plugged, not busy), one request per contiguous
 * stretch; blocks left empty are removed. When the device refuses, the ready units not yet
 * unplugged are given back to mm and -EAGAIN says why. */
static int unplug_ready(struct virtio_mem *vm, unsigned long first, unsigned long end, bool *progress)
{
	struct vmem_state *st = &vm->st;
	unsigned long u = first, s, e, max_units = vmem_request_max_units(st);
	int ret = 0;

	/* runs of plugged units that are not busy, a bitmap word at a time */
	while ((s = vmem_next_plugged_run(st, u, end, true, &e)) < end) {
		u = min(e, s + max_units); /* one request: at most VIRTIO_MEM_MAX_NB_BLOCKS blocks */
		u64 addr = vmem_unit_addr(st, s);
		int resp = vmem_req_unplug(vm, addr, (u - s) * vmem_unit_blocks(st));
		if (resp == VIRTIO_MEM_RESP_ACK) {
			vmem_set_plugged(st, s, u - s, false);
			*progress = true;
			for (unsigned long mb = vmem_unit_mb(st, s); mb <= vmem_unit_mb(st, u - 1);
			     mb += st->mbs_per_unit)
				if (vmem_mm_remove_empty(vm, mb))
					ret = -EAGAIN;
			continue;
		}
		/* LAB unplug BEGIN refused */
		if (resp >= 0)
			vmem_mm_unplug_failed(vm, s, end - s);
		else /* no answer: the device may have unplugged them; never use them again */
			for (unsigned long v = s; v < end; v++)
				if (vmem_mb_added(st, vmem_unit_mb(st, v)) && vmem_is_plugged(st, v) &&
				    !vmem_is_busy(st, v))
					vmem_set_unusable(st, v, 1, true);
		if (resp == VIRTIO_MEM_RESP_ERROR) {
			vmem_set_broken(vm, "UNPLUG of [0x%llx-0x%llx] answered ERROR", addr,
					(addr + unit_bytes(vm, u - s) - 1));
			return -EIO;
		}
		if (resp < 0)
			return -EIO;
		note_error(vm, "UNPLUG of 0x%llx (%llu MiB): device %s", addr, (unit_bytes(vm, u - s) >> 20),
			   vmem_resp_name(resp));
		return -EAGAIN;
		/* LAB unplug END refused */
	}
	return ret;
}

/* Unplugs run r: mm gets each memory block's part of it ready (from the top; units it keeps are
 * marked busy and skipped), then the device is asked for the rest. */
static int exec_unplug_run(struct virtio_mem *vm, const struct vmem_run *r, bool *progress)
{
	struct vmem_state *st = &vm->st;
	unsigned long end = r->first + r->nr;

	vmem_mm_unplug_whole_blocks(vm, r->first, r->nr);
	for (unsigned long hi = end, lo; hi > r->first; hi = lo) {
		unsigned long mb = vmem_unit_mb(st, hi - 1);
		lo = st->mode == VMEM_SBM ? max(r->first, vmem_mb_first_unit(st, mb)) : hi - 1;
		vmem_mm_prepare_unplug(vm, lo, hi - lo);
	}
	return unplug_ready(vm, r->first, end, progress);
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

/* Adds what is plugged but not added (when not shrinking) and removes added blocks left empty. The
 * empty added blocks are among those with holes, and the blocks to add are counted: neither walk
 * visits the whole region. */
static int settle(struct virtio_mem *vm, bool growing)
{
	struct vmem_state *st = &vm->st;
	unsigned long mb = 0;
	int ret = 0;

	while (!vm->broken && (mb = find_next_bit64(st->mb_holes, mb, st->nr_mb)) < st->nr_mb) {
		mb -= mb % st->mbs_per_unit;
		if (!vmem_mb_plugged(st, mb) && vmem_mm_remove_empty(vm, mb))
			ret = -EAGAIN;
		mb += st->mbs_per_unit;
	}
	if (growing && !vm->broken && st->nr_mb_plugged_in[VMEM_MB_NOT_ADDED] &&
	    add_touched(vm, 0, st->nr_units))
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
			(vm->cfg.plugged_size >> 20));
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
	pr_notice("%s: resize done: plugged=%llu requested=%llu in %llu us (plugged %s, requested %s)\n",
		  vm->name, vm->cfg.plugged_size, vm->cfg.requested_size, us,
		  human_size(vm->cfg.plugged_size).s, human_size(vm->cfg.requested_size).s);
	pr_info("%s: resize time: requests %llu us (%llu), add %llu us, online %llu us, unplug %llu us\n",
		vm->name, (vm->times[VMEM_T_REQUEST] / 1000), vm->nr_requests, (vm->times[VMEM_T_ADD] / 1000),
		(vm->times[VMEM_T_ONLINE] / 1000), (vm->times[VMEM_T_UNPLUG] / 1000));
}

/* A shrink that only busy units keep from its target: say how many, and the first one's reason. */
static int note_busy(struct virtio_mem *vm)
{
	struct vmem_state *st = &vm->st;

	note_error(vm, "%lu unit%s (%llu MiB) busy, kept plugged; first: %s", st->nr_busy,
		   st->nr_busy == 1 ? "" : "s", (unit_bytes(vm, st->nr_busy) >> 20), vm->busy_why);
	return -EAGAIN;
}

/* One pass: 0 when the requested size is reached (or cannot be), -EAGAIN to retry later, -EIO when
 * the device broke. Units busy in an earlier pass are tried again: they are what is left to do. */
int vmem_resize(struct virtio_mem *vm, bool *progress)
{
	struct vmem_state *st = &vm->st;
	struct vmem_plan *p = &vm->plan;
	unsigned long want = 0;
	unsigned seen_gen;
	int err;

	vmem_clear_busy(st);
	vm->busy_why[0] = 0;
	for (int pass = 0; pass < 1000; pass++) {
		if (vm->unplug_all_pending) {
			err = unplug_all(vm);
			if (err)
				return err;
		}
		seen_gen = vm->config_gen;
		err = vmem_read_config(vm);
		if (err)
			return -EIO;
		if (vm->cfg.plugged_size != vmem_plugged_bytes(st)) {
			vm->violations++;
			vmem_set_broken(vm, "plugged_size is %llu but the driver plugged %llu",
					vm->cfg.plugged_size, vmem_plugged_bytes(st));
			return -EIO;
		}
		if (st->nr_unusable) {
			err = give_back_unusable(vm);
			if (err)
				return err;
			continue; /* plugged_size changed: read it again */
		}
		want = (unsigned long)min(vm->cfg.requested_size / st->unit_size, (u64)st->nr_units);
		if (st->nr_plugged < want) {
			err = settle(vm, true);
			if (err)
				return err;
			if (!vmem_plan_plug(st, want - st->nr_plugged, p))
				goto reached; /* nothing usable left to plug */
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
			continue;
		}
		if (st->nr_plugged > want) {
			if (!vmem_plan_unplug(st, st->nr_plugged - want, p))
				goto reached; /* what is left is busy */
			err = exec_unplug(vm, p, progress);
			if (err)
				return err;
			continue;
		}
	reached:
		err = settle(vm, st->nr_plugged <= want);
		if (err)
			return err;
		if (vm->config_gen != seen_gen)
			continue; /* the host changed its mind after the last read: a new target */
		break;
	}
	if (st->nr_plugged > want && st->nr_busy)
		return note_busy(vm);
	if (vm->resizing) {
		if (st->nr_plugged == want && vm->cfg.requested_size - vmem_plugged_bytes(st) < st->unit_size)
			resize_done(vm);
		else if (!vm->cannot_reach) {
			vm->cannot_reach = true;
			pr_warn("%s: cannot reach requested_size %llu: %llu plugged, usable region %llu, %lu "
				"units of %llu in whole memory blocks\n",
				vm->name, vm->cfg.requested_size, vmem_plugged_bytes(st),
				vm->cfg.usable_region_size, st->nr_units, st->unit_size);
		}
	}
	return 0;
}

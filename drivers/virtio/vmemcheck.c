/* vmemcheck: the checks (include/drivers/vmemcheck.h, docs/VMEMCHECK.md).
 *
 * Each check names the part of the virtio specification's Memory Device section it tests, in brackets
 * after what it tests. Requests go through the driver's own request code (virtio_mem_req.c), so the
 * checker and the driver agree on what a request looks like and on what breaks the protocol; after
 * every answer the configuration is read again, which is how plugged_size, the fixed fields and the
 * usable region are followed through the whole run.
 *
 * Here: the report's lines, the helpers that send requests, and the checks of the features, the
 * configuration and the config-change interrupt; the request checks are in vmemcheck_req.c. */
#include "drivers/virtio_mem_driver.h"
#include "vmemcheck_internal.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/timer.h"
#include "kernel/workqueue.h"
#include "lib/printf.h"
#include "lib/size.h"
#include "lib/string.h"

void vmc_out(struct vmc *d, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	d->c->print(line);
}

void vmc_fail(struct vmc *d, const char *fmt, ...)
{
	va_list ap;

	if (d->failed)
		return;
	va_start(ap, fmt);
	vscnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	d->failed = true;
}

void vmc_skip(struct vmc *d, const char *fmt, ...)
{
	va_list ap;

	if (d->failed || d->skipped)
		return;
	va_start(ap, fmt);
	vscnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	d->skipped = true;
}

/* Starts a check. False when it cannot run (skipped already: the device broke earlier). */
bool vmc_begin(struct vmc *d, const char *what, const char *req)
{
	d->what = what;
	d->req = req;
	d->failed = d->skipped = false;
	d->why[0] = 0;
	if (d->stop)
		vmc_skip(d, "not run: the device broke the protocol in check %u", d->stop_at);
	return !d->stop;
}

/* Like begin, for a check that sends requests: also needs a usable configuration. */
bool vmc_begin_req(struct vmc *d, const char *what, const char *req)
{
	if (!vmc_begin(d, what, req))
		return false;
	if (!d->cfg_ok)
		vmc_skip(d, "not run: the configuration does not describe a usable region (check %u)",
			 d->cfg_bad_at);
	return d->cfg_ok;
}

void vmc_end(struct vmc *d)
{
	struct vmemcheck *c = d->c;
	const char *name = d->vm->name;

	c->n++;
	if (d->failed) {
		c->failed++;
		vmc_out(d, "not ok %u - %s: %s [%s] # %s", c->n, name, d->what, d->req, d->why);
	} else if (d->skipped) {
		c->skipped++;
		vmc_out(d, "ok %u - %s: %s [%s] # SKIP %s", c->n, name, d->what, d->req, d->why);
	} else {
		c->passed++;
		vmc_out(d, "ok %u - %s: %s [%s]", c->n, name, d->what, d->req);
	}
}

/* A check that needs something the device's configuration does not give: skipped with why. */
bool vmc_need(struct vmc *d, bool cond, const char *why)
{
	if (!cond)
		vmc_skip(d, "%s", why);
	return cond;
}

const char *vmc_resp_name(int r)
{
	static const char *const n[VIRTIO_MEM_NR_RESP_TYPES] = {"RESP_ACK", "RESP_NACK", "RESP_BUSY",
								"RESP_ERROR"};
	return r >= 0 && r < VIRTIO_MEM_NR_RESP_TYPES ? n[r] : "an unknown answer";
}

static const char *vmc_state_name(unsigned s)
{
	static const char *const n[] = {"STATE_PLUGGED", "STATE_UNPLUGGED", "STATE_MIXED"};
	return s < ARRAY_SIZE(n) ? n[s] : "an unknown state";
}

static void vmc_stop(struct vmc *d, const char *why)
{
	if (d->stop)
		return;
	d->stop = true;
	d->stop_at = d->c->n + 1;
	scnprintf(d->stop_why, sizeof(d->stop_why), "%s", why);
}

/* Reads the configuration again (after is the request just answered, or NULL) and notes the first
 * change of a fixed field and the first shrink of the usable region outside UNPLUG_ALL. */
bool vmc_reread(struct vmc *d, int after_type)
{
	struct virtio_mem_config c;
	int err = vmem_cread_config(d->vm->vdev, &c);

	if (err) {
		char why[96];
		scnprintf(why, sizeof(why), "cannot read the configuration: %s", errname(err));
		vmc_fail(d, "%s", why);
		vmc_stop(d, why);
		return false;
	}
	if (!d->fixed_drift[0]) {
		if (c.block_size != d->first.block_size || c.addr != d->first.addr ||
		    c.region_size != d->first.region_size || c.node_id != d->first.node_id)
			scnprintf(d->fixed_drift, sizeof(d->fixed_drift),
				  "block_size 0x%llx addr 0x%llx region_size 0x%llx node_id %u became 0x%llx "
				  "0x%llx "
				  "0x%llx %u",
				  d->first.block_size, d->first.addr, d->first.region_size, d->first.node_id,
				  c.block_size, c.addr, c.region_size, c.node_id);
		else if (c.usable_region_size < d->cfg.usable_region_size &&
			 after_type != VIRTIO_MEM_REQ_UNPLUG_ALL)
			scnprintf(d->fixed_drift, sizeof(d->fixed_drift),
				  "usable_region_size shrank from 0x%llx to 0x%llx, not through UNPLUG_ALL",
				  d->cfg.usable_region_size, c.usable_region_size);
	}
	if (c.plugged_size > c.usable_region_size && !d->plugged_over[0])
		scnprintf(d->plugged_over, sizeof(d->plugged_over),
			  "plugged_size 0x%llx is above usable_region_size 0x%llx", c.plugged_size,
			  c.usable_region_size);
	d->cfg = c;
	return true;
}

static bool never(void *arg)
{
	return false;
}

/* Sends one request; a BUSY answer is tried again (VMEMCHECK_BUSY_TRIES times). Reads the configuration
 * after the answer and notes when plugged_size did not follow it. Returns the answer, -EBUSY when the
 * device stayed busy (the check is skipped), -EIO when the device broke the protocol (the check fails
 * and nothing more is sent). */
int vmc_ask(struct vmc *d, u16 type, u64 addr, u16 nb, const char *label)
{
	u64 before = d->cfg.plugged_size, size = (u64)nb * d->bs, want = before;
	int r = -EIO;

	for (int i = 0; i < VMEMCHECK_BUSY_TRIES; i++) {
		r = vmem_req_raw(d->vm, type, addr, nb);
		if (r != VIRTIO_MEM_RESP_BUSY)
			break;
		wait_until(never, NULL, VMEMCHECK_BUSY_WAIT_MS * NS_PER_MS);
	}
	if (r < 0) {
		vmc_fail(d, "%s: %s", label, d->vm->broken_why);
		vmc_stop(d, d->vm->broken_why);
		return -EIO;
	}
	if (r == VIRTIO_MEM_RESP_BUSY) {
		vmc_skip(d, "%s: the device answered RESP_BUSY %d times", label, VMEMCHECK_BUSY_TRIES);
		return -EBUSY;
	}
	if (!vmc_reread(d, type))
		return -EIO;
	if (r == VIRTIO_MEM_RESP_ACK) {
		if (type == VIRTIO_MEM_REQ_PLUG)
			want = before + size;
		else if (type == VIRTIO_MEM_REQ_UNPLUG)
			want = before - size;
		else if (type == VIRTIO_MEM_REQ_UNPLUG_ALL)
			want = 0;
	}
	if (d->cfg.plugged_size != want && !d->plugged_drift[0])
		scnprintf(d->plugged_drift, sizeof(d->plugged_drift),
			  "after %s answered %s plugged_size is 0x%llx, it should be 0x%llx", label,
			  vmc_resp_name(r), d->cfg.plugged_size, want);
	return r;
}

/* ask, and the answer must be want. */
int vmc_expect(struct vmc *d, u16 type, u64 addr, u16 nb, int want, const char *label)
{
	int r = vmc_ask(d, type, addr, nb, label);

	if (r >= 0 && r != want)
		vmc_fail(d, "%s: device answered %s, the specification requires %s", label, vmc_resp_name(r),
			 vmc_resp_name(want));
	return r;
}

/* A STATE request whose answer must be ACK with state want. */
bool vmc_expect_state(struct vmc *d, u64 addr, u16 nb, unsigned want, const char *label)
{
	int r = vmc_ask(d, VIRTIO_MEM_REQ_STATE, addr, nb, label);

	if (r < 0)
		return false;
	if (r != VIRTIO_MEM_RESP_ACK) {
		vmc_fail(d, "%s: device answered %s, the specification requires RESP_ACK with %s", label,
			 vmc_resp_name(r), vmc_state_name(want));
		return false;
	}
	unsigned s = d->vm->resp->u.state.state;
	if (s != want) {
		vmc_fail(d, "%s: device answered %s (%u), the specification requires %s", label,
			 vmc_state_name(s), s, vmc_state_name(want));
		return false;
	}
	return true;
}

/* ---- the configuration and the features ---- */

static void check_features(struct vmc *d)
{
	struct virtio_device *vdev = d->vm->vdev;
	u8 status = vdev->config->get_status(vdev);

	vmc_begin(
	    d,
	    "VERSION_1 offered; FEATURES_OK and DRIVER_OK held with UNPLUGGED_INACCESSIBLE accepted when "
	    "offered",
	    "Feature bits; Device Initialization: the driver accepts UNPLUGGED_INACCESSIBLE when offered");
	if (!(vdev->device_features & BIT_ULL(VIRTIO_F_VERSION_1)))
		vmc_fail(d, "the device offers no VERSION_1 (features 0x%llx)", vdev->device_features);
	else if ((vdev->device_features & BIT_ULL(VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE)) &&
		 !virtio_has_feature(vdev, VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE))
		vmc_fail(d, "UNPLUGGED_INACCESSIBLE is offered but was not accepted");
	else if ((status & (VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK)) !=
		     (VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK) ||
		 (status & VIRTIO_CONFIG_S_NEEDS_RESET))
		vmc_fail(d, "device status is 0x%02x, FEATURES_OK and DRIVER_OK without NEEDS_RESET expected",
			 status);
	vmc_end(d);
}

static void check_config(struct vmc *d)
{
	const struct virtio_mem_config *c = &d->cfg;
	u64 bs = c->block_size;
	bool pow2 = IS_POWER_OF_2(bs) && bs >= 4096;

	vmc_begin(d, "block_size is a power of two of at least 4 KiB",
		  "Device configuration layout: block_size is a power of two; a block below the 4 KiB page "
		  "cannot be used");
	if (!pow2)
		vmc_fail(d, "block_size is 0x%llx", bs);
	vmc_end(d);
	if (!pow2 && !d->cfg_bad_at)
		d->cfg_bad_at = d->c->n;

	vmc_begin(d,
		  "addr, region_size, usable_region_size, plugged_size and requested_size are multiples of "
		  "block_size",
		  "Device configuration layout: these fields are multiples of block_size");
	static const char *const names[] = {"addr", "region_size", "usable_region_size", "plugged_size",
					    "requested_size"};
	const u64 v[] = {c->addr, c->region_size, c->usable_region_size, c->plugged_size, c->requested_size};
	bool aligned = true;
	for (unsigned i = 0; i < ARRAY_SIZE(v) && bs; i++) {
		if (v[i] % bs) {
			vmc_fail(d, "%s 0x%llx is not a multiple of block_size 0x%llx", names[i], v[i], bs);
			aligned = false;
			break;
		}
	}
	if (!bs) {
		vmc_fail(d, "block_size is 0");
		aligned = false;
	}
	vmc_end(d);
	if (!aligned && !d->cfg_bad_at)
		d->cfg_bad_at = d->c->n;

	vmc_begin(d, "usable_region_size within region_size, the region within the address space",
		  "Device configuration layout: usable_region_size can grow up to region_size");
	bool fits = c->addr + c->region_size >= c->addr && c->usable_region_size <= c->region_size;
	if (c->addr + c->region_size < c->addr)
		vmc_fail(d, "addr 0x%llx + region_size 0x%llx wraps around", c->addr, c->region_size);
	else if (!fits)
		vmc_fail(d, "usable_region_size 0x%llx is above region_size 0x%llx", c->usable_region_size,
			 c->region_size);
	vmc_end(d);
	if (!fits && !d->cfg_bad_at)
		d->cfg_bad_at = d->c->n;

	vmc_begin(d, "usable_region_size at least requested_size",
		  "Device configuration layout: usable_region_size is set to requested_size or greater");
	if (c->usable_region_size < c->requested_size)
		vmc_fail(d, "usable_region_size 0x%llx is below requested_size 0x%llx", c->usable_region_size,
			 c->requested_size);
	vmc_end(d);

	d->bs = bs;
	d->cfg_ok = pow2 && aligned && fits;
}

/* ---- the config-change interrupt ---- */

struct change_wait {
	struct vmc *d;
	u64 requested0;
	u64 changes0;
	bool read_failed;
};

/* Runs the deferred work (the transport's interrupt work delivers config changes) and looks again. */
static bool requested_changed(void *arg)
{
	struct change_wait *w = arg;
	struct virtio_mem_config c;

	run_pending_work();
	if (vmem_cread_config(w->d->vm->vdev, &c)) {
		w->read_failed = true;
		return true;
	}
	return c.requested_size != w->requested0;
}

static bool interrupt_came(void *arg)
{
	struct change_wait *w = arg;

	run_pending_work();
	return w->d->vm->vdev->config_changes != w->changes0;
}

static void check_config_change(struct vmc *d)
{
	struct change_wait w = {d, d->cfg.requested_size, d->vm->vdev->config_changes, false};
	u64 usable0 = d->cfg.usable_region_size;

	if (!vmc_begin(d,
		       "a config-change interrupt follows a change of requested_size, and usable_region_size "
		       "covers the new size",
		       "Device configuration layout: the device notifies changes of requested_size and "
		       "usable_region_size; usable_region_size is requested_size or greater")) {
		vmc_end(d);
		return;
	}
	if (!d->c->wait_s) {
		vmc_skip(d, "not asked to wait for the host to change requested_size (wait 0)");
		vmc_end(d);
		return;
	}
	vmc_out(
	    d,
	    "# %s: waiting up to %u s for the host to change requested_size (now %llu bytes) to check the "
	    "config-change interrupt",
	    d->vm->name, d->c->wait_s, w.requested0);
	if (!wait_until(requested_changed, &w, (u64)d->c->wait_s * 1000 * NS_PER_MS) || w.read_failed) {
		if (w.read_failed)
			vmc_reread(d, -1);
		else
			vmc_skip(d, "the host did not change requested_size within %u s", d->c->wait_s);
		vmc_end(d);
		return;
	}
	bool irq = wait_until(interrupt_came, &w, VMEMCHECK_IRQ_WAIT_MS * NS_PER_MS);
	if (!vmc_reread(d, -1)) {
		vmc_end(d);
		return;
	}
	vmc_out(d, "# %s: requested_size changed to %llu bytes (%s), usable_region_size %llu bytes",
		d->vm->name, d->cfg.requested_size, human_size(d->cfg.requested_size).s,
		d->cfg.usable_region_size);
	if (!irq)
		vmc_fail(d,
			 "requested_size changed from 0x%llx to 0x%llx but no config-change interrupt came "
			 "within %u ms",
			 w.requested0, d->cfg.requested_size, VMEMCHECK_IRQ_WAIT_MS);
	else if (d->cfg.usable_region_size < d->cfg.requested_size)
		vmc_fail(d, "usable_region_size 0x%llx is below the new requested_size 0x%llx",
			 d->cfg.usable_region_size, d->cfg.requested_size);
	else if (d->bs && d->cfg.requested_size % d->bs)
		vmc_fail(d, "the new requested_size 0x%llx is not a multiple of block_size",
			 d->cfg.requested_size);
	else if (d->cfg.usable_region_size < usable0)
		vmc_fail(d, "usable_region_size shrank from 0x%llx to 0x%llx", usable0,
			 d->cfg.usable_region_size);
	vmc_end(d);
}

int vmemcheck_device(struct vmemcheck *c, struct virtio_mem *vm, char *why, size_t n)
{
	static struct vmc d; /* one device at a time; too big for the stack of a shell command */
	struct virtio_device *vdev = vm->vdev;
	int err;

	memset(&d, 0, sizeof(d));
	d.c = c;
	d.vm = vm;
	err = vmem_cread_config(vdev, &d.cfg);
	if (err) {
		scnprintf(why, n, "cannot read its configuration: %s", errname(err));
		return -EIO;
	}
	if (d.cfg.plugged_size) {
		scnprintf(
		    why, n,
		    "plugged_size is %llu bytes (%s): memory is plugged and may be in use, so the device is "
		    "left alone; vmemcheck needs a device with nothing plugged",
		    d.cfg.plugged_size, human_size(d.cfg.plugged_size).s);
		return -EBUSY;
	}
	d.first = d.cfg;
	vmc_out(&d,
		"# %s (%s at %s): block_size 0x%llx addr 0x%llx region_size 0x%llx usable_region_size 0x%llx "
		"plugged_size 0x%llx requested_size 0x%llx; features offered 0x%llx, accepted 0x%llx",
		vm->name, vdev->name, vdev->bus_name ? vdev->bus_name : "?", d.cfg.block_size, d.cfg.addr,
		d.cfg.region_size, d.cfg.usable_region_size, d.cfg.plugged_size, d.cfg.requested_size,
		vdev->device_features, vdev->features);
	check_features(&d);
	check_config(&d);
	check_config_change(&d);
	vmc_check_requests(&d);
	return 0;
}

void vmemcheck_begin(struct vmemcheck *c)
{
	c->n = c->passed = c->failed = c->skipped = 0;
	c->print("TAP version 13");
}

void vmemcheck_fail(struct vmemcheck *c, const char *dev, const char *what, const char *req, const char *why)
{
	char line[512];

	c->n++;
	c->failed++;
	scnprintf(line, sizeof(line), "not ok %u - %s: %s [%s] # %s", c->n, dev, what, req, why);
	c->print(line);
}

void vmemcheck_end(struct vmemcheck *c)
{
	char line[96];
	int at;

	scnprintf(line, sizeof(line), "1..%u", c->n);
	c->print(line);
	at = scnprintf(line, sizeof(line), "%u passed, %u failed", c->passed, c->failed);
	if (c->skipped)
		scnprintf(line + at, sizeof(line) - at, ", %u skipped", c->skipped);
	c->print(line);
}

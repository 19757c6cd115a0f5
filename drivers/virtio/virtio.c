/* The virtio core: device/driver matching, the status handshake, feature negotiation, generation-
 * consistent configuration reads (contract in drivers/virtio.h). Transport-independent: the host tests
 * run it against a fake transport. */
#include "drivers/virtio.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"

#define VIRTIO_CREAD_TRIES 64
#define VIRTIO_MAX_DEVICES 16

static LIST_HEAD(virtio_devices);
static LIST_HEAD(virtio_drivers);

static int lowest_free_index(void)
{
	for (int i = 0; i < VIRTIO_MAX_DEVICES; i++) {
		bool used = false;
		struct virtio_device *d;
		list_for_each_entry(d, &virtio_devices, list)
			used |= d->index == i;
		if (!used)
			return i;
	}
	return -1;
}

static void add_status(struct virtio_device *vdev, u8 bits)
{
	vdev->config->set_status(vdev, (u8)(vdev->config->get_status(vdev) | bits));
}

void virtio_device_ready(struct virtio_device *vdev)
{
	add_status(vdev, VIRTIO_CONFIG_S_DRIVER_OK);
}

int virtio_reset_device(struct virtio_device *vdev)
{
	if (vdev->dead)
		return -EIO;
	int err = vdev->config->reset(vdev);
	if (!err)
		return 0;
	/* The device did not say it stopped: it may still write the rings and the buffers it was given,
	 * so freeing them would let it scribble over memory handed to someone else. They are leaked on
	 * purpose, and the device is never used again. */
	vdev->dead = true;
	vdev->broken = true;
	struct virtqueue *vq;
	list_for_each_entry(vq, &vdev->vqs, list)
		vq->broken = true;
	pr_err("%s: reset did not complete: %s; device dead, its rings and buffers are kept\n", vdev->name,
	       errname(err));
	return err;
}

void virtio_set_failed(struct virtio_device *vdev)
{
	add_status(vdev, VIRTIO_CONFIG_S_FAILED);
}

void virtio_break_device(struct virtio_device *vdev, const char *why)
{
	if (!vdev->broken)
		pr_err("%s: device broken: %s\n", vdev->name, why);
	vdev->broken = true;
	struct virtqueue *vq;
	list_for_each_entry(vq, &vdev->vqs, list)
		virtqueue_break(vq, why);
	add_status(vdev, VIRTIO_CONFIG_S_FAILED);
}

int virtio_find_vqs(struct virtio_device *vdev, unsigned nvqs, struct virtqueue *vqs[],
		    vq_callback_t *const callbacks[], const char *const names[])
{
	return vdev->config->find_vqs(vdev, nvqs, vqs, callbacks, names);
}

void virtio_del_vqs(struct virtio_device *vdev)
{
	vdev->config->del_vqs(vdev);
}

static int check_field(unsigned offset, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	return offset % (size > 4 ? 4 : size) ? -EINVAL : 0;
}

/* The fields f[0..n) into buf, field i at buf + f[i].offset - base, in one generation loop. */
static int cread(struct virtio_device *vdev, u8 *buf, size_t buf_len, unsigned base,
		 const struct virtio_cfield *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int err = check_field(f[i].offset, f[i].size);
		if (err)
			return err;
		if (f[i].offset < base || f[i].offset - base > buf_len ||
		    f[i].size > buf_len - (f[i].offset - base))
			return -ERANGE;
	}
	for (int t = 0; t < VIRTIO_CREAD_TRIES; t++) {
		u32 gen = vdev->config->generation(vdev);
		for (unsigned i = 0; i < n; i++) {
			int err = vdev->config->get(vdev, f[i].offset, buf + (f[i].offset - base), f[i].size);
			if (err)
				return err;
		}
		if (vdev->config->generation(vdev) == gen)
			return 0;
	}
	pr_err("%s: configuration kept changing during %d reads\n", vdev->name, VIRTIO_CREAD_TRIES);
	return -EAGAIN;
}

int virtio_cread_fields(struct virtio_device *vdev, void *buf, size_t buf_len, const struct virtio_cfield *f,
			unsigned n)
{
	return cread(vdev, buf, buf_len, 0, f, n);
}

int virtio_cread_field(struct virtio_device *vdev, unsigned offset, void *buf, unsigned size)
{
	if (offset > 0xffff)
		return -ERANGE;
	struct virtio_cfield f = {(u16)offset, (u8)size};
	return cread(vdev, buf, size, offset, &f, 1);
}

/* Negotiates features and probes drv on vdev (status is ACKNOWLEDGE). Marks the device FAILED and
 * returns a negative errno when anything fails. */
static int virtio_dev_probe(struct virtio_device *vdev, struct virtio_driver *drv)
{
	int err;
	add_status(vdev, VIRTIO_CONFIG_S_DRIVER);
	vdev->device_features = vdev->config->get_features(vdev);
	if (!(vdev->device_features & BIT_ULL(VIRTIO_F_VERSION_1))) {
		pr_err("%s: device offers no VERSION_1 (features 0x%llx): legacy devices are not supported\n",
		       vdev->name, vdev->device_features);
		err = -ENODEV;
		goto fail;
	}
	vdev->features = vdev->device_features & (drv->features | BIT_ULL(VIRTIO_F_VERSION_1));
	vdev->config->set_features(vdev, vdev->features);
	add_status(vdev, VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(vdev->config->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		pr_err("%s: device refused features 0x%llx (offered 0x%llx)\n", vdev->name, vdev->features,
		       vdev->device_features);
		err = -ENODEV;
		goto fail;
	}
	vdev->driver = drv;
	vdev->config_enabled = false;
	vdev->config_change_pending = false;
	pr_info("%s: %s driver: features 0x%llx (offered 0x%llx)\n", vdev->name, drv->name, vdev->features,
		vdev->device_features);
	err = drv->probe(vdev);
	if (err) {
		pr_err("%s: %s probe failed: %s\n", vdev->name, drv->name, errname(err));
		vdev->driver = NULL;
		/* Queues the probe left behind go only once the device has stopped using them. */
		if (!list_empty(&vdev->vqs) && virtio_reset_device(vdev) == 0)
			virtio_del_vqs(vdev);
		goto fail;
	}
	if (!(vdev->config->get_status(vdev) & VIRTIO_CONFIG_S_DRIVER_OK))
		virtio_device_ready(vdev);
	vdev->config_enabled = true;
	if (vdev->config_change_pending) {
		vdev->config_change_pending = false;
		if (drv->config_changed)
			drv->config_changed(vdev);
	}
	return 0;
fail:
	add_status(vdev, VIRTIO_CONFIG_S_FAILED);
	return err;
}

/* Takes the driver away from vdev and leaves the device reset and ready for another probe. The reset
 * comes first, so that the driver's remove may free what the device was given; a device whose reset
 * does not complete is dead and keeps its queues. */
static void virtio_dev_remove(struct virtio_device *vdev)
{
	struct virtio_driver *drv = vdev->driver;
	vdev->config_enabled = false;
	int err = virtio_reset_device(vdev);
	if (drv->remove)
		drv->remove(vdev);
	vdev->driver = NULL;
	if (err) {
		pr_info("%s: %s driver removed; the device is dead\n", vdev->name, drv->name);
		return;
	}
	if (!list_empty(&vdev->vqs))
		virtio_del_vqs(vdev);
	vdev->broken = false;
	vdev->features = 0;
	add_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	pr_info("%s: %s driver removed\n", vdev->name, drv->name);
}

/* A fresh handshake for a device that has no driver: reset, then ACKNOWLEDGE. */
static int virtio_dev_restart(struct virtio_device *vdev)
{
	int err = virtio_reset_device(vdev);
	if (err)
		return err;
	vdev->broken = false;
	add_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	return 0;
}

static void try_match(struct virtio_device *vdev, struct virtio_driver *drv)
{
	if (vdev->driver || vdev->dead || drv->device_id != vdev->id || (drv->only && drv->only != vdev))
		return;
	/* A device whose earlier probe failed sits in FAILED: start over. */
	if (vdev->config->get_status(vdev) != VIRTIO_CONFIG_S_ACKNOWLEDGE && virtio_dev_restart(vdev))
		return;
	virtio_dev_probe(vdev, drv);
}

/* The boot line's raw configuration is 8-byte words from offset 0 of the device's configuration window
 * (its length is the window's, not the structure's). For device types whose layout is known, a second
 * line names the words: virtio-mem's struct virtio_mem_config (node_id is a u16 padded to 8 bytes). */
static const struct config_layout {
	u32 id;
	const char *type;
	const char *fields[7];
} config_layouts[] = {
    {VIRTIO_ID_MEM,
     "virtio-mem",
     {"block_size", "node_id", "addr", "region_size", "usable_region_size", "plugged_size",
      "requested_size"}},
};

static void log_config_fields(struct virtio_device *vdev)
{
	for (unsigned i = 0; i < ARRAY_SIZE(config_layouts); i++) {
		const struct config_layout *l = &config_layouts[i];
		u64 w[ARRAY_SIZE(l->fields)] = {0};
		char buf[240];
		if (l->id != vdev->id || vdev->config->config_len(vdev) < sizeof(w))
			continue;
		bool ok = true;
		for (unsigned f = 0; f < ARRAY_SIZE(w) && ok; f++) /* node_id is 16 bits wide */
			ok = virtio_cread_field(vdev, f * 8, &w[f], f == 1 ? 2 : 8) == 0;
		if (!ok)
			continue;
		int at = scnprintf(buf, sizeof(buf), "%s:   config as %s:", vdev->name, l->type);
		for (unsigned f = 0; f < ARRAY_SIZE(w); f++)
			at += scnprintf(buf + at, sizeof(buf) - at, " %s=%#llx", l->fields[f], w[f]);
		pr_info("%s\n", buf);
	}
}

int register_virtio_device(struct virtio_device *vdev)
{
	int index = lowest_free_index();
	if (index < 0)
		return -ENOSPC;
	vdev->index = index;
	snprintf(vdev->name, sizeof(vdev->name), "virtio%d", vdev->index);
	vdev->driver = NULL;
	vdev->broken = false;
	vdev->dead = false;
	vdev->features = 0;
	vdev->config_changes = 0;
	vdev->config_enabled = false;
	vdev->config_change_pending = false;
	INIT_LIST_HEAD(&vdev->vqs);

	int err = virtio_dev_restart(vdev);
	if (err)
		return err;
	vdev->device_features = vdev->config->get_features(vdev);
	list_add_tail(&vdev->list, &virtio_devices);
	char raw[200];
	if (virtio_format_config(vdev, raw, sizeof(raw)))
		raw[0] = 0;
	pr_info("%s: virtio device %u at %s, features 0x%llx, config %s\n", vdev->name, vdev->id,
		vdev->bus_name ? vdev->bus_name : "?", vdev->device_features, raw);
	log_config_fields(vdev);

	struct virtio_driver *drv;
	list_for_each_entry(drv, &virtio_drivers, list) {
		try_match(vdev, drv);
		if (vdev->driver)
			break;
	}
	return 0;
}

void unregister_virtio_device(struct virtio_device *vdev)
{
	if (vdev->driver)
		virtio_dev_remove(vdev);
	virtio_reset_device(vdev);
	list_del(&vdev->list);
}

static bool driver_registered(const struct virtio_driver *drv)
{
	struct virtio_driver *d;
	list_for_each_entry(d, &virtio_drivers, list)
		if (d == drv)
			return true;
	return false;
}

int register_virtio_driver(struct virtio_driver *drv)
{
	if (!drv || !drv->probe || !drv->name)
		return -EINVAL;
	if (drv->features & ~VIRTIO_DEVICE_FEATURES_MASK) {
		pr_err("virtio: driver %s: features 0x%llx name bits the core does not implement\n",
		       drv->name, drv->features);
		return -EINVAL;
	}
	if (driver_registered(drv))
		return -EEXIST;
	list_add_tail(&drv->list, &virtio_drivers);
	struct virtio_device *vdev;
	list_for_each_entry(vdev, &virtio_devices, list)
		try_match(vdev, drv);
	return 0;
}

void unregister_virtio_driver(struct virtio_driver *drv)
{
	if (!driver_registered(drv))
		return;
	struct virtio_device *vdev;
	list_for_each_entry(vdev, &virtio_devices, list)
		if (vdev->driver == drv)
			virtio_dev_remove(vdev);
	list_del(&drv->list);
}

int virtio_format_config(struct virtio_device *vdev, char *buf, size_t size)
{
	u64 w[8] = {0};
	struct virtio_cfield f[sizeof(w)] = {{0}};
	const struct virtio_driver *drv = vdev->driver;
	unsigned len = vdev->config->config_len(vdev);
	unsigned n = len > sizeof(w) ? sizeof(w) : len, nf = 0;
	if (drv && drv->config_fields) {
		for (unsigned i = 0; i < drv->nr_config_fields && nf < ARRAY_SIZE(f); i++)
			if (drv->config_fields[i].offset + drv->config_fields[i].size <= n)
				f[nf++] = drv->config_fields[i];
	} else {
		for (unsigned off = 0; off < n; nf++) {
			u8 width = n - off >= 4 ? 4 : 1;
			f[nf] = (struct virtio_cfield){(u16)off, width};
			off += width;
		}
	}
	int err = virtio_cread_fields(vdev, w, sizeof(w), f, nf);
	if (err)
		return err;
	int at = scnprintf(buf, size, "%u bytes:", len);
	for (unsigned i = 0; i < DIV_ROUND_UP(n, 8); i++)
		at += scnprintf(buf + at, size - at, " %#llx", w[i]);
	if (len > n)
		scnprintf(buf + at, size - at, " ...");
	return 0;
}

void virtio_config_changed(struct virtio_device *vdev)
{
	vdev->config_changes++;
	struct virtio_driver *drv = vdev->driver;
	char raw[200];
	if (virtio_format_config(vdev, raw, sizeof(raw)))
		raw[0] = 0;
	/* Without a driver nobody else reports it: say it at info level so it is seen. */
	if (drv)
		pr_debug("%s: config change %llu: %s\n", vdev->name, vdev->config_changes, raw);
	else
		pr_info("%s: config change %llu: %s\n", vdev->name, vdev->config_changes, raw);
	if (!drv)
		return;
	if (!vdev->config_enabled) {
		vdev->config_change_pending = true;
		return;
	}
	if (drv->config_changed)
		drv->config_changed(vdev);
}

struct virtio_device *virtio_dev_at(unsigned i)
{
	struct virtio_device *vdev;
	list_for_each_entry(vdev, &virtio_devices, list)
		if (i-- == 0)
			return vdev;
	return NULL;
}

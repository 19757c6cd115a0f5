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
		list_for_each_entry(d, &virtio_devices, list) used |= d->index == i;
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
	int err = vdev->config->reset(vdev);
	if (err)
		pr_err("%s: reset did not complete: %s\n", vdev->name, errname(err));
	return err;
}

void virtio_break_device(struct virtio_device *vdev, const char *why)
{
	if (!vdev->broken)
		pr_err("%s: device broken: %s\n", vdev->name, why);
	vdev->broken = true;
	struct virtqueue *vq;
	list_for_each_entry(vq, &vdev->vqs, list) virtqueue_break(vq, why);
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

int virtio_cread_bytes(struct virtio_device *vdev, unsigned offset, void *buf, unsigned len)
{
	for (int i = 0; i < VIRTIO_CREAD_TRIES; i++) {
		u32 gen = vdev->config->generation(vdev);
		int err = vdev->config->get(vdev, offset, buf, len);
		if (err)
			return err;
		if (vdev->config->generation(vdev) == gen)
			return 0;
	}
	pr_err("%s: configuration kept changing during %d reads\n", vdev->name, VIRTIO_CREAD_TRIES);
	return -EAGAIN;
}

int virtio_cwrite_bytes(struct virtio_device *vdev, unsigned offset, const void *buf, unsigned len)
{
	return vdev->config->set(vdev, offset, buf, len);
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
		       vdev->name, (unsigned long long)vdev->device_features);
		err = -ENODEV;
		goto fail;
	}
	vdev->features = vdev->device_features & (drv->features | BIT_ULL(VIRTIO_F_VERSION_1));
	vdev->config->set_features(vdev, vdev->features);
	add_status(vdev, VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(vdev->config->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		pr_err("%s: device refused features 0x%llx (offered 0x%llx)\n", vdev->name,
		       (unsigned long long)vdev->features, (unsigned long long)vdev->device_features);
		err = -ENODEV;
		goto fail;
	}
	vdev->driver = drv;
	vdev->config_enabled = false;
	vdev->config_change_pending = false;
	pr_info("%s: %s driver: features 0x%llx (offered 0x%llx)\n", vdev->name, drv->name,
		(unsigned long long)vdev->features, (unsigned long long)vdev->device_features);
	err = drv->probe(vdev);
	if (err) {
		pr_err("%s: %s probe failed: %s\n", vdev->name, drv->name, errname(err));
		vdev->driver = NULL;
		if (!list_empty(&vdev->vqs)) {
			virtio_reset_device(vdev);
			virtio_del_vqs(vdev);
		}
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

/* Takes the driver away from vdev and leaves the device reset and ready for another probe. */
static void virtio_dev_remove(struct virtio_device *vdev)
{
	struct virtio_driver *drv = vdev->driver;
	vdev->config_enabled = false;
	if (drv->remove)
		drv->remove(vdev);
	vdev->driver = NULL;
	virtio_reset_device(vdev);
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
	if (vdev->driver || drv->device_id != vdev->id || (drv->only && drv->only != vdev))
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
		if (l->id != vdev->id || vdev->config->config_len(vdev) < sizeof(w) ||
		    virtio_cread_bytes(vdev, 0, w, sizeof(w)))
			continue;
		int at = scnprintf(buf, sizeof(buf), "%s:   config as %s:", vdev->name, l->type);
		for (unsigned f = 0; f < ARRAY_SIZE(w); f++)
			at += scnprintf(buf + at, sizeof(buf) - at, " %s=%#llx", l->fields[f],
					(unsigned long long)(f == 1 ? w[f] & 0xffff : w[f]));
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
		vdev->bus_name ? vdev->bus_name : "?", (unsigned long long)vdev->device_features, raw);
	log_config_fields(vdev);

	struct virtio_driver *drv;
	list_for_each_entry(drv, &virtio_drivers, list)
	{
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
	list_for_each_entry(d, &virtio_drivers, list) if (d == drv) return true;
	return false;
}

int register_virtio_driver(struct virtio_driver *drv)
{
	if (!drv || !drv->probe || !drv->name)
		return -EINVAL;
	if (driver_registered(drv))
		return -EEXIST;
	list_add_tail(&drv->list, &virtio_drivers);
	struct virtio_device *vdev;
	list_for_each_entry(vdev, &virtio_devices, list) try_match(vdev, drv);
	return 0;
}

void unregister_virtio_driver(struct virtio_driver *drv)
{
	if (!driver_registered(drv))
		return;
	struct virtio_device *vdev;
	list_for_each_entry(vdev, &virtio_devices, list) if (vdev->driver == drv) virtio_dev_remove(vdev);
	list_del(&drv->list);
}

int virtio_format_config(struct virtio_device *vdev, char *buf, size_t size)
{
	u64 w[8] = {0};
	unsigned len = vdev->config->config_len(vdev);
	unsigned n = len > sizeof(w) ? sizeof(w) : len;
	int err = n ? virtio_cread_bytes(vdev, 0, w, n) : 0;
	if (err)
		return err;
	int at = scnprintf(buf, size, "%u bytes:", len);
	for (unsigned i = 0; i < DIV_ROUND_UP(n, 8); i++)
		at += scnprintf(buf + at, size - at, " %#llx", (unsigned long long)w[i]);
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
		pr_debug("%s: config change %llu: %s\n", vdev->name, (unsigned long long)vdev->config_changes,
			 raw);
	else
		pr_info("%s: config change %llu: %s\n", vdev->name, (unsigned long long)vdev->config_changes,
			raw);
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
	list_for_each_entry(vdev, &virtio_devices, list) if (i-- == 0) return vdev;
	return NULL;
}

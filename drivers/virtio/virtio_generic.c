/* A driver of last resort for any virtio device, bound by hand from the shell (`virtio bind N`): it
 * completes the handshake (accepting only the features virtio_generic_features() names) and sets up
 * no queue. The
 * device is then live (DRIVER_OK), so it raises config-change interrupts, which the core logs with
 * the raw configuration: enough to watch a device nobody drives yet, e.g. virtio-mem resizes over
 * QMP. `virtio unbind N` resets the device again. */
#include "drivers/virtio.h"
#include "drivers/virtio_mem.h"
#include "kernel/errno.h"
#include "kernel/printk.h"

#define GENERIC_MAX 8

static struct virtio_driver generic[GENERIC_MAX];

u64 virtio_generic_features(u32 device_id)
{
	/* virtio-mem: promising not to read unplugged memory is easy for a driver that reads none. */
	return device_id == VIRTIO_ID_MEM ? BIT_ULL(VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE) : 0;
}

static int generic_probe(struct virtio_device *vdev)
{
	return 0;
}

static void generic_config_changed(struct virtio_device *vdev)
{
	char raw[200];
	if (virtio_format_config(vdev, raw, sizeof(raw)) == 0)
		pr_info("%s: config now %s\n", vdev->name, raw);
}

int virtio_generic_bind(struct virtio_device *vdev)
{
	if (vdev->driver)
		return vdev->driver->probe == generic_probe ? 0 : -EBUSY;
	for (int i = 0; i < GENERIC_MAX; i++) {
		struct virtio_driver *d = &generic[i];
		if (d->probe)
			continue;
		*d = (struct virtio_driver){
		    .name = "virtio-generic",
		    .device_id = vdev->id,
		    .only = vdev,
		    .features = virtio_generic_features(vdev->id),
		    .probe = generic_probe,
		    .config_changed = generic_config_changed,
		};
		int err = register_virtio_driver(d);
		if (err || vdev->driver != d) {
			if (!err)
				unregister_virtio_driver(d);
			d->probe = NULL;
			return err ? err : -EIO;
		}
		return 0;
	}
	return -ENOSPC;
}

int virtio_generic_unbind(struct virtio_device *vdev)
{
	struct virtio_driver *d = vdev->driver;
	if (!d || d->probe != generic_probe)
		return -EINVAL;
	unregister_virtio_driver(d);
	d->probe = NULL;
	return 0;
}

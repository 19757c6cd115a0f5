/* A fake virtio transport for host tests (see virtio_fake_transport.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/errno.h"
#include "virtio_fake_transport.h"

static struct fake_vdev *fv_of(struct virtio_device *vdev)
{
	return container_of(vdev, struct fake_vdev, vdev);
}

/* Logs the access and checks it as virtio-pci's rule for device configuration says. */
static int f_access(struct fake_vdev *fv, unsigned off, unsigned len, bool write)
{
	if (fv->naccess < FAKE_VDEV_ACCESS_LOG)
		fv->access_log[fv->naccess] = (struct fake_access){(u16)off, (u8)len, write};
	fv->naccess++;
	if (off > fv->config_len || len > fv->config_len - off)
		return -ERANGE;
	if ((len != 1 && len != 2 && len != 4 && len != 8) || off % (len > 4 ? 4 : len)) {
		fv->bad_accesses++;
		return -EINVAL;
	}
	return 0;
}

static int f_get(struct virtio_device *vdev, unsigned off, void *buf, unsigned len)
{
	struct fake_vdev *fv = fv_of(vdev);
	int err = f_access(fv, off, len, false);
	if (err)
		return err;
	memcpy(buf, fv->config + off, len);
	if (fv->bump_generation_reads > 0) {
		fv->bump_generation_reads--;
		fv->generation++;
	}
	if (fv->on_config_read)
		fv->on_config_read(fv, off, len);
	return 0;
}

static int f_set(struct virtio_device *vdev, unsigned off, const void *buf, unsigned len)
{
	struct fake_vdev *fv = fv_of(vdev);
	int err = f_access(fv, off, len, true);
	if (err)
		return err;
	memcpy(fv->config + off, buf, len);
	return 0;
}

static u32 f_generation(struct virtio_device *vdev)
{
	struct fake_vdev *fv = fv_of(vdev);
	u32 g = fv->generation;

	if (fv->on_generation)
		fv->on_generation(fv);
	return g;
}

static u8 f_get_status(struct virtio_device *vdev)
{
	return fv_of(vdev)->status;
}

static void f_set_status(struct virtio_device *vdev, u8 s)
{
	struct fake_vdev *fv = fv_of(vdev);
	if (fv->nstatus < sizeof(fv->status_log))
		fv->status_log[fv->nstatus++] = s;
	if ((s & VIRTIO_CONFIG_S_FEATURES_OK) && !(fv->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		if (fv->refuse_features || (fv->accepted & fv->must_accept) != fv->must_accept ||
		    (fv->accepted & ~fv->offered))
			s &= (u8)~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	fv->status = s;
}

static int f_reset(struct virtio_device *vdev)
{
	struct fake_vdev *fv = fv_of(vdev);
	fv->resets++;
	if (fv->nstatus < sizeof(fv->status_log))
		fv->status_log[fv->nstatus++] = 0;
	if (fv->reset_hangs)
		return -ETIMEDOUT;
	fv->status = 0;
	fv->accepted = 0;
	return 0;
}

static u64 f_get_features(struct virtio_device *vdev)
{
	return fv_of(vdev)->offered;
}

static void f_set_features(struct virtio_device *vdev, u64 f)
{
	fv_of(vdev)->accepted = f;
}

static bool f_notify(struct virtqueue *vq)
{
	struct fake_vdev *fv = vq->priv;
	fv->dev[vq->index].notifies++;
	if (fv->on_notify)
		fv->on_notify(fv, vq->index);
	return true;
}

static void f_del_vqs(struct virtio_device *vdev)
{
	struct fake_vdev *fv = fv_of(vdev);
	for (unsigned i = 0; i < fv->nvqs; i++) {
		list_del(&fv->vqs[i]->list);
		free(fv->vqs[i]);
		free(fv->rings[i]);
		fv->vqs[i] = NULL;
		fv->rings[i] = NULL;
	}
	fv->nvqs = 0;
}

static int f_find_vqs(struct virtio_device *vdev, unsigned nvqs, struct virtqueue *vqs[],
		      vq_callback_t *const callbacks[], const char *const names[])
{
	struct fake_vdev *fv = fv_of(vdev);
	if (nvqs > FAKE_VDEV_MAX_VQS || fv->nvqs)
		return -EINVAL;
	u16 num = fv->queue_size < VIRTQUEUE_MAX_NUM ? fv->queue_size : VIRTQUEUE_MAX_NUM;
	for (unsigned i = 0; i < nvqs; i++) {
		struct virtqueue *vq = calloc(1, sizeof(*vq));
		void *ring = aligned_alloc(4096, ALIGN_UP(vring_size(num), 4096));
		int err = virtqueue_init(vq, names[i], (u16)i, num, ring, (phys_addr_t)(uintptr_t)ring,
					 f_notify, callbacks[i], fv);
		if (err) {
			free(vq);
			free(ring);
			f_del_vqs(vdev);
			return err;
		}
		vq->vdev = vdev;
		list_add_tail(&vq->list, &vdev->vqs);
		fv->vqs[i] = vq;
		fv->rings[i] = ring;
		fake_vring_attach(&fv->dev[i], vq);
		fv->nvqs = i + 1;
		vqs[i] = vq;
	}
	return 0;
}

static unsigned f_config_len(struct virtio_device *vdev)
{
	return fv_of(vdev)->config_len;
}

static const struct virtio_config_ops fake_ops = {
    .get = f_get,
    .set = f_set,
    .generation = f_generation,
    .get_status = f_get_status,
    .set_status = f_set_status,
    .reset = f_reset,
    .get_features = f_get_features,
    .set_features = f_set_features,
    .find_vqs = f_find_vqs,
    .del_vqs = f_del_vqs,
    .config_len = f_config_len,
};

void fake_vdev_init(struct fake_vdev *fv, u32 device_id, u64 offered, unsigned config_len)
{
	memset(fv, 0, sizeof(*fv));
	fv->vdev.id = device_id;
	fv->vdev.config = &fake_ops;
	fv->vdev.bus_name = "fake";
	fv->offered = offered;
	fv->config_len = config_len < FAKE_VDEV_CONFIG_MAX ? config_len : FAKE_VDEV_CONFIG_MAX;
	fv->queue_size = 128;
	INIT_LIST_HEAD(&fv->vdev.vqs);
}

void fake_vdev_config_change(struct fake_vdev *fv)
{
	fv->generation++;
	if (fv->on_config_change)
		fv->on_config_change(fv);
	else
		virtio_config_changed(&fv->vdev);
}

bool fake_vdev_interrupt(struct fake_vdev *fv, unsigned q)
{
	return q < fv->nvqs && vring_interrupt(fv->vqs[q]);
}

void fake_vdev_free_kept_vqs(struct fake_vdev *fv)
{
	f_del_vqs(&fv->vdev);
}

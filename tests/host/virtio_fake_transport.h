/* A fake virtio transport for host tests of the virtio core and of virtio drivers: a device with a
 * status register, offered features, a configuration space with a generation counter, and queues
 * whose device side (virtio_fake.h) a test or a device model serves from on_notify.
 *
 *	struct fake_vdev fv;
 *	fake_vdev_init(&fv, VIRTIO_ID_MEM, BIT_ULL(VIRTIO_F_VERSION_1) | ..., sizeof(struct
 *virtio_mem_config)); memcpy(fv.config, &cfg, sizeof(cfg)); fv.on_notify = my_device_model;        // pops
 *fv.dev[q], pushes used entries register_virtio_device(&fv.vdev);       // probes a registered driver
 *	fake_vdev_config_change(&fv);           // generation++ and virtio_config_changed()
 *	fake_vdev_interrupt(&fv, 0);            // vring_interrupt() on queue 0
 */
#ifndef TESTS_HOST_VIRTIO_FAKE_TRANSPORT_H
#define TESTS_HOST_VIRTIO_FAKE_TRANSPORT_H

#include "drivers/virtio.h"
#include "virtio_fake.h"

#define FAKE_VDEV_MAX_VQS    4
#define FAKE_VDEV_CONFIG_MAX 256
#define FAKE_VDEV_ACCESS_LOG 256

/* One configuration access the driver made, as a device sees it. */
struct fake_access {
	u16 offset;
	u8 len;
	bool write;
};

struct fake_vdev {
	struct virtio_device vdev;
	u8 status;
	u8 status_log[32]; /* every value written to the status register, in order */
	unsigned nstatus;
	u64 offered;
	u64 accepted;	 /* what the driver wrote */
	u64 must_accept; /* FEATURES_OK is refused unless these are accepted (QEMU: UNPLUGGED_INACCESSIBLE) */
	bool refuse_features; /* refuse FEATURES_OK whatever was accepted */
	bool reset_hangs;     /* status never reads back 0 after a reset (reset returns -ETIMEDOUT) */
	u8 config[FAKE_VDEV_CONFIG_MAX] __aligned(8);
	unsigned config_len;
	u32 generation;
	int bump_generation_reads; /* the next N config reads each see the generation change */
	/* every config access, in order (the first FAKE_VDEV_ACCESS_LOG), and how many broke the
	 * transport's rule (width 1, 2, 4 or 8, aligned): those are refused with -EINVAL */
	struct fake_access access_log[FAKE_VDEV_ACCESS_LOG];
	unsigned naccess;
	unsigned bad_accesses;
	/* called after each config read: a device that changes its configuration mid-read */
	void (*on_config_read)(struct fake_vdev *fv, unsigned offset, unsigned len);
	unsigned resets;
	u16 queue_size; /* offered per queue (default 128) */
	unsigned nvqs;
	struct virtqueue *vqs[FAKE_VDEV_MAX_VQS];
	void *rings[FAKE_VDEV_MAX_VQS];
	struct fake_vring dev[FAKE_VDEV_MAX_VQS];
	void (*on_notify)(struct fake_vdev *fv, unsigned q);
	/* Called at each read of the generation, after the value to return was taken: a change it
	 * makes lands just after the driver's read (the read itself sees the old configuration). */
	void (*on_generation)(struct fake_vdev *fv);
	void *priv; /* the device model's */
	/* When set, fake_vdev_config_change calls it (after generation++) instead of delivering the change
	 * itself: another transport in front of this model (tests/host/virtio_mmio_fake.c) raises its
	 * interrupt. */
	void (*on_config_change)(struct fake_vdev *fv);
	void *front; /* that transport's */
};

void fake_vdev_init(struct fake_vdev *fv, u32 device_id, u64 offered, unsigned config_len);
/* The device changed its configuration: generation++, then virtio_config_changed(). */
void fake_vdev_config_change(struct fake_vdev *fv);
/* A queue interrupt: vring_interrupt() on queue q. */
bool fake_vdev_interrupt(struct fake_vdev *fv, unsigned q);
/* The test's own cleanup of queues a dead device kept (the core never frees them): frees them. */
void fake_vdev_free_kept_vqs(struct fake_vdev *fv);

#endif

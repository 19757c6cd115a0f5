/* A virtio-mmio register file for host tests (tests/host/virtio_mmio_fake.c): version 2 registers in
 * front of a device model kept in a struct fake_vdev (its status rules, offered features,
 * configuration, generation and on_notify serve the queues), so a model written for the fake transport
 * (vmem_fake.c) runs under the real drivers/virtio/virtio_mmio.c. It raises its interrupt by calling
 * virtio_mmio_interrupt at once, as a level line would. Knobs make it lie: any magic, version, device
 * ID or QueueNumMax.
 *
 *	struct mmio_fake mf;
 *	mmio_fake_init(&mf, &model);           // model: a fake_vdev set up by fake_vdev_init/vmem_fake_init
 *	mf.version = 1;                        // a legacy device
 *	int err = mmio_fake_register(&mf);     // virtio_mmio_register through the fake's registers
 */
#ifndef TESTS_HOST_VIRTIO_MMIO_FAKE_H
#define TESTS_HOST_VIRTIO_MMIO_FAKE_H

#include "drivers/virtio_mmio.h"
#include "virtio_fake_transport.h"

struct mmio_fake_queue {
	u32 num, ready;
	u64 desc, driver, device;
};

struct mmio_fake {
	struct virtio_mmio_device vm;
	struct fake_vdev *model;
	u32 magic, version, device_id, queue_num_max; /* what the registers say */
	u32 dev_sel, drv_sel, queue_sel;
	struct mmio_fake_queue q[FAKE_VDEV_MAX_VQS];
	u32 int_status;
	unsigned interrupts_raised;
	unsigned bad_accesses;	     /* a register read or written with a width other than 4, or unknown */
	unsigned config_accesses[9]; /* by width */
};

/* A well-behaved version-2 device in front of model (magic "virt", version 2, model's device ID,
 * QueueNumMax model->queue_size), at 0xfeb00000, 512 bytes, IRQ 5. */
void mmio_fake_init(struct mmio_fake *mf, struct fake_vdev *model);
/* virtio_mmio_register on it. */
int mmio_fake_register(struct mmio_fake *mf);

#endif

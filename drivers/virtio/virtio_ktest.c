/* In-kernel test of the virtio stack against QEMU's real device: a throw-away driver binds to the
 * first virtio device nobody drives, completes the handshake, sets up queue 0 and, for virtio-rng, asks
 * for random bytes, for virtio-mem,
 * sends a harmless STATE request for its first block through it and waits for the answer (which exercises the
 * ring, the notify write and the INTx interrupt), then unbinds, leaving the device reset and acknowledged. */
#include "drivers/virtio.h"
#include "drivers/virtio_mem.h"
#include "drivers/virtio_pci.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/timer.h"
#include "kernel/workqueue.h"
#include "lib/string.h"
#include <asm/memlayout.h>

/* virtio-mem's request and response (virtio spec 5.15.6) */
#define VIRTIO_MEM_REQ_STATE  3
#define VIRTIO_MEM_RESP_ACK   0
#define VIRTIO_MEM_RESP_ERROR 3

struct vm_req {
	u16 type;
	u16 padding[3];
	u64 addr;
	u16 nb_blocks;
	u16 padding2[3];
};
struct vm_resp {
	u16 type;
	u16 padding[3];
	u16 state;
};
_Static_assert(sizeof(struct vm_req) == 24 && sizeof(struct vm_resp) == 10, "virtio-mem request layout");

static struct vm_req req;
static struct vm_resp resp;
static struct virtqueue *kt_vq;
static u8 kt_status_after_probe;
static u32 kt_len;
static void *kt_token;
static u64 kt_irqs;
static int kt_vector; /* queue 0's MSI-X vector, -1 without one */
static u64 kt_vector_count;
static u64 kt_usable;
static u8 rng_buf[16];

static bool vq_has_used(void *arg)
{
	return virtqueue_has_used(arg) || virtqueue_is_broken(arg);
}

/* The virtio-pci interrupts since `before`, once the used-buffer interrupt has come (it may land a
 * moment after the used index moved) or 500 ms passed. */
static u64 wait_interrupt(struct virtio_device *vdev, u64 before)
{
	u64 t0 = ktime_ns();
	while (virtio_pci_interrupts(vdev) == before && ktime_ns() - t0 < 500 * NSEC_PER_MSEC)
		msleep(1);
	return virtio_pci_interrupts(vdev) - before;
}

static int kt_probe(struct virtio_device *vdev)
{
	vq_callback_t *cbs[] = {NULL};
	const char *const names[] = {"ktest.q0"};
	int err = virtio_find_vqs(vdev, 1, &kt_vq, cbs, names);
	if (err)
		return err;
	virtio_device_ready(vdev);
	kt_status_after_probe = vdev->config->get_status(vdev);
	u64 irqs = virtio_pci_interrupts(vdev);
	if (vdev->id == VIRTIO_ID_RNG) {
		/* entropy: one device-writable buffer, the device says how much it wrote */
		struct vq_buf in = {kernel_virt_to_phys(&rng_buf), sizeof(rng_buf)};
		err = virtqueue_add(kt_vq, NULL, 0, &in, 1, &rng_buf);
		if (err)
			return err;
		virtqueue_kick(kt_vq);
		wait_until(vq_has_used, kt_vq, 2000 * NSEC_PER_MSEC);
		kt_token = virtqueue_get_buf(kt_vq, &kt_len);
		kt_irqs = wait_interrupt(vdev, irqs);
		kt_vector = virtio_pci_queue_vector(vdev, 0);
		kt_vector_count = kt_vector > 0 ? msi_count(kt_vector) : 0;
		return 0;
	}
	if (vdev->id != VIRTIO_ID_MEM)
		return 0;
	u64 addr;
	err = virtio_cread(vdev, struct virtio_mem_config, addr, &addr);
	if (err)
		return err;
	err = virtio_cread(vdev, struct virtio_mem_config, usable_region_size, &kt_usable);
	if (err)
		return err;
	req = (struct vm_req){.type = VIRTIO_MEM_REQ_STATE, .addr = addr, .nb_blocks = 1};
	resp = (struct vm_resp){.type = 0xffff};
	struct vq_buf out = {kernel_virt_to_phys(&req), sizeof(req)};
	struct vq_buf in = {kernel_virt_to_phys(&resp), sizeof(resp)};
	irqs = virtio_pci_interrupts(vdev);
	err = virtqueue_add(kt_vq, &out, 1, &in, 1, &req);
	if (err)
		return err;
	virtqueue_kick(kt_vq);
	wait_until(vq_has_used, kt_vq, 2000 * NSEC_PER_MSEC);
	kt_token = virtqueue_get_buf(kt_vq, &kt_len);
	kt_irqs = wait_interrupt(vdev, irqs);
	return 0;
}

static struct virtio_driver kt_driver = {
    .name = "virtio-ktest",
    .probe = kt_probe,
};

KTEST(virtio, handshake_queue_and_request)
{
	struct virtio_device *vdev = NULL;
	for (unsigned i = 0; virtio_dev_at(i); i++)
		if (!virtio_dev_at(i)->driver) {
			vdev = virtio_dev_at(i);
			break;
		}
	if (!vdev) {
		ktest_skip("no virtio device without a driver");
		return;
	}
	kt_driver.device_id = vdev->id;
	kt_driver.features = virtio_generic_features(vdev->id); /* it reads no device memory either */
	kt_vq = NULL;
	kt_token = NULL;
	kt_irqs = 0;
	kt_vector = -1;
	kt_vector_count = 0;
	KT_ASSERT(register_virtio_driver(&kt_driver) == 0);
	KT_EXPECT(vdev->driver == &kt_driver);
	KT_EXPECT(kt_status_after_probe == (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
					    VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK));
	KT_EXPECT(virtio_has_feature(vdev, VIRTIO_F_VERSION_1));
	KT_EXPECT(kt_vq != NULL);
	if (vdev->id == VIRTIO_ID_MEM) {
		KT_EXPECT(kt_token == &req);
		KT_EXPECT(kt_len == sizeof(resp));
		/* QEMU answers ERROR outside usable_region_size (0 while nothing is requested). */
		if (kt_usable)
			KT_EXPECT(resp.type == VIRTIO_MEM_RESP_ACK);
		else
			KT_EXPECT(resp.type == VIRTIO_MEM_RESP_ERROR);
		KT_EXPECT(kt_irqs >= 1);
		ktest_info("%s: STATE answered type %u state %u (usable region 0x%llx), %llu interrupt(s)",
			   vdev->name, resp.type, resp.state, kt_usable, kt_irqs);
	}
	if (vdev->id == VIRTIO_ID_RNG) {
		KT_EXPECT(kt_token == rng_buf);
		KT_EXPECT(kt_len >= 1 && kt_len <= sizeof(rng_buf));
		ktest_info("%s: rng wrote %u bytes", vdev->name, kt_len);
		if (vdev->transport_name && !strcmp(vdev->transport_name, "pci"))
			KT_EXPECT(kt_irqs >= 1);
		if (kt_vector > 0) {
			KT_EXPECT(kt_vector_count >= 1);
			ktest_info("%s: queue 0 on MSI-X vector 0x%x: %llu interrupt(s)", vdev->name,
				   kt_vector, kt_vector_count);
		}
	}
	flush_scheduled_work(10);
	unregister_virtio_driver(&kt_driver);
	KT_EXPECT(!vdev->driver && list_empty(&vdev->vqs));
	KT_EXPECT(vdev->config->get_status(vdev) == VIRTIO_CONFIG_S_ACKNOWLEDGE);
}

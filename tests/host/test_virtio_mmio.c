// clang-format off
/* host-srcs: drivers/virtio/virtio_mmio.c drivers/virtio/virtio.c drivers/virtio/virtio_generic.c drivers/virtio/virtqueue.c kernel/lib/errname.c kernel/timer.c kernel/workqueue.c tests/host/time_fake.c tests/host/virtio_fake.c tests/host/virtio_fake_transport.c tests/host/virtio_mmio_fake.c */
// clang-format on
/* The virtio-mmio transport (drivers/virtio/virtio_mmio.c) against a register-level fake device: a
 * handshake, config reads with their own widths, a request through queue 0 answered by interrupt, a
 * config change by interrupt; and devices that lie: bad magic, version 1, device ID 0, QueueNumMax 0,
 * a reset that never completes. */
#include <string.h>

#include "drivers/virtio_mmio.h"
#include "host_test.h"
#include "kernel/errno.h"
#include "kernel/workqueue.h"
#include "virtio_mmio_fake.h"

#define DEV_ID 24

static struct fake_vdev model;
static struct mmio_fake mf;
static int probes, changes, probe_err;
static unsigned callbacks;
static struct virtqueue *vq;
static u64 seen;

static void vq_done(struct virtqueue *q)
{
	callbacks++;
}

static int t_probe(struct virtio_device *vdev)
{
	probes++;
	vq_callback_t *cbs[] = {vq_done};
	const char *const names[] = {"test.req"};
	probe_err = virtio_find_vqs(vdev, 1, &vq, cbs, names);
	if (probe_err)
		return probe_err;
	virtio_device_ready(vdev);
	return 0;
}

static void t_changed(struct virtio_device *vdev)
{
	changes++;
	virtio_cread_field(vdev, 8, &seen, 8);
}

static void t_remove(struct virtio_device *vdev)
{
}

static struct virtio_driver drv = {
    .name = "test-mmio",
    .device_id = DEV_ID,
    .probe = t_probe,
    .remove = t_remove,
    .config_changed = t_changed,
};

/* Answers every request with 4 bytes written. */
static void serve(struct fake_vdev *fv, unsigned q)
{
	struct fake_chain c;
	while (fake_vring_pop(&fv->dev[q], &c) == 1) {
		u32 answer = 0xabcd;
		fake_chain_write(&c, &answer, sizeof(answer));
		fake_vring_push(&fv->dev[q], c.head, sizeof(answer));
	}
}

static void setup(void)
{
	static bool registered;
	fake_vdev_init(&model, DEV_ID, BIT_ULL(VIRTIO_F_VERSION_1), 24);
	model.on_notify = serve;
	u64 v = 0x1122334455667788ULL;
	memcpy(model.config + 8, &v, 8);
	mmio_fake_init(&mf, &model);
	probes = changes = 0;
	callbacks = 0;
	host_log_clear();
	if (!registered) {
		registered = true;
		register_virtio_driver(&drv);
	}
}

static void t_works(void)
{
	test_begin("virtio-mmio", "a version 2 device: handshake, queue, interrupts");
	setup();
	REQUIRE(mmio_fake_register(&mf) == 0);
	CHECK(probes == 1 && probe_err == 0);
	CHECK(mf.vm.vdev.driver == &drv);
	CHECK(model.status == (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			       VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK));
	CHECK(model.accepted == BIT_ULL(VIRTIO_F_VERSION_1));
	CHECK(mf.q[0].ready && mf.q[0].num == 128 && mf.q[0].desc == vq->desc_phys &&
	      mf.q[0].driver == vq->avail_phys && mf.q[0].device == vq->used_phys);
	CHECK(strcmp(mf.vm.vdev.bus_name, "mmio@0xfeb00000") == 0);
	CHECK(strcmp(mf.vm.vdev.transport_name, "mmio") == 0);
	CHECK(mf.vm.config_len == 512 - 0x100);
	CHECK(mf.bad_accesses == 0);

	/* an 8-byte field is two 4-byte reads inside the generation loop */
	u64 v = 0;
	unsigned before = mf.config_accesses[4];
	CHECK(virtio_cread_field(&mf.vm.vdev, 8, &v, 8) == 0 && v == 0x1122334455667788ULL);
	CHECK(mf.config_accesses[4] == before + 2 && mf.config_accesses[8] == 0);
	u16 w = 0;
	before = mf.config_accesses[2];
	CHECK(virtio_cread_field(&mf.vm.vdev, 8, &w, 2) == 0);
	CHECK(w == 0x7788 && mf.config_accesses[2] == before + 1);

	/* a request: the device answers, raises VRING, the work delivers it */
	u32 buf = 0;
	struct vq_buf in = {(phys_addr_t)(uintptr_t)&buf, sizeof(buf)};
	REQUIRE(virtqueue_add(vq, NULL, 0, &in, 1, &buf) == 0);
	virtqueue_kick(vq);
	CHECK(mf.interrupts_raised == 1 && mf.int_status == 0); /* acknowledged in the handler */
	run_pending_work();
	CHECK(callbacks == 1);
	u32 len = 0;
	CHECK(virtqueue_get_buf(vq, &len) == &buf && len == 4 && buf == 0xabcd);
	CHECK(mf.vm.interrupts == 1);

	/* a config change: CONFIG raised, the driver sees the new value */
	v = 42;
	memcpy(model.config + 8, &v, 8);
	fake_vdev_config_change(&model);
	run_pending_work();
	CHECK(changes == 1 && seen == 42);
	/* a shared line that was someone else's */
	CHECK(!virtio_mmio_interrupt(&mf.vm));

	unregister_virtio_device(&mf.vm.vdev);
	CHECK(model.status == 0 && !mf.q[0].ready);
	test_end();
}

static void t_lies(void)
{
	test_begin("virtio-mmio", "bad magic, version 1, other versions, device ID 0: refused with a line");
	setup();
	mf.magic = 0x12345678;
	CHECK(mmio_fake_register(&mf) == -EINVAL && host_log_contains("bad magic value 0x12345678"));
	setup();
	mf.version = 1;
	CHECK(mmio_fake_register(&mf) == -EINVAL && host_log_contains("version 1 (legacy) device refused"));
	setup();
	mf.version = 3;
	CHECK(mmio_fake_register(&mf) == -EINVAL && host_log_contains("unknown version 3 refused"));
	setup();
	mf.device_id = 0;
	CHECK(mmio_fake_register(&mf) == -ENODEV && host_log_contains("no device behind the transport"));
	CHECK(probes == 0 && model.nstatus == 0); /* never touched */
	CHECK(virtio_dev_at(0) == NULL);
	test_end();

	test_begin("virtio-mmio", "QueueNumMax 0: the probe fails, the device is FAILED, nothing kept");
	setup();
	mf.queue_num_max = 0;
	CHECK(mmio_fake_register(&mf) == 0); /* registered; the driver's probe failed */
	CHECK(probes == 1 && probe_err == -ENOENT &&
	      host_log_contains("queue 0 unavailable (QueueNumMax 0)"));
	CHECK(mf.vm.vdev.driver == NULL && (model.status & VIRTIO_CONFIG_S_FAILED));
	CHECK(list_empty(&mf.vm.vdev.vqs) && mf.vm.nvqs == 0);
	unregister_virtio_device(&mf.vm.vdev);
	test_end();

	test_begin("virtio-mmio", "a window with no room for a configuration");
	setup();
	mf.vm.desc.size = 0x100;
	REQUIRE(mmio_fake_register(&mf) == 0);
	CHECK(mf.vm.config_len == 0);
	u32 x;
	CHECK(virtio_cread_field(&mf.vm.vdev, 0, &x, 4) == -ERANGE);
	unregister_virtio_device(&mf.vm.vdev);
	test_end();

	test_begin("virtio-mmio", "a reset that never completes: -ETIMEDOUT, the device dead");
	setup();
	REQUIRE(mmio_fake_register(&mf) == 0);
	model.reset_hangs = true;
	CHECK(virtio_reset_device(&mf.vm.vdev) == -ETIMEDOUT);
	CHECK(mf.vm.vdev.dead && host_log_contains("reset did not complete"));
	test_end();
}

int main(void)
{
	t_works();
	t_lies();
	return test_summary();
}

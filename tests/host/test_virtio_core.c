// clang-format off
/* host-srcs: drivers/virtio/virtio.c drivers/virtio/virtio_generic.c drivers/virtio/virtqueue.c kernel/lib/errname.c tests/host/virtio_fake.c tests/host/virtio_fake_transport.c */
// clang-format on
/* The virtio core against a fake transport: the status handshake in order, feature negotiation
 * (VERSION_1 required, FEATURES_OK re-read), generation-consistent config reads, config changes
 * during and after probe, probe failure, remove, and a request through a queue. */
#include <string.h>

#include "drivers/virtio.h"
#include "host_test.h"
#include "kernel/errno.h"
#include "virtio_fake_transport.h"

#define DEV_ID			 24
#define F_ACPI_PXM		 0
#define F_UNPLUGGED_INACCESSIBLE 1

struct cfg {
	u64 block_size;
	u16 node_id;
	u8 pad[6];
	u64 addr, region_size, usable_region_size, plugged_size, requested_size;
};

static struct fake_vdev fv;
static int probes, removes, changes, probe_result;
static bool probe_uses_queue, probe_changes_config, probe_fails_after_queue;
static u8 status_at_remove;
static bool dead_at_remove, hang_after_probe_failure;
static u64 seen_requested;
static struct virtqueue *vq;
static unsigned vq_callbacks;

static void vq_done(struct virtqueue *q)
{
	(void)q;
	vq_callbacks++;
}

static int t_probe(struct virtio_device *vdev)
{
	probes++;
	if (probe_result)
		return probe_result;
	if (probe_uses_queue) {
		vq_callback_t *cbs[] = {vq_done};
		const char *const names[] = {"test.req"};
		int err = virtio_find_vqs(vdev, 1, &vq, cbs, names);
		if (err)
			return err;
		virtio_device_ready(vdev);
		if (probe_fails_after_queue) {
			fv.reset_hangs = hang_after_probe_failure;
			return -EIO;
		}
	}
	if (probe_changes_config)
		fake_vdev_config_change(&fv); /* arrives while probe runs */
	return 0;
}

static void t_remove(struct virtio_device *vdev)
{
	removes++;
	status_at_remove = vdev->config->get_status(vdev);
	dead_at_remove = vdev->dead;
}

static void t_changed(struct virtio_device *vdev)
{
	changes++;
	virtio_cread(vdev, struct cfg, requested_size, &seen_requested);
}

static struct virtio_driver drv = {
    .name = "test-mem",
    .device_id = DEV_ID,
    .features = BIT_ULL(F_ACPI_PXM) | BIT_ULL(F_UNPLUGGED_INACCESSIBLE),
    .probe = t_probe,
    .remove = t_remove,
    .config_changed = t_changed,
};

static void reset_state(u64 offered)
{
	probes = removes = changes = probe_result = 0;
	probe_uses_queue = probe_changes_config = probe_fails_after_queue = false;
	status_at_remove = 0xff;
	dead_at_remove = hang_after_probe_failure = false;
	seen_requested = 0;
	vq = NULL;
	vq_callbacks = 0;
	fake_vdev_init(&fv, DEV_ID, offered, sizeof(struct cfg));
	struct cfg c = {.block_size = 2 << 20,
			.addr = 1ULL << 32,
			.region_size = 2ULL << 30,
			.usable_region_size = 256 << 20,
			.requested_size = 0};
	memcpy(fv.config, &c, sizeof(c));
	host_log_clear();
}

static void teardown(void)
{
	unregister_virtio_driver(&drv);
	unregister_virtio_device(&fv.vdev);
}

static const u64 QEMU_FEATURES = BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(F_ACPI_PXM) |
				 BIT_ULL(VIRTIO_F_INDIRECT_DESC) | BIT_ULL(VIRTIO_F_EVENT_IDX);

static void case_handshake_driver_first(void)
{
	reset_state(QEMU_FEATURES);
	REQUIRE(register_virtio_driver(&drv) == 0);
	CHECK(register_virtio_driver(&drv) == -EEXIST);
	REQUIRE(register_virtio_device(&fv.vdev) == 0);
	CHECK(probes == 1 && fv.vdev.driver == &drv);
	/* reset, ACK, ACK|DRIVER, +FEATURES_OK, +DRIVER_OK */
	const u8 want[] = {0, 1, 3, 11, 15};
	CHECK(fv.nstatus == sizeof(want) && memcmp(fv.status_log, want, sizeof(want)) == 0);
	CHECK(fv.accepted == (BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(F_ACPI_PXM)));
	CHECK(virtio_has_feature(&fv.vdev, VIRTIO_F_VERSION_1) &&
	      !virtio_has_feature(&fv.vdev, VIRTIO_F_EVENT_IDX));
	CHECK(strcmp(fv.vdev.name, "virtio0") == 0 && virtio_dev_at(0) == &fv.vdev && !virtio_dev_at(1));
	teardown();
	CHECK(removes == 1 && fv.status == 0 && !virtio_dev_at(0));
}

static void case_handshake_device_first(void)
{
	reset_state(QEMU_FEATURES | BIT_ULL(F_UNPLUGGED_INACCESSIBLE));
	fv.must_accept = BIT_ULL(F_UNPLUGGED_INACCESSIBLE);
	REQUIRE(register_virtio_device(&fv.vdev) == 0);
	CHECK(probes == 0 && fv.status == VIRTIO_CONFIG_S_ACKNOWLEDGE);
	REQUIRE(register_virtio_driver(&drv) == 0);
	CHECK(probes == 1 && (fv.status & VIRTIO_CONFIG_S_DRIVER_OK));
	CHECK(fv.accepted & BIT_ULL(F_UNPLUGGED_INACCESSIBLE));
	teardown();
}

static void case_no_version_1(void)
{
	reset_state(BIT_ULL(F_ACPI_PXM));
	register_virtio_driver(&drv);
	REQUIRE(register_virtio_device(&fv.vdev) == 0);
	CHECK(probes == 0 && (fv.status & VIRTIO_CONFIG_S_FAILED) && !fv.vdev.driver);
	CHECK(host_log_contains("virtio0: device offers no VERSION_1"));
	teardown();
}

static void case_features_refused(void)
{
	reset_state(QEMU_FEATURES);
	fv.must_accept = BIT_ULL(5); /* a feature the driver does not know: QEMU would refuse */
	register_virtio_driver(&drv);
	REQUIRE(register_virtio_device(&fv.vdev) == 0);
	CHECK(probes == 0 && (fv.status & VIRTIO_CONFIG_S_FAILED) &&
	      !(fv.status & VIRTIO_CONFIG_S_DRIVER_OK));
	CHECK(host_log_contains("virtio0: device refused features 0x100000001"));
	teardown();
}

static void case_probe_fails(void)
{
	reset_state(QEMU_FEATURES);
	probe_result = -EINVAL;
	register_virtio_driver(&drv);
	REQUIRE(register_virtio_device(&fv.vdev) == 0);
	CHECK(probes == 1 && !fv.vdev.driver && (fv.status & VIRTIO_CONFIG_S_FAILED));
	CHECK(host_log_contains("virtio0: test-mem probe failed: -EINVAL"));
	/* Another registration starts over from reset and succeeds. */
	unregister_virtio_driver(&drv);
	probe_result = 0;
	register_virtio_driver(&drv);
	CHECK(probes == 2 && fv.vdev.driver == &drv && fv.status == 15);
	teardown();
}

static void case_config_generation(void)
{
	reset_state(QEMU_FEATURES);
	register_virtio_device(&fv.vdev);
	u64 v = 0;
	fv.bump_generation_reads = 3; /* three torn reads, then a stable one */
	CHECK(virtio_cread(&fv.vdev, struct cfg, block_size, &v) == 0 && v == 2 << 20);
	CHECK(fv.bump_generation_reads == 0);
	fv.bump_generation_reads = 1000;
	CHECK(virtio_cread(&fv.vdev, struct cfg, block_size, &v) == -EAGAIN);
	CHECK(host_log_contains("configuration kept changing"));
	fv.bump_generation_reads = 0;
	u8 big[64];
	CHECK(virtio_cread_field(&fv.vdev, 0, big, sizeof(big)) == -EINVAL); /* not a field width */
	CHECK(virtio_cread_field(&fv.vdev, 2, big, 4) == -EINVAL);	     /* misaligned */
	CHECK(virtio_cread_field(&fv.vdev, 56, big, 8) == -ERANGE);
	CHECK(virtio_cread_field(&fv.vdev, 0xffffffffu, big, 8) == -ERANGE);
	CHECK(fv.bad_accesses == 0);
	teardown();
}

static const struct virtio_cfield cfg_fields[] = {
    VIRTIO_CFIELD(struct cfg, block_size),
    VIRTIO_CFIELD(struct cfg, node_id),
    VIRTIO_CFIELD(struct cfg, addr),
    VIRTIO_CFIELD(struct cfg, region_size),
    VIRTIO_CFIELD(struct cfg, usable_region_size),
    VIRTIO_CFIELD(struct cfg, plugged_size),
    VIRTIO_CFIELD(struct cfg, requested_size),
};

/* Each field is read with its own width (the 16-bit node_id with one 16-bit access, nothing of the
 * padding after it), the raw dump with 4-byte words; the transport sees no other width. */
static void case_config_widths(void)
{
	reset_state(QEMU_FEATURES);
	((struct cfg *)fv.config)->node_id = 0x1234;
	register_virtio_device(&fv.vdev);
	struct cfg c;
	memset(&c, 0xaa, sizeof(c));
	fv.naccess = 0;
	REQUIRE(virtio_cread_fields(&fv.vdev, &c, sizeof(c), cfg_fields, ARRAY_SIZE(cfg_fields)) == 0);
	CHECK(c.block_size == 2 << 20 && c.node_id == 0x1234 && c.addr == 1ULL << 32 &&
	      c.usable_region_size == 256 << 20 && c.requested_size == 0);
	CHECK(c.pad[0] == 0xaa && c.pad[5] == 0xaa); /* no field there: left alone */
	const struct fake_access want[] = {{0, 8, false},  {8, 2, false},  {16, 8, false}, {24, 8, false},
					   {32, 8, false}, {40, 8, false}, {48, 8, false}};
	CHECK(fv.naccess == ARRAY_SIZE(want) && memcmp(fv.access_log, want, sizeof(want)) == 0);
	for (unsigned i = 0; i < fv.naccess && i < FAKE_VDEV_ACCESS_LOG; i++)
		CHECK(fv.access_log[i].offset != 10 && fv.access_log[i].offset != 12);

	u16 node = 0;
	fv.naccess = 0;
	CHECK(virtio_cread(&fv.vdev, struct cfg, node_id, &node) == 0 && node == 0x1234);
	CHECK(fv.naccess == 1 && fv.access_log[0].offset == 8 && fv.access_log[0].len == 2);

	char raw[200];
	fv.naccess = 0;
	REQUIRE(virtio_format_config(&fv.vdev, raw, sizeof(raw)) == 0);
	CHECK(strcmp(raw, "56 bytes: 0x200000 0x1234 0x100000000 0x80000000 0x10000000 0 0") == 0);
	CHECK(fv.naccess == 14);
	for (unsigned i = 0; i < fv.naccess; i++)
		CHECK(fv.access_log[i].len == 4 && fv.access_log[i].offset == 4 * i);
	CHECK(fv.bad_accesses == 0);
	teardown();
}

/* The device changes plugged_size and requested_size while the driver is half way through the
 * fields, then bumps the generation: every field is read again and the copy is the new one, not a
 * mix. A device whose generation never settles gets -EAGAIN and a line. */
static int mid_read_changes;
static void change_mid_read(struct fake_vdev *f, unsigned off, unsigned len)
{
	(void)len;
	if (off != offsetof(struct cfg, region_size) || mid_read_changes-- <= 0)
		return;
	struct cfg *c = (struct cfg *)f->config;
	c->plugged_size += 2 << 20;
	c->requested_size += 2 << 20;
	f->generation++;
}

static void case_config_changes_mid_read(void)
{
	reset_state(QEMU_FEATURES);
	register_virtio_device(&fv.vdev);
	fv.on_config_read = change_mid_read;
	mid_read_changes = 1;
	struct cfg c;
	memset(&c, 0, sizeof(c));
	fv.naccess = 0;
	REQUIRE(virtio_cread_fields(&fv.vdev, &c, sizeof(c), cfg_fields, ARRAY_SIZE(cfg_fields)) == 0);
	CHECK(c.plugged_size == 2 << 20 && c.requested_size == 2 << 20);
	CHECK(fv.naccess == 2 * ARRAY_SIZE(cfg_fields));

	mid_read_changes = 1000;
	CHECK(virtio_cread_fields(&fv.vdev, &c, sizeof(c), cfg_fields, ARRAY_SIZE(cfg_fields)) == -EAGAIN);
	CHECK(host_log_contains("virtio0: configuration kept changing during 64 reads"));
	fv.on_config_read = NULL;
	teardown();
}

/* Drivers accept only the feature bits they understand, whatever the device offers; a driver that
 * names a transport bit the core does not implement is refused. */
static void case_features_understood(void)
{
	reset_state(~0ULL);
	REQUIRE(register_virtio_driver(&drv) == 0);
	REQUIRE(register_virtio_device(&fv.vdev) == 0);
	CHECK(fv.accepted ==
	      (BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(F_ACPI_PXM) | BIT_ULL(F_UNPLUGGED_INACCESSIBLE)));
	teardown();

	/* The generic driver reads no device memory: for virtio-mem it can promise not to read
	 * unplugged memory; it takes nothing else. */
	static struct fake_vdev rng;
	reset_state(~0ULL);
	fake_vdev_init(&rng, 4, ~0ULL, 0);
	REQUIRE(register_virtio_device(&fv.vdev) == 0 && register_virtio_device(&rng.vdev) == 0);
	REQUIRE(virtio_generic_bind(&fv.vdev) == 0 && virtio_generic_bind(&rng.vdev) == 0);
	CHECK(fv.accepted == (BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(F_UNPLUGGED_INACCESSIBLE)));
	CHECK(rng.accepted == BIT_ULL(VIRTIO_F_VERSION_1));
	CHECK((fv.status & VIRTIO_CONFIG_S_DRIVER_OK) && (rng.status & VIRTIO_CONFIG_S_DRIVER_OK));
	virtio_generic_unbind(&rng.vdev);
	virtio_generic_unbind(&fv.vdev);
	unregister_virtio_device(&rng.vdev);
	unregister_virtio_device(&fv.vdev);

	static struct virtio_driver greedy = {.name = "greedy", .device_id = DEV_ID, .probe = t_probe};
	greedy.features = BIT_ULL(VIRTIO_F_EVENT_IDX) | BIT_ULL(F_ACPI_PXM);
	CHECK(register_virtio_driver(&greedy) == -EINVAL);
	CHECK(host_log_contains(
	    "virtio: driver greedy: features 0x20000001 name bits the core does not implement"));
}

static void case_config_change(void)
{
	reset_state(QEMU_FEATURES);
	/* With no driver: logged with the raw configuration at info level. */
	register_virtio_device(&fv.vdev);
	((struct cfg *)fv.config)->requested_size = 1ULL << 30;
	fake_vdev_config_change(&fv);
	CHECK(host_log_contains("virtio0: config change 1: 56 bytes: 0x200000 0 0x100000000 0x80000000 "
				"0x10000000 0 0x40000000"));
	/* A change during probe reaches the driver after probe. */
	probe_changes_config = true;
	register_virtio_driver(&drv);
	CHECK(probes == 1 && changes == 1 && seen_requested == 1ULL << 30);
	((struct cfg *)fv.config)->requested_size = 300 << 20;
	fake_vdev_config_change(&fv);
	CHECK(changes == 2 && seen_requested == 300 << 20 && fv.vdev.config_changes == 3);
	teardown();
}

/* A request/response through a queue set up in probe; the device answers from on_notify. */
static void device_answers(struct fake_vdev *f, unsigned q)
{
	struct fake_chain c;
	while (fake_vring_pop(&f->dev[q], &c) == 1) {
		u16 ack = 0x0000;
		fake_chain_write(&c, &ack, sizeof(ack));
		fake_vring_push(&f->dev[q], c.head, sizeof(ack));
	}
}

static void case_queue(void)
{
	reset_state(QEMU_FEATURES);
	probe_uses_queue = true;
	fv.on_notify = device_answers;
	fv.queue_size = 1024; /* bigger than VIRTQUEUE_MAX_NUM: the transport uses its maximum */
	register_virtio_driver(&drv);
	REQUIRE(register_virtio_device(&fv.vdev) == 0);
	REQUIRE(vq && fv.nvqs == 1);
	CHECK(vq->num == VIRTQUEUE_MAX_NUM);
	u8 req[24] = {1};
	u16 resp = 0xffff;
	struct vq_buf out = {(phys_addr_t)(uintptr_t)req, sizeof(req)},
		      in = {(phys_addr_t)(uintptr_t)&resp, 2};
	REQUIRE(virtqueue_add(vq, &out, 1, &in, 1, req) == 0);
	CHECK(virtqueue_kick(vq));
	CHECK(fake_vdev_interrupt(&fv, 0) && vq_callbacks == 1);
	u32 len;
	CHECK(virtqueue_get_buf(vq, &len) == req && len == 2 && resp == 0);
	/* Breaking the device breaks its queues. */
	virtio_break_device(&fv.vdev, "test says so");
	CHECK(host_log_contains("virtio0: device broken: test says so") && virtqueue_is_broken(vq));
	CHECK(fv.status & VIRTIO_CONFIG_S_FAILED);
	CHECK(virtqueue_add(vq, &out, 1, &in, 1, req) == -EIO);
	/* Removing the driver resets the device (before the driver's remove, so that it may free what
	 * the device was given) and deletes the queue. */
	unregister_virtio_driver(&drv);
	CHECK(removes == 1 && fv.nvqs == 0 && list_empty(&fv.vdev.vqs));
	CHECK(status_at_remove == 0 && !dead_at_remove);
	CHECK(fv.status == VIRTIO_CONFIG_S_ACKNOWLEDGE && !fv.vdev.broken);
	unregister_virtio_device(&fv.vdev);
}

/* A device whose status never reads back 0 after a reset may still write its rings: the core marks
 * it dead, keeps its queues (the fake frees them only at the end, so ASan would catch a write into
 * freed rings), tells the driver's remove, and never binds it again. */
static void case_reset_never_completes(void)
{
	reset_state(QEMU_FEATURES);
	probe_uses_queue = true;
	fv.on_notify = device_answers;
	REQUIRE(register_virtio_driver(&drv) == 0);
	REQUIRE(register_virtio_device(&fv.vdev) == 0);
	REQUIRE(vq && fv.nvqs == 1);
	void *ring = fv.rings[0];
	u8 req[24] = {1};
	u16 resp = 0xffff;
	struct vq_buf out = {(phys_addr_t)(uintptr_t)req, sizeof(req)},
		      in = {(phys_addr_t)(uintptr_t)&resp, 2};
	fv.on_notify = NULL; /* the device holds on to the request */
	REQUIRE(virtqueue_add(vq, &out, 1, &in, 1, req) == 0);
	virtqueue_kick(vq);

	fv.reset_hangs = true;
	unregister_virtio_driver(&drv);
	CHECK(removes == 1 && dead_at_remove && fv.vdev.dead && fv.vdev.broken && !fv.vdev.driver);
	CHECK(host_log_contains("virtio0: reset did not complete: -ETIMEDOUT; device dead, its rings and "
				"buffers are kept"));
	CHECK(fv.nvqs == 1 && fv.rings[0] == ring && !list_empty(&fv.vdev.vqs) && virtqueue_is_broken(vq));
	CHECK(fv.status != 0 && !(fv.status_log[fv.nstatus - 1] & VIRTIO_CONFIG_S_ACKNOWLEDGE));
	/* The device still writes the used ring: the memory is still the ring's. */
	device_answers(&fv, 0);
	CHECK(fv.dev[0].used_idx == 1);
	/* Never bound again, by any driver. */
	unsigned resets = fv.resets;
	REQUIRE(register_virtio_driver(&drv) == 0);
	CHECK(probes == 1 && !fv.vdev.driver);
	CHECK(virtio_generic_bind(&fv.vdev) == -EIO && !fv.vdev.driver);
	CHECK(fv.resets == resets);
	unregister_virtio_driver(&drv);
	unregister_virtio_device(&fv.vdev);
	CHECK(fv.nvqs == 1);
	fake_vdev_free_kept_vqs(&fv);

	/* A probe that gives up after setting up its queue: FAILED, and the queue goes only when the
	 * reset completes. */
	for (int hang = 0; hang < 2; hang++) {
		reset_state(QEMU_FEATURES);
		probe_uses_queue = probe_fails_after_queue = true;
		hang_after_probe_failure = hang;
		register_virtio_driver(&drv);
		REQUIRE(register_virtio_device(&fv.vdev) == 0);
		CHECK(probes == 1 && !fv.vdev.driver && (fv.status & VIRTIO_CONFIG_S_FAILED));
		CHECK(fv.nvqs == (hang ? 1u : 0u) && fv.vdev.dead == hang);
		unregister_virtio_driver(&drv);
		unregister_virtio_device(&fv.vdev);
		fake_vdev_free_kept_vqs(&fv);
	}
}

/* `virtio bind N` drives device N only: another device of the same type without a driver is left
 * as it was (it used to be bound too, and `virtio unbind` of either reset both). */
static void case_generic_bind_one(void)
{
	static struct fake_vdev other;
	reset_state(QEMU_FEATURES);
	fake_vdev_init(&other, DEV_ID, QEMU_FEATURES, sizeof(struct cfg));
	REQUIRE(register_virtio_device(&fv.vdev) == 0 && register_virtio_device(&other.vdev) == 0);
	REQUIRE(virtio_generic_bind(&other.vdev) == 0);
	CHECK(other.vdev.driver && (other.status & VIRTIO_CONFIG_S_DRIVER_OK));
	CHECK(!fv.vdev.driver && fv.status == VIRTIO_CONFIG_S_ACKNOWLEDGE);
	CHECK(virtio_generic_bind(&fv.vdev) == 0 && fv.vdev.driver && fv.vdev.driver != other.vdev.driver);
	CHECK(virtio_generic_unbind(&fv.vdev) == 0 && !fv.vdev.driver);
	CHECK(other.vdev.driver && (other.status & VIRTIO_CONFIG_S_DRIVER_OK));
	CHECK(virtio_generic_unbind(&other.vdev) == 0 && !other.vdev.driver);
	unregister_virtio_device(&other.vdev);
	unregister_virtio_device(&fv.vdev);
}

int main(void)
{
	RUN("virtio-core", "handshake, driver first", case_handshake_driver_first);
	RUN("virtio-core", "handshake, device first", case_handshake_device_first);
	RUN("virtio-core", "no VERSION_1", case_no_version_1);
	RUN("virtio-core", "features refused", case_features_refused);
	RUN("virtio-core", "probe fails", case_probe_fails);
	RUN("virtio-core", "config generation", case_config_generation);
	RUN("virtio-core", "config fields read with their own width", case_config_widths);
	RUN("virtio-core", "config changing mid-read is read again", case_config_changes_mid_read);
	RUN("virtio-core", "only understood features accepted", case_features_understood);
	RUN("virtio-core", "config change", case_config_change);
	RUN("virtio-core", "queue request and break", case_queue);
	RUN("virtio-core", "virtio bind drives one device", case_generic_bind_one);
	RUN("virtio-core", "reset that never completes: device dead, rings kept", case_reset_never_completes);
	return test_summary();
}

/* clang-format off */
/* host-srcs: drivers/virtio/virtio_mem.c drivers/virtio/virtio_mem_resize.c drivers/virtio/virtio_mem_req.c drivers/virtio/virtio_mem_mm.c drivers/virtio/virtio_mem_state.c drivers/virtio/virtio_mem_verify.c drivers/virtio/virtio.c drivers/virtio/virtqueue.c tests/host/virtio_fake.c tests/host/virtio_fake_transport.c tests/host/vmem_fake.c kernel/iomem.c @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c tests/host/vmem_harness.c */
/* clang-format on */
/* The virtio-mem driver against a fake device (tests/host/vmem_fake.c) on fake physical memory where
 * everything not added, and every unplugged sub-block, is PROT_NONE: plug and unplug in both modes,
 * every answer type, BUSY storms with the back-off timer, devices that lie, a reboot with memory
 * plugged, bad configurations, migration of a workload, pinned memory, user offlining, and seeded
 * random resize sequences with every invariant checked after each step.
 * The harness (one child process a case, check_all) is tests/host/vmem_harness.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio_mem_driver.h"
#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "kernel/iomem.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/memory.h"
#include "mm/memory_hotplug.h"
#include "mm/mmzone.h"
#include "mm/sparse.h"
#include "mm/vmstat.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"
#include "mm_fake.h"
#include "vmem_fake.h"
#include "vmem_harness.h"
#include "offline_inject.h"

/* ---- cases ---- */

static void t_plug_sbm(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm && vm->st.mode == VMEM_SBM);
	settle(0);
	CHECK(vmem_plugged_bytes(&vm->st) == 0 && check_all(vm, &dev[0]) == 0);
	unsigned long total0 = totalram_pages();
	resize(&dev[0], 1 * GiB);
	CHECK(done_line(vm, 1 * GiB));
	CHECK(vmem_fake_plugged(&dev[0]) == 1 * GiB);
	/* less each block's memmap pageblock (virtio_mem.memmap_on_memory) */
	CHECK(totalram_pages() == total0 + (1 * GiB >> PAGE_SHIFT) - 8 * MHP_MEMMAP_ON_MEMORY_PAGES);
	CHECK(dev[0].requests[VIRTIO_MEM_REQ_PLUG] == 1); /* one request for the whole range */
	for (unsigned long mb = 0; mb < 8; mb++)
		CHECK(vmem_mb_state(&vm->st, mb) == VMEM_MB_ONLINE_MOVABLE);
	CHECK(check_all(vm, &dev[0]) == 0);
	/* the memory is usable: a workload lands there (movable prefers ZONE_MOVABLE) and checks out */
	REQUIRE(workload_alloc(256 * MiB) == 0);
	CHECK(workload_verify(NULL) == 0);
}

static void t_resize_story(void)
{
	static const u64 steps[] = {1 * GiB, 300 * MiB, 2 * GiB, 0, 130 * MiB, 4 * GiB - 256 * MiB, 6 * MiB};
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	for (unsigned i = 0; i < ARRAY_SIZE(steps); i++) {
		host_log_clear();
		resize(&dev[0], steps[i]);
		CHECK(done_line(vm, steps[i]));
		CHECK(vmem_fake_plugged(&dev[0]) == steps[i]);
		CHECK(check_all(vm, &dev[0]) == 0);
	}
	/* 6 MiB: three sub-blocks of one online block; the rest of it PageOffline, unmapped */
	CHECK(vmem_mb_plugged(&vm->st, 0) == 3 && vmem_mb_online(&vm->st, 0));
	CHECK(vmem_mb_state(&vm->st, 1) == VMEM_MB_NOT_ADDED);
	CHECK(dev[0].max_nb_blocks <= VIRTIO_MEM_MAX_NB_BLOCKS);
}

static void t_bbm(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 128 * MiB, 0, 0);
	REQUIRE(vm && vm->st.mode == VMEM_BBM);
	resize(&dev[0], 1 * GiB);
	CHECK(done_line(vm, 1 * GiB) && check_all(vm, &dev[0]) == 0);
	resize(&dev[0], 384 * MiB);
	CHECK(done_line(vm, 384 * MiB) && check_all(vm, &dev[0]) == 0);
	CHECK(vmem_mb_online(&vm->st, 2) && !vmem_mb_added(&vm->st, 3));
	resize(&dev[0], 0);
	CHECK(done_line(vm, 0) && check_all(vm, &dev[0]) == 0);
}

static void t_bbm_1g(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 1 * GiB, 0, 0);
	REQUIRE(vm && vm->st.mode == VMEM_BBM && vm->st.mbs_per_unit == 8);
	resize(&dev[0], 2 * GiB);
	CHECK(done_line(vm, 2 * GiB) && check_all(vm, &dev[0]) == 0);
	for (unsigned long mb = 0; mb < 16; mb++)
		CHECK(vmem_mb_online(&vm->st, mb));
	/* a workload page in the second big block: it must move when the big block goes */
	REQUIRE(workload_alloc(1200 * MiB) == 0);
	resize(&dev[0], 1 * GiB);
	CHECK(done_line(vm, 1 * GiB) && check_all(vm, &dev[0]) == 0);
	CHECK(workload_verify(NULL) == 0);
	for (unsigned long mb = 8; mb < 16; mb++)
		CHECK(!vmem_mb_added(&vm->st, mb));
}

/* In BBM a big block whose memory blocks cannot all go offline stays whole and online. */
static void t_bbm_all_or_nothing(void)
{
	boot();
	mhp_set_default_online_type(MMOP_ONLINE_KERNEL);
	struct virtio_mem *vm = start(&dev[0], BASE, 2 * GiB, 1 * GiB, 1 * GiB, 0);
	REQUIRE(vm);
	settle(0);
	REQUIRE(done_line(vm, 1 * GiB));
	REQUIRE(pin_alloc(1400 * MiB) == 0); /* kernel pages now sit in the device's memory too */
	resize(&dev[0], 0);
	CHECK(vmem_plugged_bytes(&vm->st) == 1 * GiB);
	for (unsigned long mb = 0; mb < 8; mb++)
		CHECK(vmem_mb_online(&vm->st, mb));
	CHECK(vm->last_error[0] && check_all(vm, &dev[0]) == 0);
	pin_free();
	settle(10000);
	CHECK(done_line(vm, 0) && check_all(vm, &dev[0]) == 0);
}

static void t_busy_storm(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	settle(0);
	dev[0].busy_next = 12;
	resize(&dev[0], 512 * MiB);
	CHECK(vmem_plugged_bytes(&vm->st) == 0 && delayed_work_pending(&vm->work));
	/* back-off doubles: 10, 20, 40 ... ms; 12 BUSY answers need about 10 * (2^12) ms capped at 5 s */
	settle(1000);
	CHECK(dev[0].answers[VIRTIO_MEM_RESP_BUSY] < 12); /* still waiting: no hammering */
	settle(60000);
	CHECK(done_line(vm, 512 * MiB) && check_all(vm, &dev[0]) == 0);
	CHECK(vm->backoff_ms == VMEM_BACKOFF_MIN_MS); /* progress reset it */
	CHECK(host_log_contains("device BUSY; retrying in"));
}

static void t_nack_replan(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	settle(0);
	dev[0].shrink_on_plug = 100 * MiB; /* the host shrinks the request while the PLUG is in flight */
	resize(&dev[0], 1 * GiB);
	CHECK(dev[0].answers[VIRTIO_MEM_RESP_NACK] == 1);
	CHECK(done_line(vm, 100 * MiB) && vmem_fake_plugged(&dev[0]) == 100 * MiB);
	CHECK(check_all(vm, &dev[0]) == 0 && !vm->broken);
}

/* The configuration changes (generation bump, config interrupt) while every request is handled. */
static void t_config_midway(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	settle(0);
	dev[0].change_midway = true;
	resize(&dev[0], 700 * MiB);
	CHECK(done_line(vm, 700 * MiB) && check_all(vm, &dev[0]) == 0 && !vm->broken);
	resize(&dev[0], 100 * MiB);
	CHECK(done_line(vm, 100 * MiB) && check_all(vm, &dev[0]) == 0 && !vm->broken);
	CHECK(vm->vdev->config_changes >= 4); /* two resizes and one change inside each request */
}

static void t_error_breaks(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	resize(&dev[0], 256 * MiB);
	REQUIRE(done_line(vm, 256 * MiB));
	unsigned long total = totalram_pages();
	dev[0].force_resp = VIRTIO_MEM_RESP_ERROR;
	dev[0].force_count = 1;
	resize(&dev[0], 512 * MiB);
	CHECK(vm->broken && strstr(vm->broken_why, "PLUG of [0x110000000-0x11fffffff] answered ERROR"));
	CHECK(host_log_contains("virtio-mem0: device broken: PLUG of"));
	CHECK(dev[0].fv.status & VIRTIO_CONFIG_S_FAILED); /* the driver gave up: the device knows */
	/* what was plugged stays usable; nothing more is asked of the device */
	CHECK(totalram_pages() == total && vmem_plugged_bytes(&vm->st) == 256 * MiB);
	u64 before = dev[0].requests[VIRTIO_MEM_REQ_PLUG];
	resize(&dev[0], 1 * GiB);
	settle(10000);
	CHECK(dev[0].requests[VIRTIO_MEM_REQ_PLUG] == before);
	CHECK(check_all(vm, &dev[0]) == 0);
	CHECK(workload_alloc(200 * MiB) == 0 && workload_verify(NULL) == 0);
}

/* One lie per case (case_arg picks it). */
static int case_arg;

static void t_lie(void)
{
	static const char *const why[] = {
	    "plugged_size is",		 /* plugged_size off by a block */
	    "plugged_size is",		 /* ACK without doing it */
	    "no answer to PLUG",	 /* silence */
	    "answer to PLUG of 2 bytes", /* short answer */
	    "queue broken",		 /* an answer to a request it was not given */
	    "unknown answer type 7",
	};
	struct vmem_fake *f = &dev[0];
	boot();
	struct virtio_mem *vm = start(f, BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	resize(f, 128 * MiB);
	REQUIRE(done_line(vm, 128 * MiB));
	switch (case_arg) {
	case 0:
		f->plugged_skew = 2 * MiB;
		break;
	case 1:
		f->ack_without_doing = true;
		break;
	case 2:
		f->no_answer = true;
		break;
	case 3:
		f->short_len = 2;
		break;
	case 4:
		f->bogus_id = true;
		break;
	case 5:
		f->force_resp = 7;
		f->force_count = 1;
		break;
	}
	host_log_clear();
	resize(f, 256 * MiB);
	settle(1000);
	if (!vm->broken || !strstr(vm->broken_why, why[case_arg])) {
		printf("INFO: broken %d why '%s', want '%s'\n", vm->broken, vm->broken_why, why[case_arg]);
		CHECK(false);
	}
	CHECK(host_log_contains("virtio-mem0: device broken: "));
	/* the first 128 MiB stay online and usable; the driver asks nothing more */
	CHECK(vmem_mb_online(&vm->st, 0));
	u64 asked = f->requests[VIRTIO_MEM_REQ_PLUG] + f->requests[VIRTIO_MEM_REQ_UNPLUG];
	resize(f, 0);
	settle(10000);
	CHECK(f->requests[VIRTIO_MEM_REQ_PLUG] + f->requests[VIRTIO_MEM_REQ_UNPLUG] == asked);
	CHECK(mm_verify(mm_fake_print_quiet) == 0 && workload_alloc(100 * MiB) == 0 &&
	      workload_verify(NULL) == 0);
}

static void t_reboot_plugged(void)
{
	boot();
	struct vmem_fake *f = &dev[0];
	vmem_fake_init(f, BASE, 4 * GiB, 2 * MiB, 512 * MiB, 768 * MiB); /* left plugged by a reboot */
	f->unplug_all_busy = 3;
	REQUIRE(virtio_mem_init() == 0);
	REQUIRE(register_virtio_device(&f->fv.vdev) == 0);
	struct virtio_mem *vm = virtio_mem_get(0);
	REQUIRE(vm);
	settle(0);
	CHECK(f->requests[VIRTIO_MEM_REQ_UNPLUG_ALL] == 1 && delayed_work_pending(&vm->work));
	settle(2000);
	CHECK(f->requests[VIRTIO_MEM_REQ_UNPLUG_ALL] == 4);
	CHECK(host_log_contains("unplugged the 768 MiB left plugged"));
	CHECK(done_line(vm, 512 * MiB) && check_all(vm, f) == 0);
}

static void t_bad_config(void)
{
	static const struct {
		u64 addr, region, bs;
		const char *why;
	} bad[] = {
	    {BASE, 4 * GiB, 3 * MiB, "power of two"},
	    {BASE + 4096, 4 * GiB, 2 * MiB, "aligned"},
	    {(1ULL << 46) - 2 * GiB, 4 * GiB, 2 * MiB, "46-bit"},
	    {BASE, 64 * MiB, 2 * MiB, "no whole memory block"},
	};
	unsigned i = (unsigned)case_arg;
	boot();
	host_log_clear();
	CHECK(start(&dev[0], bad[i].addr, bad[i].region, bad[i].bs, 0, 0) == NULL);
	CHECK(host_log_contains(bad[i].why) && host_log_contains("device left alone"));
	/* a good device next to it works */
	struct virtio_mem *vm = start(&dev[1], 64 * GiB - 8 * GiB, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm && !strcmp(vm->name, "virtio-mem0"));
	resize(&dev[1], 256 * MiB);
	CHECK(done_line(vm, 256 * MiB) && check_all(vm, &dev[1]) == 0);
}

/* A region over memory that is already there (boot RAM, another device's region) is refused at probe:
 * the driver would otherwise take that memory's online and offline events for its own and keep the
 * pages of a boot block onlined again as PageOffline holes. */
static void t_overlap(void)
{
	boot();
	unsigned long total0 = totalram_pages();
	host_log_clear();
	CHECK(start(&dev[0], 0, 2 * GiB, 2 * MiB, 0, 0) == NULL);
	CHECK(host_log_contains("overlaps memory block 0") && host_log_contains("device left alone"));
	/* boot block 7 (movable) goes offline and online again whole */
	CHECK(memory_block_offline(7) == 0 && memory_block_online(7, MMOP_ONLINE_MOVABLE) == 0);
	CHECK(totalram_pages() == total0 && mm_verify(mm_fake_print_quiet) == 0);
	struct virtio_mem *a = start(&dev[1], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(a && !strcmp(a->name, "virtio-mem0"));
	host_log_clear();
	CHECK(start(&dev[2], BASE + 2 * GiB, 4 * GiB, 2 * MiB, 0, 0) == NULL);
	CHECK(host_log_contains("overlaps the region of virtio-mem0"));
	resize(&dev[1], 256 * MiB);
	CHECK(done_line(a, 256 * MiB) && check_all(a, &dev[1]) == 0);
}

/* A region the CPU cannot address, or one that the firmware's memory map, an ACPI table or a PCI BAR
 * claims, is refused at probe with a line naming what is in the way; nothing is added or asked, and
 * the device is left FAILED. A device clear of all of them works. */
static void t_region_claims(void)
{
	static const char *const want[] = {
	    "the region ends above the CPU's 36-bit physical address space (0x1000000000)",
	    "the region overlaps e820 reserved [mem 0x140000000-0x140000fff]",
	    "the region overlaps ACPI DSDT [mem 0x17fffff00-0x180000fff]",
	    "the region overlaps PCI 0000:00:03.0 BAR4 [mem 0x1fffff000-0x200002fff]",
	};
	unsigned i = (unsigned)case_arg;
	boot();
	unsigned long total0 = totalram_pages();
	u64 addr = BASE;
	if (i == 0) {
		vmem_fake_phys_bits = 36;
		addr = 63 * GiB; /* ends at 65 GiB, above 2^36 = 64 GiB */
	}
	iomem_claim(BASE + GiB, 4096, "e820 %s", "reserved");
	iomem_claim(BASE + 2 * GiB - 256, 4352, "ACPI %s", "DSDT");
	iomem_claim(BASE + 4 * GiB - 4096, 16384, "PCI 0000:00:03.0 BAR%u", 4);
	if (i == 1)
		addr = BASE + GiB - 128 * MiB;
	else if (i == 2)
		addr = BASE + 2 * GiB;
	else if (i == 3)
		addr = BASE + 3 * GiB;
	host_log_clear();
	CHECK(start(&dev[0], addr, 2 * GiB, 2 * MiB, 512 * MiB, 0) == NULL);
	CHECK(host_log_contains(want[i]) && host_log_contains("device left alone"));
	CHECK(virtio_mem_count() == 0 && (dev[0].fv.status & VIRTIO_CONFIG_S_FAILED));
	CHECK(dev[0].fv.nvqs == 0 && dev[0].requests[VIRTIO_MEM_REQ_PLUG] == 0);
	for (u64 a = addr; a < addr + 2 * GiB; a += 128 * MiB)
		CHECK(!present_section_nr(pfn_to_section_nr(PHYS_PFN(a))));
	CHECK(totalram_pages() == total0 && mm_verify(mm_fake_print_quiet) == 0);
	/* clear of them all (and, under 36 bits, ending exactly at 64 GiB) it works */
	struct virtio_mem *vm = i == 0 ? start(&dev[1], 62 * GiB, 2 * GiB, 2 * MiB, 0, 0)
				       : start(&dev[1], BASE + 8 * GiB, 2 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm && !strcmp(vm->name, "virtio-mem0"));
	resize(&dev[1], 256 * MiB);
	CHECK(done_line(vm, 256 * MiB) && check_all(vm, &dev[1]) == 0);
}

/* node_id means something only with VIRTIO_MEM_F_ACPI_PXM. Without it the driver ignores it (a
 * device that changes it is not broken, and the driver's copy says 0); with it, it is a fixed field
 * and a change breaks the device. It is only ever read with one 16-bit access (the driver's reads
 * and the core's raw dump alike), every other field with 8-byte accesses. */
static u16 next_node = 5;
static void node_id_moves(struct fake_vdev *fv, unsigned off, unsigned len)
{
	(void)len;
	if (off == 0)
		((struct virtio_mem_config *)fv->config)->node_id = next_node++;
}

static void t_node_id(void)
{
	bool pxm = case_arg;
	struct vmem_fake *f = &dev[0];
	boot();
	vmem_fake_init(f, BASE, 4 * GiB, 2 * MiB, 0, 0);
	if (!pxm)
		f->fv.offered &= ~BIT_ULL(VIRTIO_MEM_F_ACPI_PXM);
	f->fv.on_config_read = node_id_moves;
	REQUIRE(virtio_mem_init() == 0);
	REQUIRE(register_virtio_device(&f->fv.vdev) == 0);
	struct virtio_mem *vm = virtio_mem_get(0);
	REQUIRE(vm);
	CHECK(virtio_has_feature(&f->fv.vdev, VIRTIO_MEM_F_ACPI_PXM) == pxm);
	CHECK(pxm ? vm->cfg0.node_id >= 5 : vm->cfg0.node_id == 0);
	resize(f, 256 * MiB);
	/* past the core's 4-byte dump at registration, before any driver */
	unsigned i = 0;
	while (i < f->fv.naccess && f->fv.access_log[i].len == 4)
		i++;
	CHECK(i == 14);
	for (; i < f->fv.naccess && i < FAKE_VDEV_ACCESS_LOG; i++) {
		const struct fake_access *a = &f->fv.access_log[i];
		if (a->offset == offsetof(struct virtio_mem_config, node_id))
			CHECK(a->len == 2);
		else
			CHECK(a->len == 8 && a->offset % 8 == 0);
	}
	CHECK(f->fv.bad_accesses == 0 && f->fv.naccess > 14);
	if (pxm) {
		CHECK(vm->broken && host_log_contains("fixed configuration field"));
	} else {
		CHECK(!vm->broken && vm->cfg.node_id == 0);
		CHECK(done_line(vm, 256 * MiB) && check_all(vm, f) == 0);
	}
}

/* A configuration whose generation never settles cannot be read: the probe gives up, with one line,
 * and the device is left FAILED. So is a device whose configuration is bad. */
static void gen_never_settles(struct fake_vdev *fv, unsigned off, unsigned len)
{
	(void)off;
	(void)len;
	fv->generation++;
}

static void t_probe_gives_up(void)
{
	struct vmem_fake *f = &dev[0];
	boot();
	vmem_fake_init(f, BASE, 4 * GiB, 2 * MiB, 0, 0);
	f->fv.on_config_read = gen_never_settles;
	REQUIRE(virtio_mem_init() == 0);
	host_log_clear();
	REQUIRE(register_virtio_device(&f->fv.vdev) == 0);
	CHECK(virtio_mem_count() == 0 && !f->fv.vdev.driver);
	CHECK(host_log_contains("configuration kept changing during 64 reads"));
	CHECK(host_log_contains("cannot read the configuration: -EAGAIN; device left alone"));
	CHECK(f->fv.status & VIRTIO_CONFIG_S_FAILED);
	CHECK(f->fv.nvqs == 0);

	host_log_clear();
	vmem_fake_init(&dev[1], BASE, 4 * GiB, 3 * MiB, 0, 0);
	REQUIRE(register_virtio_device(&dev[1].fv.vdev) == 0);
	CHECK(virtio_mem_count() == 0 && host_log_contains("power of two"));
	CHECK(dev[1].fv.status & VIRTIO_CONFIG_S_FAILED);
}

static void t_two_devices(void)
{
	boot();
	struct virtio_mem *a = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	struct virtio_mem *b = start(&dev[1], BASE + 8 * GiB, 4 * GiB, 128 * MiB, 0, 0);
	REQUIRE(a && b && a != b && !strcmp(b->name, "virtio-mem1"));
	vmem_fake_set_requested(&dev[0], 300 * MiB);
	vmem_fake_set_requested(&dev[1], 1 * GiB);
	settle(0);
	CHECK(done_line(a, 300 * MiB) && done_line(b, 1 * GiB));
	CHECK(check_all(a, &dev[0]) == 0 && check_all(b, &dev[1]) == 0);
	resize(&dev[0], 0);
	CHECK(done_line(a, 0) && vmem_fake_plugged(&dev[1]) == 1 * GiB);
	CHECK(check_all(a, &dev[0]) == 0 && check_all(b, &dev[1]) == 0);
}

static void t_migrate_workload(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 1 * GiB, 0);
	REQUIRE(vm);
	settle(0);
	REQUIRE(done_line(vm, 1 * GiB));
	REQUIRE(workload_alloc(900 * MiB) == 0);
	resize(&dev[0], 300 * MiB);
	CHECK(done_line(vm, 300 * MiB) && check_all(vm, &dev[0]) == 0);
	CHECK(workload_verify(NULL) == 0);
	/* a shrink that cannot fit the data anywhere waits and says why */
	resize(&dev[0], 0);
	if (!done_line(vm, 0)) {
		CHECK(strstr(vm->last_error, "-ENOMEM") || strstr(vm->last_error, "-EBUSY"));
		workload_free();
		settle(10000);
	}
	CHECK(done_line(vm, 0) && check_all(vm, &dev[0]) == 0);
}

static void t_pinned(void)
{
	boot();
	mhp_set_default_online_type(MMOP_ONLINE_KERNEL);
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 512 * MiB, 0);
	REQUIRE(vm);
	settle(0);
	REQUIRE(done_line(vm, 512 * MiB));
	CHECK(vmem_mb_state(&vm->st, 0) == VMEM_MB_ONLINE_KERNEL);
	REQUIRE(pin_alloc(1100 * MiB) == 0);
	host_log_clear();
	resize(&dev[0], 0);
	settle(3000);
	CHECK(!done_line(vm, 0) && vm->last_error[0] && host_log_contains("retrying in"));
	u64 unplugs = dev[0].requests[VIRTIO_MEM_REQ_UNPLUG];
	CHECK(check_all(vm, &dev[0]) == 0);
	pin_free();
	settle(10000); /* no new request from the host: the back-off timer finishes it */
	CHECK(done_line(vm, 0) && check_all(vm, &dev[0]) == 0);
	CHECK(dev[0].requests[VIRTIO_MEM_REQ_UNPLUG] > unplugs);
}

/* No memory for the memmap: add_memory fails, the plugged units go back to the device, and the
 * back-off retries until memory is there again. */
/* A device far larger than the machine's own memory can describe: with the memmap of each block in
 * its first sub-block (virtio_mem.memmap_on_memory, default on) a 128 MiB machine plugs 56 GiB; the
 * memmap sub-blocks stay plugged while their block is added and go with it. */
static void t_memmap_on_memory(void)
{
	u64 size = 56 * GiB;
	unsigned long nblocks = size / MEMORY_BLOCK_SIZE;

	mm_fake_boot_simple(128 * MiB);
	vmem_fake_sched_reset();
	struct virtio_mem *vm = start(&dev[0], BASE, size, 2 * MiB, 0, 0);
	REQUIRE(vm && vm->st.mode == VMEM_SBM);
	settle(0);
	unsigned long total0 = totalram_pages(), normal_free = zone_free_pages(&zones[ZONE_NORMAL]);
	host_log_clear();
	resize(&dev[0], size);
	settle(100);
	CHECK(done_line(vm, size) && vmem_fake_plugged(&dev[0]) == size);
	/* blocks that carry their memmap take nothing from ZONE_NORMAL: the one PLUG request's 448 blocks
	 * are added and onlined by one call each (one line each), not in batches */
	CHECK(host_log_count("hotplug: added") == 1 && host_log_count(": online (") == 1);
	CHECK(totalram_pages() == total0 + ((size >> PAGE_SHIFT) - nblocks * MHP_MEMMAP_ON_MEMORY_PAGES));
	CHECK(mm_stat_read(NR_MEMMAP_ON_MEMORY_PAGES) == (long)(nblocks * MHP_MEMMAP_ON_MEMORY_PAGES));
	CHECK(zone_free_pages(&zones[ZONE_NORMAL]) + 64 >= normal_free); /* no memmap from there */
	for (unsigned long mb = 0; mb < nblocks; mb++)
		CHECK(memory_block_memmap_on_memory((unsigned long)vm->st.mb_first + mb));
	CHECK(check_all(vm, &dev[0]) == 0);
	/* a shrink by a few sub-blocks leaves each memmap sub-block alone */
	resize(&dev[0], size - 64 * MiB);
	settle(100);
	CHECK(done_line(vm, size - 64 * MiB) && check_all(vm, &dev[0]) == 0);
	resize(&dev[0], 0);
	settle(100);
	CHECK(done_line(vm, 0) && vmem_fake_plugged(&dev[0]) == 0);
	CHECK(mm_stat_read(NR_MEMMAP_ON_MEMORY_PAGES) == 0 && totalram_pages() == total0);
	CHECK(check_all(vm, &dev[0]) == 0);
}

/* virtio_mem.memmap_on_memory=0: the memmap comes from ZONE_NORMAL again. */
static void t_memmap_on_memory_off(void)
{
	virtio_mem_memmap_on_memory = false;
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	settle(0);
	unsigned long total0 = totalram_pages();
	resize(&dev[0], 1 * GiB);
	CHECK(done_line(vm, 1 * GiB));
	CHECK(totalram_pages() == total0 + (1 * GiB >> PAGE_SHIFT));
	CHECK(mm_stat_read(NR_MEMMAP_ON_MEMORY_PAGES) == 0 && check_all(vm, &dev[0]) == 0);
}

static void t_add_fails(void)
{
	virtio_mem_memmap_on_memory = false; /* memmap from ZONE_NORMAL */
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	settle(0);
	/* pin every free page of ZONE_NORMAL, where memmaps come from */
	unsigned long free_normal = zone_free_pages(&zones[ZONE_NORMAL]);
	REQUIRE(pin_alloc((u64)free_normal * PAGE_SIZE) == 0 || pin_nr_pages() > 0);
	host_log_clear();
	resize(&dev[0], 1 * GiB);
	settle(100);
	CHECK(!done_line(vm, 1 * GiB) && strstr(vm->last_error, "add of memory block"));
	CHECK(vmem_fake_plugged(&dev[0]) == 0 && dev[0].requests[VIRTIO_MEM_REQ_UNPLUG] > 0);
	CHECK(check_all(vm, &dev[0]) == 0);
	pin_free();
	settle(10000);
	CHECK(done_line(vm, 1 * GiB) && check_all(vm, &dev[0]) == 0);
}

/* The user takes a partly plugged block offline and back: the notifier drops and restores the
 * driver's references; the callback keeps the unplugged sub-blocks PageOffline. */
static void t_user_offline(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	resize(&dev[0], 100 * MiB);
	REQUIRE(done_line(vm, 100 * MiB));
	unsigned long id = (unsigned long)vm->st.mb_first;
	CHECK(memory_block_offline(id) == 0);
	CHECK(vmem_mb_state(&vm->st, 0) == VMEM_MB_OFFLINE && check_all(vm, &dev[0]) == 0);
	CHECK(memory_block_online(id, MMOP_ONLINE_MOVABLE) == 0);
	CHECK(vmem_mb_state(&vm->st, 0) == VMEM_MB_ONLINE_MOVABLE && check_all(vm, &dev[0]) == 0);
	/* offline fails half-way (injected after MEM_GOING_OFFLINE): references come back */
	offline_fail_step = OFFLINE_STEP_MIGRATE;
	CHECK(memory_block_offline(id) != 0);
	CHECK(!vm->refs_dropped[0] && check_all(vm, &dev[0]) == 0);
	/* plug while the block is offline: the sub-blocks are mapped, and online later */
	CHECK(memory_block_offline(id) == 0);
	resize(&dev[0], 120 * MiB);
	CHECK(vmem_plugged_bytes(&vm->st) == 120 * MiB && check_all(vm, &dev[0]) == 0);
	CHECK(memory_block_online(id, MMOP_ONLINE_MOVABLE) == 0 && check_all(vm, &dev[0]) == 0);
	resize(&dev[0], 20 * MiB);
	CHECK(done_line(vm, 20 * MiB) && check_all(vm, &dev[0]) == 0);
}

static void t_random(void)
{
	static const u64 bss[] = {2 * MiB, 4 * MiB, 128 * MiB, 256 * MiB};
	int round = case_arg;
	srand(60 + (unsigned)round);
	{
		boot();
		u64 bs = bss[round % ARRAY_SIZE(bss)];
		struct virtio_mem *vm = start(&dev[0], BASE, 2 * GiB, bs, 0, 0);
		REQUIRE(vm);
		for (int step = 0; step < 14 && test_ok(); step++) {
			u64 req = ((u64)rand() % (2 * GiB / bs + 1)) * bs;
			if (rand() % 4 == 0)
				dev[0].busy_next = rand() % 4;
			if (rand() % 5 == 0) {
				workload_free();
				workload_alloc((u64)(rand() % 256) * MiB);
			}
			resize(&dev[0], req);
			settle(20000);
			u64 unit = vm->st.unit_size;
			if (vmem_plugged_bytes(&vm->st) != req / unit * unit) {
				printf("INFO: round %d step %d: requested %llu, plugged %llu (%s)\n", round,
				       step, req, vmem_plugged_bytes(&vm->st), vm->last_error);
				CHECK(false);
			}
			CHECK(check_all(vm, &dev[0]) == 0);
			CHECK(workload_verify(NULL) == 0);
		}
	}
}

int main(void)
{
	host_log_echo = false;
	run_case("plug SBM", t_plug_sbm);
	run_case("resize story SBM", t_resize_story);
	run_case("BBM 128M", t_bbm);
	run_case("BBM 1G with data in the big block", t_bbm_1g);
	run_case("BBM big block goes whole or not at all", t_bbm_all_or_nothing);
	run_case("BUSY storm and back-off", t_busy_storm);
	run_case("NACK: re-read and re-plan", t_nack_replan);
	run_case("config changes during requests", t_config_midway);
	run_case("ERROR breaks the device, memory stays", t_error_breaks);
	static const char *const lie_names[] = {"lie: plugged_size off",
						"lie: ACK without doing",
						"lie: no answer",
						"lie: short answer",
						"lie: answer to a request it did not get",
						"lie: unknown answer type"};
	for (case_arg = 0; case_arg < 6; case_arg++)
		run_case(lie_names[case_arg], t_lie);
	run_case("reboot with memory plugged: UNPLUG_ALL", t_reboot_plugged);
	static const char *const bad_names[] = {"bad config: block size", "bad config: alignment",
						"bad config: beyond 46 bits", "bad config: no whole block"};
	for (case_arg = 0; case_arg < 4; case_arg++)
		run_case(bad_names[case_arg], t_bad_config);
	run_case("bad config: overlaps present memory or another device", t_overlap);
	for (case_arg = 0; case_arg < 2; case_arg++)
		run_case(case_arg ? "node_id with ACPI_PXM: fixed, 16-bit reads"
				  : "node_id without ACPI_PXM: ignored",
			 t_node_id);
	run_case("probe gives up: FAILED", t_probe_gives_up);
	static const char *const claim_names[] = {"region above the CPU's physical address width",
						  "region over a firmware memory map region",
						  "region over an ACPI table", "region over a PCI BAR"};
	for (case_arg = 0; case_arg < 4; case_arg++)
		run_case(claim_names[case_arg], t_region_claims);
	run_case("two devices", t_two_devices);
	run_case("shrink migrates a workload", t_migrate_workload);
	run_case("pinned memory: back-off finishes the shrink", t_pinned);
	run_case("user offline/online of a plugged block", t_user_offline);
	run_case("add_memory fails: units go back, back-off retries", t_add_fails);
	run_case("memmap on memory: 56 GiB into a 128 MiB machine", t_memmap_on_memory);
	run_case("virtio_mem.memmap_on_memory=0: memmap from ZONE_NORMAL", t_memmap_on_memory_off);
	static const char *const random_names[] = {
	    "random resizes 2M (seed 60)",   "random resizes 4M (seed 61)", "random resizes 128M (seed 62)",
	    "random resizes 256M (seed 63)", "random resizes 2M (seed 64)", "random resizes 4M (seed 65)"};
	for (case_arg = 0; case_arg < 6; case_arg++)
		run_case(random_names[case_arg], t_random);
	printf("SUMMARY: %d passed, %d failed, 0 skipped\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}

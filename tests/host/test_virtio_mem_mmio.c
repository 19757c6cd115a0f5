/* clang-format off */
/* host-srcs: drivers/virtio/virtio_mmio.c tests/host/virtio_mmio_fake.c drivers/virtio/virtio_mem.c drivers/virtio/virtio_mem_resize.c drivers/virtio/virtio_mem_req.c drivers/virtio/virtio_mem_mm.c drivers/virtio/virtio_mem_state.c drivers/virtio/virtio_mem_verify.c drivers/virtio/virtio.c drivers/virtio/virtqueue.c tests/host/virtio_fake.c tests/host/virtio_fake_transport.c tests/host/vmem_fake.c kernel/iomem.c @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c tests/host/vmem_harness.c */
/* clang-format on */
/* The virtio-mem driver over the virtio-mmio transport: the fake virtio-mem device of vmem_fake.c
 * behind the register file of virtio_mmio_fake.c, so every request goes through QueueNotify and comes
 * back by interrupt, every config change by the CONFIG interrupt. (QEMU 7.2 cannot map a virtio-mem
 * region on its microvm machine, so this is where virtio-mem over mmio is tested.) */
#include <stdio.h>
#include <string.h>

#include "drivers/virtio_mem_driver.h"
#include "host_test.h"
#include "mm/memory_hotplug.h"
#include "hotplug_helpers.h"
#include "mm/mmzone.h"
#include "vmem_harness.h"
#include "virtio_mmio_fake.h"

static struct mmio_fake mf;

static struct virtio_mem *start_mmio(struct vmem_fake *f, u64 region, u64 bs, u64 requested)
{
	vmem_fake_init(f, BASE, region, bs, requested, 0);
	if (virtio_mem_init())
		return NULL;
	mmio_fake_init(&mf, &f->fv);
	unsigned before = virtio_mem_count();
	if (mmio_fake_register(&mf))
		return NULL;
	return virtio_mem_count() > before ? virtio_mem_get(before) : NULL;
}

static void t_resize_over_mmio(void)
{
	boot();
	struct virtio_mem *vm = start_mmio(&dev[0], 4 * GiB, 2 * MiB, 0);
	REQUIRE(vm);
	settle(0);
	unsigned long total0 = totalram_pages();
	resize(&dev[0], 1 * GiB);
	settle(10);
	CHECK(done_line(vm, 1 * GiB));
	CHECK(vmem_fake_plugged(&dev[0]) == 1 * GiB);
	/* less each block's memmap pageblock (virtio_mem.memmap_on_memory) */
	CHECK(totalram_pages() == total0 + (1 * GiB >> PAGE_SHIFT) - 8 * MHP_MEMMAP_ON_MEMORY_PAGES);
	CHECK(mf.vm.interrupts >= 2); /* the config change and at least one used buffer */
	CHECK(mf.bad_accesses == 0);
	CHECK(check_all(vm, &dev[0]) == 0);
	resize(&dev[0], 300 * MiB);
	settle(10);
	CHECK(done_line(vm, 300 * MiB));
	CHECK(vmem_fake_plugged(&dev[0]) == 300 * MiB);
	CHECK(check_all(vm, &dev[0]) == 0);
	resize(&dev[0], 0);
	settle(10);
	CHECK(vmem_fake_plugged(&dev[0]) == 0);
	CHECK(check_all(vm, &dev[0]) == 0);
}

static void t_busy_over_mmio(void)
{
	boot();
	struct virtio_mem *vm = start_mmio(&dev[0], 2 * GiB, 2 * MiB, 0);
	REQUIRE(vm);
	dev[0].busy_next = 3;
	resize(&dev[0], 256 * MiB);
	settle(2000); /* the back-off timer */
	CHECK(done_line(vm, 256 * MiB));
	CHECK(vmem_fake_plugged(&dev[0]) == 256 * MiB);
	CHECK(check_all(vm, &dev[0]) == 0);
}

int main(void)
{
	host_log_echo = false;
	run_case("resize 0 -> 1 GiB -> 300 MiB -> 0 over virtio-mmio", t_resize_over_mmio);
	run_case("BUSY answers and back-off over virtio-mmio", t_busy_over_mmio);
	printf("SUMMARY: %d passed, %d failed, 0 skipped\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}

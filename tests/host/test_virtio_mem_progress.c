/* clang-format off */
/* host-srcs: drivers/virtio/virtio_mem.c drivers/virtio/virtio_mem_resize.c drivers/virtio/virtio_mem_req.c drivers/virtio/virtio_mem_mm.c drivers/virtio/virtio_mem_state.c drivers/virtio/virtio_mem_verify.c drivers/virtio/virtio.c drivers/virtio/virtqueue.c tests/host/virtio_fake.c tests/host/virtio_fake_transport.c tests/host/vmem_fake.c kernel/iomem.c @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c tests/host/vmem_harness.c */
/* clang-format on */
/* The virtio-mem driver keeps making progress and never loses track of a unit: a busy unit does
 * not stop a shrink (SBM and BBM), a stuck shrink and a failing add are reported once, a PLUG that
 * is undone at once is no progress for the back-off, a unit that cannot be mapped is tracked until
 * the device takes it back, an unmap that fails is not followed by UNPLUG, and a config change that
 * lands after a pass's last read gets its own `resize done`. Harness: tests/host/vmem_harness.c. */
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/memory.h"
#include "mm/memory_hotplug.h"
#include "mm/mmzone.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"
#include "mm_fake.h"
#include "vmem_harness.h"

/* A shrink to 256 MiB with one pinned page in the top block: the other blocks go around it. */
static void busy_top_block(u64 block_size)
{
	/* one busy unit is all that stays: without a memmap sub-block kept with the busy block */
	virtio_mem_memmap_on_memory = false;
	boot();
	mhp_set_default_online_type(MMOP_ONLINE_KERNEL);
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, block_size, 1 * GiB, 0);
	REQUIRE(vm);
	settle(0);
	REQUIRE(done_line(vm, 1 * GiB));
	unsigned long top = (unsigned long)vm->st.mb_first + 7;
	REQUIRE(pin_alloc_block(2 * MiB, top) == 0);
	host_log_clear();
	resize(&dev[0], 256 * MiB);
	CHECK(done_line(vm, 256 * MiB));
	CHECK(vmem_fake_plugged(&dev[0]) == 256 * MiB);
	CHECK(vmem_mb_online(&vm->st, 7)); /* the busy block stays, usable */
	CHECK(check_all(vm, &dev[0]) == 0);
	/* to 0: only the busy unit is left; it is said once, however often the back-off retries */
	host_log_clear();
	resize(&dev[0], 0);
	settle(30000);
	CHECK(!done_line(vm, 0) && vmem_plugged_bytes(&vm->st) == vm->st.unit_size);
	CHECK(host_log_count("busy, kept plugged") == 1);
	CHECK(host_log_contains("1 unit (") && host_log_contains("memory block 39"));
	CHECK(vm->retries > 3 && check_all(vm, &dev[0]) == 0);
	u64 unplugs = dev[0].requests[VIRTIO_MEM_REQ_UNPLUG];
	settle(20000);
	CHECK(dev[0].requests[VIRTIO_MEM_REQ_UNPLUG] == unplugs); /* nothing new is asked of the device */
	pin_free();
	settle(10000); /* the back-off finishes it alone */
	CHECK(done_line(vm, 0) && check_all(vm, &dev[0]) == 0);
}

static void t_busy_sbm(void)
{
	busy_top_block(2 * MiB);
}

static void t_busy_bbm(void)
{
	busy_top_block(128 * MiB);
}

/* The data does not fit: the driver gets as close as it can, loses nothing, and finishes once memory
 * is freed. */
static void t_busy_impossible(void)
{
	virtio_mem_memmap_on_memory = false; /* counts busy units only, as busy_top_block */
	boot();
	mhp_set_default_online_type(MMOP_ONLINE_KERNEL);
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 1 * GiB, 0);
	REQUIRE(vm);
	settle(0);
	REQUIRE(done_line(vm, 1 * GiB));
	for (unsigned long mb = 0; mb < 8; mb += 2) /* a pinned page in every other block */
		REQUIRE(pin_alloc_block(4096, (unsigned long)vm->st.mb_first + mb) == 0);
	resize(&dev[0], 0);
	settle(10000);
	CHECK(vmem_plugged_bytes(&vm->st) == 4 * vm->st.unit_size); /* only the four busy units */
	CHECK(check_all(vm, &dev[0]) == 0);
	pin_free();
	settle(10000);
	CHECK(done_line(vm, 0) && check_all(vm, &dev[0]) == 0);
}

/* No memory for the memmap: the PLUG is undone at once, which is no progress: the back-off grows
 * (10 ms doubling to 5 s), and the reason is printed once, not once per block or per round. */
static void t_add_fails_backoff(void)
{
	virtio_mem_memmap_on_memory = false; /* memmap from ZONE_NORMAL */
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	settle(0);
	unsigned long free_normal = zone_free_pages(&zones[ZONE_NORMAL]);
	REQUIRE(pin_alloc((u64)free_normal * PAGE_SIZE) == 0 || pin_nr_pages() > 0);
	host_log_clear();
	resize(&dev[0], 1 * GiB);
	settle(10000);
	/* 10 + 20 + ... + 5120 ms is 10.2 s: at most a dozen rounds in 10 s, one PLUG each */
	CHECK(dev[0].requests[VIRTIO_MEM_REQ_PLUG] <= 12);
	CHECK(vm->backoff_ms == VMEM_BACKOFF_MAX_MS);
	CHECK(host_log_count("retrying in") == 1);
	CHECK(!host_log_contains("-ENOMEM: -ENOMEM"));
	CHECK(vmem_fake_plugged(&dev[0]) == 0 && check_all(vm, &dev[0]) == 0);
	pin_free();
	settle(10000);
	CHECK(done_line(vm, 1 * GiB) && check_all(vm, &dev[0]) == 0);
}

/* A PLUG is ACKed but the sub-blocks cannot be mapped, and the device answers the UNPLUG that gives
 * them back with BUSY: they are tracked (unusable), an offline and online of their block keeps them
 * out of the buddy, and a retry gives them back, then plugs again. */
static void t_map_fails_unplug_busy(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	resize(&dev[0], 100 * MiB);
	REQUIRE(done_line(vm, 100 * MiB));
	mm_fake_map_fail_after = 0;
	dev[0].unplug_busy = 1;
	host_log_clear();
	resize(&dev[0], 120 * MiB);
	CHECK(vm->st.nr_unusable == 10 && vmem_fake_plugged(&dev[0]) == 120 * MiB);
	CHECK(check_all(vm, &dev[0]) == 0);
	unsigned long id = (unsigned long)vm->st.mb_first;
	REQUIRE(memory_block_offline(id) == 0);
	REQUIRE(memory_block_online(id, MMOP_ONLINE_MOVABLE) == 0);
	CHECK(check_all(vm, &dev[0]) == 0);
	/* every free page of the block is touched: none of them is unmapped */
	CHECK(workload_alloc(zone_free_pages(&zones[ZONE_MOVABLE]) * PAGE_SIZE) == 0);
	CHECK(workload_verify(NULL) == 0);
	workload_free();
	settle(10000);
	CHECK(vm->st.nr_unusable == 0 && done_line(vm, 120 * MiB) && check_all(vm, &dev[0]) == 0);
}

/* mm's own give-back after a refused UNPLUG cannot map a unit again: it is tracked the same way. */
static void t_remap_fails(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	resize(&dev[0], 100 * MiB);
	REQUIRE(done_line(vm, 100 * MiB));
	dev[0].unplug_busy = 2;
	mm_fake_map_fail_after = 0; /* the first re-map after the refusal */
	resize(&dev[0], 90 * MiB);
	CHECK(vm->st.nr_unusable == 1 && check_all(vm, &dev[0]) == 0);
	settle(10000);
	CHECK(vm->st.nr_unusable == 0 && done_line(vm, 90 * MiB) && check_all(vm, &dev[0]) == 0);
}

/* Unmapping fails (a large page that cannot be split): no UNPLUG names the still mapped unit; it
 * stays plugged and usable, and the shrink takes the next unit instead. */
static void t_unmap_fails(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	resize(&dev[0], 100 * MiB);
	REQUIRE(done_line(vm, 100 * MiB));
	unsigned long total = totalram_pages();
	mm_fake_unmap_fail_after = 0;
	resize(&dev[0], 98 * MiB);
	CHECK(done_line(vm, 98 * MiB) && vmem_fake_plugged(&dev[0]) == 98 * MiB);
	CHECK(vmem_is_plugged(&vm->st, 49) && !vmem_is_plugged(&vm->st, 48)); /* 49 stayed */
	CHECK(arch_is_mapped(vmem_unit_addr(&vm->st, 49)));
	CHECK(totalram_pages() == total - (2 * MiB >> PAGE_SHIFT) && dev[0].mapped_unplugged == 0);
	CHECK(check_all(vm, &dev[0]) == 0);
	resize(&dev[0], 0);
	CHECK(done_line(vm, 0) && check_all(vm, &dev[0]) == 0);
}

/* The host changes requested_size just after the pass's last config read: the change gets a pass and
 * a `resize done` of its own. */
static void t_late_change(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	dev[0].late_change = true;
	dev[0].late_change_to = 300 * MiB;
	resize(&dev[0], 200 * MiB);
	settle(100);
	CHECK(!dev[0].late_change); /* it fired */
	CHECK(done_line(vm, 300 * MiB) && vmem_fake_plugged(&dev[0]) == 300 * MiB);
	CHECK(check_all(vm, &dev[0]) == 0);
}

/* Adding fails at the map and its rollback cannot remove the blocks again (found by fuzz_virtio_mem
 * with a region past the fake's memory): they stay added and offline, the units the map did not
 * reach are unusable, the state stays true, and retries finish the resize. */
static void t_add_rollback_fails(void)
{
	virtio_mem_memmap_on_memory = false; /* with it, the map of the memmap fails inside add_memory */
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	settle(0);
	mm_fake_map_fail_after = 0;
	mm_fake_unmap_fail_after = 0;
	host_log_clear();
	resize(&dev[0], 100 * MiB);
	CHECK(host_log_contains("cannot be removed again"));
	CHECK(vmem_mb_state(&vm->st, 0) != VMEM_MB_NOT_ADDED && check_all(vm, &dev[0]) == 0);
	settle(10000);
	CHECK(done_line(vm, 100 * MiB) && vm->st.nr_unusable == 0 && check_all(vm, &dev[0]) == 0);
}

/* The device never answers an UNPLUG of sub-blocks mm already took: it is broken, and the sub-blocks,
 * which it may or may not have unplugged, are tracked unusable, never handed back to the buddy. */
static void t_unplug_no_answer(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	resize(&dev[0], 128 * MiB);
	REQUIRE(done_line(vm, 128 * MiB));
	dev[0].no_answer = true;
	resize(&dev[0], 64 * MiB);
	settle(10000);
	CHECK(vm->broken && vm->st.nr_unusable == 32);
	CHECK(check_all(vm, &dev[0]) == 0);
}

/* `verify` sees a unit in the wrong state: an unplugged sub-block mapped, a plugged one PageOffline. */
static void t_verify_catches(void)
{
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 4 * GiB, 2 * MiB, 0, 0);
	REQUIRE(vm);
	resize(&dev[0], 100 * MiB);
	REQUIRE(done_line(vm, 100 * MiB) && mm_verify(mm_fake_print_quiet) == 0);
	u64 hole = vmem_unit_addr(&vm->st, 60);
	REQUIRE(arch_add_memory(hole, 2 * MiB) == 0);
	CHECK(mm_verify(mm_fake_print_quiet) > 0);
	REQUIRE(arch_remove_memory(hole, 2 * MiB) == 0);
	CHECK(mm_verify(mm_fake_print_quiet) == 0);
	vmem_set_unusable(&vm->st, 10, 1, true); /* the driver claims a mapped, managed unit is away */
	CHECK(mm_verify(mm_fake_print_quiet) > 0);
	vmem_set_unusable(&vm->st, 10, 1, false);
	CHECK(mm_verify(mm_fake_print_quiet) == 0);
}

int main(void)
{
	host_log_echo = false;
	run_case("busy unit does not stop a shrink (SBM)", t_busy_sbm);
	run_case("busy unit does not stop a shrink (BBM)", t_busy_bbm);
	run_case("shrink that cannot reach its target gets close, finishes later", t_busy_impossible);
	run_case("add fails: PLUG undone is no progress, back-off grows, said once", t_add_fails_backoff);
	run_case("map fails after PLUG, UNPLUG BUSY: unit tracked, never in the buddy",
		 t_map_fails_unplug_busy);
	run_case("re-map after a refused UNPLUG fails: unit tracked", t_remap_fails);
	run_case("unmap fails: no UNPLUG, memory stays usable", t_unmap_fails);
	run_case("config change after the last read gets its own resize done", t_late_change);
	run_case("add's rollback cannot remove: blocks stay added, units tracked", t_add_rollback_fails);
	run_case("UNPLUG never answered: the units taken are tracked, not reused", t_unplug_no_answer);
	run_case("verify checks every unit against mm", t_verify_catches);
	printf("SUMMARY: %d passed, %d failed, 0 skipped\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}

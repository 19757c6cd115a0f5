/* The virtio-mem host tests' harness (vmem_harness.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/memory.h"
#include "mm/mmzone.h"
#include "mm/sparse.h"
#include "mm_fake.h"
#include "vmem_harness.h"

struct vmem_fake dev[3];
int n_pass, n_fail;

void run_case(const char *name, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		test_begin("virtio-mem", name);
		fn();
		exit(test_end() ? 0 : 3); /* sanitizers exit with 1 */
	}
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		n_pass++;
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
		n_fail++;
	} else {
		n_fail++;
		printf("FAIL: virtio-mem: %s: crashed (%s %d)\n", name, WIFSIGNALED(st) ? "signal" : "status",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
}

struct virtio_mem *start(struct vmem_fake *f, u64 addr, u64 region, u64 bs, u64 requested, u64 plugged)
{
	static bool registered;
	vmem_fake_init(f, addr, region, bs, requested, plugged);
	if (!registered) {
		registered = true;
		if (virtio_mem_init())
			return NULL;
	}
	unsigned before = virtio_mem_count();
	if (register_virtio_device(&f->fv.vdev))
		return NULL;
	return virtio_mem_count() > before ? virtio_mem_get(before) : NULL;
}

void boot(void)
{
	hp_boot();
	vmem_fake_sched_reset();
}

void settle(unsigned ms)
{
	vmem_fake_run_ms(ms);
}

void resize(struct vmem_fake *f, u64 bytes)
{
	vmem_fake_set_requested(f, bytes);
	settle(0);
}

unsigned check_all(struct virtio_mem *vm, struct vmem_fake *f)
{
	struct vmem_state *st = &vm->st;
	unsigned bad = 0;

#define BAD(cond, ...)                                                                                       \
	do {                                                                                                 \
		if (cond) {                                                                                  \
			if (bad++ < 6)                                                                       \
				printf("INFO: " __VA_ARGS__);                                                \
		}                                                                                            \
	} while (0)

	/* mm's invariants, and the driver's units against mm (virtio_mem_verify.c) */
	BAD(mm_verify(mm_fake_print) != 0, "mm_verify found violations\n");
	BAD(f->mapped_unplugged != 0, "device saw %llu mapped pages while unplugged\n", f->mapped_unplugged);
	BAD(!vm->broken && vmem_fake_plugged(f) != vmem_plugged_bytes(st),
	    "device has %llu plugged, driver %llu\n", vmem_fake_plugged(f), vmem_plugged_bytes(st));
	for (unsigned long u = 0; u < st->nr_units; u++) {
		u64 a = vmem_unit_addr(st, u);
		bool plugged = vmem_is_plugged(st, u);
		if (!vm->broken)
			BAD(vmem_fake_block_plugged(f, a) != plugged,
			    "unit %lu: device and driver disagree\n", u);
	}
#undef BAD
	return bad;
}

bool done_line(struct virtio_mem *vm, u64 bytes)
{
	char want[96];
	snprintf(want, sizeof(want), "%s: resize done: plugged=%llu requested=%llu in ", vm->name, bytes,
		 bytes);
	return host_log_contains(want);
}

/* clang-format off */
/* host-srcs: drivers/virtio/vmemcheck.c drivers/virtio/vmemcheck_req.c drivers/virtio/vmemcheck_driver.c drivers/virtio/virtio_mem.c drivers/virtio/virtio_mem_resize.c drivers/virtio/virtio_mem_req.c drivers/virtio/virtio_mem_mm.c drivers/virtio/virtio_mem_state.c drivers/virtio/virtio_mem_verify.c drivers/virtio/virtio.c drivers/virtio/virtqueue.c tests/host/virtio_fake.c tests/host/virtio_fake_transport.c tests/host/vmem_fake.c kernel/iomem.c @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c tests/host/vmem_harness.c */
/* clang-format on */
/* vmemcheck against the fake device (tests/host/vmem_fake.c): a device that keeps every rule passes
 * every check; the fake as QEMU 7.2 answers (NACK before ERROR for a PLUG of plugged blocks at
 * requested_size) fails exactly that check; and a device that breaks one requirement at a time fails
 * the check that names it. Also: requested_size 0 skips with reasons, a device with memory plugged is
 * refused untouched, and the shell's loan of a device from the virtio-mem driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/virtio_mem_driver.h"
#include "drivers/vmemcheck.h"
#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "vmem_fake.h"
#include "vmem_harness.h"

#define REQ (64 * MiB)
#define BS  (2 * MiB)

static char report[64 * 1024];
static size_t report_len;

static void capture(const char *line)
{
	size_t n = strlen(line);
	if (report_len + n + 2 < sizeof(report)) {
		memcpy(report + report_len, line, n);
		report_len += n;
		report[report_len++] = '\n';
		report[report_len] = 0;
	}
}

/* The report's line that starts with `prefix` ("ok", "not ok") and contains both a and b. */
static bool has_line(const char *prefix, const char *a, const char *b)
{
	for (const char *l = report; *l;) {
		const char *e = strchr(l, '\n');
		char line[1024];
		size_t n = e ? (size_t)(e - l) : strlen(l);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, l, n);
		line[n] = 0;
		if (!strncmp(line, prefix, strlen(prefix)) && line[strlen(prefix)] == ' ' &&
		    strstr(line, a) && (!b || strstr(line, b)))
			return true;
		l = e ? e + 1 : l + n;
	}
	return false;
}

static void show_report(void)
{
	if (!test_ok())
		printf("%s", report);
}

/* The host, during the checker's wait: requested_size goes up to resize_to, once. */
static u64 resize_to;
static void host_resizes(void)
{
	if (resize_to) {
		u64 r = resize_to;
		resize_to = 0;
		vmem_fake_set_requested(&dev[0], r);
	}
}

/* A fake device, registered with the virtio core and no virtio-mem driver: the boot mode. */
static struct vmem_fake *device(u64 requested, u64 plugged)
{
	boot();
	vmem_fake_init(&dev[0], BASE, 1 * GiB, BS, requested, plugged);
	return &dev[0];
}

static void run_all(struct vmemcheck *c, unsigned wait_s)
{
	*c = (struct vmemcheck){.wait_s = wait_s, .print = capture};
	if (register_virtio_device(&dev[0].fv.vdev) == 0)
		vmemcheck_all(c);
}

/* ---- cases ---- */

/* The fake as QEMU answers, with a resize during the wait: one failure, QEMU's real deviation. */
static void t_qemu_like(void)
{
	struct vmemcheck c;
	struct vmem_fake *f = device(REQ, 0);
	f->fv.offered |= BIT_ULL(VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE);
	f->fv.must_accept = BIT_ULL(VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE); /* as QEMU 7.2 insists */
	resize_to = 2 * REQ;
	vmem_fake_wait_hook = host_resizes;
	run_all(&c, 5);
	CHECK(c.failed == 1 && c.skipped == 0 && c.passed == c.n - 1 && c.n >= 20);
	CHECK(has_line(
	    "not ok", "already plugged is answered RESP_ERROR also with plugged_size at requested_size",
	    "# PLUG of B0 again with plugged_size at requested_size: device answered RESP_NACK, the "
	    "specification requires RESP_ERROR"));
	CHECK(has_line("ok", "a config-change interrupt follows a change of requested_size", NULL));
	CHECK(!has_line("ok", "config-change interrupt", "# SKIP"));
	CHECK(strstr(report, "TAP version 13\n") == report);
	char plan[32], sum[64];
	snprintf(plan, sizeof(plan), "\n1..%u\n", c.n);
	snprintf(sum, sizeof(sum), "\n%u passed, 1 failed\n", c.n - 1);
	CHECK(strstr(report, plan) && strstr(report, sum));
	struct virtio_mem_config cfg;
	memcpy(&cfg, f->fv.config, sizeof(cfg));
	CHECK(f->plugged_blocks == 0 && cfg.plugged_size == 0); /* left with nothing plugged */
	CHECK(f->requests[VIRTIO_MEM_REQ_PLUG] > 0 && f->requests[VIRTIO_MEM_REQ_STATE] > 0);
	show_report();
}

/* A device that keeps the letter of every rule passes every check. */
static void t_conforming(void)
{
	struct vmemcheck c;
	struct vmem_fake *f = device(REQ, 0);
	f->error_before_nack = true;
	resize_to = 2 * REQ;
	vmem_fake_wait_hook = host_resizes;
	run_all(&c, 5);
	CHECK(c.failed == 0 && c.skipped == 0 && c.passed == c.n);
	CHECK(f->plugged_blocks == 0);
	show_report();
}

/* requested_size 0 and no wait: what needs plugging is skipped, with the reason; nothing fails. */
static void t_requested_zero(void)
{
	struct vmemcheck c;
	struct vmem_fake *f = device(0, 0);
	f->error_before_nack = true;
	run_all(&c, 0);
	CHECK(c.failed == 0 && c.skipped >= 8);
	CHECK(has_line("ok", "config-change interrupt", "# SKIP not asked to wait"));
	CHECK(has_line("ok", "PLUG of an unaligned address", "# SKIP requested_size is below 2 blocks"));
	CHECK(has_line("ok", "PLUG of an unplugged block inside the usable region",
		       "# SKIP requested_size is 0"));
	CHECK(has_line("ok", "STATE of an unplugged block", "# SKIP the usable region is empty"));
	CHECK(has_line("ok", "UNPLUG_ALL is answered RESP_ACK", NULL) &&
	      !has_line("ok", "UNPLUG_ALL is answered", "SKIP"));
	CHECK(f->requests[VIRTIO_MEM_REQ_PLUG] == 0);
	show_report();
}

/* A wait with no resize: the check is skipped, saying so. */
static void t_no_resize(void)
{
	struct vmemcheck c;
	device(REQ, 0)->error_before_nack = true;
	run_all(&c, 3);
	CHECK(c.failed == 0 && c.skipped == 1);
	CHECK(strstr(report, "# virtio-mem0: waiting up to 3 s for the host to change requested_size"));
	CHECK(has_line("ok", "config-change interrupt",
		       "# SKIP the host did not change requested_size within 3 s"));
	show_report();
}

/* Memory plugged when the checker finds the device: refused, nothing sent, nothing changed. */
static void t_in_use(void)
{
	struct vmemcheck c;
	struct vmem_fake *f = device(REQ, 32 * MiB);
	run_all(&c, 5);
	CHECK(c.failed == 1 && c.n == 1);
	CHECK(has_line("not ok", "virtio-mem0: the device can be checked (nothing plugged)",
		       "# plugged_size is 33554432 bytes (32 MiB): memory is plugged and may be in use"));
	for (int t = 0; t < VIRTIO_MEM_NR_REQ_TYPES; t++)
		CHECK(f->requests[t] == 0);
	CHECK(vmem_fake_plugged(f) == 32 * MiB);
	show_report();
}

static void t_no_device(void)
{
	struct vmemcheck c = {.wait_s = 0, .print = capture};
	boot();
	vmemcheck_all(&c);
	CHECK(c.failed == 1 &&
	      has_line("not ok", "a virtio-mem device is present", "found no virtio-mem device"));
}

/* ---- one broken requirement at a time ---- */

static void edit_block_size(struct vmem_fake *f, struct virtio_mem_config *c)
{
	c->block_size = 3 * MiB;
}
static void edit_addr(struct vmem_fake *f, struct virtio_mem_config *c)
{
	c->addr += 4096;
}
static void edit_usable_big(struct vmem_fake *f, struct virtio_mem_config *c)
{
	c->usable_region_size = c->region_size + BS;
}
static void edit_usable_small(struct vmem_fake *f, struct virtio_mem_config *c)
{
	c->usable_region_size = c->requested_size - BS;
}
static void edit_plugged_over(struct vmem_fake *f, struct virtio_mem_config *c)
{
	if (c->plugged_size)
		c->usable_region_size = c->plugged_size - BS;
}
static void edit_region_moves(struct vmem_fake *f, struct virtio_mem_config *c)
{
	if (f->requests[VIRTIO_MEM_REQ_PLUG])
		c->region_size -= BS;
}
static void edit_usable_shrinks(struct vmem_fake *f, struct virtio_mem_config *c)
{
	if (f->requests[VIRTIO_MEM_REQ_PLUG] > 3)
		c->usable_region_size -= BS;
}

struct broken {
	const char *name;
	void (*setup)(struct vmem_fake *f);
	const char *check; /* in the not-ok line */
	const char *why;   /* after its '#' */
};

#define SETUP(id, body)                                                                                      \
	static void id(struct vmem_fake *f)                                                                  \
	{                                                                                                    \
		body;                                                                                        \
	}
SETUP(s_block_size, f->edit_config = edit_block_size)
SETUP(s_addr, f->edit_config = edit_addr)
SETUP(s_usable_big, f->edit_config = edit_usable_big)
SETUP(s_usable_small, f->edit_config = edit_usable_small)
SETUP(s_plugged_over, f->edit_config = edit_plugged_over)
SETUP(s_region_moves, f->edit_config = edit_region_moves)
SETUP(s_usable_shrinks, f->edit_config = edit_usable_shrinks)
SETUP(s_silent, f->silent_resize = true)
SETUP(s_align, f->lax = VMEM_FAKE_LAX_ALIGN)
SETUP(s_zero, f->lax = VMEM_FAKE_LAX_ZERO)
SETUP(s_range, f->lax = VMEM_FAKE_LAX_RANGE)
SETUP(s_plugged, f->lax = VMEM_FAKE_LAX_PLUGGED)
SETUP(s_unplugged, f->lax = VMEM_FAKE_LAX_UNPLUGGED)
SETUP(s_nack, f->lax = VMEM_FAKE_LAX_NACK)
SETUP(s_state_unplugged, (f->state_lie = true, f->state_lie_to = VIRTIO_MEM_STATE_UNPLUGGED))
SETUP(s_state_plugged, (f->state_lie = true, f->state_lie_to = VIRTIO_MEM_STATE_PLUGGED))
SETUP(s_state_unknown, (f->state_lie = true, f->state_lie_to = 7))
SETUP(s_ack_nothing, f->ack_without_doing = true)
SETUP(s_frozen, (f->plugged_frozen = true, f->plugged_frozen_at = 0))
SETUP(s_unplug_all_keeps, f->unplug_all_keeps = true)
SETUP(s_no_answer, f->no_answer = true)
SETUP(s_long, f->short_len = 16)
SETUP(s_short, f->short_len = 4)
SETUP(s_refuse, f->fv.refuse_features = true)
SETUP(s_no_v1, f->fv.offered &= ~BIT_ULL(VIRTIO_F_VERSION_1))

static const struct broken broken[] = {
    {"block_size not a power of two", s_block_size, "block_size is a power of two", "block_size is 0x300000"},
    {"addr not aligned", s_addr, "are multiples of block_size", "addr 0x100001000 is not a multiple"},
    {"usable region past the region", s_usable_big, "usable_region_size within region_size",
     "usable_region_size 0x40200000 is above region_size 0x40000000"},
    {"usable region below requested_size", s_usable_small, "usable_region_size at least requested_size",
     "is below requested_size 0x4000000"},
    {"plugged_size past the usable region", s_plugged_over, "plugged_size stayed within usable_region_size",
     "plugged_size 0x200000 is above usable_region_size 0x0"},
    {"region_size changes", s_region_moves, "addr and region_size never changed", "region_size 0x40000000"},
    {"usable region shrinks on PLUG", s_usable_shrinks, "shrank only through UNPLUG_ALL",
     "not through UNPLUG_ALL"},
    {"resize without a config-change interrupt", s_silent, "a config-change interrupt follows",
     "but no config-change interrupt came within 1000 ms"},
    {"unaligned PLUG answered ACK", s_align, "PLUG of an unaligned address",
     "PLUG of B0 + block_size/2: device answered RESP_ACK, the specification requires RESP_ERROR"},
    {"PLUG of 0 blocks answered ACK", s_zero, "PLUG of an unaligned address",
     "PLUG of 0 blocks at B0: device answered RESP_ACK, the specification requires RESP_ERROR"},
    {"PLUG outside the usable region answered ACK", s_range, "PLUG of an unaligned address",
     "PLUG of 1 block at U (0x118000000): device answered RESP_ACK"},
    {"PLUG of plugged blocks answered ACK", s_plugged,
     "PLUG of a block already plugged is answered RESP_ERROR [",
     "PLUG of B0 again: device answered RESP_ACK, the specification requires RESP_ERROR"},
    {"UNPLUG of unplugged blocks answered ACK", s_unplugged, "UNPLUG of an unplugged block",
     "UNPLUG of B0: device answered RESP_ACK, the specification requires RESP_ERROR"},
    {"PLUG past requested_size answered ACK", s_nack, "PLUG past requested_size is answered RESP_NACK",
     "device answered RESP_ACK, the specification requires RESP_NACK"},
    {"STATE says unplugged", s_state_unplugged, "then STATE says STATE_PLUGGED",
     "STATE of B0 after its PLUG: device answered STATE_UNPLUGGED (1), the specification requires "
     "STATE_PLUGGED"},
    {"STATE says plugged", s_state_plugged, "STATE of a plugged and an unplugged block",
     "device answered STATE_PLUGGED (0), the specification requires STATE_MIXED"},
    {"STATE of an unknown kind", s_state_unknown, "STATE of an unplugged block",
     "device answered an unknown state (7)"},
    {"ACK without plugging", s_ack_nothing, "plugged_size followed every answer",
     "after PLUG of B0 answered RESP_ACK plugged_size is 0x0, it should be 0x200000"},
    {"plugged_size never moves", s_frozen, "plugged_size followed every answer", "plugged_size is 0x0"},
    {"UNPLUG_ALL keeps a block", s_unplug_all_keeps, "UNPLUG_ALL is answered RESP_ACK",
     "plugged_size is 0x200000 after UNPLUG_ALL answered RESP_ACK"},
    {"no answer", s_no_answer, "every request was answered within 5 s", "no answer to STATE within 5000 ms"},
    {"answer longer than its buffer", s_long, "every request was answered within 5 s",
     "used len 16 larger than the 10 writable bytes"},
    {"answer shorter than 10 bytes", s_short, "every request was answered within 5 s",
     "answer to STATE of 4 bytes (want 10)"},
    {"FEATURES_OK refused", s_refuse, "the handshake completed", "the device refused FEATURES_OK"},
    {"no VERSION_1", s_no_v1, "the handshake completed", "the device offers no VERSION_1"},
};
static unsigned which;

static void t_broken(void)
{
	const struct broken *b = &broken[which];
	struct vmemcheck c;
	struct vmem_fake *f = device(REQ, 0);
	f->error_before_nack = true; /* only the rule under test is broken */
	b->setup(f);
	vmem_fake_sync_config(f);
	resize_to = 2 * REQ;
	vmem_fake_wait_hook = host_resizes;
	run_all(&c, 5);
	CHECK(c.failed >= 1);
	CHECK(has_line("not ok", b->check, b->why));
	if (!has_line("not ok", b->check, b->why))
		printf("INFO: wanted a 'not ok' line with '%s' and '%s'\n", b->check, b->why);
	show_report();
}

/* BUSY is allowed: a device that stays busy gets skips, not failures. */
static void t_busy(void)
{
	struct vmemcheck c;
	struct vmem_fake *f = device(REQ, 0);
	f->busy_next = 1 << 30;
	run_all(&c, 0);
	CHECK(c.failed == 0 && c.skipped >= 10);
	CHECK(has_line("ok", "STATE of an unplugged block",
		       "# SKIP STATE of B0: the device answered RESP_BUSY 20 times"));
	show_report();
}

/* ---- the shell's way: a device borrowed from the virtio-mem driver ---- */

static void t_lend(void)
{
	struct vmemcheck c = {.wait_s = 5, .print = capture};
	char why[240];
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 1 * GiB, BS, 0, 0);
	REQUIRE(vm);
	dev[0].error_before_nack = true;
	settle(0);
	REQUIRE(vmem_lend(vm, why, sizeof(why)) == 0);
	resize_to = REQ;
	vmem_fake_wait_hook = host_resizes;
	vmemcheck_begin(&c);
	CHECK(vmemcheck_device(&c, vm, why, sizeof(why)) == 0);
	vmemcheck_end(&c);
	CHECK(c.failed == 0 && c.skipped == 0);
	/* the driver stayed away from the resize while the device was lent ... */
	settle(100);
	CHECK(vmem_fake_plugged(&dev[0]) == 0 && vmem_plugged_bytes(&vm->st) == 0);
	/* ... and follows it once given back */
	vmem_give_back(vm);
	settle(100);
	CHECK(done_line(vm, REQ) && vmem_fake_plugged(&dev[0]) == REQ);
	CHECK(check_all(vm, &dev[0]) == 0);
	show_report();
}

static void t_lend_in_use(void)
{
	char why[240];
	boot();
	struct virtio_mem *vm = start(&dev[0], BASE, 1 * GiB, BS, REQ, 0);
	REQUIRE(vm);
	settle(100);
	REQUIRE(vmem_fake_plugged(&dev[0]) == REQ);
	u64 sent = dev[0].requests[VIRTIO_MEM_REQ_PLUG] + dev[0].requests[VIRTIO_MEM_REQ_STATE];
	CHECK(vmem_lend(vm, why, sizeof(why)) == -EBUSY);
	CHECK(strstr(why, "67108864 bytes plugged by the driver") && strstr(why, "the memory is in use"));
	CHECK(!vm->lent &&
	      dev[0].requests[VIRTIO_MEM_REQ_PLUG] + dev[0].requests[VIRTIO_MEM_REQ_STATE] == sent);
	resize(&dev[0], 2 * REQ); /* the driver still drives it */
	CHECK(done_line(vm, 2 * REQ) && check_all(vm, &dev[0]) == 0);
}

static int n_ok, n_bad;

static void run(const char *name, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		host_log_echo = false;
		test_begin("vmemcheck", name);
		fn();
		exit(test_end() ? 0 : 3);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		n_ok++;
	} else {
		n_bad++;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 3)
			printf("FAIL: vmemcheck: %s: crashed (%s %d)\n", name,
			       WIFSIGNALED(st) ? "signal" : "status",
			       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
}

int main(void)
{
	run("the fake as QEMU 7.2 answers: its one deviation is reported", t_qemu_like);
	run("a device that keeps every rule passes every check", t_conforming);
	run("requested_size 0: checks that plug are skipped with the reason", t_requested_zero);
	run("no resize during the wait: skipped", t_no_resize);
	run("memory plugged: refused, nothing sent", t_in_use);
	run("no device: a failure", t_no_device);
	for (which = 0; which < ARRAY_SIZE(broken); which++) {
		char name[120];
		snprintf(name, sizeof(name), "broken: %s", broken[which].name);
		run(name, t_broken);
	}
	run("a device that stays BUSY: skips, no failure", t_busy);
	run("shell: lent by the driver, given back", t_lend);
	run("shell: a device in use is not lent", t_lend_in_use);
	printf("SUMMARY: %d passed, %d failed, 0 skipped\n", n_ok, n_bad);
	return n_bad ? 1 : 0;
}

/* host-srcs: drivers/virtio/virtqueue.c tests/host/virtio_fake.c */
/* The split virtqueue against a fake device in the same process: normal traffic, 16-bit index
 * wrap-around with out-of-order completion, a full ring, notification suppression, and each kind of
 * hostile used entry (which must break the queue with one line and write nothing out of bounds). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtqueue.h"
#include "host_test.h"
#include "kernel/errno.h"
#include "virtio_fake.h"

#define GUARD  256
#define CANARY 0xa5

struct ring_mem {
	u8 *block; /* GUARD | ring | GUARD */
	void *ring;
	size_t size;
};

static struct virtqueue vq;
static struct fake_vring dev;
static struct ring_mem mem;
static unsigned notify_calls;
static bool notify_ok = true;

static bool test_notify(struct virtqueue *q)
{
	(void)q;
	notify_calls++;
	dev.notifies++;
	return notify_ok;
}

static unsigned callback_calls;
static void test_callback(struct virtqueue *q)
{
	(void)q;
	callback_calls++;
}

static phys_addr_t host_phys(const void *p)
{
	return (phys_addr_t)(uintptr_t)p;
}

static void ring_free(void)
{
	free(mem.block);
	mem.block = NULL;
}

/* A fresh queue of num entries with canaries around the ring memory. */
static int setup(u16 num)
{
	ring_free();
	mem.size = vring_size(num ? num : 1);
	mem.block = aligned_alloc(64, ALIGN_UP(mem.size + 2 * GUARD, 64));
	memset(mem.block, CANARY, ALIGN_UP(mem.size + 2 * GUARD, 64));
	mem.ring = mem.block + GUARD;
	notify_calls = callback_calls = 0;
	notify_ok = true;
	memset(&vq, 0, sizeof(vq));
	int err = virtqueue_init(&vq, "test.vq", 0, num, mem.ring, host_phys(mem.ring), test_notify,
				 test_callback, NULL);
	if (!err)
		fake_vring_attach(&dev, &vq);
	return err;
}

static bool guards_intact(void)
{
	for (size_t i = 0; i < GUARD; i++)
		if (mem.block[i] != CANARY || mem.block[GUARD + mem.size + i] != CANARY)
			return false;
	return true;
}

static void case_init(void)
{
	CHECK(setup(0) == -EINVAL);
	CHECK(setup(3) == -EINVAL);
	CHECK(setup(VIRTQUEUE_MAX_NUM * 2) == -EINVAL);
	REQUIRE(setup(1) == 0);
	REQUIRE(setup(VIRTQUEUE_MAX_NUM) == 0);
	CHECK(vq.num_free == VIRTQUEUE_MAX_NUM);
	CHECK(vq.avail->idx == 0 && vq.used->idx == 0 && vq.avail->flags == 0);
	CHECK((u8 *)vq.used + sizeof(struct vring_used) + VIRTQUEUE_MAX_NUM * 8 + 2 <=
	      (u8 *)mem.ring + mem.size);
	CHECK(vq.used_phys % VRING_USED_ALIGN == 0 && vq.desc_phys % VRING_DESC_ALIGN == 0);
	CHECK(guards_intact());
}

/* One request/response round trip, the shape virtio-mem uses. */
static void case_normal(void)
{
	REQUIRE(setup(8) == 0);
	char req[24] = "plug 12", resp[10], extra[6];
	memset(resp, 0, sizeof(resp));
	struct vq_buf out[1] = {{host_phys(req), sizeof(req)}};
	struct vq_buf in[2] = {{host_phys(resp), sizeof(resp)}, {host_phys(extra), sizeof(extra)}};
	REQUIRE(virtqueue_add(&vq, out, 1, in, 2, req) == 0);
	CHECK(vq.num_free == 5);
	CHECK(virtqueue_get_buf(&vq, NULL) == NULL);
	CHECK(virtqueue_kick(&vq));
	CHECK(notify_calls == 1);

	struct fake_chain c;
	REQUIRE(fake_vring_pop(&dev, &c) == 1);
	CHECK(c.n == 3 && c.out_len == 24 && c.in_len == 16);
	CHECK(!c.buf[0].writable && c.buf[1].writable && c.buf[2].writable);
	char got[24];
	CHECK(fake_chain_read(&c, got, sizeof(got)) == 24 && strcmp(got, "plug 12") == 0);
	CHECK(fake_chain_write(&c, "ACK", 4) == 4);
	CHECK(!vring_interrupt(&vq) && callback_calls == 0);
	fake_vring_push(&dev, c.head, 4);

	CHECK(virtqueue_has_used(&vq));
	CHECK(vring_interrupt(&vq) && callback_calls == 1);
	u32 len = 0;
	CHECK(virtqueue_get_buf(&vq, &len) == req);
	CHECK(len == 4 && strcmp(resp, "ACK") == 0);
	CHECK(vq.num_free == 8 && vq.in_flight == 0);
	CHECK(virtqueue_get_buf(&vq, &len) == NULL);
	CHECK(!vq.broken && guards_intact());
}

static void case_bad_args(void)
{
	REQUIRE(setup(4) == 0);
	char b[8];
	struct vq_buf ok = {host_phys(b), 8}, zero = {host_phys(b), 0};
	CHECK(virtqueue_add(&vq, NULL, 0, NULL, 0, b) == -EINVAL);
	CHECK(virtqueue_add(&vq, &ok, 1, NULL, 0, NULL) == -EINVAL);
	CHECK(virtqueue_add(&vq, &ok, 1, &zero, 1, b) == -EINVAL);
	struct vq_buf big[5] = {ok, ok, ok, ok, ok};
	CHECK(virtqueue_add(&vq, big, 5, NULL, 0, b) == -ENOSPC);
	CHECK(vq.num_free == 4 && vq.avail->idx == 0 && !vq.broken);
}

/* Fill the ring, fail on the next add, reap one, add again; a two-descriptor chain needs two. */
static void case_full(void)
{
	REQUIRE(setup(8) == 0);
	static char bufs[8][16];
	for (int k = 0; k < 8; k++) {
		struct vq_buf in = {host_phys(bufs[k]), 16};
		REQUIRE(virtqueue_add(&vq, NULL, 0, &in, 1, bufs[k]) == 0);
	}
	char x[4];
	struct vq_buf one = {host_phys(x), 4};
	CHECK(vq.num_free == 0);
	CHECK(virtqueue_add(&vq, &one, 1, NULL, 0, x) == -ENOSPC);
	CHECK(virtqueue_kick(&vq));
	struct fake_chain c;
	REQUIRE(fake_vring_pop(&dev, &c) == 1);
	fake_vring_push(&dev, c.head, 16);
	CHECK(virtqueue_get_buf(&vq, NULL) == bufs[0]);
	struct vq_buf two[2] = {one, one};
	CHECK(virtqueue_add(&vq, two, 2, NULL, 0, x) == -ENOSPC);
	CHECK(virtqueue_add(&vq, &one, 1, NULL, 0, x) == 0);
	/* Drain everything in order. */
	int got = 0;
	for (;;) {
		int r = fake_vring_pop(&dev, &c);
		REQUIRE(r >= 0);
		if (!r)
			break;
		fake_vring_push(&dev, c.head, 0);
		CHECK(virtqueue_get_buf(&vq, NULL) != NULL);
		got++;
	}
	CHECK(got == 8 && vq.num_free == 8 && !vq.broken && guards_intact());
}

/* Many operations on a small ring so both 16-bit indexes wrap several times; chains of 1..4
 * descriptors, several in flight, completed out of order. */
static void case_wraparound(void)
{
	REQUIRE(setup(8) == 0);
	unsigned seed = 12345;
	srand(seed);
	printf("INFO: virtqueue: wraparound seed %u\n", seed);
	static u8 data[8][4][32];
	struct fake_chain held[8];
	int nheld = 0;
	unsigned long completed = 0, added = 0;
	u8 tok_used[8] = {0};
	for (unsigned step = 0; step < 600000 && test_ok(); step++) {
		if (rand() % 2 && vq.num_free) {
			int slot = -1;
			for (int k = 0; k < 8; k++)
				if (!tok_used[k]) {
					slot = k;
					break;
				}
			REQUIRE(slot >= 0);
			unsigned n = 1 + rand() % 4, n_out = rand() % (n + 1);
			if (n > vq.num_free)
				n = vq.num_free, n_out = n_out > n ? n : n_out;
			struct vq_buf b[4];
			for (unsigned k = 0; k < n; k++)
				b[k] = (struct vq_buf){host_phys(data[slot][k]), 32};
			REQUIRE(virtqueue_add(&vq, b, n_out, b + n_out, n - n_out, &tok_used[slot]) == 0);
			tok_used[slot] = (u8)(1 + n - n_out); /* 1 + number of writable buffers */
			added++;
			if (rand() % 3 == 0)
				CHECK(virtqueue_kick(&vq));
		} else {
			struct fake_chain c;
			int r = fake_vring_pop(&dev, &c);
			REQUIRE(r >= 0);
			if (r)
				held[nheld++] = c;
			if (nheld && rand() % 2) {
				int k = rand() % nheld;
				fake_vring_push(&dev, held[k].head,
						held[k].in_len ? (u32)(rand() % (held[k].in_len + 1)) : 0);
				held[k] = held[--nheld];
			}
			u32 len;
			void *t;
			while ((t = virtqueue_get_buf(&vq, &len))) {
				u8 *slot = t;
				REQUIRE(slot >= tok_used && slot < tok_used + 8 && *slot);
				CHECK(len <= (u32)(*slot - 1) * 32);
				*slot = 0;
				completed++;
			}
		}
	}
	CHECK(!vq.broken);
	CHECK(added > 2 * 65536 && completed + vq.in_flight == added);
	printf("INFO: virtqueue: %lu chains added, %lu completed, avail idx %u used idx %u\n", added,
	       completed, vq.avail_idx, vq.last_used_idx);
	CHECK(vq.num_free + 0u <= 8u && guards_intact());
}

static void case_no_notify(void)
{
	REQUIRE(setup(4) == 0);
	char x[4];
	struct vq_buf b = {host_phys(x), 4};
	dev.used->flags = VRING_USED_F_NO_NOTIFY;
	REQUIRE(virtqueue_add(&vq, &b, 1, NULL, 0, x) == 0);
	CHECK(virtqueue_kick(&vq) && notify_calls == 0);
	dev.used->flags = 0;
	CHECK(virtqueue_kick(&vq) && notify_calls == 1);

	virtqueue_disable_cb(&vq);
	CHECK(vq.avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
	CHECK(virtqueue_enable_cb(&vq));
	CHECK(!(vq.avail->flags & VRING_AVAIL_F_NO_INTERRUPT));
	struct fake_chain c;
	REQUIRE(fake_vring_pop(&dev, &c) == 1);
	fake_vring_push(&dev, c.head, 0);
	virtqueue_disable_cb(&vq);
	CHECK(!virtqueue_enable_cb(&vq)); /* used meanwhile: reap before sleeping */
}

static void case_notify_fails(void)
{
	REQUIRE(setup(4) == 0);
	char x[4];
	struct vq_buf b = {host_phys(x), 4};
	REQUIRE(virtqueue_add(&vq, &b, 1, NULL, 0, x) == 0);
	notify_ok = false;
	host_log_clear();
	CHECK(!virtqueue_kick(&vq));
	CHECK(vq.broken && host_log_contains("device broken: notify failed"));
}

static void case_detach(void)
{
	REQUIRE(setup(8) == 0);
	static char bufs[3][8];
	for (int k = 0; k < 3; k++) {
		struct vq_buf b[2] = {{host_phys(bufs[k]), 4}, {host_phys(bufs[k] + 4), 4}};
		REQUIRE(virtqueue_add(&vq, b, 1, b + 1, 1, bufs[k]) == 0);
	}
	int n = 0;
	while (virtqueue_detach_unused_buf(&vq))
		n++;
	CHECK(n == 3 && vq.num_free == 8 && vq.in_flight == 0);
}

/* ---- hostile devices ---- */

/* A queue with three chains in flight (heads 0, 2, 4: two descriptors each, 8 writable bytes). */
static char hbuf[3][16];
static void hostile_setup(void)
{
	setup(8);
	for (int k = 0; k < 3; k++) {
		struct vq_buf b[2] = {{host_phys(hbuf[k]), 8}, {host_phys(hbuf[k] + 8), 8}};
		virtqueue_add(&vq, b, 1, b + 1, 1, hbuf[k]);
	}
	virtqueue_kick(&vq);
	host_log_clear();
}

/* After a hostile entry: broken, one line, no token returned, later calls refuse, nothing written. */
static void expect_broken(const char *needle)
{
	CHECK(virtqueue_get_buf(&vq, NULL) == NULL);
	CHECK(vq.broken);
	CHECK(host_log_contains("virtio: test.vq: device broken:"));
	CHECK(host_log_contains(needle));
	u8 snapshot[4096];
	REQUIRE(mem.size <= sizeof(snapshot));
	memcpy(snapshot, mem.ring, mem.size);
	CHECK(virtqueue_get_buf(&vq, NULL) == NULL);
	struct vq_buf b = {host_phys(hbuf[0]), 4};
	CHECK(virtqueue_add(&vq, &b, 1, NULL, 0, hbuf[0]) == -EIO);
	CHECK(!virtqueue_kick(&vq));
	CHECK(!virtqueue_has_used(&vq));
	CHECK(!vring_interrupt(&vq));
	CHECK(memcmp(snapshot, mem.ring, mem.size) == 0);
	CHECK(vq.in_flight == 3 && vq.num_free == 2);
	CHECK(guards_intact());
}

static void case_hostile_id_range(void)
{
	hostile_setup();
	fake_vring_raw_used(&dev, 8, 0, 1);
	expect_broken("used id 8 out of range");
	hostile_setup();
	fake_vring_raw_used(&dev, 0xffffffffu, 0, 1);
	expect_broken("out of range");
}

static void case_hostile_id_not_in_flight(void)
{
	hostile_setup();
	fake_vring_raw_used(&dev, 1, 0, 1); /* the second descriptor of chain 0 */
	expect_broken("used id 1 is not a buffer in flight");
	hostile_setup();
	fake_vring_raw_used(&dev, 6, 0, 1); /* a free descriptor */
	expect_broken("used id 6 is not a buffer in flight");
	/* The same chain used twice. */
	setup(8);
	struct vq_buf b = {host_phys(hbuf[0]), 8};
	virtqueue_add(&vq, &b, 1, NULL, 0, hbuf[0]);
	virtqueue_add(&vq, &b, 1, NULL, 0, hbuf[1]);
	host_log_clear();
	fake_vring_push(&dev, 0, 0);
	CHECK(virtqueue_get_buf(&vq, NULL) == hbuf[0]);
	fake_vring_push(&dev, 0, 0);
	CHECK(virtqueue_get_buf(&vq, NULL) == NULL);
	CHECK(vq.broken && host_log_contains("used id 0 is not a buffer in flight"));
	CHECK(vq.in_flight == 1);
}

static void case_hostile_len(void)
{
	hostile_setup();
	fake_vring_raw_used(&dev, 2, 9, 1);
	expect_broken("used len 9 larger than the 8 writable bytes of buffer 2");
	/* exactly the writable size is fine */
	hostile_setup();
	u32 len = 0;
	fake_vring_raw_used(&dev, 2, 8, 1);
	CHECK(virtqueue_get_buf(&vq, &len) == hbuf[1] && len == 8 && !vq.broken);
	/* a chain with nothing writable may report 0 only */
	setup(4);
	struct vq_buf b = {host_phys(hbuf[0]), 8};
	virtqueue_add(&vq, &b, 1, NULL, 0, hbuf[0]);
	host_log_clear();
	fake_vring_raw_used(&dev, 0, 1, 1);
	CHECK(virtqueue_get_buf(&vq, NULL) == NULL && vq.broken);
	CHECK(host_log_contains("used len 1 larger than the 0 writable bytes"));
}

static void case_hostile_idx_jump(void)
{
	hostile_setup();
	fake_vring_raw_used(&dev, 0, 0, 9); /* more than the ring size */
	expect_broken("used idx moved from 0 to 9 with 3 buffers in flight (ring size 8)");
	hostile_setup();
	fake_vring_raw_used(&dev, 0, 0, 4); /* within the ring, but more than is in flight */
	expect_broken("used idx moved from 0 to 4");
	hostile_setup();
	fake_vring_raw_used(&dev, 0, 0, 0xffff); /* backwards */
	expect_broken("used idx moved from 0 to 65535");
}

/* One hostile entry after many good ones, across the wrap of the 16-bit index. */
static void case_hostile_after_wrap(void)
{
	REQUIRE(setup(4) == 0);
	char x[8];
	struct vq_buf b = {host_phys(x), 8};
	struct fake_chain c;
	for (unsigned k = 0; k < 70000; k++) {
		REQUIRE(virtqueue_add(&vq, NULL, 0, &b, 1, x) == 0);
		REQUIRE(fake_vring_pop(&dev, &c) == 1);
		fake_vring_push(&dev, c.head, 8);
		REQUIRE(virtqueue_get_buf(&vq, NULL) == x);
	}
	REQUIRE(virtqueue_add(&vq, NULL, 0, &b, 1, x) == 0);
	host_log_clear();
	fake_vring_raw_used(&dev, 0, 8, (u16)(dev.used_idx + 2));
	CHECK(virtqueue_get_buf(&vq, NULL) == NULL && vq.broken);
	CHECK(host_log_contains("with 1 buffers in flight"));
	CHECK(guards_intact());
}

int main(void)
{
	host_log_echo = true;
	RUN("virtqueue", "init", case_init);
	RUN("virtqueue", "normal request and response", case_normal);
	RUN("virtqueue", "bad arguments", case_bad_args);
	RUN("virtqueue", "full ring", case_full);
	RUN("virtqueue", "wraparound out of order", case_wraparound);
	RUN("virtqueue", "notification suppression", case_no_notify);
	RUN("virtqueue", "notify failure breaks the queue", case_notify_fails);
	RUN("virtqueue", "detach unused buffers", case_detach);
	RUN("virtqueue", "hostile: used id out of range", case_hostile_id_range);
	RUN("virtqueue", "hostile: used id not in flight", case_hostile_id_not_in_flight);
	RUN("virtqueue", "hostile: used len too large", case_hostile_len);
	RUN("virtqueue", "hostile: used idx jump", case_hostile_idx_jump);
	RUN("virtqueue", "hostile: after 16-bit wrap", case_hostile_after_wrap);
	ring_free();
	return test_summary();
}

/* fuzz-srcs: drivers/virtio/virtqueue.c tests/host/virtio_fake.c */
/* libFuzzer harness: the split virtqueue (drivers/virtio/virtqueue.c, as tests/host/test_virtqueue.c
 * builds it) against a device that writes whatever it likes into the shared ring.
 *
 * The input picks a ring size, then is a list of operations: the driver adds chains (any shape, some
 * with bad arguments), kicks, reaps, polls, toggles callbacks, detaches everything or starts over;
 * the device completes chains honestly, or writes used entries with any id, length and index, or any
 * byte anywhere in the ring (descriptors and available ring included), or refuses notifications.
 *
 * A model follows the queue from the outside: the chains in flight (head, token, descriptors,
 * writable bytes) as the device saw them published, and a reference of what virtqueue_get_buf must
 * do with what is in shared memory now (virtqueue.h: an id out of range or not the head of a chain in
 * flight, a length over the chain's writable bytes, a used index ahead of what is in flight break the
 * queue; otherwise the chain's token and length come back). Oracles, each aborting with
 * `fuzz_virtqueue: ORACLE: ...`:
 *  - ASan/UBSan; the ring and the queue structure are heap blocks of exactly their size;
 *  - every call returns what the model predicts (add's errno, kick's result, get_buf's token and length,
 *    has_used, enable_cb, vring_interrupt and its callback, detach's tokens, each exactly once);
 *  - a published chain is exactly the buffers added, on descriptors no other chain in flight uses,
 *    and (unless the device scribbled on them) those descriptors stay intact while it is in flight;
 *  - num_free and in_flight add up; broken stays broken; a broken queue writes nothing to the ring;
 *  - a device that only ever behaves never breaks the queue. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtqueue.h"
#include "host_test.h"
#include "kernel/errno.h"
#include "virtio_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS	  400
#define MAX_CHAIN 8
#define NTOKENS	  VIRTQUEUE_MAX_NUM

static unsigned op_no;

static void __attribute__((noreturn, format(printf, 1, 2))) oracle(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "fuzz_virtqueue: ORACLE: op %u: ", op_no);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- input ---- */
static const u8 *in_p;
static size_t in_n, in_at;
static u8 rd8(void)
{
	return in_at < in_n ? in_p[in_at++] : 0;
}
static u16 rd16(void)
{
	u16 lo = rd8();
	return (u16)(lo | rd8() << 8);
}
static u32 rd32(void)
{
	u32 lo = rd16();
	return lo | (u32)rd16() << 16;
}

/* ---- the queue and the model ---- */

struct chain {
	bool live;
	u16 head;
	u16 ndescs;
	u16 desc[MAX_CHAIN];
	u32 in_len;
	struct vq_buf buf[MAX_CHAIN];
	unsigned n_out;
};

static struct virtqueue *vq;
static u8 *ring;
static size_t ring_size;
static struct fake_vring dev;
static u16 num;
static bool vq_ok;     /* virtqueue_init succeeded */
static bool broken;    /* the model's: the queue must be broken */
static bool hostile;   /* the device did something a device must not */
static bool scribbled; /* the device wrote the descriptor table or the available ring */
static bool notify_ok; /* what the notify callback returns */
static unsigned notify_calls, callback_calls;
static u16 last_used;		  /* the model's next used entry */
static struct chain tok[NTOKENS]; /* token i is &tok[i] */
static unsigned n_live;
static u8 data_bufs[MAX_CHAIN][64];

static bool t_notify(struct virtqueue *q)
{
	(void)q;
	notify_calls++;
	return notify_ok;
}

static void t_callback(struct virtqueue *q)
{
	(void)q;
	callback_calls++;
}

static void drop_queue(void)
{
	free(vq);
	free(ring);
	vq = NULL;
	ring = NULL;
}

static void new_queue(u16 n)
{
	drop_queue();
	num = n;
	ring_size = vring_size(n ? n : 1);
	void *p = NULL;
	if (posix_memalign(&p, 64, ring_size)) /* exactly ring_size: ASan sees one byte past it */
		abort();
	ring = p;
	memset(ring, 0xa5, ring_size); /* init must clear it */
	vq = malloc(sizeof(*vq));
	memset(vq, 0x5a, sizeof(*vq));
	memset(tok, 0, sizeof(tok));
	n_live = 0;
	broken = hostile = scribbled = false;
	last_used = 0;
	notify_ok = true;
	int err = virtqueue_init(vq, "fuzz.vq", 0, n, ring, (phys_addr_t)(uintptr_t)ring, t_notify,
				 t_callback, NULL);
	bool want_ok = n && !(n & (n - 1)) && n <= VIRTQUEUE_MAX_NUM;
	if ((err == 0) != want_ok)
		oracle("virtqueue_init(size %u) returned %d", n, err);
	vq_ok = err == 0;
	if (!vq_ok)
		return;
	for (size_t i = 0; i < ring_size; i++)
		if (ring[i])
			oracle("virtqueue_init left byte %zu of the ring nonzero", i);
	if (vq->num_free != n || vq->in_flight)
		oracle("a new queue has %u free descriptors and %u in flight (size %u)", vq->num_free,
		       vq->in_flight, n);
	fake_vring_attach(&dev, vq);
}

static unsigned live_descs(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < NTOKENS; i++)
		if (tok[i].live)
			n += tok[i].ndescs;
	return n;
}

static void check_invariants(void)
{
	if (!vq_ok)
		return;
	if (broken != vq->broken)
		oracle("the queue is %sbroken, the model says it %s", vq->broken ? "" : "not ",
		       broken ? "must be" : "must not be");
	if (!hostile && vq->broken)
		oracle("the queue broke although the device behaved");
	if (vq->in_flight != n_live)
		oracle("in_flight %u, the model has %u chains in flight", vq->in_flight, n_live);
	if ((unsigned)vq->num_free + live_descs() != num)
		oracle("num_free %u + %u descriptors in flight != ring size %u", vq->num_free, live_descs(),
		       num);
	if (scribbled)
		return;
	/* the descriptors of every chain in flight are as published */
	for (unsigned i = 0; i < NTOKENS; i++) {
		const struct chain *c = &tok[i];
		if (!c->live)
			continue;
		for (unsigned k = 0; k < c->ndescs; k++) {
			const struct vring_desc *dd = &vq->desc[c->desc[k]];
			bool w = k >= c->n_out, last = k + 1 == c->ndescs;
			if (dd->addr != c->buf[k].addr || dd->len != c->buf[k].len ||
			    !!(dd->flags & VRING_DESC_F_WRITE) != w ||
			    !!(dd->flags & VRING_DESC_F_NEXT) == last ||
			    (!last && dd->next != c->desc[k + 1]))
				oracle("descriptor %u of the chain at head %u changed while in flight",
				       c->desc[k], c->head);
		}
	}
}

/* Runs a driver call on a broken queue: it must not write the ring. */
#define BROKEN_WRITES_NOTHING(call)                                                                          \
	do {                                                                                                 \
		static u8 snap[65536];                                                                       \
		bool was = vq->broken;                                                                       \
		if (was)                                                                                     \
			memcpy(snap, ring, ring_size);                                                       \
		call;                                                                                        \
		if (was && memcmp(snap, ring, ring_size))                                                    \
			oracle("the broken queue wrote to the ring (%s)", #call);                            \
		if (was && !vq->broken)                                                                      \
			oracle("the queue was broken and is not any more (%s)", #call);                      \
	} while (0)

static void op_add(void)
{
	u8 b = rd8();
	unsigned total = (b & 0x7f) % (MAX_CHAIN + 1), n_out = rd8() % (total + 1);
	struct vq_buf bufs[MAX_CHAIN];
	bool zero = false;
	u64 in_len = 0;
	for (unsigned k = 0; k < total; k++) {
		u8 l = rd8();
		u32 len = l == 0xff ? rd32() : l;
		if (len > sizeof(data_bufs[k]) && len != 0xffffffffu)
			len = len % sizeof(data_bufs[k]) + (len > 0xffff); /* stays small, or zero */
		bufs[k] = (struct vq_buf){(phys_addr_t)(uintptr_t)data_bufs[k], len};
		zero |= len == 0;
		if (k >= n_out)
			in_len += len;
	}
	bool null_token = b & 0x80;
	int slot = -1;
	for (unsigned i = 0; i < NTOKENS && !null_token; i++)
		if (!tok[i].live) {
			slot = (int)i;
			break;
		}
	if (slot < 0)
		null_token = true;
	void *token = null_token ? NULL : &tok[slot];
	/* the errors that apply (virtqueue.h); when several do, any of them is right */
	bool einval = !token || total == 0 || zero || in_len > 0xffffffffULL, enospc = total > vq->num_free;
	int got;
	BROKEN_WRITES_NOTHING(got = virtqueue_add(vq, bufs, n_out, bufs + n_out, total - n_out, token));
	bool right = broken		? got == -EIO
		     : einval || enospc ? (einval && got == -EINVAL) || (enospc && got == -ENOSPC)
					: got == 0;
	if (!right)
		oracle("virtqueue_add of %u buffers (%u out, %u free, token %s, a zero length %d) returned "
		       "%d",
		       total, n_out, vq->num_free, token ? "set" : "NULL", zero, got);
	if (got)
		return;
	/* the device sees exactly that chain, on descriptors nobody else holds */
	struct fake_chain c;
	int r = fake_vring_pop(&dev, &c);
	if (r != 1)
		oracle("the chain just added is not available to the device (pop %d)", r);
	struct chain *m = &tok[slot];
	memset(m, 0, sizeof(*m));
	m->live = true;
	m->head = c.head;
	m->ndescs = (u16)total;
	m->in_len = (u32)in_len;
	m->n_out = n_out;
	memcpy(m->buf, bufs, sizeof(bufs[0]) * total);
	if (c.n != total)
		oracle("the chain has %u descriptors, %u were added", c.n, total);
	u16 i = c.head;
	for (unsigned k = 0; k < total; k++) {
		if (c.buf[k].ptr != data_bufs[k] || c.buf[k].len != bufs[k].len ||
		    c.buf[k].writable != (k >= n_out))
			oracle("descriptor %u of the new chain is not buffer %u as added", k, k);
		for (unsigned j = 0; j < NTOKENS; j++)
			for (unsigned q = 0; tok[j].live && &tok[j] != m && q < tok[j].ndescs; q++)
				if (tok[j].desc[q] == i)
					oracle(
					    "descriptor %u is in the new chain and in the chain at head %u",
					    i, tok[j].head);
		for (unsigned q = 0; q < k; q++)
			if (m->desc[q] == i)
				oracle("descriptor %u appears twice in the new chain", i);
		m->desc[k] = i;
		i = vq->desc[i].next;
	}
	n_live++;
}

static void op_kick(void)
{
	bool suppressed = READ_ONCE(vq->used->flags) & VRING_USED_F_NO_NOTIFY;
	unsigned before = notify_calls;
	bool want = !broken && (suppressed || notify_ok), got;
	BROKEN_WRITES_NOTHING(got = virtqueue_kick(vq));
	if (got != want)
		oracle("virtqueue_kick returned %d, want %d", got, want);
	unsigned calls = notify_calls - before;
	if (calls != (!broken && !suppressed))
		oracle("virtqueue_kick notified %u times (broken %d, NO_NOTIFY %d)", calls, broken,
		       suppressed);
	if (!broken && !suppressed && !notify_ok) {
		broken = true;
		hostile = true;
	}
}

/* What virtqueue_get_buf must return with the ring as it is now: the token (NULL) and the length,
 * and whether the queue breaks. */
static struct chain *predict_get(u32 *len, bool *breaks)
{
	*breaks = false;
	if (broken)
		return NULL;
	u16 idx = READ_ONCE(vq->used->idx);
	if (idx == last_used)
		return NULL;
	*breaks = true;
	if ((u16)(idx - last_used) > n_live)
		return NULL;
	const struct vring_used_elem *e = &vq->used->ring[last_used & (num - 1)];
	u32 id = e->id;
	*len = e->len;
	if (id >= num)
		return NULL;
	struct chain *hit = NULL;
	for (unsigned i = 0; i < NTOKENS; i++)
		if (tok[i].live && tok[i].head == id)
			hit = &tok[i];
	if (!hit || *len > hit->in_len)
		return NULL;
	*breaks = false;
	return hit;
}

static void op_get(bool want_len)
{
	u32 want_len_v = 0, len = 0xdeadbeef;
	bool breaks;
	struct chain *want = predict_get(&want_len_v, &breaks);
	void *got;
	BROKEN_WRITES_NOTHING(got = virtqueue_get_buf(vq, want_len ? &len : NULL));
	if (got != want)
		oracle("virtqueue_get_buf returned token %p, want %p (used idx %u, last %u, %u in flight)",
		       got, (void *)want, vq->used->idx, last_used, n_live);
	if (breaks) {
		broken = true;
		if (!hostile)
			oracle("a well-behaved device's used entry broke the queue");
	}
	if (!want)
		return;
	if (want_len && len != want_len_v)
		oracle("virtqueue_get_buf gave length %u, the used entry says %u", len, want_len_v);
	want->live = false;
	n_live--;
	last_used++;
}

static void op_complete(void)
{
	u8 k = rd8(), l = rd8();
	if (!n_live)
		return;
	unsigned pick = k % n_live, seen = 0;
	for (unsigned i = 0; i < NTOKENS; i++) {
		struct chain *c = &tok[i];
		if (!c->live || seen++ != pick)
			continue;
		/* a chain is completed once: the device must not report a chain it already returned */
		for (u16 j = last_used; j != dev.used_idx; j++)
			if (vq->used->ring[j & (num - 1)].id == c->head)
				return;
		fake_vring_push(&dev, c->head, (u32)(l % ((u64)c->in_len + 1)));
		return;
	}
}

static void op_raw_used(void)
{
	u8 m = rd8();
	u32 id = m & 1 ? rd32() : rd8();
	u32 len = m & 2 ? rd32() : rd8() % 80;
	u16 adv = m & 4 ? rd16() : (u16)(1 + rd8() % 3);
	fake_vring_raw_used(&dev, id, len, (u16)(dev.used_idx + adv));
	hostile = true;
}

static void op_scribble(void)
{
	u16 off = rd16();
	u8 v = rd8();
	size_t at = off % ring_size;
	ring[at] = v;
	hostile = true;
	if (at < vring_used_offset(num))
		scribbled = true; /* descriptors or available ring */
}

static void op_poll(u8 which)
{
	bool want = !broken && READ_ONCE(vq->used->idx) != last_used, got;
	unsigned before = callback_calls;
	switch (which % 4) {
	case 0:
		BROKEN_WRITES_NOTHING(got = virtqueue_has_used(vq));
		break;
	case 1:
		BROKEN_WRITES_NOTHING(got = vring_interrupt(vq));
		if (callback_calls - before != (unsigned)want)
			oracle("vring_interrupt called the callback %u times, want %u",
			       callback_calls - before, want);
		break;
	case 2:
		virtqueue_disable_cb(vq);
		if (!(vq->avail->flags & VRING_AVAIL_F_NO_INTERRUPT) && !broken)
			oracle("virtqueue_disable_cb did not set NO_INTERRUPT");
		return;
	default:
		got = virtqueue_enable_cb(vq);
		want = !want;
		break;
	}
	if (got != want)
		oracle("poll %u returned %d, want %d", which % 4, got, want);
}

static void op_detach(void)
{
	unsigned n = 0;
	void *t;
	while ((t = virtqueue_detach_unused_buf(vq))) {
		struct chain *c = t;
		if (c < tok || c >= tok + NTOKENS || !c->live)
			oracle("virtqueue_detach_unused_buf returned %p, not a chain in flight", t);
		c->live = false;
		n_live--;
		if (++n > num)
			oracle("virtqueue_detach_unused_buf returned more chains than the ring holds");
	}
	if (n_live)
		oracle("%u chains still in flight after detaching everything", n_live);
	if (vq->num_free != num)
		oracle("%u of %u descriptors free after detaching everything", vq->num_free, num);
	/* that was after a device reset: the driver sets the queue up again */
	new_queue(num);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	in_p = data;
	in_n = size;
	in_at = 0;
	op_no = 0;
	host_log_echo = getenv("FUZZ_VERBOSE") != NULL;

	u8 b = rd8();
	u16 n = b & 0x80 ? rd16() : (u16)(1u << (b % 10)); /* 1..512: 512 is refused */
	new_queue(n);
	for (op_no = 1; vq_ok && op_no <= MAX_OPS && in_at < in_n; op_no++) {
		u8 op = rd8();
		switch ((op & 0xf) % 12) { /* the high bits are the op's flags */
		case 0:
		case 1:
			op_add();
			break;
		case 2:
			op_kick();
			break;
		case 3:
		case 4:
			op_get(op & 0x10);
			break;
		case 5:
			op_complete();
			break;
		case 6:
			op_raw_used();
			break;
		case 7:
			op_scribble();
			break;
		case 8:
			op_poll(rd8());
			break;
		case 9:
			notify_ok = !(op & 0x10);
			if (op & 0x20) { /* the device asks for no notifications, or for them again */
				vq->used->flags = op & 0x40 ? VRING_USED_F_NO_NOTIFY : 0;
			}
			break;
		case 10:
			op_detach();
			break;
		default:
			if (op & 0x80)
				new_queue((u16)(1u << (rd8() % 9)));
			else
				op_complete();
			break;
		}
		check_invariants();
	}
	drop_queue();
	return 0;
}

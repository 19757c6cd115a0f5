/* The driver's side of a split virtqueue (virtio 1.x). Contract and usage: drivers/virtqueue.h.
 *
 * Descriptors are handed out from a free list that links through driver-private state (state[i].next),
 * and a chain keeps those links while it is in flight, so freeing a chain never reads the shared
 * descriptor table. Indexes are free-running u16 counters; a ring slot is index & (num - 1). */
#include "drivers/virtqueue.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"

#define vq_broken(vq, fmt, ...)                                                                              \
	do {                                                                                                 \
		if (!(vq)->broken) {                                                                         \
			scnprintf((vq)->broken_why, sizeof((vq)->broken_why), fmt, ##__VA_ARGS__);           \
			pr_err("virtio: %s: device broken: %s\n", (vq)->name, (vq)->broken_why);             \
		}                                                                                            \
		(vq)->broken = true;                                                                         \
	} while (0)

void virtqueue_break(struct virtqueue *vq, const char *why)
{
	vq_broken(vq, "%s", why);
}

int virtqueue_init(struct virtqueue *vq, const char *name, u16 index, u16 num, void *ring,
		   phys_addr_t ring_phys, vq_notify_t *notify, vq_callback_t *callback, void *priv)
{
	if (!IS_POWER_OF_2(num) || num > VIRTQUEUE_MAX_NUM || !ring || !IS_ALIGNED(ring_phys, 64) ||
	    !IS_ALIGNED((uintptr_t)ring, 64) || !notify) {
		pr_err("virtio: %s: bad queue setup (size %u)\n", name, num);
		return -EINVAL;
	}
	char *base = ring;
	vq->name = name;
	vq->index = index;
	vq->num = num;
	vq->desc = (struct vring_desc *)base;
	vq->avail = (struct vring_avail *)(base + vring_avail_offset(num));
	vq->used = (struct vring_used *)(base + vring_used_offset(num));
	vq->desc_phys = ring_phys;
	vq->avail_phys = ring_phys + vring_avail_offset(num);
	vq->used_phys = ring_phys + vring_used_offset(num);
	vq->notify = notify;
	vq->callback = callback;
	vq->priv = priv;
	vq->broken = false;

	/* The ring memory starts zeroed (the device must see idx 0 and flags 0 in both areas). */
	for (size_t i = 0; i < vring_size(num) / 8; i++)
		((volatile u64 *)base)[i] = 0;
	for (size_t i = vring_size(num) & ~(size_t)7; i < vring_size(num); i++)
		((volatile u8 *)base)[i] = 0;

	vq->free_head = 0;
	vq->num_free = num;
	vq->avail_idx = 0;
	vq->last_used_idx = 0;
	vq->in_flight = 0;
	vq->num_added = 0;
	for (u16 i = 0; i < num; i++) {
		vq->state[i].token = NULL;
		vq->state[i].in_len = 0;
		vq->state[i].ndescs = 0;
		vq->state[i].next = (u16)((i + 1) & (num - 1)); /* the last link is never followed */
	}
	return 0;
}

int virtqueue_add(struct virtqueue *vq, const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
		  unsigned n_in, void *token)
{
	if (vq->broken)
		return -EIO;
	unsigned total = n_out + n_in;
	if (!token || total == 0 || total < n_out)
		return -EINVAL;
	if (total > vq->num_free)
		return -ENOSPC;

	u64 in_len = 0;
	for (unsigned k = 0; k < total; k++) {
		const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
		if (b->len == 0)
			return -EINVAL;
		if (k >= n_out)
			in_len += b->len;
	}
	if (in_len > 0xffffffffULL)
		return -EINVAL;

	u16 head = vq->free_head, i = head;
	for (unsigned k = 0; k < total; k++) {
		const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
		struct vring_desc *d = &vq->desc[i];
		d->addr = b->addr;
		d->len = b->len;
		d->flags =
		    (u16)((k >= n_out ? VRING_DESC_F_WRITE : 0) | (k + 1 < total ? VRING_DESC_F_NEXT : 0));
		d->next = k + 1 < total ? vq->state[i].next : 0;
		i = vq->state[i].next;
	}
	vq->free_head = i;
	vq->num_free = (u16)(vq->num_free - total);
	vq->state[head].token = token;
	vq->state[head].in_len = (u32)in_len;
	vq->state[head].ndescs = (u16)total;

	/* Publish: the descriptors and the ring slot must be visible before the index that covers them. */
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = head;
	virt_wmb();
	vq->avail_idx++;
	WRITE_ONCE(vq->avail->idx, vq->avail_idx);
	vq->in_flight++;
	vq->num_added++;
	return 0;
}

bool virtqueue_kick(struct virtqueue *vq)
{
	if (vq->broken)
		return false;
	/* The avail index store must be visible before we read whether the device wants a notification;
	 * otherwise the device could go to sleep on an index it never saw updated. */
	virt_mb();
	vq->num_added = 0;
	if (READ_ONCE(vq->used->flags) & VRING_USED_F_NO_NOTIFY)
		return true;
	if (!vq->notify(vq)) {
		vq_broken(vq, "notify failed");
		return false;
	}
	return true;
}

/* Returns the chain starting at head to the free list and forgets its token. */
static void detach_chain(struct virtqueue *vq, u16 head)
{
	struct vq_desc_state *h = &vq->state[head];
	u16 tail = head;
	for (u16 k = 1; k < h->ndescs; k++)
		tail = vq->state[tail].next;
	vq->state[tail].next = vq->free_head;
	vq->free_head = head;
	vq->num_free = (u16)(vq->num_free + h->ndescs);
	h->token = NULL;
	h->ndescs = 0;
	h->in_len = 0;
	vq->in_flight--;
}

bool virtqueue_has_used(const struct virtqueue *vq)
{
	return !vq->broken && READ_ONCE(vq->used->idx) != vq->last_used_idx;
}

void *virtqueue_get_buf(struct virtqueue *vq, u32 *len)
{
	if (vq->broken)
		return NULL;
	u16 used_idx = READ_ONCE(vq->used->idx);
	if (used_idx == vq->last_used_idx)
		return NULL;
	u16 pending = (u16)(used_idx - vq->last_used_idx);
	if (pending > vq->in_flight) {
		vq_broken(vq, "used idx moved from %u to %u with %u buffers in flight (ring size %u)",
			  vq->last_used_idx, used_idx, vq->in_flight, vq->num);
		return NULL;
	}
	/* Read the entry only after the index that published it. */
	virt_rmb();
	const struct vring_used_elem *e = &vq->used->ring[vq->last_used_idx & (vq->num - 1)];
	u32 id = READ_ONCE(e->id);
	u32 written = READ_ONCE(e->len);
	if (id >= vq->num) {
		vq_broken(vq, "used id %u out of range (ring size %u)", id, vq->num);
		return NULL;
	}
	struct vq_desc_state *h = &vq->state[id];
	if (!h->token) {
		vq_broken(vq, "used id %u is not a buffer in flight", id);
		return NULL;
	}
	if (written > h->in_len) {
		vq_broken(vq, "used len %u larger than the %u writable bytes of buffer %u", written,
			  h->in_len, id);
		return NULL;
	}
	void *token = h->token;
	detach_chain(vq, (u16)id);
	vq->last_used_idx++;
	if (len)
		*len = written;
	return token;
}

void virtqueue_disable_cb(struct virtqueue *vq)
{
	WRITE_ONCE(vq->avail->flags, (u16)(vq->avail->flags | VRING_AVAIL_F_NO_INTERRUPT));
}

bool virtqueue_enable_cb(struct virtqueue *vq)
{
	WRITE_ONCE(vq->avail->flags, (u16)(vq->avail->flags & ~VRING_AVAIL_F_NO_INTERRUPT));
	/* The flag store before the used index load: a buffer used just before the device saw the flag
	 * would otherwise raise no interrupt and be noticed by nobody. */
	virt_mb();
	return !virtqueue_has_used(vq);
}

bool vring_interrupt(struct virtqueue *vq)
{
	if (!virtqueue_has_used(vq))
		return false;
	if (vq->callback)
		vq->callback(vq);
	return true;
}

void *virtqueue_detach_unused_buf(struct virtqueue *vq)
{
	for (u16 i = 0; i < vq->num; i++) {
		void *token = vq->state[i].token;
		if (token) {
			detach_chain(vq, i);
			return token;
		}
	}
	return NULL;
}

/* The driver's side of a split virtqueue (drivers/virtio/virtqueue.c).
 *
 * A request is a chain of buffers given by physical address: first the device-readable ("out") ones,
 * then the device-writable ("in") ones. The caller passes a non-NULL token that comes back from
 * virtqueue_get_buf() when the device has used the chain:
 *
 *	struct vq_buf out = { virt_to_phys(&req), sizeof(req) }, in = { virt_to_phys(&resp), sizeof(resp) };
 *	err = virtqueue_add(vq, &out, 1, &in, 1, &req);   // 0, -ENOSPC (ring full), -EIO (broken)
 *	virtqueue_kick(vq);
 *	...                                                // later: the vq callback, or polling
 *	while ((tok = virtqueue_get_buf(vq, &len)))        // len = bytes the device wrote
 *		finish(tok, len);
 *
 * The device is not trusted. Everything the driver needs to free a chain (its length, its writable
 * bytes, its token) is kept in driver memory, never read back from the shared ring. A used entry whose
 * id is out of range or not the head of an in-flight chain, whose length exceeds the chain's writable
 * bytes, or a used index that moves past what is in flight marks the queue broken with one log line
 * (`virtio: <name>: device broken: <why>`); afterwards add and get_buf fail and nothing is written.
 *
 * Not reentrant: the caller serializes all calls on one queue (hotmem runs vq work from the workqueue).
 */
#ifndef DRIVERS_VIRTQUEUE_H
#define DRIVERS_VIRTQUEUE_H

#include "drivers/virtio_ring.h"
#include "kernel/types.h"
#include "lib/list.h"

/* The largest ring hotmem drives; a transport offered a bigger one asks for this size instead. */
#define VIRTQUEUE_MAX_NUM 256

struct virtio_device;
struct virtqueue;

/* One buffer of a chain: guest-physical address and length in bytes (> 0), physically contiguous.
 * virt_to_phys() (mm/arch.h) for kmalloc/page memory; kernel_virt_to_phys() (asm/memlayout.h) for
 * static objects in the kernel image. */
struct vq_buf {
	phys_addr_t addr;
	u32 len;
};

typedef void vq_callback_t(struct virtqueue *vq);
/* Tells the device that queue `vq` has new buffers. Returns false when the device cannot be told. */
typedef bool vq_notify_t(struct virtqueue *vq);

/* Driver-private state of each descriptor: the free list and chains link through `next`. */
struct vq_desc_state {
	void *token; /* non-NULL only on the head of an in-flight chain */
	u32 in_len;  /* head: sum of the chain's writable lengths */
	u16 ndescs;  /* head: descriptors in the chain */
	u16 next;    /* next descriptor of the chain, or of the free list */
};

struct virtqueue {
	struct list_head list; /* in the device's list of queues (transport's business) */
	struct virtio_device *vdev;
	const char *name; /* for log lines, e.g. "virtio0.req" */
	u16 index;	  /* queue number on the device */
	u16 num;	  /* ring size, a power of 2 */

	struct vring_desc *desc; /* the shared areas (virtual) */
	struct vring_avail *avail;
	struct vring_used *used;
	phys_addr_t desc_phys, avail_phys, used_phys;

	u16 free_head;	   /* first free descriptor */
	u16 num_free;	   /* free descriptors */
	u16 avail_idx;	   /* our copy of avail->idx */
	u16 last_used_idx; /* next used entry to reap */
	u16 in_flight;	   /* chains added and not yet reaped */
	u16 num_added;	   /* chains added since the last kick */
	bool broken;
	char broken_why[96]; /* what the device did, when broken */

	vq_notify_t *notify;
	vq_callback_t *callback; /* called by vring_interrupt() when used buffers are there */
	void *priv;		 /* the transport's */
	void *driver_priv;	 /* the driver's */

	struct vq_desc_state state[VIRTQUEUE_MAX_NUM];
};

/* Sets up vq over `ring`, vring_size(num) zeroed-or-not bytes at physical `ring_phys`, physically
 * contiguous and 64-byte aligned. num is a power of 2, 1..VIRTQUEUE_MAX_NUM. Returns 0 or -EINVAL. */
int virtqueue_init(struct virtqueue *vq, const char *name, u16 index, u16 num, void *ring,
		   phys_addr_t ring_phys, vq_notify_t *notify, vq_callback_t *callback, void *priv);

/* Makes the chain out[0..n_out) + in[0..n_in) available to the device (not yet notified).
 * Returns 0; -EINVAL (no buffers, a zero length, NULL token, writable bytes over 4 GiB); -ENOSPC (not
 * enough free descriptors: reap and retry); -EIO (queue broken). */
int virtqueue_add(struct virtqueue *vq, const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
		  unsigned n_in, void *token);

/* Notifies the device of what was added, unless it asked not to be. Returns false when the queue is
 * broken or the notification failed (the queue is then broken). */
bool virtqueue_kick(struct virtqueue *vq);

/* Next chain the device has used: returns its token and stores the bytes written into *len (len may be
 * NULL), or returns NULL when nothing is used yet or the queue is broken. */
void *virtqueue_get_buf(struct virtqueue *vq, u32 *len);

/* True when the device has published used entries not yet reaped (and the queue is not broken). */
bool virtqueue_has_used(const struct virtqueue *vq);

/* Ask the device not to interrupt for used buffers / to interrupt again. virtqueue_enable_cb returns
 * false when buffers were used meanwhile, so the caller reaps again instead of waiting (no lost wakeup).
 * Hints only: a device may interrupt anyway. */
void virtqueue_disable_cb(struct virtqueue *vq);
bool virtqueue_enable_cb(struct virtqueue *vq);

/* Interrupt path (called by the transport, from work context): runs the callback when used entries
 * are waiting. Returns true when it called it. A broken queue calls nothing: a driver that waits for
 * an answer checks virtqueue_is_broken() when get_buf returns NULL. */
bool vring_interrupt(struct virtqueue *vq);

/* After a device reset: returns the token of one chain still in flight and frees it, or NULL when none
 * is left. Call until NULL to take back every buffer. */
void *virtqueue_detach_unused_buf(struct virtqueue *vq);

/* Marks the queue broken and logs `virtio: <name>: device broken: <why>` (only the first time). */
void virtqueue_break(struct virtqueue *vq, const char *why);

static inline bool virtqueue_is_broken(const struct virtqueue *vq)
{
	return vq->broken;
}

static inline unsigned virtqueue_get_vring_size(const struct virtqueue *vq)
{
	return vq->num;
}

#endif

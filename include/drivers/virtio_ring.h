/* The split virtqueue as the device sees it (virtio 1.x, "Split Virtqueues"): a descriptor table, the
 * driver area (avail ring) and the device area (used ring), all little-endian, shared with the device.
 * Layouts only; the driver's side is drivers/virtio/virtqueue.c (API in drivers/virtqueue.h). */
#ifndef DRIVERS_VIRTIO_RING_H
#define DRIVERS_VIRTIO_RING_H

#include "kernel/compiler.h"
#include "kernel/types.h"

#define VRING_DESC_F_NEXT     1 /* the chain continues in `next` */
#define VRING_DESC_F_WRITE    2 /* device-writable (an "in" buffer) */
#define VRING_DESC_F_INDIRECT 4 /* not used by hotmem */

#define VRING_AVAIL_F_NO_INTERRUPT 1 /* driver → device: do not interrupt on used buffers */
#define VRING_USED_F_NO_NOTIFY	   1 /* device → driver: no need to notify on new avail buffers */

/* Alignments the specification requires of each area. */
#define VRING_DESC_ALIGN  16
#define VRING_AVAIL_ALIGN 2
#define VRING_USED_ALIGN  4

#define VRING_MAX_NUM 32768 /* split rings: queue size is a power of 2, at most 32768 */

struct vring_desc {
	u64 addr; /* guest physical */
	u32 len;
	u16 flags;
	u16 next;
};

struct vring_avail {
	u16 flags;
	u16 idx;    /* where the driver puts the next entry (free-running, wraps at 2^16) */
	u16 ring[]; /* followed by u16 used_event (only with VIRTIO_F_EVENT_IDX) */
};

struct vring_used_elem {
	u32 id;	 /* head of the descriptor chain the device is done with */
	u32 len; /* bytes the device wrote into the chain's writable buffers */
};

struct vring_used {
	u16 flags;
	u16 idx;		       /* where the device puts the next entry (free-running) */
	struct vring_used_elem ring[]; /* followed by u16 avail_event */
};

_Static_assert(sizeof(struct vring_desc) == 16, "virtio: descriptor is 16 bytes");
_Static_assert(sizeof(struct vring_avail) == 4, "virtio: avail header is 4 bytes");
_Static_assert(sizeof(struct vring_used_elem) == 8, "virtio: used element is 8 bytes");
_Static_assert(sizeof(struct vring_used) == 4, "virtio: used header is 4 bytes");

/* Where each area lives inside one physically contiguous block for a ring of `num` entries:
 * descriptors at 0, avail right after them, used at the next 64-byte boundary (own cache line). */
static inline size_t vring_avail_offset(unsigned num)
{
	return (size_t)num * sizeof(struct vring_desc);
}

static inline size_t vring_used_offset(unsigned num)
{
	return ALIGN_UP(vring_avail_offset(num) + sizeof(struct vring_avail) + (size_t)num * 2 + 2,
			(size_t)64);
}

/* Bytes of ring memory for `num` entries. */
static inline size_t vring_size(unsigned num)
{
	return vring_used_offset(num) + sizeof(struct vring_used) +
	       (size_t)num * sizeof(struct vring_used_elem) + 2;
}

/* Memory barriers between the driver and the device (another CPU thread in QEMU, or a host thread in
 * the tests). virt_wmb orders ring stores before the index store that publishes them; virt_rmb orders
 * the read of the device's index before the reads of the entries it publishes; virt_mb orders the
 * avail index store before the read of the device's notification-suppression flag. */
#ifdef HOST_BUILD
#define virt_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define virt_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virt_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#else
#include <asm/barrier.h>
#define virt_mb()  mb()
#define virt_rmb() rmb()
#define virt_wmb() wmb()
#endif

#endif

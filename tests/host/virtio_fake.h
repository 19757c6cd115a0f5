/* The device's side of a split virtqueue, for host tests: pops chains the driver made available and
 * pushes used entries, through the ring memory the driver set up. On the host a "physical" address is
 * the buffer's own virtual address. Hostile tests write the used ring directly with fake_vring_raw_used. */
#ifndef TESTS_HOST_VIRTIO_FAKE_H
#define TESTS_HOST_VIRTIO_FAKE_H

#include "drivers/virtqueue.h"

#define FAKE_CHAIN_MAX 32

struct fake_buf {
	void *ptr;
	u32 len;
	bool writable;
};

struct fake_chain {
	u16 head;
	unsigned n;
	struct fake_buf buf[FAKE_CHAIN_MAX];
	u32 out_len, in_len;
};

struct fake_vring {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 num;
	u16 last_avail; /* next avail entry the device reads */
	u16 used_idx;	/* next used entry the device writes */
	unsigned notifies;
};

/* Attaches to the areas of an initialized vq (from its physical addresses). */
void fake_vring_attach(struct fake_vring *fr, const struct virtqueue *vq);
/* Takes the next available chain. Returns 1, 0 when none, -1 on a malformed chain. */
int fake_vring_pop(struct fake_vring *fr, struct fake_chain *c);
/* Marks chain `id` used with `len` bytes written, as a well-behaved device does. */
void fake_vring_push(struct fake_vring *fr, u32 id, u32 len);
/* Writes used entry slot (used_idx) and then sets used->idx to new_idx: whatever the test wants. */
void fake_vring_raw_used(struct fake_vring *fr, u32 id, u32 len, u16 new_idx);
/* Copies up to len bytes of a chain's device-readable part into dst; returns the bytes copied. */
u32 fake_chain_read(const struct fake_chain *c, void *dst, u32 len);
/* Writes up to len bytes of src into the chain's writable part; returns the bytes written. */
u32 fake_chain_write(const struct fake_chain *c, const void *src, u32 len);

#endif

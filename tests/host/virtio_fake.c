/* Device side of a split virtqueue for host tests (see virtio_fake.h). */
#include <stdint.h>
#include <string.h>

#include "virtio_fake.h"

static void *host_phys_to_virt(u64 phys)
{
	return (void *)(uintptr_t)phys;
}

void fake_vring_attach(struct fake_vring *fr, const struct virtqueue *vq)
{
	fr->desc = host_phys_to_virt(vq->desc_phys);
	fr->avail = host_phys_to_virt(vq->avail_phys);
	fr->used = host_phys_to_virt(vq->used_phys);
	fr->num = vq->num;
	fr->last_avail = 0;
	fr->used_idx = 0;
	fr->notifies = 0;
}

int fake_vring_pop(struct fake_vring *fr, struct fake_chain *c)
{
	u16 idx = __atomic_load_n(&fr->avail->idx, __ATOMIC_ACQUIRE);
	if (idx == fr->last_avail)
		return 0;
	u16 head = fr->avail->ring[fr->last_avail % fr->num];
	fr->last_avail++;
	if (head >= fr->num)
		return -1;
	c->head = head;
	c->n = 0;
	c->out_len = c->in_len = 0;
	u16 i = head;
	for (;;) {
		if (c->n == FAKE_CHAIN_MAX || c->n == fr->num)
			return -1;
		const struct vring_desc *d = &fr->desc[i];
		bool w = d->flags & VRING_DESC_F_WRITE;
		if (!w && c->in_len)
			return -1; /* readable after writable */
		c->buf[c->n++] = (struct fake_buf){host_phys_to_virt(d->addr), d->len, w};
		if (w)
			c->in_len += d->len;
		else
			c->out_len += d->len;
		if (!(d->flags & VRING_DESC_F_NEXT))
			return 1;
		i = d->next;
		if (i >= fr->num)
			return -1;
	}
}

void fake_vring_push(struct fake_vring *fr, u32 id, u32 len)
{
	fake_vring_raw_used(fr, id, len, (u16)(fr->used_idx + 1));
}

void fake_vring_raw_used(struct fake_vring *fr, u32 id, u32 len, u16 new_idx)
{
	struct vring_used_elem *e = &fr->used->ring[fr->used_idx % fr->num];
	e->id = id;
	e->len = len;
	fr->used_idx = new_idx;
	__atomic_store_n(&fr->used->idx, new_idx, __ATOMIC_RELEASE);
}

u32 fake_chain_read(const struct fake_chain *c, void *dst, u32 len)
{
	u32 done = 0;
	for (unsigned k = 0; k < c->n && done < len; k++) {
		if (c->buf[k].writable)
			break;
		u32 n = c->buf[k].len < len - done ? c->buf[k].len : len - done;
		memcpy((char *)dst + done, c->buf[k].ptr, n);
		done += n;
	}
	return done;
}

u32 fake_chain_write(const struct fake_chain *c, const void *src, u32 len)
{
	u32 done = 0;
	for (unsigned k = 0; k < c->n && done < len; k++) {
		if (!c->buf[k].writable)
			continue;
		u32 n = c->buf[k].len < len - done ? c->buf[k].len : len - done;
		memcpy(c->buf[k].ptr, (const char *)src + done, n);
		done += n;
	}
	return done;
}

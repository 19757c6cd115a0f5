/* A fake virtio-mem device and fake time for host tests of the driver (see vmem_fake.h). */
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/timer.h"
#include "kernel/workqueue.h"
#include "mm/arch.h"
#include "mm/page.h"
#include "vmem_fake.h"

/* ---- the device ---- */

static u64 usable_for(const struct vmem_fake *f, u64 requested)
{
	u64 n = requested + VMEM_FAKE_USABLE_EXTENT;
	n = n > f->region_size ? f->region_size : n;
	n = (n + f->block_size - 1) / f->block_size * f->block_size;
	return requested ? n : 0;
}

void vmem_fake_sync_config(struct vmem_fake *f)
{
	struct virtio_mem_config c = {
	    .block_size = f->block_size,
	    .addr = f->addr,
	    .region_size = f->region_size,
	    .usable_region_size = f->usable,
	    .plugged_size = (u64)((s64)(f->plugged_blocks * f->block_size) + f->plugged_skew),
	    .requested_size = f->requested,
	};
	if (f->plugged_frozen)
		c.plugged_size = f->plugged_frozen_at;
	if (f->edit_config)
		f->edit_config(f, &c);
	memcpy(f->fv.config, &c, sizeof(c));
}

static bool range_valid(const struct vmem_fake *f, u64 addr, u64 nb)
{
	u64 size = nb * f->block_size;
	u64 end = f->lax & VMEM_FAKE_LAX_RANGE ? f->addr + f->region_size : f->addr + f->usable;
	if (nb == 0)
		return f->lax & VMEM_FAKE_LAX_ZERO;
	if (addr % f->block_size && !(f->lax & VMEM_FAKE_LAX_ALIGN))
		return false;
	addr -= addr % f->block_size;
	return addr >= f->addr && addr + size > addr && addr + size <= end;
}

/* Whether every block of the range is in state `plug` already (a lax device counts none). */
static bool any_in_state(const struct vmem_fake *f, u64 first, u64 nb, bool plug)
{
	if (f->lax & (plug ? VMEM_FAKE_LAX_PLUGGED : VMEM_FAKE_LAX_UNPLUGGED))
		return false;
	for (u64 i = first; i < first + nb; i++)
		if (f->plugged[i] == plug)
			return true;
	return false;
}

/* Pages of the range that the guest still has mapped (first and last page of each block). */
static u64 mapped_pages(u64 addr, u64 size, u64 bs)
{
	u64 n = 0;
	for (u64 b = addr; b < addr + size; b += bs)
		n += arch_is_mapped(b) + (bs > PAGE_SIZE ? arch_is_mapped(b + bs - PAGE_SIZE) : 0);
	return n;
}

static int state_change(struct vmem_fake *f, u64 addr, u64 nb, bool plug)
{
	u64 size = nb * f->block_size;

	if (plug && f->shrink_on_plug != (u64)-1) {
		u64 r = f->shrink_on_plug;
		f->shrink_on_plug = (u64)-1;
		vmem_fake_set_requested(f, r); /* arrives while the PLUG is handled */
	}
	if (!range_valid(f, addr, nb))
		return VIRTIO_MEM_RESP_ERROR;
	addr -= addr % f->block_size;
	u64 first = (addr - f->addr) / f->block_size;
	if (f->error_before_nack && any_in_state(f, first, nb, plug))
		return VIRTIO_MEM_RESP_ERROR;
	if (plug && f->plugged_blocks * f->block_size + size > f->requested && !(f->lax & VMEM_FAKE_LAX_NACK))
		return VIRTIO_MEM_RESP_NACK;
	if (any_in_state(f, first, nb, plug))
		return VIRTIO_MEM_RESP_ERROR;
	/* the driver's side: never mapped while unplugged */
	f->mapped_unplugged += mapped_pages(addr, size, f->block_size);
	if (f->ack_without_doing)
		return VIRTIO_MEM_RESP_ACK;
	for (u64 i = first; i < first + nb; i++) {
		f->plugged_blocks += plug && !f->plugged[i] ? 1 : !plug && f->plugged[i] ? -1 : 0;
		f->plugged[i] = plug;
	}
	return VIRTIO_MEM_RESP_ACK;
}

static int handle(struct vmem_fake *f, const struct virtio_mem_req *req, struct virtio_mem_resp *resp)
{
	u64 addr = req->u.range.addr, nb = req->u.range.nb_blocks;

	if (req->type < VIRTIO_MEM_NR_REQ_TYPES)
		f->requests[req->type]++;
	if (req->type <= VIRTIO_MEM_REQ_UNPLUG && nb > f->max_nb_blocks)
		f->max_nb_blocks = nb;
	if (f->change_midway) {
		f->fv.generation++;
		fake_vdev_config_change(&f->fv);
	}
	if (f->busy_next > 0) {
		f->busy_next--;
		return VIRTIO_MEM_RESP_BUSY;
	}
	if (f->force_count > 0) {
		f->force_count--;
		return f->force_resp;
	}
	if (req->type == VIRTIO_MEM_REQ_UNPLUG && f->unplug_busy > 0) {
		f->unplug_busy--;
		return VIRTIO_MEM_RESP_BUSY;
	}
	switch (req->type) {
	case VIRTIO_MEM_REQ_PLUG:
		return state_change(f, addr, nb, true);
	case VIRTIO_MEM_REQ_UNPLUG:
		return state_change(f, addr, nb, false);
	case VIRTIO_MEM_REQ_UNPLUG_ALL:
		if (f->unplug_all_busy > 0) {
			f->unplug_all_busy--;
			return VIRTIO_MEM_RESP_BUSY;
		}
		memset(f->plugged, 0, f->nblocks);
		f->plugged_blocks = 0;
		if (f->unplug_all_keeps) {
			f->plugged[0] = 1;
			f->plugged_blocks = 1;
		}
		f->usable = usable_for(f, f->requested);
		return VIRTIO_MEM_RESP_ACK;
	case VIRTIO_MEM_REQ_STATE: {
		if (!range_valid(f, addr, nb))
			return VIRTIO_MEM_RESP_ERROR;
		addr -= addr % f->block_size;
		u64 first = (addr - f->addr) / f->block_size, p = 0;
		for (u64 i = first; i < first + nb; i++)
			p += f->plugged[i];
		resp->u.state.state = p == nb ? VIRTIO_MEM_STATE_PLUGGED
				      : p     ? VIRTIO_MEM_STATE_MIXED
					      : VIRTIO_MEM_STATE_UNPLUGGED;
		if (f->state_lie)
			resp->u.state.state = f->state_lie_to;
		return VIRTIO_MEM_RESP_ACK;
	}
	default:
		return VIRTIO_MEM_RESP_ERROR;
	}
}

static void on_generation(struct fake_vdev *fv);

static void serve(struct fake_vdev *fv, unsigned q)
{
	struct vmem_fake *f = fv->priv;
	struct fake_chain c;

	while (fake_vring_pop(&fv->dev[q], &c) == 1) {
		/* the driver gives physical addresses of its kmalloc'd buffers */
		for (unsigned i = 0; i < c.n; i++)
			c.buf[i].ptr = phys_to_virt((phys_addr_t)(uintptr_t)c.buf[i].ptr);
		struct virtio_mem_req req;
		struct virtio_mem_resp resp;
		memset(&req, 0, sizeof(req));
		memset(&resp, 0, sizeof(resp));
		if (fake_chain_read(&c, &req, sizeof(req)) < sizeof(req))
			req.type = 0xffff;
		resp.type = (u16)handle(f, &req, &resp);
		if (resp.type < VIRTIO_MEM_NR_RESP_TYPES)
			f->answers[resp.type]++;
		vmem_fake_sync_config(f);
		if (f->no_answer)
			continue;
		u32 len = f->short_len ? f->short_len : (u32)sizeof(resp);
		fake_chain_write(&c, &resp, len);
		fake_vring_push(&fv->dev[q], f->bogus_id ? (u32)((c.head + 1) % fv->dev[q].num) : c.head,
				len);
	}
}

void vmem_fake_init(struct vmem_fake *f, u64 addr, u64 region, u64 block_size, u64 requested, u64 plugged)
{
	memset(f, 0, sizeof(*f));
	fake_vdev_init(&f->fv, VIRTIO_ID_MEM,
		       BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_MEM_F_ACPI_PXM) |
			   BIT_ULL(VIRTIO_F_EVENT_IDX),
		       sizeof(struct virtio_mem_config));
	f->fv.priv = f;
	f->fv.on_notify = serve;
	f->fv.on_generation = on_generation;
	f->addr = addr;
	f->region_size = region;
	f->block_size = block_size;
	f->requested = requested;
	f->shrink_on_plug = (u64)-1;
	f->nblocks = block_size ? region / block_size : 0;
	f->plugged = calloc(f->nblocks ? f->nblocks : 1, 1);
	for (u64 i = 0; block_size && i < plugged / block_size && i < f->nblocks; i++)
		f->plugged[i] = 1;
	f->plugged_blocks = block_size ? plugged / block_size : 0;
	f->usable = block_size ? usable_for(f, requested) : 0;
	if (f->usable < plugged)
		f->usable = plugged;
	vmem_fake_sync_config(f);
}

/* late_change: a read of the configuration reads the generation before and after the fields; the
 * second read after the target is reached closes the driver's last read of its pass. */
static void on_generation(struct fake_vdev *fv)
{
	struct vmem_fake *f = fv->priv;

	if (!f->late_change || f->plugged_blocks * f->block_size != f->requested)
		return;
	if (++f->late_reads < 2)
		return;
	f->late_change = false;
	vmem_fake_set_requested(f, f->late_change_to);
}

void vmem_fake_set_requested(struct vmem_fake *f, u64 requested)
{
	f->requested = requested;
	u64 u = usable_for(f, requested);
	if (u > f->usable)
		f->usable = u;
	vmem_fake_sync_config(f);
	if (f->silent_resize)
		f->fv.generation++;
	else
		fake_vdev_config_change(&f->fv);
}

void vmem_fake_free(struct vmem_fake *f)
{
	free(f->plugged);
	f->plugged = NULL;
}

/* ---- the CPU ---- */

unsigned vmem_fake_phys_bits = 46;

unsigned arch_phys_addr_bits(void)
{
	return vmem_fake_phys_bits;
}

/* ---- fake time: the workqueue and timer functions the driver and the virtio core use ---- */

static LIST_HEAD(run_queue);
static LIST_HEAD(timers);
static u64 now_ms;

void INIT_WORK(struct work_struct *w, work_func_t *func)
{
	INIT_LIST_HEAD(&w->entry);
	w->func = func;
	w->pending = false;
}

void INIT_DELAYED_WORK(struct delayed_work *dw, work_func_t *func)
{
	INIT_WORK(&dw->work, func);
	memset(&dw->timer, 0, sizeof(dw->timer));
	INIT_LIST_HEAD(&dw->timer.entry);
}

bool schedule_work(struct work_struct *w)
{
	if (w->pending)
		return false;
	w->pending = true;
	list_add_tail(&w->entry, &run_queue);
	return true;
}

bool cancel_work(struct work_struct *w)
{
	if (!w->pending)
		return false;
	list_del_init(&w->entry);
	w->pending = false;
	return true;
}

static void arm(struct delayed_work *dw, unsigned long delay_ms)
{
	if (delay_ms == 0) {
		schedule_work(&dw->work);
		return;
	}
	dw->timer.expires = now_ms + delay_ms;
	dw->timer.pending = true;
	list_add_tail(&dw->timer.entry, &timers);
}

bool schedule_delayed_work(struct delayed_work *dw, unsigned long delay_ms)
{
	if (dw->work.pending || dw->timer.pending)
		return false;
	arm(dw, delay_ms);
	return true;
}

bool mod_delayed_work(struct delayed_work *dw, unsigned long delay_ms)
{
	if (dw->work.pending)
		return false;
	if (dw->timer.pending) {
		list_del_init(&dw->timer.entry);
		dw->timer.pending = false;
	}
	arm(dw, delay_ms);
	return true;
}

bool cancel_delayed_work(struct delayed_work *dw)
{
	bool was = cancel_work(&dw->work);
	if (dw->timer.pending) {
		list_del_init(&dw->timer.entry);
		dw->timer.pending = false;
		was = true;
	}
	return was;
}

void (*vmem_fake_wait_hook)(void);

bool wait_until(bool (*cond)(void *arg), void *arg, u64 timeout_ns)
{
	(void)timeout_ns; /* the fake device answers at once, during the wait (the hook) or never */
	if (vmem_fake_wait_hook)
		vmem_fake_wait_hook();
	return cond(arg);
}

u64 ktime_ns(void)
{
	return now_ms * 1000000ULL;
}

/* A busy wait moves fake time on (whole milliseconds, as the rest of it counts). */
void udelay(unsigned us)
{
	static unsigned us_left;
	us_left += us;
	now_ms += us_left / 1000;
	us_left %= 1000;
}

static unsigned run_queued(void);

unsigned run_pending_work(void)
{
	return run_queued();
}

static unsigned run_queued(void)
{
	unsigned n = 0;
	while (!list_empty(&run_queue) && n < 100000) {
		struct work_struct *w = list_first_entry(&run_queue, struct work_struct, entry);
		list_del_init(&w->entry);
		w->pending = false;
		w->func(w);
		n++;
	}
	return n;
}

unsigned vmem_fake_run_ms(unsigned ms)
{
	u64 end = now_ms + ms;
	unsigned n = run_queued();

	for (;;) {
		struct timer_list *t, *first = NULL;
		list_for_each_entry(t, &timers, entry)
			if (!first || t->expires < first->expires)
				first = t;
		if (!first || first->expires > end)
			break;
		if (first->expires > now_ms)
			now_ms = first->expires;
		list_del_init(&first->entry);
		first->pending = false;
		schedule_work(&container_of(first, struct delayed_work, timer)->work);
		n += run_queued();
	}
	now_ms = end;
	return n;
}

u64 vmem_fake_now_ms(void)
{
	return now_ms;
}

void vmem_fake_sched_reset(void)
{
	INIT_LIST_HEAD(&run_queue);
	INIT_LIST_HEAD(&timers);
}

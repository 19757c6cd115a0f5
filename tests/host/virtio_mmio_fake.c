/* The virtio-mmio register file of tests/host/virtio_mmio_fake.h. */
#include <string.h>

#include "virtio_mmio_fake.h"

static void raise_irq(struct mmio_fake *mf, u32 bits)
{
	mf->int_status |= bits;
	mf->interrupts_raised++;
	virtio_mmio_interrupt(&mf->vm);
}

static void on_config_change(struct fake_vdev *fv)
{
	raise_irq(fv->front, VIRTIO_MMIO_INT_CONFIG);
}

static void reset(struct mmio_fake *mf)
{
	struct fake_vdev *m = mf->model;
	m->resets++;
	m->status = 0;
	m->accepted = 0;
	memset(mf->q, 0, sizeof(mf->q));
	mf->int_status = 0;
}

static void set_status(struct mmio_fake *mf, u8 s)
{
	struct fake_vdev *m = mf->model;
	if (m->nstatus < sizeof(m->status_log))
		m->status_log[m->nstatus++] = s;
	if (s == 0) {
		reset(mf);
		if (m->reset_hangs)
			m->status = 1; /* never reads back 0 */
		return;
	}
	if ((s & VIRTIO_CONFIG_S_FEATURES_OK) && !(m->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		if (m->refuse_features || (m->accepted & m->must_accept) != m->must_accept ||
		    (m->accepted & ~m->offered))
			s &= (u8)~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	m->status = s;
}

static void queue_ready(struct mmio_fake *mf, unsigned q)
{
	struct fake_vring *fr = &mf->model->dev[q];
	memset(fr, 0, sizeof(*fr));
	fr->desc = (struct vring_desc *)(uintptr_t)mf->q[q].desc;
	fr->avail = (struct vring_avail *)(uintptr_t)mf->q[q].driver;
	fr->used = (struct vring_used *)(uintptr_t)mf->q[q].device;
	fr->num = (u16)mf->q[q].num;
	if (q >= mf->model->nvqs)
		mf->model->nvqs = q + 1;
}

static void notify(struct mmio_fake *mf, unsigned q)
{
	struct fake_vdev *m = mf->model;
	if (q >= FAKE_VDEV_MAX_VQS || !mf->q[q].ready)
		return;
	struct fake_vring *fr = &m->dev[q];
	u16 before = fr->used_idx;
	fr->notifies++;
	if (m->on_notify)
		m->on_notify(m, q);
	if (fr->used_idx != before)
		raise_irq(mf, VIRTIO_MMIO_INT_VRING);
}

static u32 f_read(void *ctx, unsigned off, unsigned width)
{
	struct mmio_fake *mf = ctx;
	struct fake_vdev *m = mf->model;
	if (off >= VIRTIO_MMIO_CONFIG) {
		unsigned o = off - VIRTIO_MMIO_CONFIG;
		mf->config_accesses[width]++;
		u32 v = 0xffffffff;
		if (o + width <= m->config_len) {
			v = 0;
			memcpy(&v, m->config + o, width);
		}
		if (m->on_config_read)
			m->on_config_read(m, o, width);
		return v;
	}
	if (width != 4) {
		mf->bad_accesses++;
		return 0;
	}
	struct mmio_fake_queue *q = &mf->q[mf->queue_sel < FAKE_VDEV_MAX_VQS ? mf->queue_sel : 0];
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return mf->magic;
	case VIRTIO_MMIO_VERSION:
		return mf->version;
	case VIRTIO_MMIO_DEVICE_ID:
		return mf->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return 0x554d4551; /* "QEMU" */
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return mf->dev_sel == 0 ? (u32)m->offered : mf->dev_sel == 1 ? (u32)(m->offered >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return mf->queue_sel < FAKE_VDEV_MAX_VQS ? mf->queue_num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q->ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return mf->int_status;
	case VIRTIO_MMIO_STATUS:
		return m->status;
	case VIRTIO_MMIO_CONFIG_GENERATION: {
		u32 g = m->generation;
		if (m->on_generation)
			m->on_generation(m);
		return g;
	}
	default:
		mf->bad_accesses++;
		return 0;
	}
}

static void set_half(u64 *v, bool high, u32 x)
{
	*v = high ? (*v & 0xffffffffULL) | (u64)x << 32 : (*v & ~0xffffffffULL) | x;
}

static void f_write(void *ctx, unsigned off, u32 v, unsigned width)
{
	struct mmio_fake *mf = ctx;
	struct fake_vdev *m = mf->model;
	if (off >= VIRTIO_MMIO_CONFIG) {
		unsigned o = off - VIRTIO_MMIO_CONFIG;
		mf->config_accesses[width]++;
		if (o + width <= m->config_len)
			memcpy(m->config + o, &v, width);
		return;
	}
	if (width != 4) {
		mf->bad_accesses++;
		return;
	}
	struct mmio_fake_queue *q = &mf->q[mf->queue_sel < FAKE_VDEV_MAX_VQS ? mf->queue_sel : 0];
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		mf->dev_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		mf->drv_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (mf->drv_sel < 2)
			m->accepted = mf->drv_sel ? (m->accepted & 0xffffffffULL) | (u64)v << 32
						  : (m->accepted & ~0xffffffffULL) | v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		mf->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		q->ready = v & 1;
		if (q->ready && mf->queue_sel < FAKE_VDEV_MAX_VQS)
			queue_ready(mf, mf->queue_sel);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&q->driver, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		set_half(&q->device, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		notify(mf, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		mf->int_status &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		set_status(mf, (u8)v);
		break;
	default:
		mf->bad_accesses++;
		break;
	}
}

static u64 f_dma_addr(void *ctx, const void *p)
{
	return (u64)(uintptr_t)p; /* on the host a "physical" address is the virtual one */
}

static const struct virtio_mmio_io fake_io = {f_read, f_write, f_dma_addr};

void mmio_fake_init(struct mmio_fake *mf, struct fake_vdev *model)
{
	memset(mf, 0, sizeof(*mf));
	mf->model = model;
	mf->magic = VIRTIO_MMIO_MAGIC;
	mf->version = VIRTIO_MMIO_VERSION2;
	mf->device_id = model->vdev.id;
	mf->queue_num_max = model->queue_size;
	model->on_config_change = on_config_change;
	model->front = mf;
	mf->vm.io = &fake_io;
	mf->vm.ctx = mf;
	mf->vm.desc = (struct virtio_mmio_desc){.base = 0xfeb00000, .size = 512, .irq = 5};
	mf->vm.irq = 5;
}

int mmio_fake_register(struct mmio_fake *mf)
{
	return virtio_mmio_register(&mf->vm, "virtio-mmio.0 [mem 0xfeb00000-0xfeb001ff]");
}

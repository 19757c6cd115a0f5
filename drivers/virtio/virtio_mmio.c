/* virtio over MMIO, version 2 (virtio 1.2 §4.2): the struct virtio_config_ops the core drives, over
 * whatever struct virtio_mmio_io reaches the registers with (include/drivers/virtio_mmio.h). The
 * device is untrusted: a bad magic value, a legacy (version 1) interface, an empty transport (device
 * ID 0) and a queue it does not offer (QueueNumMax 0) are each refused with one line.
 *
 * Ring memory comes from a pool in the kernel image, as for virtio-pci: it exists before the page
 * allocator does and never sits in memory that could be hot-unplugged. */
#include "drivers/virtio_mmio.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/printf.h"

#define VM_POOL_VQS   8 /* across all devices */
#define VM_RING_BYTES 8192

_Static_assert(VM_RING_BYTES >=
		   VIRTQUEUE_MAX_NUM * 16 + 6 + 2 * VIRTQUEUE_MAX_NUM + 64 + 6 + 8 * VIRTQUEUE_MAX_NUM,
	       "virtio-mmio: a pool ring holds a VIRTQUEUE_MAX_NUM ring");

static struct virtqueue vq_pool[VM_POOL_VQS];
static u8 ring_pool[VM_POOL_VQS][VM_RING_BYTES] __aligned(4096);
static bool vq_used[VM_POOL_VQS];

static struct virtio_mmio_device *to_vm(struct virtio_device *vdev)
{
	return container_of(vdev, struct virtio_mmio_device, vdev);
}

static u32 rd(struct virtio_mmio_device *vm, unsigned off)
{
	return vm->io->read(vm->ctx, off, 4);
}

static void wr(struct virtio_mmio_device *vm, unsigned off, u32 v)
{
	vm->io->write(vm->ctx, off, v, 4);
}

/* ---- configuration ---- */

static unsigned vm_config_len(struct virtio_device *vdev)
{
	return to_vm(vdev)->config_len;
}

static int vm_field(struct virtio_mmio_device *vm, unsigned off, unsigned len)
{
	if (off > vm->config_len || len > vm->config_len - off)
		return -ERANGE;
	if ((len != 1 && len != 2 && len != 4 && len != 8) || off % (len > 4 ? 4 : len))
		return -EINVAL;
	return 0;
}

/* Each field with an access of its own width; an 8-byte one as two 4-byte halves, low first. */
static int vm_get(struct virtio_device *vdev, unsigned off, void *buf, unsigned len)
{
	struct virtio_mmio_device *vm = to_vm(vdev);
	int err = vm_field(vm, off, len);
	if (err)
		return err;
	unsigned at = VIRTIO_MMIO_CONFIG + off;
	u64 v = len == 8 ? vm->io->read(vm->ctx, at, 4) | (u64)vm->io->read(vm->ctx, at + 4, 4) << 32
			 : vm->io->read(vm->ctx, at, len);
	u8 *out = buf;
	for (unsigned i = 0; i < len; i++)
		out[i] = (u8)(v >> (8 * i));
	return 0;
}

static int vm_set(struct virtio_device *vdev, unsigned off, const void *buf, unsigned len)
{
	struct virtio_mmio_device *vm = to_vm(vdev);
	int err = vm_field(vm, off, len);
	if (err)
		return err;
	const u8 *in = buf;
	u64 v = 0;
	for (unsigned i = 0; i < len; i++)
		v |= (u64)in[i] << (8 * i);
	unsigned at = VIRTIO_MMIO_CONFIG + off;
	if (len == 8) {
		vm->io->write(vm->ctx, at, (u32)v, 4);
		vm->io->write(vm->ctx, at + 4, (u32)(v >> 32), 4);
	} else {
		vm->io->write(vm->ctx, at, (u32)v, len);
	}
	return 0;
}

static u32 vm_generation(struct virtio_device *vdev)
{
	return rd(to_vm(vdev), VIRTIO_MMIO_CONFIG_GENERATION);
}

static u8 vm_get_status(struct virtio_device *vdev)
{
	return (u8)rd(to_vm(vdev), VIRTIO_MMIO_STATUS);
}

static void vm_set_status(struct virtio_device *vdev, u8 s)
{
	wr(to_vm(vdev), VIRTIO_MMIO_STATUS, s);
}

static int vm_reset(struct virtio_device *vdev)
{
	struct virtio_mmio_device *vm = to_vm(vdev);
	wr(vm, VIRTIO_MMIO_STATUS, 0);
	/* Version 2: the reset is done when the status reads back 0. */
	u64 deadline = ktime_ns() + 1000 * NSEC_PER_MSEC;
	while (rd(vm, VIRTIO_MMIO_STATUS)) {
		if (ktime_ns() > deadline)
			return -ETIMEDOUT;
		udelay(10);
	}
	return 0;
}

static u64 vm_get_features(struct virtio_device *vdev)
{
	struct virtio_mmio_device *vm = to_vm(vdev);
	wr(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	u64 lo = rd(vm, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	u64 hi = rd(vm, VIRTIO_MMIO_DEVICE_FEATURES);
	return hi << 32 | lo;
}

static void vm_set_features(struct virtio_device *vdev, u64 f)
{
	struct virtio_mmio_device *vm = to_vm(vdev);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES, (u32)f);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES, (u32)(f >> 32));
}

/* ---- queues ---- */

static bool vm_notify(struct virtqueue *vq)
{
	wr(vq->priv, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
	return true;
}

static void vm_del_vqs(struct virtio_device *vdev)
{
	struct virtio_mmio_device *vm = to_vm(vdev);
	struct virtqueue *vq, *n;
	list_for_each_entry_safe(vq, n, &vdev->vqs, list) {
		wr(vm, VIRTIO_MMIO_QUEUE_SEL, vq->index);
		wr(vm, VIRTIO_MMIO_QUEUE_READY, 0);
		list_del(&vq->list);
		vq_used[vq - vq_pool] = false;
	}
	vm->nvqs = 0;
}

static void wr64(struct virtio_mmio_device *vm, unsigned lo, u64 v)
{
	wr(vm, lo, (u32)v);
	wr(vm, lo + 4, (u32)(v >> 32));
}

static int setup_vq(struct virtio_mmio_device *vm, unsigned index, vq_callback_t *cb, const char *name,
		    struct virtqueue **out)
{
	const char *dev = vm->vdev.name;
	if (index >= VIRTIO_MMIO_MAX_VQS) {
		printk(KERN_ERR "%s: queue %u: the transport sets up queues 0-%d only\n", dev, index,
		       VIRTIO_MMIO_MAX_VQS - 1);
		return -ENOSPC;
	}
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, index);
	if (rd(vm, VIRTIO_MMIO_QUEUE_READY)) {
		printk(KERN_ERR "%s: queue %u is already in use (QueueReady 1 before setup)\n", dev, index);
		return -EBUSY;
	}
	u32 max = rd(vm, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max == 0) {
		printk(KERN_ERR "%s: queue %u unavailable (QueueNumMax 0)\n", dev, index);
		return -ENOENT;
	}
	u16 num = 1;
	while ((u32)num * 2 <= max && num * 2 <= VIRTQUEUE_MAX_NUM)
		num = (u16)(num * 2);
	int slot = -1;
	for (int i = 0; i < VM_POOL_VQS; i++)
		if (!vq_used[i]) {
			slot = i;
			break;
		}
	if (slot < 0) {
		printk(KERN_ERR "%s: no free virtqueue (pool of %d)\n", dev, VM_POOL_VQS);
		return -ENOSPC;
	}
	struct virtqueue *vq = &vq_pool[slot];
	void *ring = ring_pool[slot];
	int err = virtqueue_init(vq, name, (u16)index, num, ring, vm->io->dma_addr(vm->ctx, ring), vm_notify,
				 cb, vm);
	if (err)
		return err;
	vq_used[slot] = true;
	vq->vdev = &vm->vdev;
	wr(vm, VIRTIO_MMIO_QUEUE_NUM, num);
	wr64(vm, VIRTIO_MMIO_QUEUE_DESC_LOW, vq->desc_phys);
	wr64(vm, VIRTIO_MMIO_QUEUE_DRIVER_LOW, vq->avail_phys);
	wr64(vm, VIRTIO_MMIO_QUEUE_DEVICE_LOW, vq->used_phys);
	wr(vm, VIRTIO_MMIO_QUEUE_READY, 1);
	list_add_tail(&vq->list, &vm->vdev.vqs);
	vm->nvqs++;
	printk(KERN_DEBUG "%s: queue %u '%s': %u entries (device max %u) at 0x%llx\n", dev, index, name, num,
	       max, vq->desc_phys);
	*out = vq;
	return 0;
}

static int vm_find_vqs(struct virtio_device *vdev, unsigned nvqs, struct virtqueue *vqs[],
		       vq_callback_t *const callbacks[], const char *const names[])
{
	struct virtio_mmio_device *vm = to_vm(vdev);
	for (unsigned i = 0; i < nvqs; i++) {
		int err = setup_vq(vm, i, callbacks[i], names[i], &vqs[i]);
		if (err) {
			/* Queues once ready only stop with a reset; a device that does not stop keeps them.
			 */
			if (virtio_reset_device(vdev) == 0)
				vm_del_vqs(vdev);
			return err;
		}
	}
	return 0;
}

static const struct virtio_config_ops vm_ops = {
    .get = vm_get,
    .set = vm_set,
    .generation = vm_generation,
    .get_status = vm_get_status,
    .set_status = vm_set_status,
    .reset = vm_reset,
    .get_features = vm_get_features,
    .set_features = vm_set_features,
    .find_vqs = vm_find_vqs,
    .del_vqs = vm_del_vqs,
    .config_len = vm_config_len,
};

/* ---- interrupts ---- */

static void vm_work(struct work_struct *w)
{
	struct virtio_mmio_device *vm = container_of(w, struct virtio_mmio_device, work);
	unsigned long fl = arch_irq_save();
	u32 st = vm->int_pending;
	vm->int_pending = 0;
	arch_irq_restore(fl);
	if (st & VIRTIO_MMIO_INT_CONFIG)
		virtio_config_changed(&vm->vdev);
	if (st & VIRTIO_MMIO_INT_VRING) {
		struct virtqueue *vq;
		list_for_each_entry(vq, &vm->vdev.vqs, list)
			vring_interrupt(vq);
	}
}

bool virtio_mmio_interrupt(struct virtio_mmio_device *vm)
{
	u32 st = rd(vm, VIRTIO_MMIO_INTERRUPT_STATUS) & (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	if (!st)
		return false;
	wr(vm, VIRTIO_MMIO_INTERRUPT_ACK, st);
	vm->interrupts++;
	vm->int_pending |= st;
	schedule_work(&vm->work);
	return true;
}

/* ---- registration ---- */

int virtio_mmio_register(struct virtio_mmio_device *vm, const char *who)
{
	u32 magic = rd(vm, VIRTIO_MMIO_MAGIC_VALUE);
	if (magic != VIRTIO_MMIO_MAGIC) {
		printk(KERN_ERR
		       "%s: bad magic value 0x%08x (want 0x%08x, \"virt\"): not a virtio-mmio device\n",
		       who, magic, VIRTIO_MMIO_MAGIC);
		return -EINVAL;
	}
	u32 id = rd(vm, VIRTIO_MMIO_DEVICE_ID);
	if (id == 0) {
		printk("%s: no device behind the transport (device ID 0)\n", who);
		return -ENODEV;
	}
	u32 version = rd(vm, VIRTIO_MMIO_VERSION);
	if (version != VIRTIO_MMIO_VERSION2) {
		if (version == 1)
			printk(KERN_ERR
			       "%s: version 1 (legacy) device refused: only version 2 (virtio 1.0 and "
			       "later) is supported (QEMU: -global virtio-mmio.force-legacy=false)\n",
			       who);
		else
			printk(KERN_ERR "%s: unknown version %u refused: only version 2 is supported\n", who,
			       version);
		return -EINVAL;
	}
	vm->vdev.id = id;
	vm->vdev.config = &vm_ops;
	vm->vdev.transport = vm;
	vm->vdev.transport_name = "mmio";
	snprintf(vm->bus_name, sizeof(vm->bus_name), "mmio@0x%llx", vm->desc.base);
	vm->vdev.bus_name = vm->bus_name;
	u64 room = vm->desc.size - VIRTIO_MMIO_CONFIG;
	vm->config_len = room < VIRTIO_MMIO_CONFIG_MAX ? (unsigned)room : VIRTIO_MMIO_CONFIG_MAX;
	INIT_LIST_HEAD(&vm->vdev.vqs);
	INIT_WORK(&vm->work, vm_work);
	int err = register_virtio_device(&vm->vdev);
	if (err)
		printk(KERN_ERR "%s: not registered: %s\n", who, errname(err));
	return err;
}

bool virtio_is_mmio(const struct virtio_device *vdev)
{
	return vdev->config == &vm_ops;
}

int virtio_mmio_irq(struct virtio_device *vdev)
{
	return virtio_is_mmio(vdev) ? to_vm(vdev)->irq : -1;
}

u64 virtio_mmio_interrupts(struct virtio_device *vdev)
{
	return virtio_is_mmio(vdev) ? to_vm(vdev)->interrupts : 0;
}

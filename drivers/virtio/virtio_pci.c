/* virtio over PCI, modern transport (virtio 1.x §4.1): finds the structures through the vendor
 * capabilities (virtio_pci_caps.c), maps uncached only the part of each window it uses (the common
 * configuration structure, the ISR byte, the device configuration up to VIRTIO_PCI_DEVICE_CFG_MAP, and
 * each queue's 2-byte notification address when the queue is set up), and implements the
 * struct virtio_config_ops the core drives. Interrupts (virtio_pci_irq.c decides which) are MSI-X
 * vectors that say what happened, or INTx: then the handler reads the ISR (which acknowledges and
 * deasserts the line). Either queues work that delivers config changes and used buffers. A device
 * without a usable IRQ line is polled by a 10 ms timer instead.
 *
 * Ring memory comes from a pool in the kernel image: rings then exist before the page allocator does,
 * and never sit in memory that could be hot-unplugged. */
#include "drivers/virtio.h"
#include "drivers/virtio_pci.h"
#include "kernel/errno.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/timer.h"
#include "kernel/workqueue.h"
#include "lib/printf.h"
#include <asm/memlayout.h>
#include <asm/mmio.h>

#define VP_MAX_DEVICES 8
#define VP_MAX_VQS     VP_IRQ_MAX_VQS /* across all devices */
#define VP_RING_BYTES  8192
#define VP_POLL_MS     10

_Static_assert(VP_RING_BYTES >=
		   VIRTQUEUE_MAX_NUM * 16 + 6 + 2 * VIRTQUEUE_MAX_NUM + 64 + 6 + 8 * VIRTQUEUE_MAX_NUM,
	       "virtio-pci: a pool ring holds a VIRTQUEUE_MAX_NUM ring");

struct vp_device {
	struct virtio_device vdev;
	struct pci_dev *pdev;
	struct virtio_pci_layout lay;
	u64 bar_size[PCI_NUM_BARS]; /* memory BARs the capabilities were checked against */
	u8 __iomem *common;
	u8 __iomem *isr;
	u8 __iomem *device; /* NULL when the device has no configuration */
	u32 device_len;	    /* bytes of it mapped */
	/* each queue's notification address, mapped at its first setup and kept for later ones (an
	 * ioremap is never given back) */
	u8 __iomem *qnotify[VP_MAX_VQS];
	u64 qnotify_at[VP_MAX_VQS]; /* its offset inside the BAR */
	struct vp_irq vi;	    /* MSI-X, INTx or polled (virtio_pci_irq.c) */
	char who[32];
	volatile u8 isr_pending;
	struct work_struct work;
	struct timer_list poll;
	u64 interrupts;
};

static struct vp_device vp_devs[VP_MAX_DEVICES];
static unsigned vp_ndevs;
static struct virtqueue vq_pool[VP_MAX_VQS];
static u8 ring_pool[VP_MAX_VQS][VP_RING_BYTES] __aligned(4096);
static bool vq_used[VP_MAX_VQS];

#define COMMON(field) (vp->common + offsetof(struct virtio_pci_common_cfg, field))

static void __iomem *map_window(struct vp_device *vp, const struct virtio_pci_window *w)
{
	return ioremap(vp->pdev->bar[w->bar].base + w->offset, w->length);
}

static struct vp_device *to_vp(struct virtio_device *vdev)
{
	return container_of(vdev, struct vp_device, vdev);
}

/* ---- configuration ---- */

static unsigned vp_config_len(struct virtio_device *vdev)
{
	struct vp_device *vp = to_vp(vdev);
	return vp->device ? vp->device_len : 0;
}

/* One field with an access of its own width, as the specification asks of device configuration; an
 * 8-byte field as two 4-byte halves, low first (allowed: the generation loop around the reads makes
 * the halves consistent). */
static int vp_field(struct vp_device *vp, unsigned off, unsigned len)
{
	unsigned cl = vp_config_len(&vp->vdev);
	if (off > cl || len > cl - off)
		return -ERANGE;
	if ((len != 1 && len != 2 && len != 4 && len != 8) || off % (len > 4 ? 4 : len))
		return -EINVAL;
	return 0;
}

static int vp_get(struct virtio_device *vdev, unsigned off, void *buf, unsigned len)
{
	struct vp_device *vp = to_vp(vdev);
	int err = vp_field(vp, off, len);
	if (err)
		return err;
	u8 __iomem *a = vp->device + off;
	u8 *out = buf;
	u64 v;
	switch (len) {
	case 1:
		v = readb(a);
		break;
	case 2:
		v = readw(a);
		break;
	case 4:
		v = readl(a);
		break;
	default:
		v = readl(a);
		v |= (u64)readl(a + 4) << 32;
		break;
	}
	for (unsigned i = 0; i < len; i++)
		out[i] = (u8)(v >> (8 * i));
	return 0;
}

static int vp_set(struct virtio_device *vdev, unsigned off, const void *buf, unsigned len)
{
	struct vp_device *vp = to_vp(vdev);
	int err = vp_field(vp, off, len);
	if (err)
		return err;
	u8 __iomem *a = vp->device + off;
	const u8 *in = buf;
	u64 v = 0;
	for (unsigned i = 0; i < len; i++)
		v |= (u64)in[i] << (8 * i);
	switch (len) {
	case 1:
		writeb((u8)v, a);
		break;
	case 2:
		writew((u16)v, a);
		break;
	case 4:
		writel((u32)v, a);
		break;
	default:
		writel((u32)v, a);
		writel((u32)(v >> 32), a + 4);
		break;
	}
	return 0;
}

static u32 vp_generation(struct virtio_device *vdev)
{
	struct vp_device *vp = to_vp(vdev);
	return readb(COMMON(config_generation));
}

static u8 vp_get_status(struct virtio_device *vdev)
{
	struct vp_device *vp = to_vp(vdev);
	return readb(COMMON(device_status));
}

static void vp_set_status(struct virtio_device *vdev, u8 s)
{
	struct vp_device *vp = to_vp(vdev);
	writeb(s, COMMON(device_status));
}

static int vp_reset(struct virtio_device *vdev)
{
	struct vp_device *vp = to_vp(vdev);
	writeb(0, COMMON(device_status));
	/* The device may take a while to stop its queues; 0 reads back when it is done. */
	u64 deadline = ktime_ns() + 1000 * NSEC_PER_MSEC;
	while (readb(COMMON(device_status))) {
		if (ktime_ns() > deadline)
			return -ETIMEDOUT;
		udelay(10);
	}
	/* A reset forgets the MSI-X vectors; configuration changes go to entry 0 again. */
	vp_irq_reset(&vp->vi);
	return 0;
}

static u64 vp_get_features(struct virtio_device *vdev)
{
	struct vp_device *vp = to_vp(vdev);
	writel(0, COMMON(device_feature_select));
	u64 lo = readl(COMMON(device_feature));
	writel(1, COMMON(device_feature_select));
	u64 hi = readl(COMMON(device_feature));
	return hi << 32 | lo;
}

static void vp_set_features(struct virtio_device *vdev, u64 f)
{
	struct vp_device *vp = to_vp(vdev);
	writel(0, COMMON(driver_feature_select));
	writel((u32)f, COMMON(driver_feature));
	writel(1, COMMON(driver_feature_select));
	writel((u32)(f >> 32), COMMON(driver_feature));
}

/* ---- queues ---- */

/* Where each pool queue writes its notification (checked against the notify region at setup). */
static u8 __iomem *vq_notify_addr[VP_MAX_VQS];

static bool vp_notify(struct virtqueue *vq)
{
	writew(vq->index, vq_notify_addr[vq - vq_pool]);
	return true;
}

static void vp_del_vqs(struct virtio_device *vdev)
{
	struct virtqueue *vq, *n;
	list_for_each_entry_safe(vq, n, &vdev->vqs, list) {
		list_del(&vq->list);
		vq_used[vq - vq_pool] = false;
	}
	vp_irq_release_queues(&to_vp(vdev)->vi);
}

static int setup_vq(struct vp_device *vp, unsigned index, vq_callback_t *cb, const char *name,
		    struct virtqueue **out)
{
	const char *dev = vp->vdev.name;
	u16 num_queues = readw(COMMON(num_queues));
	if (index >= num_queues) {
		printk(KERN_ERR "%s: queue %u requested, device has %u\n", dev, index, num_queues);
		return -ENOENT;
	}
	writew((u16)index, COMMON(queue_select));
	u16 size = readw(COMMON(queue_size));
	if (size == 0 || readw(COMMON(queue_enable))) {
		printk(KERN_ERR "%s: queue %u unavailable (size %u)\n", dev, index, size);
		return -ENOENT;
	}
	u16 num = 1;
	while ((u32)num * 2 <= size && num * 2 <= VIRTQUEUE_MAX_NUM)
		num = (u16)(num * 2);
	if (index >= VP_MAX_VQS) {
		printk(KERN_ERR "%s: queue %u: the transport sets up queues 0-%d only\n", dev, index,
		       VP_MAX_VQS - 1);
		return -ENOSPC;
	}
	struct virtio_pci_window nw;
	if (virtio_pci_notify_window(&vp->lay, readw(COMMON(queue_notify_off)), vp->bar_size, &nw)) {
		printk(KERN_ERR "%s: queue %u notify offset outside the notify region\n", dev, index);
		return -EINVAL;
	}
	if (!vp->qnotify[index] || vp->qnotify_at[index] != nw.offset) {
		u8 __iomem *n = map_window(vp, &nw);
		if (!n) {
			printk(KERN_ERR "%s: queue %u: cannot map its notification address\n", dev, index);
			return -ENOMEM;
		}
		vp->qnotify[index] = n;
		vp->qnotify_at[index] = nw.offset;
	}
	int slot = -1;
	for (int i = 0; i < VP_MAX_VQS; i++)
		if (!vq_used[i]) {
			slot = i;
			break;
		}
	if (slot < 0) {
		printk(KERN_ERR "%s: no free virtqueue (pool of %d)\n", dev, VP_MAX_VQS);
		return -ENOSPC;
	}
	struct virtqueue *vq = &vq_pool[slot];
	void *ring = ring_pool[slot];
	int err =
	    virtqueue_init(vq, name, (u16)index, num, ring, kernel_virt_to_phys(ring), vp_notify, cb, vp);
	if (err)
		return err;
	vq_used[slot] = true;
	vq_notify_addr[slot] = vp->qnotify[index];
	vq->vdev = &vp->vdev;
	writew(num, COMMON(queue_size));
	writeq_lo_hi(vq->desc_phys, COMMON(queue_desc));
	writeq_lo_hi(vq->avail_phys, COMMON(queue_driver));
	writeq_lo_hi(vq->used_phys, COMMON(queue_device));
	list_add_tail(&vq->list, &vp->vdev.vqs);
	printk(KERN_DEBUG "%s: queue %u '%s': %u entries (device max %u) at 0x%llx\n", dev, index, name, num,
	       size, vq->desc_phys);
	*out = vq;
	return 0;
}

static int vp_find_vqs(struct virtio_device *vdev, unsigned nvqs, struct virtqueue *vqs[],
		       vq_callback_t *const callbacks[], const char *const names[])
{
	struct vp_device *vp = to_vp(vdev);
	for (unsigned i = 0; i < nvqs; i++) {
		int err = setup_vq(vp, i, callbacks[i], names[i], &vqs[i]);
		if (err) {
			vp_del_vqs(vdev); /* none is enabled yet: the device never used them */
			return err;
		}
	}
	/* Their interrupts before the device may use them: MSI-X vectors, or INTx (or polling) when
	 * the device or the vector pool allows none. */
	if (vp_irq_setup_queues(&vp->vi, nvqs) == VP_IRQ_POLL && !timer_pending(&vp->poll))
		timer_start_periodic(&vp->poll, VP_POLL_MS * NSEC_PER_MSEC);
	for (unsigned i = 0; i < nvqs; i++) {
		writew((u16)i, COMMON(queue_select));
		writew(1, COMMON(queue_enable));
	}
	return 0;
}

static const struct virtio_config_ops vp_ops = {
    .get = vp_get,
    .set = vp_set,
    .generation = vp_generation,
    .get_status = vp_get_status,
    .set_status = vp_set_status,
    .reset = vp_reset,
    .get_features = vp_get_features,
    .set_features = vp_set_features,
    .find_vqs = vp_find_vqs,
    .del_vqs = vp_del_vqs,
    .config_len = vp_config_len,
};

/* ---- interrupts ---- */

/* Work context: deliver what the ISR said. */
static void vp_work(struct work_struct *w)
{
	struct vp_device *vp = container_of(w, struct vp_device, work);
	unsigned long fl = arch_irq_save();
	u8 isr = vp->isr_pending;
	vp->isr_pending = 0;
	arch_irq_restore(fl);
	if (isr & VIRTIO_PCI_ISR_CONFIG)
		virtio_config_changed(&vp->vdev);
	if (isr & VIRTIO_PCI_ISR_QUEUE) {
		struct virtqueue *vq;
		list_for_each_entry(vq, &vp->vdev.vqs, list)
			vring_interrupt(vq);
	}
}

/* Interrupt context: reading the ISR acknowledges the interrupt and lowers INTx. */
static irqreturn_t vp_interrupt(int irq, void *dev)
{
	struct vp_device *vp = dev;
	u8 isr = readb(vp->isr);
	if (!isr)
		return IRQ_NONE; /* the shared line was someone else's */
	vp->interrupts++;
	vp->isr_pending |= isr;
	schedule_work(&vp->work);
	return IRQ_HANDLED;
}

/* MSI-X: entry 0 says the configuration changed, the others that a queue has used buffers (one entry
 * per queue, or one for all; either way every queue is looked at). */
static irqreturn_t vp_msix_config(int vector, void *dev)
{
	struct vp_device *vp = dev;
	vp->interrupts++;
	vp->isr_pending |= VIRTIO_PCI_ISR_CONFIG;
	schedule_work(&vp->work);
	return IRQ_HANDLED;
}

static irqreturn_t vp_msix_queue(int vector, void *dev)
{
	struct vp_device *vp = dev;
	vp->interrupts++;
	vp->isr_pending |= VIRTIO_PCI_ISR_QUEUE;
	schedule_work(&vp->work);
	return IRQ_HANDLED;
}

/* The device's vector registers, for virtio_pci_irq.c. */
static u16 vp_config_vector(void *ctx, u16 entry)
{
	struct vp_device *vp = ctx;
	writew(entry, COMMON(config_msix_vector));
	return readw(COMMON(config_msix_vector));
}

static u16 vp_queue_vector(void *ctx, unsigned q, u16 entry)
{
	struct vp_device *vp = ctx;
	writew((u16)q, COMMON(queue_select));
	writew(entry, COMMON(queue_msix_vector));
	return readw(COMMON(queue_msix_vector));
}

static const struct vp_irq_ops vp_irq_ops = {vp_config_vector, vp_queue_vector};

static void vp_poll(struct timer_list *t)
{
	vp_interrupt(-1, t->data);
}

/* ---- probe ---- */

static int vp_probe(struct pci_dev *pdev)
{
	if (vp_ndevs == VP_MAX_DEVICES) {
		printk(KERN_WARNING "virtio-pci %s: more than %d devices: ignored\n", pdev->name,
		       VP_MAX_DEVICES);
		return -ENOSPC;
	}
	u32 id = pdev->device >= 0x1040 ? pdev->device - 0x1040u : pdev->subsystem_device;
	u8 cfg[PCI_CFG_SPACE_SIZE];
	pci_read_config_space(pdev, cfg);
	struct vp_device *vp = &vp_devs[vp_ndevs];
	*vp = (struct vp_device){0};
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		vp->bar_size[i] =
		    (pdev->bar[i].flags & PCI_BAR_IO) || !pdev->bar[i].base ? 0 : pdev->bar[i].size;
	char *who = vp->who;
	snprintf(vp->who, sizeof(vp->who), "virtio-pci %s", pdev->name);
	int err = virtio_pci_parse_caps(cfg, sizeof(cfg), vp->bar_size, &vp->lay, who);
	if (err)
		return err; /* a legacy-only device, or broken capabilities: logged */
	vp->pdev = pdev;
	struct virtio_pci_window cw, iw, dw;
	if (virtio_pci_window(&vp->lay, VIRTIO_PCI_CAP_COMMON_CFG, vp->bar_size, &cw) ||
	    virtio_pci_window(&vp->lay, VIRTIO_PCI_CAP_ISR_CFG, vp->bar_size, &iw) ||
	    (vp->lay.device.present &&
	     virtio_pci_window(&vp->lay, VIRTIO_PCI_CAP_DEVICE_CFG, vp->bar_size, &dw))) {
		printk(KERN_ERR "%s: a register window lies outside its BAR\n", who);
		return -EINVAL;
	}
	vp->common = map_window(vp, &cw);
	vp->isr = map_window(vp, &iw);
	vp->device = vp->lay.device.present ? map_window(vp, &dw) : NULL;
	vp->device_len = vp->device ? dw.length : 0;
	if (!vp->common || !vp->isr || (vp->lay.device.present && !vp->device)) {
		printk(KERN_ERR "%s: cannot map its registers\n", who);
		return -ENOMEM;
	}
	pci_enable_device_mem(pdev);
	pci_set_master(pdev);
	u16 cmd = pci_read_config16(pdev, PCI_COMMAND);
	if (cmd & PCI_COMMAND_INTX_DISABLE)
		pci_write_config16(pdev, PCI_COMMAND, cmd & ~PCI_COMMAND_INTX_DISABLE);

	vp->vdev.id = id;
	vp->vdev.config = &vp_ops;
	vp->vdev.transport = vp;
	vp->vdev.bus_name = pdev->name;
	vp->vdev.transport_name = "pci";
	INIT_LIST_HEAD(&vp->vdev.vqs);
	INIT_WORK(&vp->work, vp_work);
	timer_setup(&vp->poll, vp_poll, vp);
	vp_ndevs++;

	/* The interrupt before the device: a config change during the driver's probe must not be lost.
	 * The queues' vectors come when the driver sets the queues up. */
	vp->vi = (struct vp_irq){.pdev = pdev,
				 .ops = &vp_irq_ops,
				 .ctx = vp,
				 .who = vp->who,
				 .dev = vp,
				 .intx_handler = vp_interrupt,
				 .config_handler = vp_msix_config,
				 .queue_handler = vp_msix_queue};
	enum vp_irq_mode mode = vp_irq_setup(&vp->vi);
	if (mode == VP_IRQ_POLL)
		timer_start_periodic(&vp->poll, VP_POLL_MS * NSEC_PER_MSEC);
	/* Named before the driver's probe, whose queue setup may log about the vectors. */
	if (mode == VP_IRQ_MSIX)
		printk("%s: MSI-X: vector 0x%x for configuration changes\n", who, vp->vi.vector[0]);

	err = register_virtio_device(&vp->vdev);
	if (err) {
		vp_irq_teardown(&vp->vi);
		del_timer(&vp->poll);
		vp_ndevs--;
		printk(KERN_ERR "%s: not registered: %s\n", who, errname(err));
		return err;
	}
	if (vp->vi.mode == VP_IRQ_MSIX)
		printk("%s: %s, MSI-X\n", who, vp->vdev.name);
	else if (vp->vi.mode == VP_IRQ_INTX)
		printk("%s: %s, IRQ %d\n", who, vp->vdev.name, vp->vi.irq);
	else
		printk("%s: %s, no usable IRQ line: polled every %d ms\n", who, vp->vdev.name, VP_POLL_MS);
	return 0;
}

int virtio_pci_init(void)
{
	int found = 0;
	for (struct pci_dev *p = NULL; (p = pci_get_device(VIRTIO_PCI_VENDOR_ID, 0xffff, p));) {
		if (p->device < 0x1000 || p->device > 0x107f)
			continue;
		if (vp_probe(p) == 0)
			found++;
	}
	return found;
}

u64 virtio_pci_interrupts(struct virtio_device *vdev)
{
	return vdev->config == &vp_ops ? to_vp(vdev)->interrupts : 0;
}

bool virtio_pci_msix(struct virtio_device *vdev)
{
	return vdev->config == &vp_ops && to_vp(vdev)->vi.mode == VP_IRQ_MSIX;
}

int virtio_pci_irq(struct virtio_device *vdev)
{
	return vdev->config == &vp_ops ? to_vp(vdev)->vi.irq : -1;
}

int virtio_pci_queue_vector(struct virtio_device *vdev, unsigned q)
{
	if (vdev->config != &vp_ops)
		return -1;
	const struct vp_irq *vi = &to_vp(vdev)->vi;
	if (vi->mode != VP_IRQ_MSIX || !vi->nr_queue_vectors || q >= VP_IRQ_MAX_VQS)
		return -1;
	unsigned e = vi->nr_queue_vectors == 1 ? 1 : 1 + q; /* shared: all on entry 1 */
	return e <= vi->nr_queue_vectors && vi->vector[e] > 0 ? vi->vector[e] : -1;
}

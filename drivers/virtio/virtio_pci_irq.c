/* How a virtio-pci function interrupts (contract in drivers/virtio_pci.h): MSI-X with a vector per
 * queue, MSI-X with one vector shared by the queues, INTx, or nothing (polled), tried in that order.
 * The device's vector registers are reached through struct vp_irq_ops only, so the whole policy runs
 * on the host against a device that refuses vectors (tests/host/test_virtio_pci_irq.c). */
#include "drivers/virtio_pci.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"

#define CONFIG_ENTRY 0

/* Table entry e: its vector freed, the entry masked. */
static void put_entry(struct vp_irq *vi, unsigned e)
{
	if (vi->vector[e] <= 0)
		return;
	pci_msix_mask_entry(&vi->mx, e);
	free_msi(vi->vector[e]);
	vi->vector[e] = 0;
}

/* Table entry e sends a vector of its own to handler. 0, or the error of request_msi. */
static int get_entry(struct vp_irq *vi, unsigned e, irq_handler_t *handler)
{
	u64 addr;
	u32 data;
	int v = request_msi(handler, vi->name[e], vi->dev, &addr, &data);
	if (v < 0)
		return v;
	vi->vector[e] = v;
	pci_msix_set_entry(&vi->mx, e, addr, data);
	return 0;
}

static void release_queue_entries(struct vp_irq *vi)
{
	for (unsigned e = 1; e <= VP_IRQ_MAX_VQS; e++)
		put_entry(vi, e);
	vi->nr_queue_vectors = 0;
}

/* The INTx line, or polling when the function has none the controller can give. */
static enum vp_irq_mode use_intx(struct vp_irq *vi)
{
	struct pci_dev *p = vi->pdev;
	vi->irq = -1;
	vi->mode = VP_IRQ_POLL;
	if (p->irq_pin && p->irq_line > 0 && p->irq_line < NR_IRQS &&
	    request_irq(p->irq_line, vi->intx_handler, IRQF_SHARED | IRQF_LEVEL, p->name, vi->dev) == 0) {
		vi->irq = p->irq_line;
		vi->mode = VP_IRQ_INTX;
	}
	return vi->mode;
}

/* MSI-X given up: the device told to use no vector, the function's MSI-X off (so that it raises INTx
 * again), every entry masked and every vector freed; then INTx. */
static enum vp_irq_mode msix_off(struct vp_irq *vi, unsigned nvqs)
{
	vi->ops->config_vector(vi->ctx, VIRTIO_MSI_NO_VECTOR);
	for (unsigned q = 0; q < nvqs; q++)
		vi->ops->queue_vector(vi->ctx, q, VIRTIO_MSI_NO_VECTOR);
	pci_msix_enable(vi->pdev, &vi->mx, false);
	release_queue_entries(vi);
	put_entry(vi, CONFIG_ENTRY);
	return use_intx(vi);
}

enum vp_irq_mode vp_irq_setup(struct vp_irq *vi)
{
	for (unsigned e = 0; e <= VP_IRQ_MAX_VQS; e++)
		vi->vector[e] = 0;
	vi->nr_queue_vectors = 0;
	vi->irq = -1;
	int err = pci_msix_init(vi->pdev, &vi->mx, vi->who);
	if (err)
		return use_intx(vi); /* no capability, or a table it cannot use (said) */
	snprintf(vi->name[CONFIG_ENTRY], sizeof(vi->name[0]), "%s-config", vi->pdev->name);
	err = get_entry(vi, CONFIG_ENTRY, vi->config_handler);
	if (err) {
		printk(KERN_WARNING "%s: MSI-X: no vector for configuration changes (%s): INTx\n", vi->who,
		       errname(err));
		return use_intx(vi);
	}
	pci_msix_enable(vi->pdev, &vi->mx, true);
	u16 got = vi->ops->config_vector(vi->ctx, CONFIG_ENTRY);
	if (got != CONFIG_ENTRY) {
		printk(KERN_WARNING "%s: MSI-X: the device refused entry 0 for configuration changes (read "
				    "back 0x%x): INTx\n",
		       vi->who, got);
		return msix_off(vi, 0);
	}
	vi->mode = VP_IRQ_MSIX;
	return vi->mode;
}

/* Queues 0..nvqs-1 on entries 1..nvqs (per_vq) or all on entry 1. 0, or -ENOSPC (table too small or
 * no vector left) / -EIO (the device refused an entry), with why[] saying which; undone on failure. */
static int try_queue_vectors(struct vp_irq *vi, unsigned nvqs, bool per_vq, char *why, size_t len)
{
	unsigned entries = per_vq ? nvqs : 1;
	int err = 0;
	if (vi->mx.nr_entries < 1 + entries) {
		snprintf(why, len, "a table of %u entr%s, %u needed", vi->mx.nr_entries,
			 vi->mx.nr_entries == 1 ? "y" : "ies", 1 + entries);
		return -ENOSPC;
	}
	for (unsigned e = 1; e <= entries; e++) {
		if (per_vq)
			snprintf(vi->name[e], sizeof(vi->name[0]), "%s-q%u", vi->pdev->name, e - 1);
		else
			snprintf(vi->name[e], sizeof(vi->name[0]), "%s-queues", vi->pdev->name);
		err = get_entry(vi, e, vi->queue_handler);
		if (err) {
			snprintf(why, len, "%u of %u vectors free", e - 1, entries);
			goto undo;
		}
	}
	for (unsigned q = 0; q < nvqs; q++) {
		u16 e = (u16)(per_vq ? 1 + q : 1);
		u16 got = vi->ops->queue_vector(vi->ctx, q, e);
		if (got != e) {
			snprintf(why, len, "the device refused entry %u for queue %u (read back 0x%x)", e, q,
				 got);
			err = -EIO;
			for (unsigned k = 0; k <= q; k++)
				vi->ops->queue_vector(vi->ctx, k, VIRTIO_MSI_NO_VECTOR);
			goto undo;
		}
	}
	vi->nr_queue_vectors = entries;
	return 0;
undo:
	release_queue_entries(vi);
	return err;
}

enum vp_irq_mode vp_irq_setup_queues(struct vp_irq *vi, unsigned nvqs)
{
	if (vi->mode != VP_IRQ_MSIX || nvqs == 0 || nvqs > VP_IRQ_MAX_VQS)
		return vi->mode;
	release_queue_entries(vi);
	char why_vq[96] = "", why_shared[96] = "";
	if (!try_queue_vectors(vi, nvqs, true, why_vq, sizeof(why_vq))) {
		printk("%s: MSI-X: a vector for each of its %u queue%s, 0x%x..\n", vi->who, nvqs,
		       nvqs == 1 ? "" : "s", vi->vector[1]);
		return vi->mode;
	}
	if (!try_queue_vectors(vi, nvqs, false, why_shared, sizeof(why_shared))) {
		printk("%s: MSI-X: no vector per queue (%s): vector 0x%x shared by its %u queues\n", vi->who,
		       why_vq, vi->vector[1], nvqs);
		return vi->mode;
	}
	enum vp_irq_mode m = msix_off(vi, nvqs);
	char how[32];
	if (m == VP_IRQ_INTX)
		snprintf(how, sizeof(how), "INTx on IRQ %d", vi->irq);
	else
		snprintf(how, sizeof(how), "no INTx line: polled");
	printk(KERN_WARNING "%s: MSI-X: no vector per queue (%s), none shared (%s): MSI-X off, %s\n", vi->who,
	       why_vq, why_shared, how);
	return m;
}

void vp_irq_release_queues(struct vp_irq *vi)
{
	if (vi->mode == VP_IRQ_MSIX)
		release_queue_entries(vi);
}

void vp_irq_reset(struct vp_irq *vi)
{
	if (vi->mode == VP_IRQ_MSIX)
		vi->ops->config_vector(vi->ctx, CONFIG_ENTRY);
}

void vp_irq_teardown(struct vp_irq *vi)
{
	if (vi->mode == VP_IRQ_MSIX) {
		vi->ops->config_vector(vi->ctx, VIRTIO_MSI_NO_VECTOR);
		pci_msix_enable(vi->pdev, &vi->mx, false);
		release_queue_entries(vi);
		put_entry(vi, CONFIG_ENTRY);
	} else if (vi->mode == VP_IRQ_INTX) {
		free_irq((unsigned)vi->irq, vi->dev);
	}
	vi->irq = -1;
	vi->mode = VP_IRQ_POLL;
}

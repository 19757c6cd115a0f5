/* virtio-mmio on the machine: the virtio_mmio.device= boot parameter (one device per occurrence) or,
 * without one, the transports the ACPI DSDT lists (drivers/acpi/aml_mmio.c),
 * each window claimed and mapped uncached, its interrupt line requested (shareable; level, active high,
 * unless the DSDT's descriptor says otherwise) or, when
 * the interrupt controller cannot give it, a 10 ms poll of InterruptStatus. The transport itself is
 * drivers/virtio/virtio_mmio.c. */
#include "drivers/acpi.h"
#include "drivers/virtio_mmio.h"
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/iomem.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include <asm/memlayout.h>
#include <asm/mmio.h>

#define VM_POLL_MS 10

static struct virtio_mmio_desc descs[VIRTIO_MMIO_MAX_DEVICES];
static unsigned ndescs;
static struct virtio_mmio_device devs[VIRTIO_MMIO_MAX_DEVICES];

static int set_device(const char *val)
{
	struct virtio_mmio_desc d;
	char why[160];
	int err = virtio_mmio_parse_desc(val, &d, why, sizeof(why));
	if (!err)
		err = virtio_mmio_add_desc(descs, &ndescs, &d, why, sizeof(why));
	if (err)
		pr_warn("virtio-mmio: device '%s' refused: %s\n", val ? val : "", why);
	return err;
}
CMDLINE_PARAM_VALID(virtio_mmio_device, "virtio_mmio.device", set_device, "<size>@<base>:<irq>[:<id>]");

static u32 mmio_read(void *ctx, unsigned off, unsigned width)
{
	u8 __iomem *a = (u8 __iomem *)ctx + off;
	return width == 1 ? readb(a) : width == 2 ? readw(a) : readl(a);
}

static void mmio_write(void *ctx, unsigned off, u32 v, unsigned width)
{
	u8 __iomem *a = (u8 __iomem *)ctx + off;
	if (width == 1)
		writeb((u8)v, a);
	else if (width == 2)
		writew((u16)v, a);
	else
		writel(v, a);
}

static u64 image_dma_addr(void *ctx, const void *p)
{
	return kernel_virt_to_phys(p);
}

static const struct virtio_mmio_io mmio_io = {mmio_read, mmio_write, image_dma_addr};

static irqreturn_t vm_irq(int irq, void *dev)
{
	return virtio_mmio_interrupt(dev) ? IRQ_HANDLED : IRQ_NONE;
}

static void vm_poll(struct timer_list *t)
{
	virtio_mmio_interrupt(t->data);
}

static int probe_one(struct virtio_mmio_device *vm, const struct virtio_mmio_desc *d)
{
	char who[48];
	snprintf(who, sizeof(who), "virtio-mmio.%d [mem 0x%llx-0x%llx]", d->id, d->base,
		 d->base + d->size - 1);
	const struct iomem_claim *c = iomem_find_claim(d->base, d->size);
	if (c) {
		printk(KERN_ERR "%s: the window overlaps %s [mem 0x%llx-0x%llx]: left alone\n", who, c->name,
		       c->start, c->end);
		return -EBUSY;
	}
	u64 map = d->size < VIRTIO_MMIO_CONFIG + VIRTIO_MMIO_CONFIG_MAX
		      ? d->size
		      : VIRTIO_MMIO_CONFIG + VIRTIO_MMIO_CONFIG_MAX;
	void __iomem *regs = ioremap(d->base, map);
	if (!regs) {
		printk(KERN_ERR "%s: cannot map its registers\n", who);
		return -ENOMEM;
	}
	*vm = (struct virtio_mmio_device){0};
	vm->io = &mmio_io;
	vm->ctx = (void *)regs;
	vm->desc = *d;
	snprintf(vm->irq_name, sizeof(vm->irq_name), "virtio-mmio.%d", d->id);
	timer_setup(&vm->poll, vm_poll, vm);
	/* The line before the device: a config change during the driver's probe must not be lost. */
	vm->irq = -1;
	unsigned flags = IRQF_SHARED | (d->edge ? 0 : IRQF_LEVEL) | (d->active_low ? IRQF_ACTIVE_LOW : 0);
	if (d->irq < NR_IRQS && request_irq(d->irq, vm_irq, flags, vm->irq_name, vm) == 0)
		vm->irq = (int)d->irq;
	else
		timer_start_periodic(&vm->poll, VM_POLL_MS * NSEC_PER_MSEC);
	int err = virtio_mmio_register(vm, who);
	if (err) {
		if (vm->irq >= 0)
			free_irq((unsigned)vm->irq, vm);
		del_timer(&vm->poll);
		return err;
	}
	iomem_claim(d->base, d->size, "virtio-mmio.%d", d->id);
	if (vm->irq >= 0)
		printk("%s: %s, IRQ %d\n", who, vm->vdev.name, vm->irq);
	else
		printk("%s: %s, IRQ %u not available: polled every %d ms\n", who, vm->vdev.name, d->irq,
		       VM_POLL_MS);
	return 0;
}

/* Without virtio_mmio.device= on the command line, the transports the DSDT lists (QEMU's microvm
 * with ACPI, which then appends nothing to the command line). */
static void descs_from_acpi(void)
{
	const struct acpi_info *ai = acpi_get_info();
	if (ndescs || !ai || !ai->nr_mmio)
		return;
	printk("virtio-mmio: %u transport%s from the ACPI DSDT\n", ai->nr_mmio, ai->nr_mmio == 1 ? "" : "s");
	for (u32 i = 0; i < ai->nr_mmio; i++) {
		const struct acpi_mmio_dev *a = &ai->mmio[i];
		struct virtio_mmio_desc d = {a->base, a->size, a->irq, a->edge, a->active_low, 0, false};
		char why[160];
		if (d.size < VIRTIO_MMIO_CONFIG)
			snprintf(why, sizeof(why), "a window of 0x%llx bytes, under the 0x%x of registers",
				 d.size, VIRTIO_MMIO_CONFIG);
		else if (!virtio_mmio_add_desc(descs, &ndescs, &d, why, sizeof(why)))
			continue;
		pr_warn("virtio-mmio: DSDT device %s refused: %s\n", a->name, why);
	}
}

int virtio_mmio_init(void)
{
	int found = 0;
	descs_from_acpi();
	for (unsigned i = 0; i < ndescs; i++)
		if (probe_one(&devs[i], &descs[i]) == 0)
			found++;
	return found;
}

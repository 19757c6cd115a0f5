/* Mapping memory BARs (drivers/pci.h: pci_iomap). */
#include "drivers/pci.h"
#include "kernel/printk.h"
#include <asm/mmio.h>

void *pci_iomap(struct pci_dev *p, unsigned bar)
{
	if (bar >= PCI_NUM_BARS || !p->bar[bar].size || !p->bar[bar].base ||
	    (p->bar[bar].flags & PCI_BAR_IO)) {
		printk(KERN_ERR "pci %s: BAR %u is not a mapped memory BAR\n", p->name, bar);
		return NULL;
	}
	if (!p->bar[bar].virt)
		p->bar[bar].virt = ioremap(p->bar[bar].base, p->bar[bar].size);
	return p->bar[bar].virt;
}

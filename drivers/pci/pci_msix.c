/* MSI-X (PCI 3.0 §6.8.2): the capability, its table mapped uncached from the BAR it names, entries
 * written and unmasked one by one, the function enabled. */
#include "drivers/pci.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include <asm/mmio.h>

#define MSIX_FLAGS	   2 /* Message Control */
#define MSIX_TABLE	   4 /* Table Offset/BIR */
#define MSIX_SIZE_MASK	   0x7ff
#define MSIX_FUNCTION_MASK (1u << 14)
#define MSIX_ENABLE	   (1u << 15)
#define MSIX_ENTRY_SIZE	   16
#define MSIX_ENTRY_CTRL	   12
#define MSIX_ENTRY_MASKED  1

int pci_msix_init(struct pci_dev *pdev, struct pci_msix *m, const char *who)
{
	u8 cfg[PCI_CFG_SPACE_SIZE];
	pci_read_config_space(pdev, cfg);
	*m = (struct pci_msix){0};
	int pos = pci_find_cap_in(cfg, sizeof(cfg), PCI_CAP_ID_MSIX, who);
	if (pos <= 0)
		return pos < 0 ? pos : -ENODEV;
	u16 flags = pci_read_config16(pdev, (u16)(pos + MSIX_FLAGS));
	u32 table = pci_read_config32(pdev, (u16)(pos + MSIX_TABLE));
	unsigned n = (flags & MSIX_SIZE_MASK) + 1u;
	u8 bir = table & 7;
	u32 off = table & ~7u;
	const struct pci_bar *b = bir < PCI_NUM_BARS ? &pdev->bar[bir] : NULL;
	const char *why = NULL;
	if (!b)
		why = "BIR 6 and 7 name no BAR";
	else if (!b->size)
		why = "the function has no such BAR";
	else if (b->flags & PCI_BAR_IO)
		why = "the BAR is I/O space";
	else if (!b->base)
		why = "the BAR has no address";
	else if (off > b->size || (u64)n * MSIX_ENTRY_SIZE > b->size - off)
		why = "it lies outside the BAR";
	if (why) {
		printk(KERN_WARNING "%s: MSI-X table of %u entries at BAR%u+0x%x: %s; not used\n", who, n,
		       bir, off, why);
		return -EINVAL;
	}
	m->table = ioremap(b->base + off, (u64)n * MSIX_ENTRY_SIZE);
	if (!m->table)
		return -ENOMEM;
	m->pos = (u8)pos;
	m->nr_entries = n;
	for (unsigned i = 0; i < n; i++)
		writel(MSIX_ENTRY_MASKED, m->table + i * MSIX_ENTRY_SIZE + MSIX_ENTRY_CTRL);
	return 0;
}

void pci_msix_set_entry(struct pci_msix *m, unsigned i, u64 addr, u32 data)
{
	if (i >= m->nr_entries)
		return;
	u8 __iomem *e = m->table + i * MSIX_ENTRY_SIZE;
	writel((u32)addr, e);
	writel((u32)(addr >> 32), e + 4);
	writel(data, e + 8);
	writel(0, e + MSIX_ENTRY_CTRL);
}

void pci_msix_mask_entry(struct pci_msix *m, unsigned i)
{
	if (i < m->nr_entries)
		writel(MSIX_ENTRY_MASKED, m->table + i * MSIX_ENTRY_SIZE + MSIX_ENTRY_CTRL);
}

void pci_msix_enable(struct pci_dev *pdev, struct pci_msix *m, bool on)
{
	u16 flags = pci_read_config16(pdev, (u16)(m->pos + MSIX_FLAGS));
	flags = (u16)(on ? (flags | MSIX_ENABLE) & ~MSIX_FUNCTION_MASK : flags & ~MSIX_ENABLE);
	pci_write_config16(pdev, (u16)(m->pos + MSIX_FLAGS), flags);
}

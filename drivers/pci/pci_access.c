/* Configuration access by device, over the raw accessors (pci_conf.c in the kernel, a fake bus in the
 * host tests). */
#include "drivers/pci.h"

u8 pci_read_config8(const struct pci_dev *p, u16 off)
{
	return pci_conf_read8(p->bus, p->dev, p->fn, off);
}
u16 pci_read_config16(const struct pci_dev *p, u16 off)
{
	return pci_conf_read16(p->bus, p->dev, p->fn, off);
}
u32 pci_read_config32(const struct pci_dev *p, u16 off)
{
	return pci_conf_read32(p->bus, p->dev, p->fn, off);
}
void pci_write_config16(const struct pci_dev *p, u16 off, u16 v)
{
	pci_conf_write16(p->bus, p->dev, p->fn, off, v);
}
void pci_write_config32(const struct pci_dev *p, u16 off, u32 v)
{
	pci_conf_write32(p->bus, p->dev, p->fn, off, v);
}

void pci_read_config_space(const struct pci_dev *p, u8 buf[PCI_CFG_SPACE_SIZE])
{
	for (u16 off = 0; off < PCI_CFG_SPACE_SIZE; off += 4) {
		u32 v = pci_read_config32(p, off);
		buf[off] = (u8)v;
		buf[off + 1] = (u8)(v >> 8);
		buf[off + 2] = (u8)(v >> 16);
		buf[off + 3] = (u8)(v >> 24);
	}
}

/* PCI configuration access through configuration mechanism #1 (ports 0xcf8/0xcfc): the 256-byte
 * space of every function, which is all hotmem reads. (ECAM would add the extended space.) */
#include "drivers/pci.h"
#include "kernel/spinlock.h"
#include <asm/io.h>

#define PCI_CONF_ADDR 0xcf8
#define PCI_CONF_DATA 0xcfc

static spinlock_t conf_lock = SPINLOCK_INIT; /* the address/data pair is one shared register */

static u32 conf_addr(u8 bus, u8 dev, u8 fn, u16 off)
{
	return 0x80000000u | (u32)bus << 16 | (u32)(dev & 31) << 11 | (u32)(fn & 7) << 8 | (off & 0xfc);
}

u32 pci_conf_read32(u8 bus, u8 dev, u8 fn, u16 off)
{
	unsigned long fl;
	spin_lock_irqsave(&conf_lock, fl);
	outl(PCI_CONF_ADDR, conf_addr(bus, dev, fn, off));
	u32 v = inl(PCI_CONF_DATA);
	spin_unlock_irqrestore(&conf_lock, fl);
	return v;
}

u16 pci_conf_read16(u8 bus, u8 dev, u8 fn, u16 off)
{
	unsigned long fl;
	spin_lock_irqsave(&conf_lock, fl);
	outl(PCI_CONF_ADDR, conf_addr(bus, dev, fn, off));
	u16 v = inw((u16)(PCI_CONF_DATA + (off & 2)));
	spin_unlock_irqrestore(&conf_lock, fl);
	return v;
}

u8 pci_conf_read8(u8 bus, u8 dev, u8 fn, u16 off)
{
	unsigned long fl;
	spin_lock_irqsave(&conf_lock, fl);
	outl(PCI_CONF_ADDR, conf_addr(bus, dev, fn, off));
	u8 v = inb((u16)(PCI_CONF_DATA + (off & 3)));
	spin_unlock_irqrestore(&conf_lock, fl);
	return v;
}

void pci_conf_write32(u8 bus, u8 dev, u8 fn, u16 off, u32 v)
{
	unsigned long fl;
	spin_lock_irqsave(&conf_lock, fl);
	outl(PCI_CONF_ADDR, conf_addr(bus, dev, fn, off));
	outl(PCI_CONF_DATA, v);
	spin_unlock_irqrestore(&conf_lock, fl);
}

void pci_conf_write16(u8 bus, u8 dev, u8 fn, u16 off, u16 v)
{
	unsigned long fl;
	spin_lock_irqsave(&conf_lock, fl);
	outl(PCI_CONF_ADDR, conf_addr(bus, dev, fn, off));
	outw((u16)(PCI_CONF_DATA + (off & 2)), v);
	spin_unlock_irqrestore(&conf_lock, fl);
}

void pci_conf_write8(u8 bus, u8 dev, u8 fn, u16 off, u8 v)
{
	unsigned long fl;
	spin_lock_irqsave(&conf_lock, fl);
	outl(PCI_CONF_ADDR, conf_addr(bus, dev, fn, off));
	outb((u16)(PCI_CONF_DATA + (off & 3)), v);
	spin_unlock_irqrestore(&conf_lock, fl);
}

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
void pci_write_config8(const struct pci_dev *p, u16 off, u8 v)
{
	pci_conf_write8(p->bus, p->dev, p->fn, off, v);
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

int pci_find_capability(const struct pci_dev *p, u8 id)
{
	u8 cfg[PCI_CFG_SPACE_SIZE];
	pci_read_config_space(p, cfg);
	int pos = pci_find_cap_in(cfg, sizeof(cfg), id, p->name);
	return pos > 0 ? pos : 0;
}

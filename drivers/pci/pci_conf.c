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

/* A fake PCI bus for host tests (see pci_fake.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pci_fake.h"

struct fake_fn fake_pci[FAKE_PCI_MAX];
unsigned fake_pci_n, fake_pci_violations, fake_pci_reads;

void fake_pci_reset(void)
{
	memset(fake_pci, 0, sizeof(fake_pci));
	fake_pci_n = fake_pci_violations = fake_pci_reads = 0;
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)v, p[1] = (u8)(v >> 8);
}
static void put32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}
static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

struct fake_fn *fake_pci_add(u8 bus, u8 dev, u8 fn, u16 vendor, u16 device, u32 class_rev)
{
	struct fake_fn *f = &fake_pci[fake_pci_n++];
	f->bus = bus, f->dev = dev, f->fn = fn;
	put16(&f->cfg[0], vendor);
	put16(&f->cfg[2], device);
	put32(&f->cfg[8], class_rev);
	put16(&f->cfg[PCI_COMMAND], PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	return f;
}

void fake_pci_bar_mem(struct fake_fn *f, unsigned bar, u64 base, u64 size, bool is64, bool pref)
{
	u64 mask = ~(size - 1);
	u32 type = (is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) | (pref ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
	f->bar_mask[bar] = (u32)mask & ~0xfu;
	put32(&f->cfg[0x10 + 4 * bar], ((u32)base & ~0xfu) | type);
	if (is64) {
		f->bar_mask[bar + 1] = (u32)(mask >> 32);
		f->bar_upper[bar + 1] = true;
		put32(&f->cfg[0x14 + 4 * bar], (u32)(base >> 32));
	}
}

void fake_pci_bar_io(struct fake_fn *f, unsigned bar, u32 base, u32 size)
{
	f->bar_mask[bar] = ~(size - 1) & 0xfffcu; /* a 16-bit decoder */
	put32(&f->cfg[0x10 + 4 * bar], (base & ~3u) | PCI_BASE_ADDRESS_SPACE_IO);
}

void fake_pci_bridge(struct fake_fn *f, u8 secondary, u8 subordinate)
{
	f->cfg[PCI_HEADER_TYPE] = (u8)((f->cfg[PCI_HEADER_TYPE] & 0x80) | PCI_HEADER_TYPE_BRIDGE);
	f->cfg[PCI_PRIMARY_BUS] = f->bus;
	f->cfg[PCI_SECONDARY_BUS] = secondary;
	f->cfg[PCI_SUBORDINATE_BUS] = subordinate;
}

static struct fake_fn *find(u8 bus, u8 dev, u8 fn)
{
	for (unsigned i = 0; i < fake_pci_n; i++)
		if (fake_pci[i].bus == bus && fake_pci[i].dev == dev && fake_pci[i].fn == fn)
			return &fake_pci[i];
	return NULL;
}

u32 pci_conf_read32(u8 bus, u8 dev, u8 fn, u16 off)
{
	fake_pci_reads++;
	struct fake_fn *f = find(bus, dev, fn);
	return f ? get32(&f->cfg[off & 0xfc]) : 0xffffffffu;
}
u16 pci_conf_read16(u8 bus, u8 dev, u8 fn, u16 off)
{
	return (u16)(pci_conf_read32(bus, dev, fn, off) >> (8 * (off & 2)));
}
u8 pci_conf_read8(u8 bus, u8 dev, u8 fn, u16 off)
{
	return (u8)(pci_conf_read32(bus, dev, fn, off) >> (8 * (off & 3)));
}

void pci_conf_write32(u8 bus, u8 dev, u8 fn, u16 off, u32 v)
{
	struct fake_fn *f = find(bus, dev, fn);
	if (!f)
		return;
	off &= 0xfc;
	unsigned nbars = (f->cfg[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_BRIDGE ? 2 : 6;
	if (off >= 0x10 && off < 0x10 + 4 * nbars) {
		unsigned bar = (off - 0x10) / 4;
		u16 cmd = (u16)(f->cfg[PCI_COMMAND] | f->cfg[PCI_COMMAND + 1] << 8);
		u32 old = get32(&f->cfg[off]);
		bool io = old & PCI_BASE_ADDRESS_SPACE_IO;
		if (v == 0xffffffffu && (f->bar_mask[bar] || f->bar_upper[bar]) &&
		    (cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)))
			fake_pci_violations++;
		bool upper = f->bar_upper[bar];
		if (upper)
			io = false;
		u32 ro = upper ? 0 : (io ? 0x3u : 0xfu);
		put32(&f->cfg[off], (v & f->bar_mask[bar]) | (old & ro));
		return;
	}
	put32(&f->cfg[off], v);
}
void pci_conf_write16(u8 bus, u8 dev, u8 fn, u16 off, u16 v)
{
	u32 old = pci_conf_read32(bus, dev, fn, off);
	unsigned sh = 8 * (off & 2);
	pci_conf_write32(bus, dev, fn, off, (old & ~(0xffffu << sh)) | (u32)v << sh);
}

/* pci.c's lspci command prints through the shell. */
void shell_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* PCI enumeration: every function on every bus reachable from bus 0, BARs sized with decoding off,
 * unassigned memory BARs placed, one log line per function, and the `lspci` command. Uses only the
 * configuration accessors (pci_conf.c), so the host tests run it against a fake bus. */
#include "drivers/pci.h"
#include "kernel/boot_info.h"
#include "kernel/iomem.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "lib/bitmap.h"
#include "lib/printf.h"

static struct pci_dev devs[PCI_MAX_DEVICES];
static unsigned ndevs;
static u64 bus_seen[BITS_TO_U64(256)];
static bool too_many_reported;

unsigned pci_dev_count(void)
{
	return ndevs;
}

struct pci_dev *pci_dev_at(unsigned i)
{
	return i < ndevs ? &devs[i] : NULL;
}

struct pci_dev *pci_get_device(u16 vendor, u16 device, struct pci_dev *from)
{
	unsigned i = from ? (unsigned)(from - devs) + 1 : 0;
	for (; i < ndevs; i++)
		if ((vendor == 0xffff || devs[i].vendor == vendor) &&
		    (device == 0xffff || devs[i].device == device))
			return &devs[i];
	return NULL;
}

void pci_enable_device_mem(struct pci_dev *p)
{
	u16 cmd = pci_read_config16(p, PCI_COMMAND);
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write_config16(p, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
}

void pci_set_master(struct pci_dev *p)
{
	u16 cmd = pci_read_config16(p, PCI_COMMAND);
	if (!(cmd & PCI_COMMAND_MASTER))
		pci_write_config16(p, PCI_COMMAND, cmd | PCI_COMMAND_MASTER);
}

/* Sizes the BARs of p (nbars registers from 0x10) with I/O and memory decoding off meanwhile, so the
 * all-ones probe value never decodes anything. */
static void size_bars(struct pci_dev *p, unsigned nbars)
{
	u16 cmd = pci_read_config16(p, PCI_COMMAND);
	pci_write_config16(p, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < nbars; i++) {
		u16 reg = (u16)(PCI_BASE_ADDRESS_0 + 4 * i);
		u32 val = pci_read_config32(p, reg);
		pci_write_config32(p, reg, 0xffffffffu);
		u32 probe = pci_read_config32(p, reg);
		pci_write_config32(p, reg, val);
		u32 val_hi = 0, probe_hi = 0;
		bool is64 = !(val & PCI_BASE_ADDRESS_SPACE_IO) &&
			    (val & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
		if (is64 && i + 1 < nbars) {
			val_hi = pci_read_config32(p, reg + 4);
			pci_write_config32(p, reg + 4, 0xffffffffu);
			probe_hi = pci_read_config32(p, reg + 4);
			pci_write_config32(p, reg + 4, val_hi);
		} else if (is64) {
			printk(KERN_WARNING "pci %s: 64-bit BAR %u has no upper half: ignored\n", p->name, i);
			continue;
		}
		struct pci_bar *bar = &p->bar[i];
		if (pci_bar_decode(val, probe, val_hi, probe_hi, bar))
			i++; /* the upper half: its pci_bar stays empty */
		if (bar->flags & PCI_BAR_BROKEN)
			printk(KERN_WARNING "pci %s: BAR at 0x%x reads back 0x%08x: not a size, ignored\n",
			       p->name, reg, probe);
	}
	pci_write_config16(p, PCI_COMMAND, cmd);
}

static void scan_bus(u8 bus, unsigned depth);

static void add_function(u8 bus, u8 dev, u8 fn, unsigned depth)
{
	if (ndevs == PCI_MAX_DEVICES) {
		if (!too_many_reported)
			printk(KERN_WARNING "pci: more than %d functions: the rest are ignored\n",
			       PCI_MAX_DEVICES);
		too_many_reported = true;
		return;
	}
	struct pci_dev *p = &devs[ndevs++];
	*p = (struct pci_dev){0};
	p->bus = bus, p->dev = dev, p->fn = fn;
	snprintf(p->name, sizeof(p->name), "0000:%02x:%02x.%u", bus, dev, fn);
	u32 id = pci_conf_read32(bus, dev, fn, PCI_VENDOR_ID);
	p->vendor = (u16)id;
	p->device = (u16)(id >> 16);
	u32 cls = pci_read_config32(p, PCI_REVISION_ID);
	p->revision = (u8)cls;
	p->prog_if = (u8)(cls >> 8);
	p->subclass = (u8)(cls >> 16);
	p->class_code = (u8)(cls >> 24);
	p->header_type = pci_read_config8(p, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
	p->irq_line = pci_read_config8(p, PCI_INTERRUPT_LINE);
	p->irq_pin = pci_read_config8(p, PCI_INTERRUPT_PIN);
	if (p->header_type == PCI_HEADER_TYPE_NORMAL) {
		p->subsystem_vendor = pci_read_config16(p, PCI_SUBSYSTEM_VENDOR_ID);
		p->subsystem_device = pci_read_config16(p, PCI_SUBSYSTEM_ID);
		size_bars(p, 6);
	} else if (p->header_type == PCI_HEADER_TYPE_BRIDGE) {
		size_bars(p, 2);
		u8 sec = pci_read_config8(p, PCI_SECONDARY_BUS);
		if (sec == 0 || sec <= bus)
			printk(KERN_WARNING
			       "pci %s: bridge to bus %u not configured by the firmware: not scanned\n",
			       p->name, sec);
		else
			scan_bus(sec, depth + 1);
	}
}

static void scan_bus(u8 bus, unsigned depth)
{
	if (test_bit64(bus_seen, bus)) {
		printk(KERN_WARNING "pci: bus %02x reached twice: bridges loop, not scanned again\n", bus);
		return;
	}
	set_bit64(bus_seen, bus);
	if (depth > 32)
		return;
	for (u8 dev = 0; dev < 32; dev++) {
		if (pci_conf_read16(bus, dev, 0, PCI_VENDOR_ID) == 0xffff)
			continue;
		unsigned nfn = (pci_conf_read8(bus, dev, 0, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MULTI) ? 8 : 1;
		for (u8 fn = 0; fn < nfn; fn++)
			if (pci_conf_read16(bus, dev, fn, PCI_VENDOR_ID) != 0xffff)
				add_function(bus, dev, fn, depth);
	}
}

/* Places memory BARs the firmware left at 0 below 4 GiB, clear of the memory map and of every BAR. */
static void assign_unassigned(const struct boot_info *bi)
{
	static struct pci_range busy[BOOT_MAX_REGIONS + PCI_MAX_DEVICES * PCI_NUM_BARS + 1];
	unsigned nbusy = 0;
	if (bi)
		for (u32 i = 0; i < bi->nr_regions; i++)
			busy[nbusy++] = (struct pci_range){bi->regions[i].start, bi->regions[i].size};
	busy[nbusy++] = (struct pci_range){0xfec00000, 0x01400000}; /* IOAPIC, HPET, LAPIC, flash */
	for (unsigned d = 0; d < ndevs; d++)
		for (unsigned b = 0; b < PCI_NUM_BARS; b++)
			if (devs[d].bar[b].base && devs[d].bar[b].size &&
			    !(devs[d].bar[b].flags & PCI_BAR_IO))
				busy[nbusy++] = (struct pci_range){devs[d].bar[b].base, devs[d].bar[b].size};
	for (unsigned d = 0; d < ndevs; d++) {
		struct pci_dev *p = &devs[d];
		for (unsigned b = 0; b < PCI_NUM_BARS; b++) {
			struct pci_bar *bar = &p->bar[b];
			if (bar->base || !bar->size || (bar->flags & PCI_BAR_IO))
				continue;
			u64 at = pci_place_bar(bar->size, 0xc0000000ULL, 0xfec00000ULL, busy, nbusy);
			if (!at) {
				printk(KERN_WARNING "pci %s: no room below 4 GiB for BAR %u (%llu bytes)\n",
				       p->name, b, bar->size);
				continue;
			}
			u16 reg = (u16)(PCI_BASE_ADDRESS_0 + 4 * b);
			u16 cmd = pci_read_config16(p, PCI_COMMAND);
			pci_write_config16(p, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
			u32 lo = pci_read_config32(p, reg) & 0xfu;
			pci_write_config32(p, reg, (u32)at | lo);
			if (bar->flags & PCI_BAR_MEM64)
				pci_write_config32(p, reg + 4, (u32)(at >> 32));
			pci_write_config16(p, PCI_COMMAND, cmd);
			bar->base = at;
			bar->flags |= PCI_BAR_ASSIGNED_BY_US;
			busy[nbusy++] = (struct pci_range){at, bar->size};
			printk("pci %s: BAR %u was unassigned: placed at 0x%llx\n", p->name, b, at);
		}
	}
}

/* "BAR4 mem64 pref 0xfe000000+0x4000" into buf. */
static void format_bar(char *buf, size_t n, unsigned i, const struct pci_bar *b)
{
	snprintf(buf, n, "BAR%u %s%s 0x%llx+0x%llx", i,
		 b->flags & PCI_BAR_IO	    ? "io"
		 : b->flags & PCI_BAR_MEM64 ? "mem64"
					    : "mem32",
		 b->flags & PCI_BAR_PREFETCH ? " pref" : "", b->base, b->size);
}

static void format_irq(char *buf, size_t n, const struct pci_dev *p)
{
	if (!p->irq_pin)
		snprintf(buf, n, "no INTx");
	else if (p->irq_line == 0 || p->irq_line >= 16)
		snprintf(buf, n, "INT%c IRQ none", 'A' + p->irq_pin - 1);
	else
		snprintf(buf, n, "INT%c IRQ %u", 'A' + p->irq_pin - 1, p->irq_line);
}

int pci_init(const struct boot_info *bi)
{
	ndevs = 0;
	too_many_reported = false;
	for (unsigned i = 0; i < ARRAY_SIZE(bus_seen); i++)
		bus_seen[i] = 0;
	scan_bus(0, 0);
	assign_unassigned(bi);
	for (unsigned d = 0; d < ndevs; d++) {
		const struct pci_dev *p = &devs[d];
		char irq[24];
		format_irq(irq, sizeof(irq), p);
		printk("pci %s: %04x:%04x class %02x%02x%02x %s\n", p->name, p->vendor, p->device,
		       p->class_code, p->subclass, p->prog_if, irq);
		for (unsigned b = 0; b < PCI_NUM_BARS; b++) {
			if (!p->bar[b].size)
				continue;
			char bar[64];
			format_bar(bar, sizeof(bar), b, &p->bar[b]);
			printk("pci %s:   %s\n", p->name, bar);
			/* no device may be handed memory a BAR decodes (include/kernel/iomem.h) */
			if (p->bar[b].base && !(p->bar[b].flags & PCI_BAR_IO))
				iomem_claim(p->bar[b].base, p->bar[b].size, "PCI %s BAR%u", p->name, b);
		}
	}
	printk("pci: %u functions\n", ndevs);
	return (int)ndevs;
}

/* lspci: bus:dev.fn vendor:device class, then the BARs and the IRQ. */
static int cmd_lspci(int argc, char **argv)
{
	for (unsigned d = 0; d < ndevs; d++) {
		const struct pci_dev *p = &devs[d];
		char irq[24];
		format_irq(irq, sizeof(irq), p);
		shell_printf("%02x:%02x.%u %04x:%04x class %02x%02x%02x rev %02x %s", p->bus, p->dev, p->fn,
			     p->vendor, p->device, p->class_code, p->subclass, p->prog_if, p->revision, irq);
		for (unsigned b = 0; b < PCI_NUM_BARS; b++) {
			if (!p->bar[b].size)
				continue;
			char bar[64];
			format_bar(bar, sizeof(bar), b, &p->bar[b]);
			shell_printf(", %s", bar);
		}
		shell_printf("\n");
	}
	return 0;
}
SHELL_COMMAND(lspci, "lspci", "lspci", "PCI functions: bus:dev.fn vendor:device class, IRQ, BARs", cmd_lspci);

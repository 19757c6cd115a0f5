/* A fake PCI bus for host tests of drivers/pci/pci.c: it implements the configuration accessors
 * (pci_conf_read8/16/32, pci_conf_write16/32) over a table of functions, each a 256-byte configuration
 * space with BARs that behave like hardware (only the size's bits are writable) and a record of rule
 * violations (a BAR probed with all ones while its decoding was on). */
#ifndef TESTS_HOST_PCI_FAKE_H
#define TESTS_HOST_PCI_FAKE_H

#include "drivers/pci.h"

#define FAKE_PCI_MAX 32

struct fake_fn {
	u8 bus, dev, fn;
	u8 cfg[PCI_CFG_SPACE_SIZE];
	u32 bar_mask[PCI_NUM_BARS];   /* writable bits of each BAR register (0: the device has no such BAR) */
	bool bar_upper[PCI_NUM_BARS]; /* the upper half of a 64-bit BAR: every bit is address */
};

extern struct fake_fn fake_pci[FAKE_PCI_MAX];
extern unsigned fake_pci_n;
extern unsigned fake_pci_violations; /* BAR probes with decoding on */
extern unsigned fake_pci_reads;

void fake_pci_reset(void);
/* Adds a type 0 function; returns it for more setup. */
struct fake_fn *fake_pci_add(u8 bus, u8 dev, u8 fn, u16 vendor, u16 device, u32 class_rev);
/* A memory BAR of `size` at `base` (64-bit takes bar and bar+1), or an I/O BAR. */
void fake_pci_bar_mem(struct fake_fn *f, unsigned bar, u64 base, u64 size, bool is64, bool pref);
void fake_pci_bar_io(struct fake_fn *f, unsigned bar, u32 base, u32 size);
/* Makes f a PCI-to-PCI bridge (header type 1) to bus `secondary`. */
void fake_pci_bridge(struct fake_fn *f, u8 secondary, u8 subordinate);

#endif

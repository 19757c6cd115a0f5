/* PCI: configuration access, the device list built by enumeration, BARs, capabilities.
 *
 * Boot: pci_init() scans every bus reachable from bus 0 (through PCI-to-PCI bridges), sizes every BAR,
 * assigns memory BARs the firmware left unassigned (PVH boot runs no firmware PCI setup on some
 * machines), and keeps one struct pci_dev per function. Drivers then find devices with
 * pci_get_device() and map the part of a memory BAR they use with ioremap (asm/mmio.h).
 *
 * The capability walk works on a snapshot of the 256-byte configuration space so that it can be tested
 * on the host against made-up (broken, looping, truncated) configuration spaces. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include "kernel/compiler.h"
#include "kernel/types.h"

/* Type 0/1 header registers. */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CLASS_DEVICE	0x0a /* subclass; class at 0x0b */
#define PCI_HEADER_TYPE		0x0e
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_PRIMARY_BUS		0x18 /* type 1 */
#define PCI_SECONDARY_BUS	0x19 /* type 1 */
#define PCI_SUBORDINATE_BUS	0x1a
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_COMMAND_IO		 0x1
#define PCI_COMMAND_MEMORY	 0x2
#define PCI_COMMAND_MASTER	 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_INTERRUPT	 0x08
#define PCI_STATUS_CAP_LIST	 0x10

#define PCI_HEADER_TYPE_MASK   0x7f
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_HEADER_TYPE_BRIDGE 1
#define PCI_HEADER_TYPE_MULTI  0x80

#define PCI_BASE_ADDRESS_SPACE_IO      0x1
#define PCI_BASE_ADDRESS_MEM_TYPE_MASK 0x6
#define PCI_BASE_ADDRESS_MEM_TYPE_64   0x4
#define PCI_BASE_ADDRESS_MEM_PREFETCH  0x8
#define PCI_BASE_ADDRESS_MEM_MASK      (~0xfULL)
#define PCI_BASE_ADDRESS_IO_MASK       (~0x3ULL)

#define PCI_CAP_ID_MSI	0x05
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_EXP	0x10
#define PCI_CAP_ID_MSIX 0x11

#define PCI_CFG_SPACE_SIZE    256
#define PCI_STD_HEADER_SIZEOF 0x40
#define PCI_CAP_MAX	      48 /* (256 - 64) / 4: no list can be longer without revisiting an entry */
#define PCI_NUM_BARS	      6

/* ---- capability walk over a configuration space snapshot (drivers/pci/pci_caps.c) ---- */

/* Called for each capability at offset pos (aligned, >= 0x40, its 2-byte header inside cfg).
 * Return 0 to go on, a positive value to stop the walk with that value, a negative errno to abort. */
typedef int pci_cap_fn(const u8 *cfg, size_t cfg_len, u8 pos, u8 id, void *arg);

/* Walks the capability list of cfg[0..cfg_len) (a type 0 or 1 header). The two reserved low bits of
 * each pointer are masked, as the PCI specification says. A pointer into the standard header or past
 * cfg_len, a revisited entry (a loop) or more than PCI_CAP_MAX entries ends the walk with one line
 * `<who>: capability list <problem>` and -EINVAL. Returns 0 at the end of the list, or what fn
 * returned to stop. */
int pci_walk_caps(const u8 *cfg, size_t cfg_len, pci_cap_fn *fn, void *arg, const char *who);

/* Offset of the first capability `id`, 0 when absent, negative errno when the list is broken. */
int pci_find_cap_in(const u8 *cfg, size_t cfg_len, u8 id, const char *who);

/* ---- devices (drivers/pci/pci.c, kernel only) ---- */

#define PCI_BAR_IO	       0x1
#define PCI_BAR_MEM64	       0x2
#define PCI_BAR_PREFETCH       0x4
#define PCI_BAR_ASSIGNED_BY_US 0x8  /* the firmware left it at 0: pci_init placed it */
#define PCI_BAR_BROKEN	       0x10 /* read back a size that is not a power of two: ignored */

struct pci_bar {
	u64 base;  /* bus (= physical) address; 0 when absent */
	u64 size;  /* decoded size; 0 when the BAR is absent (or the upper half of a 64-bit BAR) */
	u32 flags; /* PCI_BAR_* */
};

struct pci_dev {
	u8 bus, dev, fn;
	u16 vendor, device;
	u16 subsystem_vendor, subsystem_device;
	u8 class_code, subclass, prog_if, revision;
	u8 header_type; /* without the multi-function bit */
	u8 irq_line;	/* what the firmware (or pci_init) wrote: the legacy IRQ number, 0xff = none */
	u8 irq_pin;	/* 0 = none, 1..4 = INTA..INTD */
	struct pci_bar bar[PCI_NUM_BARS];
	char name[16]; /* "0000:00:03.0" */
	void *driver_data;
};

/* ---- BAR decoding and placement (drivers/pci/pci_bar.c, pure) ---- */

/* Decodes one BAR from its value and what it read back after all ones were written (decode off);
 * for a 64-bit memory BAR the next register's value and read-back too. Returns 1 when the BAR was
 * 64-bit (it used the next register), else 0. An absent BAR gets size 0; a size that is not a power
 * of two gets size 0 and PCI_BAR_BROKEN. */
int pci_bar_decode(u32 val, u32 probe, u32 val_hi, u32 probe_hi, struct pci_bar *bar);

struct pci_range {
	u64 start, size;
};
/* Lowest address in [win_start, win_end) aligned to size (at least 4 KiB) where size bytes overlap
 * none of busy[0..nbusy); 0 when there is none. size must be a power of two. */
u64 pci_place_bar(u64 size, u64 win_start, u64 win_end, const struct pci_range *busy, unsigned nbusy);

#define PCI_MAX_DEVICES 64

struct boot_info;
/* Enumerates all buses reachable from bus 0, sizes the BARs, places memory BARs the firmware left
 * unassigned (below 4 GiB, clear of the memory map and of every other BAR), logs one line per
 * function and claims every memory BAR (`PCI <name> BAR<n>`, include/kernel/iomem.h). Returns the
 * number of functions found. bi may be NULL (nothing to avoid but BARs). */
int pci_init(const struct boot_info *bi);

/* Raw configuration access by address (drivers/pci/pci_conf.c). off < 256; 16/32-bit accesses aligned. */
u32 pci_conf_read32(u8 bus, u8 dev, u8 fn, u16 off);
u16 pci_conf_read16(u8 bus, u8 dev, u8 fn, u16 off);
u8 pci_conf_read8(u8 bus, u8 dev, u8 fn, u16 off);
void pci_conf_write32(u8 bus, u8 dev, u8 fn, u16 off, u32 v);
void pci_conf_write16(u8 bus, u8 dev, u8 fn, u16 off, u16 v);

u8 pci_read_config8(const struct pci_dev *pdev, u16 off);
/* ---- MSI-X (drivers/pci/pci_msix.c) ---- */
struct pci_msix {
	u8 pos; /* the capability's offset */
	unsigned nr_entries;
	u8 *table; /* mapped uncached */
};
/* Finds the MSI-X capability, checks its table lies inside a memory BAR, maps it and masks every
 * entry (MSI-X itself stays off). 0, -ENODEV (no capability), -EINVAL (table outside its BAR: one
 * line), -ENOMEM. */
int pci_msix_init(struct pci_dev *pdev, struct pci_msix *m, const char *who);
/* Entry i sends data to addr; unmasked. */
void pci_msix_set_entry(struct pci_msix *m, unsigned i, u64 addr, u32 data);
/* Entry i masked again (its address and data stay). */
void pci_msix_mask_entry(struct pci_msix *m, unsigned i);
/* MSI-X on (function mask cleared; the function stops using INTx) or off. */
void pci_msix_enable(struct pci_dev *pdev, struct pci_msix *m, bool on);

u16 pci_read_config16(const struct pci_dev *pdev, u16 off);
u32 pci_read_config32(const struct pci_dev *pdev, u16 off);
void pci_write_config16(const struct pci_dev *pdev, u16 off, u16 v);
void pci_write_config32(const struct pci_dev *pdev, u16 off, u32 v);
/* Reads the whole 256-byte configuration space into buf. */
void pci_read_config_space(const struct pci_dev *pdev, u8 buf[PCI_CFG_SPACE_SIZE]);

/* Number of functions found, and the i-th one (NULL past the end). */
unsigned pci_dev_count(void);
struct pci_dev *pci_dev_at(unsigned i);
/* Next device after `from` (NULL: the first) with this vendor and device ID; 0xffff matches any. */
struct pci_dev *pci_get_device(u16 vendor, u16 device, struct pci_dev *from);

/* Turns on memory decoding (and bus mastering, needed for DMA such as virtqueues). */
void pci_enable_device_mem(struct pci_dev *pdev);
void pci_set_master(struct pci_dev *pdev);

#endif

/* ACPI: just enough of the static tables to power off, reset, and find PCI's ECAM.
 *
 * acpi_parse() walks RSDP → XSDT (or RSDT) → FADT → DSDT (`\_S5_`) and MCFG through a
 * boot_phys_reader, so the same code runs in the kernel (over the direct map) and on the host (over
 * hand-built tables). It never interprets AML beyond the one `Name(_S5_, Package(){...})` pattern.
 *
 * The kernel calls acpi_init() once, early (while the early direct map still covers 0..4 GiB); every
 * later user reads the cached struct acpi_info, so nothing after boot touches firmware memory. */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include "kernel/boot_info.h"
#include "kernel/compiler.h"
#include "kernel/irq.h"
#include "kernel/timer.h"
#include "kernel/types.h"

/* ACPI Generic Address Structure (ACPI 6.5, 5.2.3.2). */
struct acpi_gas {
	u8 space_id; /* ACPI_GAS_* */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size; /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	u64 address;
} __packed;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO	1

/* FADT flags (ACPI 6.5, table 5.10). */
#define ACPI_FADT_TMR_VAL_EXT	(1u << 8)
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED	(1u << 20)

/* PM1 control register bits. */
#define ACPI_PM1_SCI_EN	       (1u << 0)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK  (7u << 10)
#define ACPI_PM1_SLP_EN	       (1u << 13)

#define ACPI_MAX_MCFG 4
#define ACPI_MAX_MMIO 8

/* A virtio-mmio transport the DSDT describes (_HID "LNRO0005"): its window and interrupt (a GSI),
 * with the trigger and polarity its descriptor gives (an Interrupt descriptor's flags; a small IRQ
 * descriptor without its flags byte means edge, active high). */
struct acpi_mmio_dev {
	u64 base, size;
	u32 irq;
	bool edge, active_low;
	char name[5]; /* the Device's NameSeg, NUL-terminated */
};

/* One MCFG allocation: ECAM for buses bus_start..bus_end of a PCI segment group. `base` is the
 * address of bus 0's space, as in the table, even when bus_start > 0. */
struct acpi_mcfg_entry {
	u64 base;
	u16 segment;
	u8 bus_start, bus_end;
};

/* What hotmem keeps from the tables. Addresses are physical; a field is 0 / false when absent. */
struct acpi_info {
	u64 rsdp;	/* where the RSDP was */
	u8 revision;	/* RSDP revision: 0 (ACPI 1.0, RSDT only) or 2+ */
	char oem_id[7]; /* RSDP OEM id, NUL-terminated */
	bool use_xsdt;	/* the root table is the XSDT (else the RSDT) */
	u64 root;	/* the RSDT or XSDT */
	u64 fadt, dsdt, mcfg;
	u32 fadt_flags;
	u8 fadt_revision;
	u16 sci_int;
	u32 smi_cmd;			    /* port; 0: no SMI command port (ACPI mode is always on) */
	u8 acpi_enable;			    /* value for smi_cmd that turns ACPI mode on */
	struct acpi_gas pm1a_cnt, pm1b_cnt; /* address 0: absent (pm1b is optional) */
	bool reset_supported;		    /* RESET_REG_SUP and a usable RESET_REG */
	struct acpi_gas reset_reg;
	u8 reset_value;
	bool s5_found;		  /* `\_S5_` package found in the DSDT */
	u8 slp_typa, slp_typb;	  /* SLP_TYP values for S5 (3 bits each) */
	struct pm_timer pm_timer; /* port 0: none (absent, or a hardware-reduced machine) */
	u32 nr_mmio;		  /* virtio-mmio transports in the DSDT */
	struct acpi_mmio_dev mmio[ACPI_MAX_MMIO];
	u32 nr_mcfg;
	struct acpi_mcfg_entry mcfg_entries[ACPI_MAX_MCFG];
	u32 bad_checksums;	 /* tables used despite a wrong checksum (each warned once) */
	u64 madt;		 /* the MADT ("APIC"), 0 when absent */
	struct irq_topology irq; /* what it says (valid when madt != 0) */
};

/* Parse the tables reachable from the RSDP at `rsdp`. Fills *ai (zeroed first) and returns 0 when a
 * FADT was found (check pm1a_cnt/s5_found/reset_supported for what it allows); -ENOENT when the RSDP is
 * not there (bad signature or checksum), -EINVAL for a root table that cannot be used, -ENODEV when
 * there is no usable FADT (*ai still holds the RSDP, root and MCFG).
 * Every problem prints one `acpi:` line. Tables with a wrong checksum are warned about and used, as
 * Linux does; a length that is too small or runs past what `rd` can read makes a table unusable. */
int acpi_parse(struct acpi_info *ai, u64 rsdp, boot_phys_reader rd);

/* The legacy BIOS search for "RSD PTR " with a valid checksum: the first KiB of the EBDA (segment at
 * phys 0x40e), then 0xe0000..0xfffff, on 16-byte boundaries. Returns the physical address or 0. */
u64 acpi_scan_rsdp(boot_phys_reader rd);

/* Reads the MADT t[0..len) into *topo (zeroed first): the local APIC address (its 64-bit override
 * too), PCAT_COMPAT, the IOAPICs (at most IRQ_MAX_IOAPICS), the ISA overrides (at most
 * IRQ_MAX_OVERRIDES) with their trigger and polarity, the enabled local APICs. An entry whose length
 * is below 2 or runs past the table ends the walk, one too short for its type is skipped; each with
 * one line. 0, or -EINVAL for a table shorter than its fixed part. */
int acpi_parse_madt(const u8 *t, u32 len, struct irq_topology *topo);

/* Find `Name(_S5_, Package(n){a, b, ...})` in AML (the DSDT body) and decode SLP_TYPa/b. Elements may
 * be ZeroOp, OneOp, OnesOp or Byte/Word/DWord/QWord constants; only the low 3 bits matter. A package
 * with one element gives typb = typa. Returns 0, or -ENOENT (no _S5_) / -EINVAL (malformed). */
int acpi_find_s5(const u8 *aml, u32 len, u8 *typa, u8 *typb);

/* Find the virtio-mmio transports in AML (the DSDT body): each `Device` whose own names (those before
 * any nested Device) hold `Name (_HID, "LNRO0005")` and a `Name (_CRS, ResourceTemplate ())` with a
 * Memory32Fixed window and an Interrupt (Extended or small IRQ; the first of each counts). A bounded
 * byte scanner, not an interpreter: nothing past aml[len) is read. A transport whose _CRS does not
 * fit is skipped with one line; at most `max` are kept (one line says so). Returns how many. */
int acpi_find_virtio_mmio(const u8 *aml, u32 len, struct acpi_mmio_dev *out, unsigned max);

/* ---- kernel side (drivers/acpi/acpi.c, drivers/acpi/power.c) ---- */

/* Parse the tables once. rsdp: from boot_info (0 → scan the BIOS areas). Returns as acpi_parse().
 * Needs the early direct map (phys 0..4 GiB at PAGE_OFFSET). */
int acpi_init(u64 rsdp);
/* The parsed tables, or NULL when acpi_init() found no RSDP and root table (fadt == 0: no FADT). */
const struct acpi_info *acpi_get_info(void);
/* ECAM of PCI segment `segment`: its base and bus range. Returns 0, or -ENODEV without a matching
 * MCFG entry. */
int acpi_pci_ecam(u16 segment, u64 *base, u8 *bus_start, u8 *bus_end);

/* Enter S5 (soft off) through PM1a/PM1b_CNT, enabling ACPI mode first when SCI_EN is clear.
 * Returns only on failure: -ENODEV (no FADT or no \_S5_), -ETIMEDOUT (ACPI mode would not turn
 * on), -EIO (the machine is still running after the write). */
int acpi_poweroff(void);
/* Reset through RESET_REG when the FADT supports it, then the keyboard controller (0x64 ← 0xfe), then
 * a triple fault. Never returns. */
__noreturn void acpi_reboot(void);

#endif

/* ACPI in the kernel: find the RSDP, parse the tables once through the early direct map, keep the
 * result (struct acpi_info) for power-off, reset and PCI. */
#include <asm/memlayout.h>
#include "drivers/acpi.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"

static struct acpi_info acpi;
static bool acpi_ready;

/* Physical memory through the early direct map (phys 0..4 GiB at PAGE_OFFSET). */
static const void *acpi_phys_read(u64 phys, u64 len)
{
	if (len > EARLY_DIRECT_MAP_SIZE || phys > EARLY_DIRECT_MAP_SIZE - len)
		return NULL;
	return (const void *)(uintptr_t)(PAGE_OFFSET + phys);
}

static void print_gas(const char *what, const struct acpi_gas *g)
{
	printk(KERN_INFO "acpi: %s: %s 0x%llx (%u bits)\n", what,
	       g->space_id == ACPI_GAS_IO	? "io"
	       : g->space_id == ACPI_GAS_MEMORY ? "mem"
						: "space?",
	       (unsigned long long)g->address, g->bit_width);
}

int acpi_init(u64 rsdp)
{
	const struct acpi_info *ai = &acpi;

	if (!rsdp) {
		rsdp = acpi_scan_rsdp(acpi_phys_read);
		if (!rsdp) {
			pr_warn("acpi: no RSDP from the loader or the BIOS areas: no ACPI power-off or reset "
				"register\n");
			return -ENOENT;
		}
		pr_info("acpi: RSDP found by scanning the BIOS area at 0x%llx\n", (unsigned long long)rsdp);
	}
	int err = acpi_parse(&acpi, rsdp, acpi_phys_read);
	if (err && err != -ENODEV)
		return err;
	/* Without a FADT there is still the MCFG for PCI; power-off and reset check for the FADT. */
	acpi_ready = true;

	pr_info("acpi: RSDP 0x%llx rev %u (%s), %s 0x%llx\n", (unsigned long long)ai->rsdp, ai->revision,
		ai->oem_id, ai->use_xsdt ? "XSDT" : "RSDT", (unsigned long long)ai->root);
	if (ai->fadt) {
		pr_info("acpi: FADT 0x%llx rev %u, DSDT 0x%llx, SCI %u, SMI_CMD 0x%x\n",
			(unsigned long long)ai->fadt, ai->fadt_revision, (unsigned long long)ai->dsdt,
			ai->sci_int, ai->smi_cmd);
		if (ai->pm1a_cnt.address)
			print_gas("PM1a_CNT", &ai->pm1a_cnt);
		if (ai->pm1b_cnt.address)
			print_gas("PM1b_CNT", &ai->pm1b_cnt);
		if (ai->s5_found)
			pr_info("acpi: S5: SLP_TYPa %u, SLP_TYPb %u\n", ai->slp_typa, ai->slp_typb);
		if (ai->reset_supported)
			pr_info("acpi: reset register: %s 0x%llx <- 0x%x\n",
				ai->reset_reg.space_id == ACPI_GAS_IO ? "io" : "mem",
				(unsigned long long)ai->reset_reg.address, ai->reset_value);
	}
	for (u32 i = 0; i < ai->nr_mcfg; i++)
		pr_info("acpi: MCFG: ECAM 0x%llx segment %u buses %u-%u\n",
			(unsigned long long)ai->mcfg_entries[i].base, ai->mcfg_entries[i].segment,
			ai->mcfg_entries[i].bus_start, ai->mcfg_entries[i].bus_end);
	return err;
}

const struct acpi_info *acpi_get_info(void)
{
	return acpi_ready ? &acpi : NULL;
}

int acpi_pci_ecam(u16 segment, u64 *base, u8 *bus_start, u8 *bus_end)
{
	if (!acpi_ready)
		return -ENODEV;
	for (u32 i = 0; i < acpi.nr_mcfg; i++) {
		const struct acpi_mcfg_entry *e = &acpi.mcfg_entries[i];
		if (e->segment != segment)
			continue;
		*base = e->base;
		*bus_start = e->bus_start;
		*bus_end = e->bus_end;
		return 0;
	}
	return -ENODEV;
}

/* ---- in-kernel tests over the tables the firmware gave us ---- */

KTEST(acpi, fadt)
{
	const struct acpi_info *ai = acpi_get_info();
	KT_ASSERT(ai != NULL);
	KT_EXPECT(ai->fadt != 0);
	KT_EXPECT(ai->dsdt != 0);
	KT_EXPECT(ai->pm1a_cnt.address != 0);
	KT_EXPECT(ai->bad_checksums == 0);
	ktest_info("%s, FADT rev %u, PM1a_CNT 0x%llx", ai->use_xsdt ? "XSDT" : "RSDT", ai->fadt_revision,
		   (unsigned long long)ai->pm1a_cnt.address);
}

KTEST(acpi, s5)
{
	const struct acpi_info *ai = acpi_get_info();
	KT_ASSERT(ai != NULL);
	KT_EXPECT(ai->s5_found);
	ktest_info("SLP_TYPa %u SLP_TYPb %u", ai->slp_typa, ai->slp_typb);
}

KTEST(acpi, mcfg)
{
	const struct acpi_info *ai = acpi_get_info();
	u64 base = 0;
	u8 b0 = 0, b1 = 0;

	KT_ASSERT(ai != NULL);
	if (!ai->mcfg) {
		ktest_skip("no MCFG table (QEMU's pc machine has none)");
		return;
	}
	KT_EXPECT(acpi_pci_ecam(0, &base, &b0, &b1) == 0);
	KT_EXPECT(base != 0 && (base & 0xfffff) == 0); /* ECAM is 1 MiB per bus, aligned */
	KT_EXPECT(b0 <= b1);
	KT_EXPECT(acpi_pci_ecam(0x7fff, &base, &b0, &b1) == -ENODEV);
}

/* ACPI in the kernel: find the RSDP, parse the tables once through the early direct map, keep the
 * result (struct acpi_info) for power-off, reset and PCI. */
#include <asm/memlayout.h>
#include "drivers/acpi.h"
#include "kernel/errno.h"
#include "kernel/iomem.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "lib/string.h"

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
	       g->address, g->bit_width);
}

static u32 rd32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* Claims the table at phys as far as its header says (a FACS has the same signature and length
 * fields). A table that cannot be read or has an absurd length is claimed for its header only. */
static void claim_table(u64 phys)
{
	const u8 *h = phys ? acpi_phys_read(phys, 8) : NULL;
	char sig[5];

	if (!h)
		return;
	for (int i = 0; i < 4; i++)
		sig[i] = h[i] >= 0x20 && h[i] < 0x7f ? (char)h[i] : '?';
	sig[4] = 0;
	u32 len = rd32(h + 4);
	if (len < 8 || len > (16u << 20) || !acpi_phys_read(phys, len))
		len = 36;
	iomem_claim(phys, len, "ACPI %s", sig);
}

/* No device may be handed the firmware's tables or the ECAM they name (include/kernel/iomem.h):
 * the RSDP, the root table and every table it lists, the DSDT, the FACS, the MCFG windows. */
static void claim_tables(const struct acpi_info *ai)
{
	const u8 *p = acpi_phys_read(ai->rsdp, 36);
	if (p)
		iomem_claim(ai->rsdp,
			    ai->revision >= 2 && rd32(p + 20) >= 36 && rd32(p + 20) <= 4096 ? rd32(p + 20)
											    : 20,
			    "ACPI RSDP");
	claim_table(ai->root);
	const u8 *h = ai->root ? acpi_phys_read(ai->root, 36) : NULL;
	u32 len = h ? rd32(h + 4) : 0, esz = ai->use_xsdt ? 8 : 4;
	const u8 *root = len >= 36 && len <= (16u << 20) ? acpi_phys_read(ai->root, len) : NULL;
	for (u32 off = 36; root && off + esz <= len; off += esz)
		claim_table(ai->use_xsdt ? rd32(root + off) | (u64)rd32(root + off + 4) << 32
					 : rd32(root + off));
	claim_table(ai->dsdt);
	const u8 *f = ai->fadt ? acpi_phys_read(ai->fadt, 140) : NULL;
	if (f) {
		u64 facs = (u64)rd32(f + 132) | (u64)rd32(f + 136) << 32; /* X_FIRMWARE_CTRL */
		claim_table(facs && rd32(f + 4) >= 140 ? facs : rd32(f + 36));
	}
	for (u32 i = 0; i < ai->nr_mcfg; i++) {
		const struct acpi_mcfg_entry *e = &ai->mcfg_entries[i];
		iomem_claim(e->base + ((u64)e->bus_start << 20), (u64)(e->bus_end - e->bus_start + 1) << 20,
			    "ACPI MCFG ECAM");
	}
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
		pr_info("acpi: RSDP found by scanning the BIOS area at 0x%llx\n", rsdp);
	}
	int err = acpi_parse(&acpi, rsdp, acpi_phys_read);
	if (err && err != -ENODEV)
		return err;
	/* Without a FADT there is still the MCFG for PCI; power-off and reset check for the FADT. */
	acpi_ready = true;
	claim_tables(ai);

	pr_info("acpi: RSDP 0x%llx rev %u (%s), %s 0x%llx\n", ai->rsdp, ai->revision, ai->oem_id,
		ai->use_xsdt ? "XSDT" : "RSDT", ai->root);
	if (ai->fadt) {
		pr_info("acpi: FADT 0x%llx rev %u, DSDT 0x%llx, SCI %u, SMI_CMD 0x%x\n", ai->fadt,
			ai->fadt_revision, ai->dsdt, ai->sci_int, ai->smi_cmd);
		if (ai->pm1a_cnt.address)
			print_gas("PM1a_CNT", &ai->pm1a_cnt);
		if (ai->pm1b_cnt.address)
			print_gas("PM1b_CNT", &ai->pm1b_cnt);
		if (ai->s5_found)
			pr_info("acpi: S5: SLP_TYPa %u, SLP_TYPb %u\n", ai->slp_typa, ai->slp_typb);
		if (ai->reset_supported)
			pr_info("acpi: reset register: %s 0x%llx <- 0x%x\n",
				ai->reset_reg.space_id == ACPI_GAS_IO ? "io" : "mem", ai->reset_reg.address,
				ai->reset_value);
	}
	for (u32 i = 0; i < ai->nr_mcfg; i++)
		pr_info("acpi: MCFG: ECAM 0x%llx segment %u buses %u-%u\n", ai->mcfg_entries[i].base,
			ai->mcfg_entries[i].segment, ai->mcfg_entries[i].bus_start,
			ai->mcfg_entries[i].bus_end);
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
		   ai->pm1a_cnt.address);
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

/* Whether a claim named `name` covers [phys, phys + len). */
static bool claimed_as(u64 phys, u64 len, const char *name)
{
	for (unsigned i = 0; iomem_claim_at(i); i++) {
		const struct iomem_claim *c = iomem_claim_at(i);
		if (c->start <= phys && phys + len - 1 <= c->end && !strcmp(c->name, name))
			return true;
	}
	return false;
}

KTEST(acpi, tables_claimed)
{
	const struct acpi_info *ai = acpi_get_info();
	KT_ASSERT(ai != NULL);
	KT_EXPECT(claimed_as(ai->rsdp, 20, "ACPI RSDP"));
	KT_EXPECT(claimed_as(ai->root, 36, ai->use_xsdt ? "ACPI XSDT" : "ACPI RSDT"));
	KT_EXPECT(claimed_as(ai->fadt, 116, "ACPI FACP"));
	KT_EXPECT(claimed_as(ai->dsdt, 36, "ACPI DSDT"));
	for (u32 i = 0; i < ai->nr_mcfg; i++)
		KT_EXPECT(claimed_as(ai->mcfg_entries[i].base + ((u64)ai->mcfg_entries[i].bus_start << 20),
				     1 << 20, "ACPI MCFG ECAM"));
	ktest_info("%u physical ranges claimed", iomem_nr_claims());
}

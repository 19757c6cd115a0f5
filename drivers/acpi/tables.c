/* ACPI static tables: RSDP → XSDT/RSDT → FADT, DSDT (for \_S5_), MCFG. Pure C over a
 * boot_phys_reader, built for the kernel and for the host tests. Layouts: ACPI 6.5 chapter 5.2. */
#include "drivers/acpi.h"
#include "kernel/errno.h"
#include "kernel/printk.h"

#define SDT_HEADER_LEN 36
#define SDT_MAX_LEN    (16u << 20) /* a longer table is taken for garbage */
#define RSDP_V1_LEN    20
#define RSDP_V2_LEN    36

/* FADT field offsets (ACPI 6.5, table 5.9). */
#define FADT_DSDT	  40
#define FADT_SCI_INT	  46
#define FADT_SMI_CMD	  48
#define FADT_ACPI_ENABLE  52
#define FADT_PM1A_CNT	  64
#define FADT_PM1B_CNT	  68
#define FADT_PM1_CNT_LEN  89
#define FADT_PM_TMR_BLK	  76
#define FADT_PM_TMR_LEN	  91
#define FADT_X_PM_TMR_BLK 208
#define FADT_FLAGS	  112
#define FADT_RESET_REG	  116
#define FADT_RESET_VALUE  128
#define FADT_X_DSDT	  140
#define FADT_X_PM1A_CNT	  172
#define FADT_X_PM1B_CNT	  184
#define FADT_V1_LEN	  116 /* the ACPI 1.0 FADT ends with Flags */

#define MCFG_ENTRIES   44
#define MCFG_ENTRY_LEN 16

static u16 get16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 get64(const u8 *p)
{
	return (u64)get32(p) | (u64)get32(p + 4) << 32;
}

static bool sig_is(const u8 *p, const char *sig, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (p[i] != (u8)sig[i])
			return false;
	return true;
}

static u8 sum8(const u8 *p, u32 len)
{
	u8 s = 0;
	for (u32 i = 0; i < len; i++)
		s += p[i];
	return s;
}

static void get_gas(struct acpi_gas *g, const u8 *p)
{
	g->space_id = p[0];
	g->bit_width = p[1];
	g->bit_offset = p[2];
	g->access_size = p[3];
	g->address = get64(p + 4);
}

/* The 4-character signature of a table header as a printable string. */
static void sig_str(char out[5], const u8 *p)
{
	for (int i = 0; i < 4; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[4] = 0;
}

/* Map the whole table at `phys` whose signature must be `sig` (NULL: any). Returns it with its length
 * in *len, or NULL (with one line) when it cannot be read or its header is absurd. A wrong checksum is
 * warned about and counted, and the table is still returned. */
static const u8 *map_table(struct acpi_info *ai, u64 phys, const char *sig, boot_phys_reader rd, u32 *len)
{
	const u8 *h = rd(phys, SDT_HEADER_LEN);
	char name[5];

	if (!h) {
		pr_warn("acpi: %s at 0x%llx: not readable\n", sig ? sig : "table", phys);
		return NULL;
	}
	sig_str(name, h);
	if (sig && !sig_is(h, sig, 4)) {
		pr_warn("acpi: expected %s at 0x%llx, found '%s'\n", sig, phys, name);
		return NULL;
	}
	u32 l = get32(h + 4);
	if (l < SDT_HEADER_LEN || l > SDT_MAX_LEN) {
		pr_warn("acpi: %s at 0x%llx: bad length %u\n", name, phys, l);
		return NULL;
	}
	const u8 *t = rd(phys, l);
	if (!t) {
		pr_warn("acpi: %s at 0x%llx: %u bytes not readable\n", name, phys, l);
		return NULL;
	}
	u8 s = sum8(t, l);
	if (s) {
		pr_warn("acpi: %s at 0x%llx: bad checksum (sum 0x%x), using it anyway\n", name, phys, s);
		ai->bad_checksums++;
	}
	*len = l;
	return t;
}

/* Validate the RSDP; on success fill the RSDP fields of *ai and return the root table to use. */
static int parse_rsdp(struct acpi_info *ai, u64 rsdp, boot_phys_reader rd, u64 *rsdt, u64 *xsdt)
{
	const u8 *p = rd(rsdp, RSDP_V1_LEN);

	if (!p) {
		pr_warn("acpi: RSDP at 0x%llx: not readable\n", rsdp);
		return -ENOENT;
	}
	if (!sig_is(p, "RSD PTR ", 8)) {
		pr_warn("acpi: no RSDP signature at 0x%llx\n", rsdp);
		return -ENOENT;
	}
	if (sum8(p, RSDP_V1_LEN)) {
		pr_warn("acpi: RSDP at 0x%llx: bad checksum\n", rsdp);
		return -ENOENT;
	}
	ai->rsdp = rsdp;
	ai->revision = p[15];
	for (int i = 0; i < 6; i++)
		ai->oem_id[i] = (p[9 + i] >= 0x20 && p[9 + i] < 0x7f) ? (char)p[9 + i] : '?';
	ai->oem_id[6] = 0;
	*rsdt = get32(p + 16);
	*xsdt = 0;
	if (ai->revision < 2)
		return 0;

	/* ACPI 2.0+: the extended part is only trusted when its own checksum holds. */
	const u8 *p2 = rd(rsdp, RSDP_V2_LEN);
	u32 len = p2 ? get32(p2 + 20) : 0;
	if (!p2 || len < RSDP_V2_LEN || len > 4096 || !(p2 = rd(rsdp, len))) {
		pr_warn("acpi: RSDP rev %u at 0x%llx: bad length %u, using the RSDT\n", ai->revision, rsdp,
			len);
		return 0;
	}
	if (sum8(p2, len)) {
		pr_warn("acpi: RSDP at 0x%llx: bad extended checksum, ignoring the XSDT\n", rsdp);
		return 0;
	}
	*xsdt = get64(p2 + 24);
	return 0;
}

static void parse_fadt(struct acpi_info *ai, const u8 *f, u32 len)
{
	ai->fadt_revision = f[8];
	ai->dsdt = get32(f + FADT_DSDT);
	if (len >= FADT_X_DSDT + 8 && get64(f + FADT_X_DSDT))
		ai->dsdt = get64(f + FADT_X_DSDT);
	ai->sci_int = get16(f + FADT_SCI_INT);
	ai->smi_cmd = get32(f + FADT_SMI_CMD);
	ai->acpi_enable = f[FADT_ACPI_ENABLE];
	ai->fadt_flags = get32(f + FADT_FLAGS);

	/* PM1x_CNT: the 64-bit generic address wins when present, as in Linux. */
	u8 cnt_bits = (u8)(f[FADT_PM1_CNT_LEN] * 8);
	if (len >= FADT_X_PM1A_CNT + 12)
		get_gas(&ai->pm1a_cnt, f + FADT_X_PM1A_CNT);
	if (!ai->pm1a_cnt.address && get32(f + FADT_PM1A_CNT))
		ai->pm1a_cnt = (struct acpi_gas){ACPI_GAS_IO, cnt_bits, 0, 2, get32(f + FADT_PM1A_CNT)};
	if (len >= FADT_X_PM1B_CNT + 12)
		get_gas(&ai->pm1b_cnt, f + FADT_X_PM1B_CNT);
	if (!ai->pm1b_cnt.address && get32(f + FADT_PM1B_CNT))
		ai->pm1b_cnt = (struct acpi_gas){ACPI_GAS_IO, cnt_bits, 0, 2, get32(f + FADT_PM1B_CNT)};

	/* The PM timer: a port (the X_ address when it names one), 4 bytes wide, 24 bits unless
	 * TMR_VAL_EXT. A hardware-reduced machine has none, whatever the fields say. */
	u32 tmr = f[FADT_PM_TMR_LEN] == 4 ? get32(f + FADT_PM_TMR_BLK) : 0;
	if (len >= FADT_X_PM_TMR_BLK + 12 && f[FADT_X_PM_TMR_BLK] == ACPI_GAS_IO &&
	    get64(f + FADT_X_PM_TMR_BLK + 4) && get64(f + FADT_X_PM_TMR_BLK + 4) <= 0xffff)
		tmr = (u32)get64(f + FADT_X_PM_TMR_BLK + 4);
	if (tmr > 0xffff || (ai->fadt_flags & ACPI_FADT_HW_REDUCED))
		tmr = 0;
	ai->pm_timer.port = (u16)tmr;
	ai->pm_timer.bits32 = tmr && (ai->fadt_flags & ACPI_FADT_TMR_VAL_EXT);

	if ((ai->fadt_flags & ACPI_FADT_RESET_REG_SUP) && len >= FADT_RESET_VALUE + 1) {
		get_gas(&ai->reset_reg, f + FADT_RESET_REG);
		ai->reset_value = f[FADT_RESET_VALUE];
		ai->reset_supported = ai->reset_reg.address && (ai->reset_reg.space_id == ACPI_GAS_IO ||
								ai->reset_reg.space_id == ACPI_GAS_MEMORY);
		if (!ai->reset_supported)
			pr_warn("acpi: FADT reset register (space %u, address 0x%llx) unusable\n",
				ai->reset_reg.space_id, ai->reset_reg.address);
	}
}

static void parse_mcfg(struct acpi_info *ai, const u8 *m, u32 len)
{
	if (len < MCFG_ENTRIES) {
		pr_warn("acpi: MCFG too short (%u bytes)\n", len);
		return;
	}
	u32 n = (len - MCFG_ENTRIES) / MCFG_ENTRY_LEN;
	if (n > ACPI_MAX_MCFG) {
		pr_warn("acpi: MCFG has %u entries, keeping the first %u\n", n, ACPI_MAX_MCFG);
		n = ACPI_MAX_MCFG;
	}
	for (u32 i = 0; i < n; i++) {
		const u8 *e = m + MCFG_ENTRIES + i * MCFG_ENTRY_LEN;
		struct acpi_mcfg_entry *o = &ai->mcfg_entries[ai->nr_mcfg];
		o->base = get64(e);
		o->segment = get16(e + 8);
		o->bus_start = e[10];
		o->bus_end = e[11];
		if (!o->base || o->bus_end < o->bus_start) {
			pr_warn("acpi: MCFG entry %u (base 0x%llx, buses %u-%u) ignored\n", i, o->base,
				o->bus_start, o->bus_end);
			continue;
		}
		ai->nr_mcfg++;
	}
}

/* Look for \_S5_ in the AML of the table at `phys` (DSDT or SSDT). */
static bool find_s5_in(struct acpi_info *ai, u64 phys, const char *sig, boot_phys_reader rd)
{
	u32 len;
	const u8 *t = map_table(ai, phys, sig, rd, &len);

	if (!t)
		return false;
	int err = acpi_find_s5(t + SDT_HEADER_LEN, len - SDT_HEADER_LEN, &ai->slp_typa, &ai->slp_typb);
	if (err == -EINVAL)
		pr_warn("acpi: malformed \\_S5_ package in %.4s at 0x%llx\n", (const char *)t, phys);
	ai->s5_found = err == 0;
	return ai->s5_found;
}

int acpi_parse(struct acpi_info *ai, u64 rsdp, boot_phys_reader rd)
{
	u64 rsdt, xsdt;
	u32 len = 0;
	const u8 *root = NULL;
	int err;

	*ai = (struct acpi_info){0};
	err = parse_rsdp(ai, rsdp, rd, &rsdt, &xsdt);
	if (err)
		return err;

	if (xsdt) {
		root = map_table(ai, xsdt, "XSDT", rd, &len);
		if (root) {
			ai->use_xsdt = true;
			ai->root = xsdt;
		} else if (rsdt) {
			pr_warn("acpi: falling back to the RSDT at 0x%llx\n", rsdt);
		}
	}
	if (!root && rsdt) {
		root = map_table(ai, rsdt, "RSDT", rd, &len);
		ai->root = rsdt;
	}
	if (!root) {
		pr_warn("acpi: no usable RSDT or XSDT\n");
		return -EINVAL;
	}

	u32 esz = ai->use_xsdt ? 8 : 4;
	if ((len - SDT_HEADER_LEN) % esz)
		pr_warn("acpi: %s length %u is not a whole number of entries\n",
			ai->use_xsdt ? "XSDT" : "RSDT", len);
	u32 n = (len - SDT_HEADER_LEN) / esz;
	const u8 *fadt = NULL;
	u32 fadt_len = 0;

	for (u32 i = 0; i < n; i++) {
		const u8 *e = root + SDT_HEADER_LEN + i * esz;
		u64 phys = ai->use_xsdt ? get64(e) : get32(e);
		const u8 *h = phys ? rd(phys, SDT_HEADER_LEN) : NULL;
		if (!h)
			continue;
		if (sig_is(h, "FACP", 4) && !ai->fadt) {
			fadt = map_table(ai, phys, "FACP", rd, &fadt_len);
			if (fadt)
				ai->fadt = phys;
		} else if (sig_is(h, "APIC", 4) && !ai->madt) {
			u32 alen;
			const u8 *m = map_table(ai, phys, "APIC", rd, &alen);
			if (m && acpi_parse_madt(m, alen, &ai->irq) == 0)
				ai->madt = phys;
		} else if (sig_is(h, "MCFG", 4) && !ai->mcfg) {
			u32 mlen;
			const u8 *m = map_table(ai, phys, "MCFG", rd, &mlen);
			if (m) {
				ai->mcfg = phys;
				parse_mcfg(ai, m, mlen);
			}
		}
	}

	if (!fadt) {
		pr_warn("acpi: no usable FADT\n");
		return -ENODEV;
	}
	if (fadt_len < FADT_V1_LEN) {
		pr_warn("acpi: FADT too short (%u bytes, need %u)\n", fadt_len, FADT_V1_LEN);
		ai->fadt = 0;
		return -ENODEV;
	}
	parse_fadt(ai, fadt, fadt_len);

	/* \_S5_ is nearly always in the DSDT; some firmware defines it in an SSDT. */
	if (ai->dsdt && !find_s5_in(ai, ai->dsdt, "DSDT", rd)) {
		for (u32 i = 0; i < n && !ai->s5_found; i++) {
			const u8 *e = root + SDT_HEADER_LEN + i * esz;
			u64 phys = ai->use_xsdt ? get64(e) : get32(e);
			const u8 *h = phys ? rd(phys, SDT_HEADER_LEN) : NULL;
			if (h && sig_is(h, "SSDT", 4))
				find_s5_in(ai, phys, "SSDT", rd);
		}
	}
	/* virtio-mmio transports (microvm with ACPI lists them there, not on the command line). */
	const u8 *dh = ai->dsdt ? rd(ai->dsdt, SDT_HEADER_LEN) : NULL;
	u32 dlen = dh ? get32(dh + 4) : 0;
	const u8 *dsdt = dlen > SDT_HEADER_LEN ? rd(ai->dsdt, dlen) : NULL;
	if (dsdt)
		ai->nr_mmio = (u32)acpi_find_virtio_mmio(dsdt + SDT_HEADER_LEN, dlen - SDT_HEADER_LEN,
							 ai->mmio, ACPI_MAX_MMIO);
	if (!ai->dsdt)
		pr_warn("acpi: FADT names no DSDT\n");
	if (!ai->s5_found)
		pr_warn("acpi: no \\_S5_ object: ACPI power-off unavailable\n");
	if (!ai->pm1a_cnt.address)
		pr_warn("acpi: FADT has no PM1a control block: ACPI power-off unavailable\n");
	return 0;
}

static u64 scan_area(u64 start, u32 len, boot_phys_reader rd)
{
	const u8 *p = rd(start, len);

	if (!p)
		return 0;
	for (u32 off = 0; off + RSDP_V1_LEN <= len; off += 16)
		if (sig_is(p + off, "RSD PTR ", 8) && sum8(p + off, RSDP_V1_LEN) == 0)
			return start + off;
	return 0;
}

u64 acpi_scan_rsdp(boot_phys_reader rd)
{
	const u8 *bda = rd(0x40e, 2);
	u64 found = 0;

	if (bda) {
		u64 ebda = (u64)get16(bda) << 4;
		/* The EBDA lives just below 640 KiB; anything else is not an EBDA pointer. */
		if (ebda >= 0x80000 && ebda + 1024 <= 0xa0000)
			found = scan_area(ebda, 1024, rd);
	}
	if (!found)
		found = scan_area(0xe0000, 0x20000, rd);
	return found;
}

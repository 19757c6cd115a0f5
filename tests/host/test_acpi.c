/* host-srcs: drivers/acpi/tables.c drivers/acpi/aml_s5.c drivers/acpi/madt.c drivers/acpi/aml_mmio.c tests/host/acpi_fake.c */
/* ACPI table parsing over hand-built tables in a fake physical memory: RSDP v1/v2, RSDT/XSDT, FADT
 * (legacy and X_ fields, reset register), DSDT/SSDT \_S5_ in every encoding, MCFG, and broken
 * variants (checksums, truncation, garbage). */
#include <stdlib.h>
#include <string.h>

#include "acpi_fake.h"
#include "drivers/acpi.h"
#include "kernel/errno.h"
#include "host_test.h"

#define RSDP  0xf5a80
#define RSDT  0x100000
#define XSDT  0x100100
#define FADT  0x101000
#define DSDT  0x102000
#define MCFG  0x103000
#define SSDT  0x104000
#define FADT2 0x105000
#define DSDT2 0x106000

/* QEMU's own: Name (_S5_, Package (0x04) { Zero, Zero, Zero, Zero }) after some unrelated AML. */
static const u8 s5_qemu[] = {0x10, 0x05, '_',  'S',  'B',  '_',	 0x08, '_',  'S',
			     '5',  '_',	 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};

struct fadt_spec {
	u8 rev;
	u32 len; /* total table length: 116 (ACPI 1.0), 244 (ACPI 2.0..), 276 (6.x) */
	u32 dsdt;
	u64 x_dsdt;
	u32 pm1a, pm1b;
	struct acpi_gas x_pm1a, x_pm1b;
	u32 flags;
	struct acpi_gas reset;
	u8 reset_value;
	u32 smi_cmd;
	u8 acpi_enable;
	u32 pm_tmr; /* PM_TMR_BLK, written with PM_TMR_LEN 4 (pm_tmr_len overrides) */
	u8 pm_tmr_len;
	struct acpi_gas x_pm_tmr;
};

static void put_gas(u8 *p, const struct acpi_gas *g)
{
	p[0] = g->space_id;
	p[1] = g->bit_width;
	p[2] = g->bit_offset;
	p[3] = g->access_size;
	put64(p + 4, g->address);
}

/* Offsets below are into the whole table; the body starts at 36. */
static void build_fadt(u64 phys, const struct fadt_spec *s)
{
	u8 t[276] = {0};
	u32 len = s->len ? s->len : 276;

	put32(t + 40, s->dsdt);
	put16(t + 46, 9);
	put32(t + 48, s->smi_cmd);
	t[52] = s->acpi_enable;
	put32(t + 64, s->pm1a);
	put32(t + 68, s->pm1b);
	t[89] = 2;
	put32(t + 76, s->pm_tmr);
	t[91] = s->pm_tmr_len ? s->pm_tmr_len : s->pm_tmr ? 4 : 0;
	put32(t + 112, s->flags);
	if (len >= 129) {
		put_gas(t + 116, &s->reset);
		t[128] = s->reset_value;
	}
	if (len >= 148)
		put64(t + 140, s->x_dsdt);
	if (len >= 184)
		put_gas(t + 172, &s->x_pm1a);
	if (len >= 196)
		put_gas(t + 184, &s->x_pm1b);
	if (len >= 220)
		put_gas(t + 208, &s->x_pm_tmr);
	fake_sdt(phys, "FACP", s->rev ? s->rev : 6, t + 36, len - 36);
}

static void build_root(u64 phys, bool xsdt, const u64 *entries, int n)
{
	u8 body[8 * 16];
	for (int i = 0; i < n; i++) {
		if (xsdt)
			put64(body + 8 * i, entries[i]);
		else
			put32(body + 4 * i, (u32)entries[i]);
	}
	fake_sdt(phys, xsdt ? "XSDT" : "RSDT", 1, body, (u32)(n * (xsdt ? 8 : 4)));
}

/* A complete ACPI 1.0 machine (SeaBIOS on QEMU pc): RSDP v0 → RSDT → FADT(116 bytes) → DSDT. */
static void build_v1_machine(void)
{
	u64 e[] = {FADT};
	fake_mem_reset();
	fake_rsdp(RSDP, 0, RSDT, 0);
	build_root(RSDT, false, e, 1);
	build_fadt(
	    FADT,
	    &(struct fadt_spec){
		.rev = 1, .len = 116, .dsdt = DSDT, .pm1a = 0xb004, .smi_cmd = 0xb2, .acpi_enable = 0xf1});
	fake_sdt(DSDT, "DSDT", 1, s5_qemu, sizeof(s5_qemu));
}

/* ACPI 2.0+ (OVMF on q35): RSDP v2 → XSDT → FADT(276) with X_ fields, MCFG; and an RSDT that
 * points at a different FADT so the tests can tell which root was used. */
static void build_v2_machine(void)
{
	u64 xe[] = {FADT, MCFG};
	u64 re[] = {FADT2};
	u8 mcfg[8 + 16] = {0};

	fake_mem_reset();
	fake_rsdp(RSDP, 2, RSDT, XSDT);
	build_root(XSDT, true, xe, 2);
	build_root(RSDT, false, re, 1);
	build_fadt(FADT, &(struct fadt_spec){
			     .dsdt = DSDT2,
			     .x_dsdt = DSDT,
			     .pm1a = 0x1234,
			     .x_pm1a = {ACPI_GAS_IO, 16, 0, 2, 0x604},
			     .flags = ACPI_FADT_RESET_REG_SUP,
			     .reset = {ACPI_GAS_IO, 8, 0, 1, 0xcf9},
			     .reset_value = 0x06,
			 });
	build_fadt(FADT2, &(struct fadt_spec){.rev = 1, .len = 116, .dsdt = DSDT2, .pm1a = 0xb004});
	u8 s5_five[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x05};
	u8 s5_seven[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x07, 0x01};
	fake_sdt(DSDT, "DSDT", 2, s5_seven, sizeof(s5_seven));
	fake_sdt(DSDT2, "DSDT", 2, s5_five, sizeof(s5_five));
	put64(mcfg + 8, 0xb0000000);
	put16(mcfg + 16, 0);
	mcfg[18] = 0;
	mcfg[19] = 255;
	fake_sdt(MCFG, "MCFG", 1, mcfg, sizeof(mcfg));
}

/* ---- RSDP, root tables ---- */

static void t_v1_machine(void)
{
	struct acpi_info ai;
	build_v1_machine();
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(ai.rsdp == RSDP && ai.revision == 0);
	CHECK(strcmp(ai.oem_id, "BOCHS ") == 0);
	CHECK(!ai.use_xsdt && ai.root == RSDT);
	CHECK(ai.fadt == FADT && ai.dsdt == DSDT);
	CHECK(ai.pm1a_cnt.space_id == ACPI_GAS_IO && ai.pm1a_cnt.address == 0xb004);
	CHECK(ai.pm1a_cnt.bit_width == 16);
	CHECK(ai.pm1b_cnt.address == 0);
	CHECK(ai.smi_cmd == 0xb2 && ai.acpi_enable == 0xf1 && ai.sci_int == 9);
	CHECK(ai.s5_found && ai.slp_typa == 0 && ai.slp_typb == 0);
	CHECK(!ai.reset_supported);
	CHECK(ai.nr_mcfg == 0 && ai.mcfg == 0);
	CHECK(ai.bad_checksums == 0);
}

static void t_v2_prefers_xsdt(void)
{
	struct acpi_info ai;
	build_v2_machine();
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(ai.revision == 2 && ai.use_xsdt && ai.root == XSDT);
	CHECK(ai.fadt == FADT);
	CHECK(ai.dsdt == DSDT);		     /* X_DSDT over DSDT */
	CHECK(ai.pm1a_cnt.address == 0x604); /* X_PM1a_CNT_BLK over PM1a_CNT_BLK */
	CHECK(ai.s5_found && ai.slp_typa == 7 && ai.slp_typb == 1);
	CHECK(ai.reset_supported && ai.reset_reg.space_id == ACPI_GAS_IO);
	CHECK(ai.reset_reg.address == 0xcf9 && ai.reset_value == 6);
	CHECK(ai.mcfg == MCFG && ai.nr_mcfg == 1);
	CHECK(ai.mcfg_entries[0].base == 0xb0000000 && ai.mcfg_entries[0].bus_end == 255);
}

static void t_rsdp_bad_checksum(void)
{
	struct acpi_info ai;
	build_v1_machine();
	fake_mem(RSDP)[8] ^= 1;
	host_log_clear();
	CHECK(acpi_parse(&ai, RSDP, fake_rd) == -ENOENT);
	CHECK(host_log_contains("RSDP at 0xf5a80: bad checksum"));
}

static void t_rsdp_bad_signature(void)
{
	struct acpi_info ai;
	build_v1_machine();
	CHECK(acpi_parse(&ai, RSDP + 16, fake_rd) == -ENOENT);
	CHECK(acpi_parse(&ai, FAKE_MEM_SIZE - 4, fake_rd) == -ENOENT); /* unreadable */
}

static void t_rsdp_bad_ext_checksum(void)
{
	struct acpi_info ai;
	build_v2_machine();
	fake_mem(RSDP)[33] ^= 0x40; /* reserved byte: only the extended checksum sees it */
	host_log_clear();
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(host_log_contains("bad extended checksum"));
	CHECK(!ai.use_xsdt && ai.root == RSDT && ai.fadt == FADT2);
	CHECK(ai.pm1a_cnt.address == 0xb004);
	CHECK(ai.s5_found && ai.slp_typa == 5 && ai.slp_typb == 5);
}

static void t_xsdt_broken_falls_back(void)
{
	struct acpi_info ai;
	build_v2_machine();
	memcpy(fake_mem(XSDT), "XSDX", 4);
	host_log_clear();
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(host_log_contains("falling back to the RSDT"));
	CHECK(!ai.use_xsdt && ai.fadt == FADT2);

	/* An XSDT whose length runs past readable memory. */
	build_v2_machine();
	put32(fake_mem(XSDT) + 4, FAKE_MEM_SIZE);
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(!ai.use_xsdt && ai.fadt == FADT2);

	/* Neither root usable. */
	build_v2_machine();
	put32(fake_mem(XSDT) + 4, 12);
	put32(fake_mem(RSDT) + 4, 0);
	CHECK(acpi_parse(&ai, RSDP, fake_rd) == -EINVAL);
}

static void t_table_bad_checksum_used(void)
{
	struct acpi_info ai;
	build_v2_machine();
	fake_mem(FADT)[9] ^= 0x11;
	host_log_clear();
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(ai.bad_checksums == 1);
	CHECK(host_log_contains("FACP at 0x101000: bad checksum"));
	CHECK(ai.fadt == FADT && ai.pm1a_cnt.address == 0x604 && ai.s5_found);
}

static void t_root_odd_length(void)
{
	struct acpi_info ai;
	build_v2_machine();
	u8 *x = fake_mem(XSDT);
	put32(x + 4, 36 + 8 + 5); /* one whole entry and a piece */
	fake_fix_checksum(x, 36 + 8 + 5, 9);
	host_log_clear();
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(host_log_contains("not a whole number of entries"));
	CHECK(ai.fadt == FADT && ai.mcfg == 0);
}

/* ---- FADT ---- */

static void t_fadt_missing_or_short(void)
{
	struct acpi_info ai;
	build_v1_machine();
	memcpy(fake_mem(FADT), "FACX", 4);
	CHECK(acpi_parse(&ai, RSDP, fake_rd) == -ENODEV);

	build_v1_machine();
	build_fadt(FADT, &(struct fadt_spec){.rev = 1, .len = 100, .dsdt = DSDT, .pm1a = 0xb004});
	host_log_clear();
	CHECK(acpi_parse(&ai, RSDP, fake_rd) == -ENODEV);
	CHECK(host_log_contains("FADT too short"));

	/* A FADT whose length field says more than the memory holds. */
	build_v1_machine();
	put32(fake_mem(FADT) + 4, 0x7fffffff);
	CHECK(acpi_parse(&ai, RSDP, fake_rd) == -ENODEV);
}

static void t_fadt_pm1b_and_legacy_fallback(void)
{
	struct acpi_info ai;
	build_v2_machine();
	/* X_ blocks zero: the 32-bit ports are used; PM1b present. */
	build_fadt(FADT, &(struct fadt_spec){.dsdt = DSDT, .pm1a = 0x404, .pm1b = 0x444});
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(ai.pm1a_cnt.address == 0x404 && ai.pm1a_cnt.space_id == ACPI_GAS_IO);
	CHECK(ai.pm1b_cnt.address == 0x444);
	CHECK(!ai.reset_supported);

	/* X_PM1b in memory space. */
	build_fadt(FADT, &(struct fadt_spec){
			     .dsdt = DSDT, .pm1a = 0x404, .x_pm1b = {ACPI_GAS_MEMORY, 16, 0, 2, 0xfed00000}});
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(ai.pm1b_cnt.space_id == ACPI_GAS_MEMORY && ai.pm1b_cnt.address == 0xfed00000);
}

static void t_fadt_reset_reg(void)
{
	struct acpi_info ai;
	build_v2_machine();
	/* A reset register without RESET_REG_SUP is not used. */
	build_fadt(FADT, &(struct fadt_spec){.x_dsdt = DSDT,
					     .pm1a = 0x604,
					     .reset = {ACPI_GAS_IO, 8, 0, 1, 0xcf9},
					     .reset_value = 6});
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(!ai.reset_supported);

	build_fadt(FADT, &(struct fadt_spec){.x_dsdt = DSDT,
					     .pm1a = 0x604,
					     .flags = ACPI_FADT_RESET_REG_SUP,
					     .reset = {ACPI_GAS_MEMORY, 8, 0, 1, 0xfee00000},
					     .reset_value = 0x0e});
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(ai.reset_supported && ai.reset_reg.space_id == ACPI_GAS_MEMORY);
	CHECK(ai.reset_reg.address == 0xfee00000 && ai.reset_value == 0x0e);

	/* PCI config space (space 2) is not something we can write: flagged unusable. */
	build_fadt(FADT, &(struct fadt_spec){.x_dsdt = DSDT,
					     .pm1a = 0x604,
					     .flags = ACPI_FADT_RESET_REG_SUP,
					     .reset = {2, 8, 0, 1, 0x1f00cf9},
					     .reset_value = 6});
	host_log_clear();
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(!ai.reset_supported);
	CHECK(host_log_contains("reset register (space 2"));
}

/* ---- DSDT / SSDT ---- */

/* One FADT as the only table; returns what the parse kept of the PM timer. */
static struct pm_timer pm_timer_of(const struct fadt_spec *spec)
{
	struct acpi_info ai;
	u64 e[] = {FADT};
	fake_mem_reset();
	fake_rsdp(RSDP, 0, RSDT, 0);
	build_root(RSDT, false, e, 1);
	build_fadt(FADT, spec);
	fake_sdt(DSDT, "DSDT", 1, s5_qemu, sizeof(s5_qemu));
	if (acpi_parse(&ai, RSDP, fake_rd) != 0)
		return (struct pm_timer){0xdead, true};
	return ai.pm_timer;
}

static void t_fadt_pm_timer(void)
{
	struct pm_timer p;
	/* SeaBIOS on pc: ACPI 1.0, port 0xb008, 24 bits */
	p = pm_timer_of(&(struct fadt_spec){.rev = 1, .len = 116, .dsdt = DSDT, .pm_tmr = 0xb008});
	CHECK(p.port == 0xb008 && !p.bits32);
	/* q35: 0x608 with TMR_VAL_EXT (32 bits) */
	p = pm_timer_of(&(struct fadt_spec){.dsdt = DSDT, .pm_tmr = 0x608, .flags = ACPI_FADT_TMR_VAL_EXT});
	CHECK(p.port == 0x608 && p.bits32);
	/* the X_ block wins when it names a port; one in memory space is not used */
	p = pm_timer_of(
	    &(struct fadt_spec){.dsdt = DSDT, .pm_tmr = 0x608, .x_pm_tmr = {ACPI_GAS_IO, 32, 0, 3, 0x708}});
	CHECK(p.port == 0x708 && !p.bits32);
	p = pm_timer_of(&(struct fadt_spec){
	    .dsdt = DSDT, .pm_tmr = 0x608, .x_pm_tmr = {ACPI_GAS_MEMORY, 32, 0, 3, 0xfed00000}});
	CHECK(p.port == 0x608);
	/* absent: no block, a length other than 4, a hardware-reduced machine (microvm) */
	p = pm_timer_of(&(struct fadt_spec){.dsdt = DSDT});
	CHECK(p.port == 0 && !p.bits32);
	p = pm_timer_of(&(struct fadt_spec){.dsdt = DSDT, .pm_tmr = 0x608, .pm_tmr_len = 2});
	CHECK(p.port == 0);
	p = pm_timer_of(&(struct fadt_spec){
	    .dsdt = DSDT, .pm_tmr = 0x608, .flags = ACPI_FADT_HW_REDUCED | ACPI_FADT_TMR_VAL_EXT});
	CHECK(p.port == 0 && !p.bits32);
	/* a port number past 0xffff */
	p = pm_timer_of(&(struct fadt_spec){.dsdt = DSDT, .pm_tmr = 0x10008});
	CHECK(p.port == 0);
}

static void t_dsdt_broken(void)
{
	struct acpi_info ai;
	build_v1_machine();
	put32(fake_mem(DSDT) + 4, 20); /* shorter than a header */
	host_log_clear();
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(!ai.s5_found);
	CHECK(host_log_contains("ACPI power-off unavailable"));

	build_v1_machine();
	u8 no_s5[] = {0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x00, 0x00};
	fake_sdt(DSDT, "DSDT", 1, no_s5, sizeof(no_s5));
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(!ai.s5_found);
}

static void t_s5_in_ssdt(void)
{
	struct acpi_info ai;
	u64 e[] = {FADT, SSDT};
	u8 empty[] = {0x10, 0x05, '_', 'S', 'B', '_'};
	u8 s5[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x03};

	build_v1_machine();
	build_root(RSDT, false, e, 2);
	fake_sdt(DSDT, "DSDT", 1, empty, sizeof(empty));
	fake_sdt(SSDT, "SSDT", 1, s5, sizeof(s5));
	REQUIRE(acpi_parse(&ai, RSDP, fake_rd) == 0);
	CHECK(ai.s5_found && ai.slp_typa == 3 && ai.slp_typb == 3);
}

/* ---- \_S5_ in AML, on exact-sized heap buffers so ASan sees any over-read ---- */

static int s5(const u8 *aml, u32 len, u8 *a, u8 *b)
{
	u8 *copy = malloc(len ? len : 1);
	memcpy(copy, aml, len);
	*a = *b = 0xee;
	int err = acpi_find_s5(copy, len, a, b);
	free(copy);
	return err;
}

static void t_s5_encodings(void)
{
	u8 a, b;
	const u8 zero[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x00};
	const u8 one[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x01};
	const u8 bytes[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x06};
	const u8 mixed[] = {0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x07, 0x00};
	const u8 wide[] = {0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x02, 0x0b, 0x02, 0x00, 0x0c, 0x04, 0, 0, 0};
	const u8 ones[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0xff, 0x00};
	const u8 rooted[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05, 0x01};

	CHECK(s5(zero, sizeof(zero), &a, &b) == 0 && a == 0 && b == 0);
	CHECK(s5(one, sizeof(one), &a, &b) == 0 && a == 1 && b == 1);
	CHECK(s5(bytes, sizeof(bytes), &a, &b) == 0 && a == 5 && b == 6);
	CHECK(s5(mixed, sizeof(mixed), &a, &b) == 0 && a == 7 && b == 0);
	CHECK(s5(wide, sizeof(wide), &a, &b) == 0 && a == 2 && b == 4);
	CHECK(s5(ones, sizeof(ones), &a, &b) == 0 && a == 7 && b == 0);
	CHECK(s5(rooted, sizeof(rooted), &a, &b) == 0 && a == 5 && b == 1);
	CHECK(s5(s5_qemu, sizeof(s5_qemu), &a, &b) == 0 && a == 0 && b == 0);
}

static void t_s5_single_and_long_pkglength(void)
{
	u8 a, b;
	const u8 single[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05};
	/* Two-byte PkgLength (lead 0x40 | low nibble, then 8 more bits): length 7 written long. */
	const u8 longlen[] = {0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x02, 0x0a, 0x02, 0x0a, 0x03};
	CHECK(s5(single, sizeof(single), &a, &b) == 0 && a == 5 && b == 5);
	CHECK(s5(longlen, sizeof(longlen), &a, &b) == 0 && a == 2 && b == 3);
}

static void t_s5_missing_and_malformed(void)
{
	u8 a, b;
	const u8 none[] = {0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x00, 0x00};
	/* _S5_ used, not defined (e.g. a method call): ignored. */
	const u8 ref[] = {0x70, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x00};
	const u8 at_end[] = {0x00, 0x08, '_', 'S', '5', '_'};
	const u8 no_pkg[] = {0x08, '_', 'S', '5', '_', 0x0a, 0x05};
	const u8 pkg_past_end[] = {0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x02, 0x0a, 0x05};
	const u8 elem_past_end[] = {0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x02, 0x0a};
	const u8 word_cut[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0b, 0x02};
	const u8 zero_elems[] = {0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00};
	const u8 bad_elem[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x70, 0x00};
	const u8 bad_lead[] = {0x08, '_', 'S', '5', '_', 0x12, 0x76, 0x00, 0x02, 0x00, 0x00};
	const u8 lead_cut[] = {0x08, '_', 'S', '5', '_', 0x12, 0xc6};
	const u8 first_bad_then_good[] = {0x08, '_', 'S', '5', '_', 0x0a, 0x05, /* not a package */
					  0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x04, 0x00};

	CHECK(s5(none, sizeof(none), &a, &b) == -ENOENT);
	CHECK(s5(ref, sizeof(ref), &a, &b) == -ENOENT);
	CHECK(s5(none, 0, &a, &b) == -ENOENT);
	CHECK(s5(at_end, sizeof(at_end), &a, &b) == -EINVAL);
	CHECK(s5(no_pkg, sizeof(no_pkg), &a, &b) == -EINVAL);
	CHECK(s5(pkg_past_end, sizeof(pkg_past_end), &a, &b) == -EINVAL);
	CHECK(s5(elem_past_end, sizeof(elem_past_end), &a, &b) == -EINVAL);
	CHECK(s5(word_cut, sizeof(word_cut), &a, &b) == -EINVAL);
	CHECK(s5(zero_elems, sizeof(zero_elems), &a, &b) == -EINVAL);
	CHECK(s5(bad_elem, sizeof(bad_elem), &a, &b) == -EINVAL);
	CHECK(s5(bad_lead, sizeof(bad_lead), &a, &b) == -EINVAL);
	CHECK(s5(lead_cut, sizeof(lead_cut), &a, &b) == -EINVAL);
	CHECK(s5(first_bad_then_good, sizeof(first_bad_then_good), &a, &b) == 0 && a == 4 && b == 0);
}

/* Every prefix of a good definition, and seeded random bytes: never a crash or over-read. */
static void t_s5_fuzz(void)
{
	u8 a, b, buf[64];
	for (u32 n = 0; n < sizeof(s5_qemu); n++)
		CHECK(s5(s5_qemu, n, &a, &b) != 0);
	srand(2);
	for (int i = 0; i < 20000; i++) {
		u32 n = (u32)(rand() % (int)sizeof(buf));
		for (u32 j = 0; j < n; j++)
			buf[j] = (u8)rand();
		if (n > 8 && (i & 1)) /* plant the name so the package parser gets exercised */
			memcpy(buf + rand() % (int)(n - 5), "\x08_S5_", 5);
		int err = s5(buf, n, &a, &b);
		CHECK(err == 0 || err == -ENOENT || err == -EINVAL);
		if (err == 0)
			CHECK(a < 8 && b < 8);
	}
}

/* Random corruption of a whole v2 table set: acpi_parse returns something sane, never crashes. */
static void t_parse_fuzz(void)
{
	struct acpi_info ai;
	const u64 areas[] = {RSDP, XSDT, RSDT, FADT, DSDT, MCFG};
	const u32 sizes[] = {36, 52, 40, 276, 48, 60};
	bool save = host_log_echo;

	host_log_echo = false;
	srand(3);
	for (int i = 0; i < 3000; i++) {
		build_v2_machine();
		int k = rand() % 6, flips = 1 + rand() % 4;
		for (int f = 0; f < flips; f++)
			fake_mem(areas[k])[rand() % sizes[k]] = (u8)rand();
		int err = acpi_parse(&ai, RSDP, fake_rd);
		CHECK(err == 0 || err == -ENOENT || err == -EINVAL || err == -ENODEV);
		CHECK(ai.nr_mcfg <= ACPI_MAX_MCFG && ai.slp_typa < 8 && ai.slp_typb < 8);
	}
	host_log_echo = save;
	fake_mem_reset();
}

/* ---- legacy RSDP scan ---- */

static void t_scan(void)
{
	fake_mem_reset();
	CHECK(acpi_scan_rsdp(fake_rd) == 0);

	/* Only in the BIOS area, behind a candidate with a bad checksum and one off the 16-byte grid. */
	fake_rsdp(0xe0040, 0, RSDT, 0);
	fake_mem(0xe0040)[8] ^= 1;
	fake_rsdp(0xe0108, 0, RSDT, 0);
	fake_rsdp(0xf5a80, 0, RSDT, 0);
	CHECK(acpi_scan_rsdp(fake_rd) == 0xf5a80);

	/* The EBDA comes first. */
	put16(fake_mem(0x40e), 0x9fc0);
	fake_rsdp(0x9fc00 + 0x100, 2, RSDT, XSDT);
	CHECK(acpi_scan_rsdp(fake_rd) == 0x9fd00);

	/* An EBDA pointer that points nowhere sensible is ignored. */
	put16(fake_mem(0x40e), 0x0010);
	fake_rsdp(0x100, 0, RSDT, 0);
	CHECK(acpi_scan_rsdp(fake_rd) == 0xf5a80);

	/* The last possible slot, 0xfffe0 + 20 bytes, ends inside the area. */
	fake_mem_reset();
	fake_rsdp(0xfffe0, 0, RSDT, 0);
	CHECK(acpi_scan_rsdp(fake_rd) == 0xfffe0);
}

int main(void)
{
	RUN("acpi", "v1_machine_rsdt", t_v1_machine);
	RUN("acpi", "v2_prefers_xsdt_x_fields", t_v2_prefers_xsdt);
	RUN("acpi", "rsdp_bad_checksum", t_rsdp_bad_checksum);
	RUN("acpi", "rsdp_bad_signature", t_rsdp_bad_signature);
	RUN("acpi", "rsdp_bad_ext_checksum_uses_rsdt", t_rsdp_bad_ext_checksum);
	RUN("acpi", "xsdt_broken_falls_back", t_xsdt_broken_falls_back);
	RUN("acpi", "table_bad_checksum_used", t_table_bad_checksum_used);
	RUN("acpi", "root_odd_length", t_root_odd_length);
	RUN("acpi", "fadt_missing_or_short", t_fadt_missing_or_short);
	RUN("acpi", "fadt_pm1b_and_legacy_ports", t_fadt_pm1b_and_legacy_fallback);
	RUN("acpi", "fadt_reset_reg", t_fadt_reset_reg);
	RUN("acpi", "fadt_pm_timer", t_fadt_pm_timer);
	RUN("acpi", "dsdt_broken_or_no_s5", t_dsdt_broken);
	RUN("acpi", "s5_in_ssdt", t_s5_in_ssdt);
	RUN("acpi", "s5_encodings", t_s5_encodings);
	RUN("acpi", "s5_single_and_long_pkglength", t_s5_single_and_long_pkglength);
	RUN("acpi", "s5_missing_and_malformed", t_s5_missing_and_malformed);
	RUN("acpi", "s5_fuzz", t_s5_fuzz);
	RUN("acpi", "parse_fuzz", t_parse_fuzz);
	RUN("acpi", "scan_rsdp", t_scan);
	return test_summary();
}

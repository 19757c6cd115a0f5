/* host-srcs: drivers/acpi/aml_mmio.c */
/* virtio-mmio transports found in a DSDT: the bytes QEMU's microvm writes for its eight transports
 * (Device VR0n, _HID "LNRO0005", _UID, _CCA, _CRS with Memory32Fixed and an Extended Interrupt),
 * other devices beside them, a small IRQ descriptor, nested Devices, and malformed ones (no _CRS, no
 * window, no interrupt, descriptors and lengths that run past the buffer or the table). Every table is
 * copied into a heap block of exactly its length, so ASan fails a read past it; every cut of the
 * table is scanned too. */
#include <stdlib.h>
#include <string.h>

#include "drivers/acpi.h"
#include "host_test.h"

static u8 aml[4096];
static u32 aml_len;

static void emit(const void *p, u32 n)
{
	memcpy(aml + aml_len, p, n);
	aml_len += n;
}

/* A PkgLength of `len` bytes of content (it counts itself), in 1 or 2 bytes as AML needs. */
static void emit_pkglen(u32 content)
{
	if (content + 1 < 0x40) {
		u8 b = (u8)(content + 1);
		emit(&b, 1);
	} else {
		u32 v = content + 2;
		u8 b[2] = {(u8)(0x40 | (v & 0x0f)), (u8)(v >> 4)};
		emit(b, 2);
	}
}

struct dev_spec {
	const char *name, *hid;
	u32 base, size, irq;
	bool no_crs, no_mem, no_irq, small_irq;
	u8 irq_flags;	/* the Interrupt descriptor's flags byte (0: 0x01, consumer, level, active high) */
	int small_info; /* small_irq: its flags byte, or -1 for the 2-byte form without one */
	u8 mem_len;	/* Memory32Fixed's length field (0: 9) */
	int crs_size_delta; /* added to the buffer's size field */
};

#define DEV(n, h, b, sz, i, ...)                                                                             \
	{                                                                                                    \
		.name = (n), .hid = (h), .base = (b), .size = (sz), .irq = (i), ##__VA_ARGS__                \
	}

/* Device (name) { Name (_HID, hid) Name (_UID, n) Name (_CCA, One) Name (_CRS, ResourceTemplate ()
 * { Memory32Fixed (ReadWrite, base, size) Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive)
 * { irq } }) }, laid out as QEMU's AML builder lays it out. */
static void emit_device(const struct dev_spec *s)
{
	u8 res[64];
	u32 rn = 0;
	if (!s->no_mem) {
		res[rn++] = 0x86;
		res[rn++] = s->mem_len ? s->mem_len : 9;
		res[rn++] = 0;
		res[rn++] = 1; /* read-write */
		for (int i = 0; i < 4; i++)
			res[rn++] = (u8)(s->base >> (8 * i));
		for (int i = 0; i < 4; i++)
			res[rn++] = (u8)(s->size >> (8 * i));
	}
	if (!s->no_irq && s->small_irq) {
		res[rn++] = s->small_info >= 0 ? 0x23 : 0x22; /* IRQ (flags) or IRQNoFlags: 2 bytes of mask */
		res[rn++] = (u8)(1u << s->irq);
		res[rn++] = (u8)((1u << s->irq) >> 8);
		if (s->small_info >= 0)
			res[rn++] = (u8)s->small_info;
	} else if (!s->no_irq) {
		u8 e[] = {0x89, 6, 0, s->irq_flags ? s->irq_flags : 0x01, 1, (u8)s->irq, (u8)(s->irq >> 8),
			  0,	0};
		memcpy(res + rn, e, sizeof(e));
		rn += sizeof(e);
	}
	res[rn++] = 0x79;
	res[rn++] = 0;

	u8 body[256];
	u32 bn = 0;
	memcpy(body + bn, s->name, 4);
	bn += 4;
	u8 hid[] = {0x08, '_', 'H', 'I', 'D', 0x0d};
	memcpy(body + bn, hid, sizeof(hid));
	bn += sizeof(hid);
	memcpy(body + bn, s->hid, strlen(s->hid) + 1);
	bn += (u32)strlen(s->hid) + 1;
	u8 uid[] = {0x08, '_', 'U', 'I', 'D', 0x0a, 7, 0x08, '_', 'C', 'C', 'A', 0x01};
	memcpy(body + bn, uid, sizeof(uid));
	bn += sizeof(uid);
	if (!s->no_crs) {
		u8 crs[] = {
		    0x08, '_', 'C', 'R', 'S', 0x11, (u8)(rn + 3), 0x0a, (u8)((int)rn + s->crs_size_delta)};
		memcpy(body + bn, crs, sizeof(crs));
		bn += sizeof(crs);
		memcpy(body + bn, res, rn);
		bn += rn;
	}
	u8 op[] = {0x5b, 0x82};
	emit(op, 2);
	emit_pkglen(bn);
	emit(body, bn);
}

static void emit_microvm_transports(unsigned n)
{
	/* Scope (\_SB) {...}: the scanner does not need the scope, but QEMU's tables have one */
	u8 scope[] = {0x10, 0x4f, 0x1d, '_', 'S', 'B', '_'};
	emit(scope, sizeof(scope));
	for (unsigned i = 0; i < n; i++) {
		char name[5] = {'V', 'R', '0', (char)('0' + i), 0};
		emit_device(&(struct dev_spec)DEV(name, "LNRO0005", 0xfeb00000 + 0x200 * i, 0x200, 5 + i));
	}
}

/* Scans a heap copy of exactly aml[0, len). */
static int scan(u32 len, struct acpi_mmio_dev *out, unsigned max)
{
	u8 *copy = malloc(len ? len : 1);
	memcpy(copy, aml, len);
	int n = acpi_find_virtio_mmio(copy, len, out, max);
	free(copy);
	return n;
}

static void case_microvm(void)
{
	struct acpi_mmio_dev d[ACPI_MAX_MMIO];
	aml_len = 0;
	/* a serial port first, as in microvm's DSDT */
	emit_device(&(struct dev_spec)DEV("COM1", "PNP0501", 0x3f8, 8, 4));
	emit_microvm_transports(8);
	REQUIRE(scan(aml_len, d, ACPI_MAX_MMIO) == 8);
	for (unsigned i = 0; i < 8; i++) {
		CHECK(d[i].base == 0xfeb00000 + 0x200 * i && d[i].size == 0x200 && d[i].irq == 5 + i);
		CHECK(d[i].name[0] == 'V' && d[i].name[3] == (char)('0' + i) && d[i].name[4] == 0);
	}
	/* keeping fewer than listed says so */
	host_log_clear();
	CHECK(scan(aml_len, d, 3) == 3 && d[2].base == 0xfeb00400);
	CHECK(host_log_contains("more than 3 virtio-mmio devices"));
}

static void case_other_shapes(void)
{
	struct acpi_mmio_dev d[ACPI_MAX_MMIO];
	/* a small IRQ descriptor; a device with another _HID is not a transport */
	aml_len = 0;
	emit_device(&(struct dev_spec)DEV("VR00", "LNRO0005", 0xd0000000, 0x1000, 10, .small_irq = true,
					  .small_info = -1));
	emit_device(&(struct dev_spec)DEV("FOO0", "LNRO0006", 0xd0001000, 0x200, 11));
	REQUIRE(scan(aml_len, d, ACPI_MAX_MMIO) == 1);
	CHECK(d[0].base == 0xd0000000 && d[0].size == 0x1000 && d[0].irq == 10);
	CHECK(d[0].edge && !d[0].active_low); /* IRQNoFlags: ISA's edge, active high */
	/* a transport nested in another Device is found once, as itself */
	aml_len = 0;
	u8 outer[] = {0x5b, 0x82, 0x40 | 0x0, 0, 'P', 'C', 'I', '0'};
	u32 at = aml_len;
	emit(outer, sizeof(outer));
	emit_device(&(struct dev_spec)DEV("VR01", "LNRO0005", 0xfeb00200, 0x200, 6));
	u32 content = aml_len - at - 2;
	aml[at + 2] = (u8)(0x40 | ((content)&0x0f));
	aml[at + 3] = (u8)(content >> 4);
	REQUIRE(scan(aml_len, d, ACPI_MAX_MMIO) == 1);
	CHECK(d[0].base == 0xfeb00200 && d[0].irq == 6 && d[0].name[3] == '1');
	/* no Device at all */
	aml_len = 0;
	u8 s5[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0};
	emit(s5, sizeof(s5));
	CHECK(scan(aml_len, d, ACPI_MAX_MMIO) == 0);
	CHECK(scan(0, d, ACPI_MAX_MMIO) == 0);
}

static void case_malformed(void)
{
	struct acpi_mmio_dev d[ACPI_MAX_MMIO];
	const struct {
		struct dev_spec s;
		const char *why;
	} bad[] = {
	    {DEV("VR00", "LNRO0005", 0xfeb00000, 0x200, 5, .no_crs = true),
	     "VR00 (LNRO0005, virtio-mmio): no _CRS buffer"},
	    {DEV("VR01", "LNRO0005", 0xfeb00000, 0x200, 5, .no_mem = true),
	     "VR01 (LNRO0005, virtio-mmio): no Memory32Fixed"},
	    {DEV("VR02", "LNRO0005", 0xfeb00000, 0x200, 5, .no_irq = true),
	     "VR02 (LNRO0005, virtio-mmio): no interrupt"},
	    {DEV("VR03", "LNRO0005", 0xfeb00000, 0, 5), "a window of size 0 or interrupt 0"},
	    {DEV("VR04", "LNRO0005", 0xfeb00000, 0x200, 0), "a window of size 0 or interrupt 0"},
	    {DEV("VR05", "LNRO0005", 0xfeb00000, 0x200, 5, .mem_len = 8),
	     "Memory32Fixed descriptor of the wrong length"},
	    {DEV("VR06", "LNRO0005", 0xfeb00000, 0x200, 5, .crs_size_delta = 3), "shorter than its size"},
	    {DEV("VR07", "LNRO0005", 0xfeb00000, 0x200, 5, .crs_size_delta = -4), "runs past the buffer"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_len = 0;
		emit_device(&bad[i].s);
		emit_device(&(struct dev_spec)DEV("VR09", "LNRO0005", 0xfeb01000, 0x200, 9));
		host_log_clear();
		CHECK(scan(aml_len, d, ACPI_MAX_MMIO) == 1 && d[0].base == 0xfeb01000);
		CHECK(host_log_contains(bad[i].why));
	}
	/* a Device whose PkgLength runs past the table: skipped, never read past */
	aml_len = 0;
	u8 huge[] = {0x5b, 0x82, 0xc0 | 0x0f, 0xff, 0xff, 0xff, 'V', 'R', '0', '0'};
	emit(huge, sizeof(huge));
	CHECK(scan(aml_len, d, ACPI_MAX_MMIO) == 0);
}

static void case_every_cut(void)
{
	struct acpi_mmio_dev d[ACPI_MAX_MMIO];
	aml_len = 0;
	emit_microvm_transports(2);
	u32 full = aml_len;
	/* cut anywhere: no read past the end (ASan), and only whole transports are reported */
	for (u32 len = 0; len <= full; len++) {
		int n = scan(len, d, ACPI_MAX_MMIO);
		CHECK(n >= 0 && n <= 2);
		for (int k = 0; k < n; k++)
			CHECK(d[k].size == 0x200 && (d[k].irq == 5 || d[k].irq == 6));
	}
	CHECK(scan(full, d, ACPI_MAX_MMIO) == 2);
	/* every byte flipped in turn: still bounded, nothing out of range reported as a transport */
	for (u32 i = 0; i < full; i++) {
		aml[i] ^= 0xff;
		int n = scan(full, d, ACPI_MAX_MMIO);
		CHECK(n >= 0 && n <= 2);
		aml[i] ^= 0xff;
	}
}

/* The trigger and polarity each descriptor gives, which the IOAPIC entry must be programmed with:
 * QEMU's Interrupt (ResourceConsumer, Level, ActiveHigh) and the other three of the extended form,
 * and the small form's flags byte (_HE bit 0, _LL bit 3). */
static void case_trigger_polarity(void)
{
	struct acpi_mmio_dev d[ACPI_MAX_MMIO];
	const u8 ext[] = {0x01, 0x03, 0x05, 0x07, 0x0b};
	for (unsigned i = 0; i < sizeof(ext); i++) {
		aml_len = 0;
		emit_device(
		    &(struct dev_spec)DEV("VR00", "LNRO0005", 0xfeb00000, 0x200, 16, .irq_flags = ext[i]));
		REQUIRE(scan(aml_len, d, ACPI_MAX_MMIO) == 1);
		CHECK(d[0].irq == 16);
		CHECK(d[0].edge == !!(ext[i] & 2));
		CHECK(d[0].active_low == !!(ext[i] & 4));
	}
	const u8 small[] = {0x00, 0x01, 0x08, 0x19};
	for (unsigned i = 0; i < sizeof(small); i++) {
		aml_len = 0;
		emit_device(&(struct dev_spec)DEV("VR00", "LNRO0005", 0xfeb00000, 0x200, 9, .small_irq = true,
						  .small_info = small[i]));
		REQUIRE(scan(aml_len, d, ACPI_MAX_MMIO) == 1);
		CHECK(d[0].irq == 9);
		CHECK(d[0].edge == !!(small[i] & 1));
		CHECK(d[0].active_low == !!(small[i] & 8));
	}
}

int main(void)
{
	RUN("acpi", "mmio_microvm_transports", case_microvm);
	RUN("acpi", "mmio_other_shapes_nested_small_irq", case_other_shapes);
	RUN("acpi", "mmio_interrupt_trigger_and_polarity", case_trigger_polarity);
	RUN("acpi", "mmio_malformed_transports", case_malformed);
	RUN("acpi", "mmio_every_cut_and_flip", case_every_cut);
	return test_summary();
}

/* host-srcs: drivers/acpi/madt.c */
/* The MADT parser against QEMU's q35 table (one LAPIC, one IOAPIC, the five ISA overrides), a
 * microvm-like one without PCAT_COMPAT, microvm's two IOAPICs, a 64-bit LAPIC override, and broken ones:
 * short, an entry of length 0 or running past the end, a truncated IOAPIC entry, too many IOAPICs. */
#include <string.h>

#include "drivers/acpi.h"
#include "host_test.h"
#include "kernel/errno.h"

static u8 t[512];
static u32 len;

static void put32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void begin(u32 lapic, u32 flags)
{
	memset(t, 0, sizeof(t));
	memcpy(t, "APIC", 4);
	put32(t + 36, lapic);
	put32(t + 40, flags);
	len = 44;
}

static void lapic_entry(u8 id, u32 flags)
{
	u8 *e = t + len;
	e[0] = 0, e[1] = 8, e[2] = id, e[3] = id;
	put32(e + 4, flags);
	len += 8;
}

static void ioapic_entry(u8 id, u32 addr, u32 gsi_base)
{
	u8 *e = t + len;
	e[0] = 1, e[1] = 12, e[2] = id;
	put32(e + 4, addr);
	put32(e + 8, gsi_base);
	len += 12;
}

static void iso_entry(u8 irq, u32 gsi, u16 flags)
{
	u8 *e = t + len;
	e[0] = 2, e[1] = 10, e[2] = 0, e[3] = irq;
	put32(e + 4, gsi);
	e[8] = (u8)flags, e[9] = (u8)(flags >> 8);
	len += 10;
}

static void t_q35(void)
{
	struct irq_topology topo;
	test_begin("acpi-madt", "QEMU q35: LAPIC, IOAPIC, ISA overrides");
	begin(0xfee00000, 1);
	lapic_entry(0, 1);
	ioapic_entry(0, 0xfec00000, 0);
	iso_entry(0, 2, 0);
	iso_entry(5, 5, 0xd); /* level, active high */
	iso_entry(9, 9, 0xd);
	iso_entry(10, 10, 0xf); /* level, active low */
	iso_entry(11, 11, 0xd);
	t[len] = 4, t[len + 1] = 6, t[len + 2] = 0xff, t[len + 5] = 1; /* LAPIC NMI: skipped */
	len += 6;
	CHECK(acpi_parse_madt(t, len, &topo) == 0);
	CHECK(topo.lapic_addr == 0xfee00000 && topo.pcat_compat && topo.nr_lapics == 1);
	CHECK(topo.nr_ioapics == 1 && topo.ioapic[0].addr == 0xfec00000 && topo.ioapic[0].gsi_base == 0);
	CHECK(topo.nr_overrides == 5);
	CHECK(topo.override[0].bus_irq == 0 && topo.override[0].gsi == 2 && !topo.override[0].level);
	CHECK(topo.override[1].bus_irq == 5 && topo.override[1].level && !topo.override[1].active_low);
	CHECK(topo.override[3].bus_irq == 10 && topo.override[3].level && topo.override[3].active_low);
	test_end();
}

static void t_microvm(void)
{
	struct irq_topology topo;
	test_begin("acpi-madt", "no PCAT_COMPAT, a disabled CPU, a 64-bit LAPIC address");
	begin(0xfee00000, 0);
	lapic_entry(0, 1);
	lapic_entry(1, 0); /* not enabled */
	ioapic_entry(2, 0xfec00000, 0);
	u8 *e = t + len;
	e[0] = 5, e[1] = 12;
	put32(e + 4, 0xfed00000);
	put32(e + 8, 0x1);
	len += 12;
	CHECK(acpi_parse_madt(t, len, &topo) == 0);
	CHECK(!topo.pcat_compat && topo.nr_lapics == 1 && topo.ioapic[0].id == 2);
	CHECK(topo.lapic_addr == 0x1fed00000ULL && topo.nr_overrides == 0);
	/* QEMU microvm with ACPI: a second IOAPIC after the first, GSIs from 24 */
	begin(0xfee00000, 0);
	lapic_entry(0, 1);
	ioapic_entry(0, 0xfec00000, 0);
	ioapic_entry(1, 0xfec10000, 24);
	CHECK(acpi_parse_madt(t, len, &topo) == 0 && topo.nr_ioapics == 2);
	CHECK(topo.ioapic[1].id == 1 && topo.ioapic[1].addr == 0xfec10000 && topo.ioapic[1].gsi_base == 24);
	CHECK(topo.ioapic[0].addr == 0xfec00000 && topo.ioapic[0].gsi_base == 0);
	test_end();
}

static void t_broken(void)
{
	struct irq_topology topo;
	test_begin("acpi-madt", "short, zero-length, overlong and truncated entries");
	begin(0xfee00000, 1);
	CHECK(acpi_parse_madt(t, 43, &topo) == -EINVAL && host_log_contains("MADT too short"));
	/* an entry of length 0 would loop forever: the walk stops there */
	begin(0xfee00000, 1);
	ioapic_entry(0, 0xfec00000, 0);
	t[len] = 2, t[len + 1] = 0;
	len += 10;
	CHECK(acpi_parse_madt(t, len, &topo) == 0 && topo.nr_ioapics == 1 && topo.nr_overrides == 0);
	CHECK(host_log_contains("bad length (0)"));
	/* an entry running past the table */
	begin(0xfee00000, 1);
	ioapic_entry(0, 0xfec00000, 0);
	len -= 2; /* the IOAPIC entry now ends 2 bytes past the table */
	host_log_clear();
	CHECK(acpi_parse_madt(t, len, &topo) == 0 && topo.nr_ioapics == 0 &&
	      host_log_contains("bad length (12)"));
	/* a truncated IOAPIC entry (length 8) is skipped, the next one read */
	begin(0xfee00000, 1);
	t[len] = 1, t[len + 1] = 8;
	len += 8;
	iso_entry(0, 2, 0);
	CHECK(acpi_parse_madt(t, len, &topo) == 0 && topo.nr_ioapics == 0 && topo.nr_overrides == 1);
	CHECK(host_log_contains("IOAPIC entry of 8 bytes"));
	/* more IOAPICs than kept */
	begin(0xfee00000, 1);
	for (unsigned i = 0; i < IRQ_MAX_IOAPICS + 2; i++)
		ioapic_entry((u8)i, 0xfec00000 + 0x1000 * i, 24 * i);
	CHECK(acpi_parse_madt(t, len, &topo) == 0 && topo.nr_ioapics == IRQ_MAX_IOAPICS);
	CHECK(topo.ioapic[3].gsi_base == 72 && host_log_contains("more than 4 IOAPICs"));
	test_end();
}

int main(void)
{
	t_q35();
	t_microvm();
	t_broken();
	return test_summary();
}

/* The ACPI MADT ("APIC"): the local APIC's address, the IOAPICs, the ISA interrupt source overrides.
 * Pure C over the table's bytes, host-tested (tests/host/test_acpi_madt.c). */
#include "drivers/acpi.h"
#include "kernel/errno.h"
#include "kernel/printk.h"

#define MADT_HEADER_LEN	 44 /* SDT header 36, local APIC address 4, flags 4 */
#define MADT_PCAT_COMPAT 0x1

#define MADT_LAPIC	    0
#define MADT_IOAPIC	    1
#define MADT_ISO	    2
#define MADT_LAPIC_OVERRIDE 5

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

int acpi_parse_madt(const u8 *t, u32 len, struct irq_topology *topo)
{
	*topo = (struct irq_topology){0};
	if (len < MADT_HEADER_LEN) {
		pr_warn("acpi: MADT too short (%u bytes, need %u)\n", len, MADT_HEADER_LEN);
		return -EINVAL;
	}
	topo->lapic_addr = get32(t + 36);
	topo->pcat_compat = get32(t + 40) & MADT_PCAT_COMPAT;
	for (u32 off = MADT_HEADER_LEN; off < len;) {
		if (len - off < 2 || t[off + 1] < 2 || t[off + 1] > len - off) {
			pr_warn("acpi: MADT entry at offset %u has a bad length (%u): the rest is ignored\n",
				off, len - off < 2 ? 0 : t[off + 1]);
			break;
		}
		const u8 *e = t + off;
		u8 type = e[0], elen = e[1];
		off += elen;
		switch (type) {
		case MADT_LAPIC:
			if (elen >= 8 && (get32(e + 4) & 1))
				topo->nr_lapics++;
			break;
		case MADT_IOAPIC:
			if (elen < 12) {
				pr_warn("acpi: MADT IOAPIC entry of %u bytes (need 12) ignored\n", elen);
			} else if (topo->nr_ioapics == IRQ_MAX_IOAPICS) {
				pr_warn("acpi: MADT: more than %d IOAPICs, the rest ignored\n",
					IRQ_MAX_IOAPICS);
			} else {
				struct irq_ioapic_desc *io = &topo->ioapic[topo->nr_ioapics++];
				io->id = e[2];
				io->addr = get32(e + 4);
				io->gsi_base = get32(e + 8);
			}
			break;
		case MADT_ISO:
			if (elen < 10 || e[2] != 0) { /* bus 0 is ISA, the only one defined */
				pr_warn("acpi: MADT override entry (%u bytes, bus %u) ignored\n", elen, e[2]);
			} else if (topo->nr_overrides == IRQ_MAX_OVERRIDES) {
				pr_warn("acpi: MADT: more than %d overrides, the rest ignored\n",
					IRQ_MAX_OVERRIDES);
			} else {
				u16 flags = (u16)(e[8] | e[9] << 8);
				struct irq_override *o = &topo->override[topo->nr_overrides++];
				o->bus_irq = e[3];
				o->gsi = get32(e + 4);
				o->active_low = (flags & 3) == 3;
				o->level = ((flags >> 2) & 3) == 3;
			}
			break;
		case MADT_LAPIC_OVERRIDE:
			if (elen >= 12)
				topo->lapic_addr = get32(e + 4) | (u64)get32(e + 8) << 32;
			break;
		default:
			break;
		}
	}
	return 0;
}

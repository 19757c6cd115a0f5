// clang-format off
/* host-srcs: drivers/pci/pci_msix.c drivers/pci/pci_access.c drivers/pci/pci_caps.c tests/host/pci_fake.c */
// clang-format on
/* MSI-X on the host: the capability found on a fake function, its table's BIR and offset checked
 * against the BAR (inside, at the edge, one entry past it, a BIR with no BAR, an I/O BAR, an
 * unassigned one, BIR 6 and 7), every entry masked at init, entries written and unmasked, the enable
 * and function-mask bits, and a function without the capability. The table is host memory that a
 * fake ioremap hands out. */
#include <string.h>

#include "drivers/pci.h"
#include "kernel/errno.h"
#include "host_test.h"
#include "pci_fake.h"
#include <asm/mmio.h>

#define BAR_BASE 0xfebf0000ULL
#define BAR_SIZE 0x1000
#define CAP	 0x40

static u8 bar_mem[BAR_SIZE] __attribute__((aligned(16)));
static phys_addr_t mapped_at;
static u64 mapped_len;

void __iomem *ioremap(phys_addr_t phys, u64 size)
{
	mapped_at = phys;
	mapped_len = size;
	if (phys < BAR_BASE || phys + size > BAR_BASE + BAR_SIZE)
		return NULL; /* pci_msix_init must never ask for more than the BAR */
	return bar_mem + (phys - BAR_BASE);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* A function at 00:04.0 with an MSI-X capability of `entries` entries at BAR `bir` + `off`, BAR1 a
 * memory BAR at BAR_BASE, BAR0 an I/O BAR, the rest absent. */
static void build(struct pci_dev *p, unsigned entries, unsigned bir, u32 off)
{
	fake_pci_reset();
	struct fake_fn *f = fake_pci_add(0, 4, 0, 0x1af4, 0x1044, 0x00ff0001);
	f->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	f->cfg[PCI_CAPABILITY_LIST] = CAP;
	f->cfg[CAP] = PCI_CAP_ID_MSIX;
	f->cfg[CAP + 1] = 0;
	u16 flags = (u16)((entries - 1) & 0x7ff);
	f->cfg[CAP + 2] = (u8)flags;
	f->cfg[CAP + 3] = (u8)(flags >> 8);
	u32 t = off | bir;
	for (int i = 0; i < 4; i++)
		f->cfg[CAP + 4 + i] = (u8)(t >> (8 * i));
	memset(p, 0, sizeof(*p));
	p->bus = 0, p->dev = 4, p->fn = 0;
	strcpy(p->name, "0000:00:04.0");
	p->bar[0] = (struct pci_bar){0xc000, 0x40, PCI_BAR_IO};
	p->bar[1] = (struct pci_bar){BAR_BASE, BAR_SIZE, 0};
	memset(bar_mem, 0xee, sizeof(bar_mem));
	mapped_at = 0;
	mapped_len = 0;
}

static u16 msix_flags(void)
{
	return (u16)(fake_pci[0].cfg[CAP + 2] | fake_pci[0].cfg[CAP + 3] << 8);
}

static void case_table_inside(void)
{
	struct pci_dev p;
	struct pci_msix m;
	build(&p, 3, 1, 0x800);
	REQUIRE(pci_msix_init(&p, &m, p.name) == 0);
	CHECK(m.pos == CAP && m.nr_entries == 3);
	CHECK(mapped_at == BAR_BASE + 0x800 && mapped_len == 3 * 16);
	CHECK(m.table == bar_mem + 0x800);
	/* every entry masked, nothing else written; MSI-X itself still off */
	for (unsigned i = 0; i < 3; i++)
		CHECK(get32(m.table + 16 * i + 12) == 1);
	CHECK(bar_mem[0x800 + 3 * 16] == 0xee && bar_mem[0x7ff] == 0xee);
	CHECK(!(msix_flags() & 0x8000));
	/* entry 1: address, data, unmasked; an index past the table writes nothing */
	pci_msix_set_entry(&m, 1, 0xfee00000ULL | (3u << 12), 0x45);
	CHECK(get32(m.table + 16) == 0xfee03000 && get32(m.table + 20) == 0);
	CHECK(get32(m.table + 24) == 0x45 && get32(m.table + 28) == 0);
	CHECK(get32(m.table + 12) == 1 && get32(m.table + 44) == 1);
	pci_msix_set_entry(&m, 3, 0xfee00000ULL, 0x46);
	CHECK(bar_mem[0x800 + 3 * 16] == 0xee);
	/* enable clears the function mask; disable leaves the other bits */
	fake_pci[0].cfg[CAP + 3] |= 0x40;
	pci_msix_enable(&p, &m, true);
	CHECK((msix_flags() & 0xc000) == 0x8000 && (msix_flags() & 0x7ff) == 2);
	pci_msix_enable(&p, &m, false);
	CHECK((msix_flags() & 0xc000) == 0 && (msix_flags() & 0x7ff) == 2);
}

static void case_table_at_the_edge(void)
{
	struct pci_dev p;
	struct pci_msix m;
	/* 2048 entries (the most the field says) fill a 32 KiB BAR exactly: not this 4 KiB one */
	build(&p, 2048, 1, 0);
	host_log_clear();
	CHECK(pci_msix_init(&p, &m, p.name) == -EINVAL && mapped_len == 0);
	CHECK(host_log_contains("0000:00:04.0: MSI-X table of 2048 entries at BAR1+0x0: it lies outside "
				"the BAR; not used"));
	/* the last 16 entries of the BAR: fits exactly */
	build(&p, 16, 1, BAR_SIZE - 256);
	CHECK(pci_msix_init(&p, &m, p.name) == 0 && mapped_at + mapped_len == BAR_BASE + BAR_SIZE);
	/* one entry more runs past the end */
	build(&p, 17, 1, BAR_SIZE - 256);
	CHECK(pci_msix_init(&p, &m, p.name) == -EINVAL && mapped_len == 0);
	/* an offset past the BAR, and one so large that offset + table would wrap 32 bits */
	build(&p, 1, 1, BAR_SIZE + 8);
	CHECK(pci_msix_init(&p, &m, p.name) == -EINVAL);
	build(&p, 2, 1, 0xfffffff8);
	CHECK(pci_msix_init(&p, &m, p.name) == -EINVAL && mapped_len == 0);
}

static void case_bad_bir(void)
{
	struct pci_dev p;
	struct pci_msix m;
	/* BAR0 is I/O space, BAR2 absent, BIR 6 and 7 are reserved */
	unsigned birs[] = {0, 2, 5, 6, 7};
	const char *why[] = {"the BAR is I/O space", "the function has no such BAR",
			     "the function has no such BAR", "BIR 6 and 7 name no BAR",
			     "BIR 6 and 7 name no BAR"};
	for (unsigned i = 0; i < sizeof(birs) / sizeof(birs[0]); i++) {
		build(&p, 2, birs[i], 0);
		host_log_clear();
		CHECK(pci_msix_init(&p, &m, p.name) == -EINVAL);
		CHECK(mapped_len == 0 && m.nr_entries == 0);
		CHECK(host_log_contains(why[i]));
	}
	/* a memory BAR the firmware never placed (base 0) */
	build(&p, 2, 1, 0);
	p.bar[1].base = 0;
	host_log_clear();
	CHECK(pci_msix_init(&p, &m, p.name) == -EINVAL && mapped_len == 0);
	CHECK(host_log_contains("the BAR has no address"));
}

static void case_no_capability(void)
{
	struct pci_dev p;
	struct pci_msix m;
	build(&p, 2, 1, 0);
	fake_pci[0].cfg[CAP] = 0x09; /* vendor-specific, not MSI-X */
	CHECK(pci_msix_init(&p, &m, p.name) == -ENODEV && mapped_len == 0);
	fake_pci[0].cfg[PCI_STATUS] &= (u8)~PCI_STATUS_CAP_LIST;
	CHECK(pci_msix_init(&p, &m, p.name) == -ENODEV);
	/* a broken list is its own error, not "no capability" */
	fake_pci[0].cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	fake_pci[0].cfg[PCI_CAPABILITY_LIST] = 0x10;
	CHECK(pci_msix_init(&p, &m, p.name) == -EINVAL);
}

int main(void)
{
	RUN("msix", "table inside its BAR, masked, set, enabled", case_table_inside);
	RUN("msix", "table at the BAR's edge and past it", case_table_at_the_edge);
	RUN("msix", "BIR of an I/O, absent, reserved or unplaced BAR", case_bad_bir);
	RUN("msix", "no capability, broken list", case_no_capability);
	return test_summary();
}

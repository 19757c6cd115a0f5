// clang-format off
/* host-srcs: drivers/pci/pci.c drivers/pci/pci_bar.c drivers/pci/pci_access.c drivers/pci/pci_caps.c tests/host/pci_fake.c kernel/iomem.c */
// clang-format on
/* PCI on the host: BAR decoding and placement, and enumeration against a fake bus (bridges,
 * multi-function devices, a bridge loop, BARs sized with decoding off, unassigned BARs placed clear
 * of RAM and of other BARs). */
#include <string.h>

#include "drivers/pci.h"
#include "host_test.h"
#include "kernel/boot_info.h"
#include "kernel/iomem.h"
#include "pci_fake.h"

static void case_decode(void)
{
	struct pci_bar b;
	/* mem32 non-prefetchable 16 KiB */
	CHECK(pci_bar_decode(0xfebd0000, 0xffffc000, 0, 0, &b) == 0);
	CHECK(b.base == 0xfebd0000 && b.size == 0x4000 && b.flags == 0);
	/* mem64 prefetchable 16 KiB above 4 GiB (OVMF's virtio-mem BAR4) */
	CHECK(pci_bar_decode(0x0000000c, 0xffffc00c, 0xe0, 0xffffffff, &b) == 1);
	CHECK(b.base == 0xe000000000ULL && b.size == 0x4000 && b.flags == (PCI_BAR_MEM64 | PCI_BAR_PREFETCH));
	/* mem64 of 8 GiB: the size lives in the upper half */
	CHECK(pci_bar_decode(0x0000000c, 0x0000000c, 0x4, 0xfffffffe, &b) == 1);
	CHECK(b.base == 0x400000000ULL && b.size == 0x200000000ULL);
	/* I/O, 16-bit decoder reading back zeros above bit 15 */
	CHECK(pci_bar_decode(0xc041, 0xffe1, 0, 0, &b) == 0);
	CHECK(b.flags == PCI_BAR_IO && b.base == 0xc040 && b.size == 0x20);
	CHECK(pci_bar_decode(0xc041, 0xffffffe1, 0, 0, &b) == 0 && b.size == 0x20);
	/* absent */
	CHECK(pci_bar_decode(0, 0, 0, 0, &b) == 0 && b.size == 0);
	CHECK(pci_bar_decode(0x4, 0x4, 0, 0, &b) == 1 && b.size == 0); /* an absent 64-bit BAR still pairs */
	/* not a size: holes in the writable bits */
	CHECK(pci_bar_decode(0, 0xfff0f000, 0, 0, &b) == 0 && b.size == 0 && (b.flags & PCI_BAR_BROKEN));
}

static void case_place(void)
{
	struct pci_range busy[] = {{0xc0000000, 0x1000000}, {0xc1000000, 0x1000}, {0xfe000000, 0x4000}};
	CHECK(pci_place_bar(0x4000, 0xc0000000, 0xfec00000, busy, 3) == 0xc1004000);
	CHECK(pci_place_bar(0x1000000, 0xc0000000, 0xfec00000, busy, 3) == 0xc2000000);
	CHECK(pci_place_bar(0x100, 0xc0000000, 0xfec00000, busy, 3) == 0xc1001000); /* 4 KiB at least */
	CHECK(pci_place_bar(0x4000, 0xfe000000, 0xfe004000, busy, 3) == 0);	    /* window fully busy */
	CHECK(pci_place_bar(0x80000000, 0xc0000000, 0xfec00000, busy, 3) == 0);	    /* too big */
	CHECK(pci_place_bar(0x3000, 0xc0000000, 0xfec00000, busy, 3) == 0);	    /* not a power of two */
	struct pci_range top[] = {{0xfffff000, 0x1000}};
	CHECK(pci_place_bar(0x1000, 0xffffe000, 0xffffffffffffffffULL, top, 1) == 0xffffe000);
	CHECK(pci_place_bar(0x2000, 0xfffffffffffff000ULL, 0xffffffffffffffffULL, NULL, 0) ==
	      0); /* no wrap */
}

/* q35-like bus 0, a bridge to bus 1 with a multi-function device behind it. */
static void build_bus(void)
{
	fake_pci_reset();
	fake_pci_add(0, 0, 0, 0x8086, 0x29c0, 0x06000000);
	struct fake_fn *vm = fake_pci_add(0, 3, 0, 0x1af4, 0x1058, 0x00ff0001);
	fake_pci_bar_mem(vm, 4, 0xfe000000, 0x4000, true, true);
	vm->cfg[PCI_INTERRUPT_PIN] = 1;
	vm->cfg[PCI_INTERRUPT_LINE] = 11;
	struct fake_fn *br = fake_pci_add(0, 4, 0, 0x1b36, 0x000c, 0x06040000);
	fake_pci_bridge(br, 1, 1);
	struct fake_fn *a = fake_pci_add(1, 0, 0, 0x1af4, 0x1042, 0x01000001);
	a->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_MULTI;
	fake_pci_bar_io(a, 0, 0xd000, 0x40);
	fake_pci_bar_mem(a, 1, 0, 0x1000, false, false); /* unassigned by the firmware */
	struct fake_fn *b = fake_pci_add(1, 0, 3, 0x1af4, 0x1044, 0x00ff0001);
	fake_pci_bar_mem(b, 4, 0, 0x4000, true, true); /* unassigned 64-bit */
}

static struct pci_dev *dev_at(u8 bus, u8 dev, u8 fn)
{
	for (unsigned i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *p = pci_dev_at(i);
		if (p->bus == bus && p->dev == dev && p->fn == fn)
			return p;
	}
	return NULL;
}

static void case_scan(void)
{
	build_bus();
	static struct boot_info bi;
	bi.nr_regions = 2;
	bi.regions[0] = (struct mem_region){0, 0x80000000, MEM_USABLE};
	bi.regions[1] = (struct mem_region){0xb0000000, 0x10000000, MEM_RESERVED}; /* ECAM */
	REQUIRE(pci_init(&bi) == 5);
	CHECK(fake_pci_violations == 0);
	struct pci_dev *vm = dev_at(0, 3, 0);
	REQUIRE(vm);
	CHECK(vm->vendor == 0x1af4 && vm->device == 0x1058 && vm->class_code == 0x00 && vm->subclass == 0xff);
	CHECK(vm->bar[4].base == 0xfe000000 && vm->bar[4].size == 0x4000);
	CHECK(vm->bar[4].flags == (PCI_BAR_MEM64 | PCI_BAR_PREFETCH) && vm->bar[5].size == 0);
	CHECK(vm->irq_pin == 1 && vm->irq_line == 11);
	CHECK(strcmp(vm->name, "0000:00:03.0") == 0);
	struct pci_dev *a = dev_at(1, 0, 0), *b = dev_at(1, 0, 3);
	REQUIRE(a && b);
	CHECK(a->bar[0].flags == PCI_BAR_IO && a->bar[0].base == 0xd000 && a->bar[0].size == 0x40);
	/* placed in [0xc0000000, 0xfec00000), clear of each other, written back to the device */
	CHECK(a->bar[1].base >= 0xc0000000 && (a->bar[1].flags & PCI_BAR_ASSIGNED_BY_US));
	CHECK(b->bar[4].base >= 0xc0000000 && b->bar[4].base % 0x4000 == 0);
	CHECK(a->bar[1].base + 0x1000 <= b->bar[4].base || b->bar[4].base + 0x4000 <= a->bar[1].base);
	CHECK(pci_read_config32(a, 0x14) == (u32)a->bar[1].base);
	CHECK((pci_read_config32(b, 0x20) & ~0xfu) == (u32)b->bar[4].base && pci_read_config32(b, 0x24) == 0);
	/* the command register is as the firmware left it */
	CHECK(pci_read_config16(vm, PCI_COMMAND) == (PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
	CHECK(pci_get_device(0x1af4, 0xffff, NULL) == vm);
	CHECK(pci_get_device(0x1af4, 0xffff, vm) == a);
	CHECK(pci_get_device(0x1af4, 0x1044, NULL) == b);
	CHECK(pci_get_device(0x1234, 0xffff, NULL) == NULL);
	/* every memory BAR is claimed, so that no device can be handed it; I/O BARs are not memory */
	const struct iomem_claim *c = iomem_find_claim(0xfe002000, 1);
	CHECK(c && c->start == 0xfe000000 && c->end == 0xfe003fff &&
	      !strcmp(c->name, "PCI 0000:00:03.0 BAR4"));
	c = iomem_find_claim(a->bar[1].base, 1);
	CHECK(c && c->start == a->bar[1].base && !strcmp(c->name, "PCI 0000:01:00.0 BAR1"));
	CHECK(iomem_find_claim(0xd000, 0x40) == NULL);
	/* the fake does notice a probe with decoding on (so the zero above means something) */
	pci_conf_write32(0, 3, 0, 0x20, 0xffffffffu);
	CHECK(fake_pci_violations == 1);
}

static void case_bridge_loop(void)
{
	build_bus();
	/* a bridge behind bus 1 that claims bus 1 again, a second bridge to bus 1, one not configured */
	struct fake_fn *loop = fake_pci_add(1, 2, 0, 0x1b36, 0x000c, 0x06040000);
	fake_pci_bridge(loop, 1, 1);
	struct fake_fn *dup = fake_pci_add(0, 5, 0, 0x1b36, 0x000c, 0x06040000);
	fake_pci_bridge(dup, 1, 1);
	struct fake_fn *unconf = fake_pci_add(0, 6, 0, 0x1b36, 0x000c, 0x06040000);
	fake_pci_bridge(unconf, 0, 0);
	host_log_clear();
	REQUIRE(pci_init(NULL) == 8); /* each function once */
	CHECK(host_log_contains("pci 0000:01:02.0: bridge to bus 1 not configured by the firmware"));
	CHECK(host_log_contains("pci: bus 01 reached twice: bridges loop, not scanned again"));
	CHECK(host_log_contains("pci 0000:00:06.0: bridge to bus 0 not configured by the firmware"));
	CHECK(fake_pci_violations == 0);
}

int main(void)
{
	RUN("pci", "BAR decode", case_decode);
	RUN("pci", "BAR placement", case_place);
	RUN("pci", "scan behind a bridge, sizing, placement", case_scan);
	RUN("pci", "bridge loops and unconfigured bridges", case_bridge_loop);
	return test_summary();
}

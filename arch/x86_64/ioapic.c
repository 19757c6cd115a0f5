/* One IOAPIC: every redirection entry masked at init, then routed line by line as handlers come. */
#include "kernel/errno.h"
#include <asm/apic.h>
#include <asm/mmio.h>

#define IOREGSEL      0x00
#define IOWIN	      0x10
#define IOAPIC_VER    0x01
#define IOREDTBL(n)   (0x10 + 2 * (n))
#define RTE_MASKED    (1u << 16)
#define RTE_LEVEL     (1u << 15)
#define RTE_ACTIVE_LO (1u << 13)

static u8 __iomem *regs;
static u32 base_gsi;
static unsigned pins;
static u8 version;

static u32 io_read(u32 reg)
{
	writel(reg, regs + IOREGSEL);
	return readl(regs + IOWIN);
}

static void io_write(u32 reg, u32 v)
{
	writel(reg, regs + IOREGSEL);
	writel(v, regs + IOWIN);
}

int ioapic_init(u64 phys, u32 gsi_base)
{
	u8 __iomem *r = ioremap(phys, 0x20);
	if (!r)
		return -ENOMEM;
	regs = r;
	u32 ver = io_read(IOAPIC_VER);
	if (ver == 0xffffffff || ver == 0) {
		regs = NULL;
		return -ENODEV;
	}
	version = (u8)ver;
	pins = ((ver >> 16) & 0xff) + 1;
	base_gsi = gsi_base;
	for (unsigned i = 0; i < pins; i++) {
		io_write(IOREDTBL(i), RTE_MASKED);
		io_write(IOREDTBL(i) + 1, 0);
	}
	return 0;
}

unsigned ioapic_nr_pins(void)
{
	return regs ? pins : 0;
}

u32 ioapic_gsi_base(void)
{
	return base_gsi;
}

u8 ioapic_version(void)
{
	return version;
}

static bool mine(u32 gsi)
{
	return regs && gsi >= base_gsi && gsi - base_gsi < pins;
}

void ioapic_route(u32 gsi, u8 vector, bool level, bool active_low)
{
	if (!mine(gsi))
		return;
	unsigned pin = gsi - base_gsi;
	io_write(IOREDTBL(pin) + 1, lapic_id() << 24);
	io_write(IOREDTBL(pin),
		 RTE_MASKED | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LO : 0) | vector);
}

void ioapic_mask(u32 gsi)
{
	if (mine(gsi))
		io_write(IOREDTBL(gsi - base_gsi), io_read(IOREDTBL(gsi - base_gsi)) | RTE_MASKED);
}

void ioapic_unmask(u32 gsi)
{
	if (mine(gsi))
		io_write(IOREDTBL(gsi - base_gsi), io_read(IOREDTBL(gsi - base_gsi)) & ~RTE_MASKED);
}

bool ioapic_is_level(u32 gsi)
{
	return mine(gsi) && (io_read(IOREDTBL(gsi - base_gsi)) & RTE_LEVEL);
}

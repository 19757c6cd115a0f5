/* The IOAPICs (up to IRQ_MAX_IOAPICS, e.g. microvm's second one for GSIs 24-47): each found by its
 * version register answering, every redirection entry masked at init, then routed GSI by GSI as
 * handlers come. A GSI belongs to the IOAPIC whose [gsi_base, gsi_base + pins) holds it. */
#include "kernel/errno.h"
#include "kernel/irq.h"
#include <asm/apic.h>
#include <asm/mmio.h>

#define IOREGSEL      0x00
#define IOWIN	      0x10
#define IOAPIC_VER    0x01
#define IOREDTBL(n)   (0x10 + 2 * (n))
#define RTE_MASKED    (1u << 16)
#define RTE_LEVEL     (1u << 15)
#define RTE_ACTIVE_LO (1u << 13)

struct ioapic {
	u8 __iomem *regs;
	u64 phys;
	u32 base_gsi;
	unsigned pins;
	u8 version;
};

static struct ioapic ioapics[IRQ_MAX_IOAPICS];
static unsigned nr_ioapics;

static u32 io_read(const struct ioapic *io, u32 reg)
{
	writel(reg, io->regs + IOREGSEL);
	return readl(io->regs + IOWIN);
}

static void io_write(const struct ioapic *io, u32 reg, u32 v)
{
	writel(reg, io->regs + IOREGSEL);
	writel(v, io->regs + IOWIN);
}

int ioapic_init(u64 phys, u32 gsi_base)
{
	if (nr_ioapics == IRQ_MAX_IOAPICS)
		return -ENOSPC;
	struct ioapic *io = &ioapics[nr_ioapics];
	io->regs = ioremap(phys, 0x20);
	if (!io->regs)
		return -ENOMEM;
	u32 ver = io_read(io, IOAPIC_VER);
	if (ver == 0xffffffff || ver == 0) {
		io->regs = NULL; /* the mapping stays: an ioremap is never given back */
		return -ENODEV;
	}
	io->phys = phys;
	io->version = (u8)ver;
	io->pins = ((ver >> 16) & 0xff) + 1;
	io->base_gsi = gsi_base;
	for (unsigned i = 0; i < io->pins; i++) {
		io_write(io, IOREDTBL(i), RTE_MASKED);
		io_write(io, IOREDTBL(i) + 1, 0);
	}
	return (int)nr_ioapics++;
}

unsigned ioapic_count(void)
{
	return nr_ioapics;
}

int ioapic_get(unsigned i, struct ioapic_info *out)
{
	if (i >= nr_ioapics)
		return -ENOENT;
	*out =
	    (struct ioapic_info){ioapics[i].phys, ioapics[i].base_gsi, ioapics[i].pins, ioapics[i].version};
	return 0;
}

/* The IOAPIC that has gsi, and its pin there; NULL when none does. */
static const struct ioapic *owner(u32 gsi, unsigned *pin)
{
	for (unsigned i = 0; i < nr_ioapics; i++)
		if (gsi >= ioapics[i].base_gsi && gsi - ioapics[i].base_gsi < ioapics[i].pins) {
			*pin = gsi - ioapics[i].base_gsi;
			return &ioapics[i];
		}
	return NULL;
}

bool ioapic_has_gsi(u32 gsi)
{
	unsigned pin;
	return owner(gsi, &pin) != NULL;
}

void ioapic_route(u32 gsi, u8 vector, bool level, bool active_low)
{
	unsigned pin;
	const struct ioapic *io = owner(gsi, &pin);
	if (!io)
		return;
	io_write(io, IOREDTBL(pin) + 1, lapic_id() << 24);
	io_write(io, IOREDTBL(pin),
		 RTE_MASKED | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LO : 0) | vector);
}

void ioapic_mask(u32 gsi)
{
	unsigned pin;
	const struct ioapic *io = owner(gsi, &pin);
	if (io)
		io_write(io, IOREDTBL(pin), io_read(io, IOREDTBL(pin)) | RTE_MASKED);
}

void ioapic_unmask(u32 gsi)
{
	unsigned pin;
	const struct ioapic *io = owner(gsi, &pin);
	if (io)
		io_write(io, IOREDTBL(pin), io_read(io, IOREDTBL(pin)) & ~RTE_MASKED);
}

bool ioapic_is_level(u32 gsi)
{
	unsigned pin;
	const struct ioapic *io = owner(gsi, &pin);
	return io && (io_read(io, IOREDTBL(pin)) & RTE_LEVEL);
}

/* The local APIC: enabled with its spurious vector, LINT0/LINT1 set for the machine, EOI, and its
 * timer (used where there is no PIT). */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/mmio.h>

#define MSR_APIC_BASE	    0x1b
#define APIC_BASE_ENABLE    (1u << 11)
#define LAPIC_ID	    0x20
#define LAPIC_TPR	    0x80
#define LAPIC_EOI	    0xb0
#define LAPIC_SVR	    0xf0
#define LAPIC_ICR_LOW	    0x300
#define LAPIC_LVT_TIMER	    0x320
#define LAPIC_LVT_LINT0	    0x350
#define LAPIC_LVT_LINT1	    0x360
#define LAPIC_TIMER_INIT    0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3e0
#define SVR_ENABLE	    (1u << 8)
#define LVT_MASKED	    (1u << 16)
#define LVT_EXTINT	    (7u << 8)
#define LVT_NMI		    (4u << 8)
#define LVT_TIMER_PERIODIC  (1u << 17)
#define TIMER_DIVIDE_BY_16  0x3
#define ICR_DEST_SELF	    (1u << 18) /* destination shorthand 01: this CPU */

static u8 __iomem *regs;

static u32 lapic_read(unsigned reg)
{
	return readl(regs + reg);
}

static void lapic_write(unsigned reg, u32 v)
{
	writel(v, regs + reg);
}

int lapic_init(u64 phys, bool pic)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << 9))) {
		printk(KERN_WARNING "irq: the CPU has no local APIC\n");
		return -ENODEV;
	}
	u64 msr = rdmsr(MSR_APIC_BASE);
	if (!phys)
		phys = msr & ~0xfffULL;
	if (!(msr & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
	regs = ioremap(phys, 0x1000);
	if (!regs)
		return -ENOMEM;
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
	lapic_write(LAPIC_LVT_LINT0, pic ? LVT_EXTINT : LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	return 0;
}

bool lapic_ready(void)
{
	return regs != NULL;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_self_ipi(u8 vector)
{
	lapic_write(LAPIC_ICR_LOW, ICR_DEST_SELF | vector); /* fixed delivery mode */
}

u32 lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_timer_start(u32 count, bool periodic)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_LVT_TIMER, (periodic ? LVT_TIMER_PERIODIC : 0) | LAPIC_TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

u32 lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CURRENT);
}

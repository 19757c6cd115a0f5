/* Interrupt lines behind the 8259 PICs or the IOAPICs, with the local APIC in front of both: handler
 * table, dispatch from the IDT hook (irq_dispatch, vectors >= 32), spurious interrupts (8259 IRQ 7/15,
 * the LAPIC's vector 0xff), per-vector counts and the `interrupts` shell command. Line N is vector
 * 0x20 + N on either controller; on the IOAPICs an ISA line (0-15) is wired to the GSI the firmware's
 * overrides say (IRQ 0 to GSI 2 without them), a line 16-47 is that GSI, on whichever IOAPIC has it.
 * API in kernel/irq.h. */
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "kernel/spinlock.h"
#include "lib/printf.h"
#include "lib/string.h"
#include <asm/apic.h>
#include <asm/irqflags.h>
#include <asm/msi.h>
#include <asm/pic.h>
#include <asm/trap.h>

#define IRQ_MAX_HANDLERS 4

struct irq_action {
	irq_handler_t *handler;
	void *dev;
	const char *name;
	unsigned flags;
};

struct irq_line {
	struct irq_action action[IRQ_MAX_HANDLERS];
	unsigned nr;
	u64 unhandled; /* raised, but no handler claimed it */
	u32 gsi;       /* IOAPIC: the pin's GSI */
	bool level, active_low;
};

static struct irq_line lines[NR_IRQS];
static u64 vector_count[256];
static u64 spurious, lapic_spurious;
static void (*lapic_timer_fn)(void);

static spinlock_t irq_lock = SPINLOCK_INIT;
static bool use_ioapic;	      /* else the 8259s */
static unsigned ioapic_lines; /* lines 0..ioapic_lines-1 exist with the IOAPICs */
static bool force_ioapic;     /* irqchip=ioapic */

static int set_irqchip(const char *val)
{
	if (val && !strcmp(val, "ioapic"))
		force_ioapic = true;
	else if (val && !strcmp(val, "pic"))
		force_ioapic = false;
	else
		return -EINVAL;
	return 0;
}
CMDLINE_PARAM_VALID(irqchip, "irqchip", set_irqchip, "pic or ioapic");

static unsigned nr_lines(void)
{
	return use_ioapic ? ioapic_lines : 16;
}

/* The GSI, trigger and polarity of ISA line irq on the IOAPIC: the firmware's override, else the
 * line itself, edge, active high (IRQ 0 on GSI 2 when there is no table: QEMU wires the PIT there). */
static void isa_wiring(const struct irq_topology *t, unsigned irq)
{
	struct irq_line *l = &lines[irq];
	l->gsi = irq;
	l->level = l->active_low = false;
	if (!t) {
		if (irq == 0)
			l->gsi = 2;
		return;
	}
	for (unsigned i = 0; i < t->nr_overrides; i++)
		if (t->override[i].bus_irq == irq) {
			l->gsi = t->override[i].gsi;
			l->level = t->override[i].level;
			l->active_low = t->override[i].active_low;
		}
}

/* Every IOAPIC the MADT lists (t), or microvm's fixed layout: the first at 0xfec00000 (GSIs from 0)
 * and, when it answers, the second at 0xfec10000 (GSIs from 24, QEMU's ioapic2=on). 0 when the first
 * answers; the others are added as they answer, each failure with one line. */
static int ioapics_init(const struct irq_topology *t)
{
	unsigned n = t ? t->nr_ioapics : 2;
	for (unsigned i = 0; i < n; i++) {
		u64 at = t ? t->ioapic[i].addr : i ? IOAPIC2_DEFAULT_BASE : IOAPIC_DEFAULT_BASE;
		u32 gsi = t ? t->ioapic[i].gsi_base : i ? IOAPIC2_DEFAULT_GSI : 0;
		int err = ioapic_init(at, gsi);
		if (err == -ENODEV && !t && i)
			continue; /* microvm without ioapic2 */
		if (err < 0 && i == 0)
			return err;
		if (err < 0)
			printk(KERN_ERR "irq: the IOAPIC at 0x%llx (GSIs from %u) is not driven: %s\n", at,
			       gsi, err == -ENODEV ? "nothing answers there" : errname(err));
	}
	ioapic_lines = 0;
	struct ioapic_info io;
	for (unsigned i = 0; ioapic_get(i, &io) == 0; i++) {
		u32 end = io.gsi_base + io.pins;
		if (end > NR_IRQS) {
			printk(KERN_WARNING
			       "irq: IOAPIC at 0x%llx: its GSIs %u-%u are not driven (lines 0-%d "
			       "only)\n",
			       io.phys, io.gsi_base > NR_IRQS ? io.gsi_base : NR_IRQS, end - 1, NR_IRQS - 1);
			end = NR_IRQS;
		}
		if (end > ioapic_lines)
			ioapic_lines = end;
	}
	return 0;
}

void irq_init(const struct irq_topology *t)
{
	bool pic = pic_present();
	u64 ioapic_at = t && t->nr_ioapics ? t->ioapic[0].addr : IOAPIC_DEFAULT_BASE;
	if (pic)
		pic_init(); /* off the exception vectors, even when the IOAPIC takes over */
	bool want_ioapic = !pic || force_ioapic;
	if (lapic_init(t ? t->lapic_addr : 0, pic && !want_ioapic)) {
		want_ioapic = false;
	} else if (want_ioapic && (!t || t->nr_ioapics) && ioapics_init(t) == 0) {
		use_ioapic = true;
	} else if (want_ioapic) {
		printk(KERN_ERR "irq: no IOAPIC answers at 0x%llx%s\n", ioapic_at,
		       pic ? ": staying with the 8259s" : " and there are no 8259s: no interrupts");
		lapic_init(t ? t->lapic_addr : 0, pic);
	}
	if (use_ioapic) {
		pic_disable();
		for (unsigned irq = 0; irq < NR_IRQS; irq++) {
			if (irq < 16)
				isa_wiring(t, irq);
			else
				lines[irq].gsi = irq;
		}
		struct ioapic_info io;
		const char *from = t ? "the ACPI MADT" : "microvm's fixed layout";
		for (unsigned i = 0; ioapic_get(i, &io) == 0; i++) {
			if (i == 0)
				printk("irq: IOAPIC version 0x%x at 0x%llx (GSIs %u-%u, from %s), LAPIC %u; "
				       "vectors "
				       "0x%x-0x%x, all lines masked; 8259s %s\n",
				       io.version, io.phys, io.gsi_base, io.gsi_base + io.pins - 1, from,
				       lapic_id(), IRQ_VECTOR_BASE, IRQ_VECTOR_BASE + ioapic_lines - 1,
				       pic ? "masked" : "absent");
			else
				printk("irq: IOAPIC version 0x%x at 0x%llx (GSIs %u-%u, from %s), all lines "
				       "masked\n",
				       io.version, io.phys, io.gsi_base, io.gsi_base + io.pins - 1, from);
		}
	} else {
		printk("irq: 8259 PICs at vectors 0x%x-0x%x, all lines masked%s\n", PIC_VECTOR_BASE,
		       PIC_VECTOR_BASE + 15, lapic_ready() ? ", through the LAPIC's LINT0" : "");
	}
}

bool irq_uses_ioapic(void)
{
	return use_ioapic;
}

void irq_set_lapic_timer_handler(void (*fn)(void))
{
	lapic_timer_fn = fn;
}

static void chip_mask(unsigned irq)
{
	if (use_ioapic)
		ioapic_mask(lines[irq].gsi);
	else
		pic_mask(irq);
}

static bool chip_is_level(unsigned irq)
{
	return use_ioapic ? ioapic_is_level(lines[irq].gsi) : pic_is_level(irq);
}

static void chip_eoi(unsigned irq)
{
	if (use_ioapic)
		lapic_eoi();
	else
		pic_eoi(irq);
}

/* The IDT hook for every vector >= 32 (overrides the weak default in traps.c). Runs with interrupts
 * disabled (interrupt gates). */
void irq_dispatch(struct regs *r)
{
	unsigned v = (unsigned)r->vector;
	if (v == LAPIC_SPURIOUS_VECTOR && lapic_ready()) {
		lapic_spurious++; /* no EOI for the spurious vector */
		return;
	}
	if (v == LAPIC_TIMER_VECTOR && lapic_timer_fn) {
		vector_count[v]++;
		lapic_timer_fn();
		lapic_eoi();
		return;
	}
	if (msi_dispatch(v)) {
		lapic_eoi();
		return;
	}
	if (v < IRQ_VECTOR_BASE || v >= IRQ_VECTOR_BASE + nr_lines()) {
		vector_count[v & 0xff]++;
		printk(KERN_WARNING "irq: unexpected interrupt vector %u\n", v);
		if (lapic_ready())
			lapic_eoi();
		return;
	}
	unsigned irq = v - IRQ_VECTOR_BASE;
	if (!use_ioapic && pic_is_spurious(irq)) {
		spurious++;
		return;
	}
	vector_count[v]++;
	struct irq_line *l = &lines[irq];
	bool handled = false;
	for (unsigned i = 0; i < l->nr; i++)
		handled |= l->action[i].handler((int)irq, l->action[i].dev) == IRQ_HANDLED;
	if (!handled) {
		/* A level line nobody acknowledges would fire forever: report once, then mask it. */
		if (++l->unhandled == 1)
			printk(KERN_WARNING "irq: IRQ %u not handled by any of its %u handlers\n", irq,
			       l->nr);
		if (l->nr == 0 || (chip_is_level(irq) && l->unhandled >= 100000)) {
			printk(KERN_ERR "irq: IRQ %u masked: nobody handles it\n", irq);
			chip_mask(irq);
		}
	}
	chip_eoi(irq);
}

int request_irq(unsigned irq, irq_handler_t *handler, unsigned flags, const char *name, void *dev)
{
	if (irq >= NR_IRQS || irq >= nr_lines() || irq == PIC_CASCADE_IRQ || !handler)
		return -EINVAL;
	if (use_ioapic && !ioapic_has_gsi(lines[irq].gsi))
		return -EINVAL; /* a GSI between two IOAPICs' ranges */
	unsigned long fl;
	int err = 0;
	spin_lock_irqsave(&irq_lock, fl);
	struct irq_line *l = &lines[irq];
	if (l->nr && (!(flags & IRQF_SHARED) || !(l->action[0].flags & IRQF_SHARED)))
		err = -EBUSY;
	else if (l->nr == IRQ_MAX_HANDLERS)
		err = -ENOSPC;
	if (!err) {
		l->action[l->nr++] = (struct irq_action){handler, dev, name, flags};
		if (use_ioapic) {
			if (l->nr == 1)
				ioapic_route(l->gsi, (u8)(IRQ_VECTOR_BASE + irq),
					     l->level || (flags & IRQF_LEVEL),
					     l->active_low || (flags & IRQF_ACTIVE_LOW));
			ioapic_unmask(l->gsi);
		} else {
			if (flags & IRQF_LEVEL)
				pic_set_level(irq, true);
			pic_unmask(irq);
		}
	}
	spin_unlock_irqrestore(&irq_lock, fl);
	if (err)
		printk(KERN_ERR "irq: %s cannot have IRQ %u: %s\n", name, irq, errname(err));
	return err;
}

void free_irq(unsigned irq, void *dev)
{
	if (irq >= NR_IRQS)
		return;
	unsigned long fl;
	spin_lock_irqsave(&irq_lock, fl);
	struct irq_line *l = &lines[irq];
	for (unsigned i = 0; i < l->nr; i++) {
		if (l->action[i].dev != dev)
			continue;
		l->action[i] = l->action[--l->nr];
		break;
	}
	if (l->nr == 0)
		chip_mask(irq);
	spin_unlock_irqrestore(&irq_lock, fl);
}

u64 irq_spurious_count(void)
{
	return spurious;
}

void arch_cpu_idle(void)
{
	safe_halt();
}

void arch_local_irq_enable(void)
{
	local_irq_enable();
}

void arch_local_irq_disable(void)
{
	local_irq_disable();
}

bool arch_irqs_enabled(void)
{
	unsigned long flags;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(flags));
	return flags & 0x200;
}

/* Like /proc/interrupts: one row per line that has a handler or has fired, naming the controller
 * (XT-PIC, or IO-APIC with the GSI the line is wired to). */
static int cmd_interrupts(int argc, char **argv)
{
	shell_printf("controller: %s\n", use_ioapic	 ? "IOAPIC + LAPIC (8259s masked or absent)"
					 : lapic_ready() ? "8259 PICs through the LAPIC's LINT0"
							 : "8259 PICs");
	shell_printf(" IRQ  vector            count  chip        trigger  handlers\n");
	for (unsigned irq = 0; irq < nr_lines(); irq++) {
		struct irq_line *l = &lines[irq];
		u64 n = vector_count[IRQ_VECTOR_BASE + irq];
		if (!l->nr && !n)
			continue;
		char chip[16];
		if (use_ioapic)
			snprintf(chip, sizeof(chip), "IO-APIC-%u", l->gsi);
		else
			snprintf(chip, sizeof(chip), "XT-PIC");
		shell_printf("%4u    0x%02x  %15llu  %-10s  %-7s ", irq, IRQ_VECTOR_BASE + irq, n, chip,
			     chip_is_level(irq) ? "level" : "edge");
		for (unsigned i = 0; i < l->nr; i++)
			shell_printf(" %s%s", l->action[i].name, i + 1 < l->nr ? "," : "");
		shell_printf("\n");
	}
	for (unsigned v = MSI_VECTOR_FIRST; v <= MSI_VECTOR_LAST; v++)
		if (msi_name(v))
			shell_printf(" MSI    0x%02x  %15llu  MSI-X       edge     %s\n", v,
				     msi_count((int)v), msi_name(v));
	if (lapic_timer_fn)
		shell_printf(" LOC    0x%02x  %15llu  LAPIC       timer    timer\n", LAPIC_TIMER_VECTOR,
			     vector_count[LAPIC_TIMER_VECTOR]);
	for (unsigned v = 0; v < 256; v++)
		if ((v < IRQ_VECTOR_BASE || v >= IRQ_VECTOR_BASE + nr_lines()) && v != LAPIC_TIMER_VECTOR &&
		    !msi_name(v) && vector_count[v])
			shell_printf("   -    0x%02x  %15llu  -           -        unexpected\n", v,
				     vector_count[v]);
	if (use_ioapic)
		shell_printf(" SPU    0x%02x  %15llu  LAPIC       -        spurious\n", LAPIC_SPURIOUS_VECTOR,
			     lapic_spurious);
	else
		shell_printf(" SPU          %15llu  XT-PIC      -        spurious IRQ 7/15\n", spurious);
	return 0;
}
SHELL_COMMAND(interrupts, "interrupts", "interrupts",
	      "interrupt counts per line and vector, like /proc/interrupts", cmd_interrupts);

/* ---- in-kernel tests: the dispatch path driven with made-up frames on an unused line ---- */

static unsigned kt_calls[2];
static irqreturn_t kt_handler0(int irq, void *dev)
{
	kt_calls[0]++;
	return IRQ_NONE; /* a shared line: "not mine" */
}
static irqreturn_t kt_handler1(int irq, void *dev)
{
	kt_calls[1]++;
	return IRQ_HANDLED;
}

static void kt_dispatch(unsigned vector)
{
	struct regs r = {0};
	r.vector = vector;
	unsigned long fl = arch_irq_save();
	irq_dispatch(&r);
	arch_irq_restore(fl);
}

KTEST(irq, shared_line_and_spurious)
{
	const unsigned line = 5; /* nothing on q35 or pc uses IRQ 5 */
	kt_calls[0] = kt_calls[1] = 0;
	KT_ASSERT(lines[line].nr == 0);
	KT_EXPECT(request_irq(line, kt_handler0, IRQF_SHARED, "ktest0", &kt_calls[0]) == 0);
	KT_EXPECT(request_irq(line, kt_handler1, 0, "ktest1", &kt_calls[1]) == -EBUSY); /* not shared */
	KT_EXPECT(request_irq(line, kt_handler1, IRQF_SHARED, "ktest1", &kt_calls[1]) == 0);
	KT_EXPECT(request_irq(PIC_CASCADE_IRQ, kt_handler1, IRQF_SHARED, "ktest", NULL) == -EINVAL);
	KT_EXPECT(request_irq(NR_IRQS, kt_handler1, IRQF_SHARED, "ktest", NULL) == -EINVAL);
	u64 n0 = vector_count[PIC_VECTOR_BASE + line];
	kt_dispatch(PIC_VECTOR_BASE + line);
	KT_EXPECT(kt_calls[0] == 1 && kt_calls[1] == 1);
	KT_EXPECT(vector_count[PIC_VECTOR_BASE + line] == n0 + 1);
	free_irq(line, &kt_calls[1]);
	free_irq(line, &kt_calls[0]);
	KT_EXPECT(lines[line].nr == 0);

	/* IRQ 7 and 15 raised with nothing in service are spurious: counted apart, no handler runs */
	if (use_ioapic) {
		ktest_info("8259 spurious IRQ 7/15 not tried: the IOAPIC has the lines");
		return;
	}
	u64 s0 = irq_spurious_count(), c7 = vector_count[PIC_VECTOR_BASE + 7];
	kt_dispatch(PIC_VECTOR_BASE + 7);
	kt_dispatch(PIC_VECTOR_BASE + 15);
	KT_EXPECT(irq_spurious_count() == s0 + 2);
	KT_EXPECT(vector_count[PIC_VECTOR_BASE + 7] == c7);
}

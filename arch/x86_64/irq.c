/* Interrupt lines behind the 8259 PICs: handler table, dispatch from the IDT hook (irq_dispatch,
 * vectors >= 32), spurious IRQ 7/15, per-vector counts and the `interrupts` shell command.
 * API in kernel/irq.h. */
#include "kernel/errno.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "kernel/spinlock.h"
#include <asm/irqflags.h>
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
};

static struct irq_line lines[NR_IRQS];
static u64 vector_count[256];
static u64 spurious;
static spinlock_t irq_lock = SPINLOCK_INIT;

void irq_init(void)
{
	pic_init();
	printk("irq: 8259 PICs at vectors 0x%x-0x%x, all lines masked\n", PIC_VECTOR_BASE,
	       PIC_VECTOR_BASE + 15);
}

/* The IDT hook for every vector >= 32 (overrides the weak default in traps.c). Runs with interrupts
 * disabled (interrupt gates). */
void irq_dispatch(struct regs *r)
{
	unsigned v = (unsigned)r->vector;
	if (v < PIC_VECTOR_BASE || v >= PIC_VECTOR_BASE + NR_IRQS) {
		vector_count[v & 0xff]++;
		printk(KERN_WARNING "irq: unexpected interrupt vector %u\n", v);
		return;
	}
	unsigned irq = v - PIC_VECTOR_BASE;
	if (pic_is_spurious(irq)) {
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
		if (l->nr == 0 || (pic_is_level(irq) && l->unhandled >= 100000)) {
			printk(KERN_ERR "irq: IRQ %u masked: nobody handles it\n", irq);
			pic_mask(irq);
		}
	}
	pic_eoi(irq);
}

int request_irq(unsigned irq, irq_handler_t *handler, unsigned flags, const char *name, void *dev)
{
	if (irq >= NR_IRQS || irq == PIC_CASCADE_IRQ || !handler)
		return -EINVAL;
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
		if (flags & IRQF_LEVEL)
			pic_set_level(irq, true);
		pic_unmask(irq);
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
		pic_mask(irq);
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

/* Like /proc/interrupts: one row per line that has a handler or has fired. */
static int cmd_interrupts(int argc, char **argv)
{
	shell_printf(" IRQ  vector            count  chip    trigger  handlers\n");
	for (unsigned irq = 0; irq < NR_IRQS; irq++) {
		struct irq_line *l = &lines[irq];
		u64 n = vector_count[PIC_VECTOR_BASE + irq];
		if (!l->nr && !n)
			continue;
		shell_printf("%4u    0x%02x  %15llu  XT-PIC  %-7s ", irq, PIC_VECTOR_BASE + irq, n,
			     pic_is_level(irq) ? "level" : "edge");
		for (unsigned i = 0; i < l->nr; i++)
			shell_printf(" %s%s", l->action[i].name, i + 1 < l->nr ? "," : "");
		shell_printf("\n");
	}
	for (unsigned v = 0; v < 256; v++)
		if ((v < PIC_VECTOR_BASE || v >= PIC_VECTOR_BASE + NR_IRQS) && vector_count[v])
			shell_printf("   -    0x%02x  %15llu  -       -        unexpected\n", v,
				     vector_count[v]);
	shell_printf(" SPU          %15llu  XT-PIC  -        spurious IRQ 7/15\n", spurious);
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
	u64 s0 = irq_spurious_count(), c7 = vector_count[PIC_VECTOR_BASE + 7];
	kt_dispatch(PIC_VECTOR_BASE + 7);
	kt_dispatch(PIC_VECTOR_BASE + 15);
	KT_EXPECT(irq_spurious_count() == s0 + 2);
	KT_EXPECT(vector_count[PIC_VECTOR_BASE + 7] == c7);
}

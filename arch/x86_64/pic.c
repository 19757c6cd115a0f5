/* The 8259A pair: remap to vectors 0x20..0x2f (the CPU's exceptions own 0..31), mask everything,
 * unmask lines as handlers come. Specific EOIs are not needed: one interrupt at a time, so the plain
 * non-specific EOI always ends the right one. */
#include <asm/io.h>
#include <asm/pic.h>

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define ELCR1	  0x4d0
#define ELCR2	  0x4d1

#define ICW1_INIT     0x10
#define ICW1_ICW4     0x01
#define ICW4_8086     0x01
#define OCW2_EOI      0x20
#define OCW3_READ_ISR 0x0b

static u16 mask_cache = 0xffff;

static void write_masks(void)
{
	outb(PIC1_DATA, (u8)mask_cache);
	outb(PIC2_DATA, (u8)(mask_cache >> 8));
}

void pic_init(void)
{
	/* ICW1..ICW4: edge mode by default (the ELCR overrides per line), cascade on IRQ 2. */
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	io_delay();
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	io_delay();
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);
	outb(PIC2_DATA, PIC_CASCADE_IRQ);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	io_delay();
	/* Everything masked except the cascade, which the slave's lines need. */
	mask_cache = (u16) ~(1u << PIC_CASCADE_IRQ);
	write_masks();
}

bool pic_present(void)
{
	/* An absent 8259 (microvm,pic=off) reads all ones; a present one keeps the mask written. */
	u8 old = inb(PIC1_DATA);
	outb(PIC1_DATA, 0x5a);
	bool there = inb(PIC1_DATA) == 0x5a;
	outb(PIC1_DATA, old);
	return there;
}

void pic_disable(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void pic_mask(unsigned irq)
{
	mask_cache |= (u16)(1u << irq);
	write_masks();
}

void pic_unmask(unsigned irq)
{
	mask_cache &= (u16) ~(1u << irq);
	write_masks();
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

static u16 read_isr(void)
{
	outb(PIC1_CMD, OCW3_READ_ISR);
	outb(PIC2_CMD, OCW3_READ_ISR);
	return (u16)(inb(PIC1_CMD) | inb(PIC2_CMD) << 8);
}

bool pic_is_spurious(unsigned irq)
{
	if (irq != 7 && irq != 15)
		return false;
	if (read_isr() & (1u << irq))
		return false;
	if (irq == 15)
		outb(PIC1_CMD, OCW2_EOI); /* the master saw a real IRQ 2 from the slave */
	return true;
}

void pic_set_level(unsigned irq, bool level)
{
	if (irq == 0 || irq == 1 || irq == 2 || irq == 8 || irq == 13)
		return;
	u16 port = irq < 8 ? ELCR1 : ELCR2;
	u8 bit = (u8)(1u << (irq & 7));
	u8 v = inb(port);
	outb(port, level ? (u8)(v | bit) : (u8)(v & ~bit));
}

bool pic_is_level(unsigned irq)
{
	return inb(irq < 8 ? ELCR1 : ELCR2) & (1u << (irq & 7));
}

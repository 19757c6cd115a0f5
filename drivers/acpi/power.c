/* Leaving the machine: ACPI S5 (soft off) and reset, and the machine_poweroff()/machine_reboot()
 * policy the shell uses (include/kernel/power.h). */
#include <asm/io.h>
#include <asm/irqflags.h>
#include <asm/mmio.h>
#include "drivers/acpi.h"
#include "kernel/errno.h"
#include "kernel/exit.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"

#define KBC_STATUS	    0x64
#define KBC_STATUS_IBF	    0x02 /* input buffer full: the controller has not taken the last byte */
#define KBC_CMD_PULSE_RESET 0xfe

/* Bounded waits, counted in port accesses (~1 µs each on hardware, more when trapped). */
#define SCI_EN_POLLS	  200000
#define AFTER_WRITE_POLLS 200000

/* A register named by a generic address (PM1x_CNT, RESET_REG), ready for access: an I/O port, or
 * memory mapped with ioremap (the direct map covers RAM only, never these registers). */
struct acpi_reg {
	bool mmio;
	u8 bits;
	u16 port;
	volatile void __iomem *addr;
};

/* Returns 0, or a negative errno with one line naming `what`. */
static int reg_init(struct acpi_reg *r, const struct acpi_gas *g, u8 bits, const char *what)
{
	*r = (struct acpi_reg){.bits = bits};
	if (g->space_id == ACPI_GAS_IO && g->address && g->address <= 0xffff) {
		r->port = (u16)g->address;
		return 0;
	}
	if (g->space_id == ACPI_GAS_MEMORY && g->address) {
		r->mmio = true;
		r->addr = ioremap(g->address, bits / 8);
		return r->addr ? 0 : -ENOMEM;
	}
	pr_err("acpi: %s at space %u address 0x%llx: cannot access\n", what, g->space_id, g->address);
	return -EOPNOTSUPP;
}

static u32 reg_read(const struct acpi_reg *r)
{
	if (r->mmio)
		return r->bits <= 8 ? readb(r->addr) : r->bits <= 16 ? readw(r->addr) : readl(r->addr);
	return r->bits <= 8 ? inb(r->port) : r->bits <= 16 ? inw(r->port) : inl(r->port);
}

static void reg_write(const struct acpi_reg *r, u32 v)
{
	if (r->mmio) {
		if (r->bits <= 8)
			writeb((u8)v, r->addr);
		else if (r->bits <= 16)
			writew((u16)v, r->addr);
		else
			writel(v, r->addr);
	} else if (r->bits <= 8) {
		outb(r->port, (u8)v);
	} else if (r->bits <= 16) {
		outw(r->port, (u16)v);
	} else {
		outl(r->port, v);
	}
}

/* PM1x_CNT is 16 bits wide unless the firmware says 32. */
static u8 pm1_bits(const struct acpi_gas *g)
{
	return g->bit_width > 16 ? 32 : 16;
}

/* Legacy firmware starts in SMM mode (SCI_EN clear); ACPI_ENABLE written to SMI_CMD hands the
 * hardware to the OS. Hardware-reduced and already-enabled machines need nothing. */
static int acpi_enable_mode(const struct acpi_info *ai, const struct acpi_reg *pm1a)
{
	if (reg_read(pm1a) & ACPI_PM1_SCI_EN)
		return 0;
	if (!ai->smi_cmd || !ai->acpi_enable)
		return 0; /* no way to switch: the firmware says ACPI mode is all there is */
	pr_info("acpi: enabling ACPI mode (SMI_CMD 0x%x <- 0x%x)\n", ai->smi_cmd, ai->acpi_enable);
	outb((u16)ai->smi_cmd, ai->acpi_enable);
	for (int i = 0; i < SCI_EN_POLLS; i++)
		if (reg_read(pm1a) & ACPI_PM1_SCI_EN)
			return 0;
	pr_err("acpi: SCI_EN still clear after writing 0x%x to SMI_CMD 0x%x\n", ai->acpi_enable, ai->smi_cmd);
	return -ETIMEDOUT;
}

int acpi_poweroff(void)
{
	const struct acpi_info *ai = acpi_get_info();
	struct acpi_reg pm1a, pm1b;
	int err;

	if (!ai || !ai->fadt || !ai->s5_found || !ai->pm1a_cnt.address) {
		pr_err("acpi: power-off unavailable: %s\n", !ai || !ai->fadt ? "no FADT"
							    : !ai->s5_found  ? "no \\_S5_ object"
									     : "no PM1a control block");
		return -ENODEV;
	}
	err = reg_init(&pm1a, &ai->pm1a_cnt, pm1_bits(&ai->pm1a_cnt), "PM1a_CNT");
	if (!err && ai->pm1b_cnt.address)
		err = reg_init(&pm1b, &ai->pm1b_cnt, pm1_bits(&ai->pm1b_cnt), "PM1b_CNT");
	if (!err)
		err = acpi_enable_mode(ai, &pm1a);
	if (err)
		return err;

	unsigned long flags = arch_irq_save();
	bool has_b = ai->pm1b_cnt.address != 0;
	u32 a = reg_read(&pm1a) & ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN);
	u32 b = has_b ? reg_read(&pm1b) & ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN) : 0;
	a |= (u32)ai->slp_typa << ACPI_PM1_SLP_TYP_SHIFT;
	b |= (u32)ai->slp_typb << ACPI_PM1_SLP_TYP_SHIFT;
	/* SLP_TYP first, then SLP_EN, as the specification's sleeping sequence does (ACPI 6.5, 7.4.2). */
	reg_write(&pm1a, a);
	if (has_b)
		reg_write(&pm1b, b);
	reg_write(&pm1a, a | ACPI_PM1_SLP_EN);
	if (has_b)
		reg_write(&pm1b, b | ACPI_PM1_SLP_EN);
	/* The machine goes away asynchronously (QEMU finishes the current instruction block first). */
	for (int i = 0; i < AFTER_WRITE_POLLS; i++)
		io_delay();
	arch_irq_restore(flags);
	pr_err("acpi: still running after entering S5 (PM1a_CNT 0x%llx <- 0x%x)\n", ai->pm1a_cnt.address,
	       a | ACPI_PM1_SLP_EN);
	return -EIO;
}

static void short_wait(void)
{
	for (int i = 0; i < AFTER_WRITE_POLLS; i++)
		io_delay();
}

/* An IDT with limit 0: the next exception cannot be delivered, which is a triple fault: reset. */
static __noreturn void triple_fault(void)
{
	static const struct {
		u16 limit;
		u64 base;
	} __packed null_idt = {0, 0};

	__asm__ __volatile__("lidt %0; int3" ::"m"(null_idt) : "memory");
	for (;;)
		halt();
}

__noreturn void acpi_reboot(void)
{
	const struct acpi_info *ai = acpi_get_info();
	struct acpi_reg reset;

	local_irq_disable();
	/* RESET_REG is one byte wide by definition. */
	if (ai && ai->reset_supported && reg_init(&reset, &ai->reset_reg, 8, "RESET_REG") == 0) {
		reg_write(&reset, ai->reset_value);
		short_wait();
		pr_err("acpi: reset register did not reset, trying the keyboard controller\n");
	}
	for (int i = 0; i < SCI_EN_POLLS && (inb(KBC_STATUS) & KBC_STATUS_IBF); i++)
		io_delay();
	outb(KBC_STATUS, KBC_CMD_PULSE_RESET);
	short_wait();
	pr_err("acpi: keyboard controller did not reset, forcing a triple fault\n");
	triple_fault();
}

__noreturn void machine_poweroff(void)
{
	/* isa-debug-exit ends QEMU at once with status 33; without the device the write is lost. */
	qemu_debug_exit_try(true);
	int err = acpi_poweroff();
	pr_emerg("power: cannot power off (%s): halting\n", errname(err));
	local_irq_disable();
	for (;;)
		halt();
}

__noreturn void machine_reboot(void)
{
	pr_info("power: rebooting\n");
	acpi_reboot();
}

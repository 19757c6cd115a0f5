/* Leaving the machine: ACPI S5 (soft off) and reset, and the machine_poweroff()/machine_reboot()
 * policy the shell uses (include/kernel/power.h). */
#include <asm/io.h>
#include <asm/irqflags.h>
#include <asm/memlayout.h>
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

/* A generic-address register of up to 32 bits (PM1x_CNT, RESET_REG). Memory-space registers are
 * reached through the direct map, which must still cover them. */
static u32 gas_read(const struct acpi_gas *g)
{
	u8 bits = g->bit_width ? g->bit_width : 16;

	if (g->space_id == ACPI_GAS_IO)
		return bits <= 8    ? inb((u16)g->address)
		       : bits <= 16 ? inw((u16)g->address)
				    : inl((u16)g->address);
	volatile void *p = (volatile void *)(uintptr_t)(PAGE_OFFSET + g->address);
	return bits <= 8 ? *(volatile u8 *)p : bits <= 16 ? *(volatile u16 *)p : *(volatile u32 *)p;
}

static void gas_write(const struct acpi_gas *g, u32 v)
{
	u8 bits = g->bit_width ? g->bit_width : 16;

	if (g->space_id == ACPI_GAS_IO) {
		if (bits <= 8)
			outb((u16)g->address, (u8)v);
		else if (bits <= 16)
			outw((u16)g->address, (u16)v);
		else
			outl((u16)g->address, v);
		return;
	}
	volatile void *p = (volatile void *)(uintptr_t)(PAGE_OFFSET + g->address);
	if (bits <= 8)
		*(volatile u8 *)p = (u8)v;
	else if (bits <= 16)
		*(volatile u16 *)p = (u16)v;
	else
		*(volatile u32 *)p = v;
}

static bool gas_usable(const struct acpi_gas *g)
{
	if (!g->address)
		return false;
	if (g->space_id == ACPI_GAS_IO)
		return g->address <= 0xffff;
	return g->space_id == ACPI_GAS_MEMORY && g->address < EARLY_DIRECT_MAP_SIZE;
}

/* Legacy firmware starts in SMM mode (SCI_EN clear); ACPI_ENABLE written to SMI_CMD hands the
 * hardware to the OS. Hardware-reduced and already-enabled machines need nothing. */
static int acpi_enable_mode(const struct acpi_info *ai)
{
	if (gas_read(&ai->pm1a_cnt) & ACPI_PM1_SCI_EN)
		return 0;
	if (!ai->smi_cmd || !ai->acpi_enable)
		return 0; /* no way to switch: the firmware says ACPI mode is all there is */
	pr_info("acpi: enabling ACPI mode (SMI_CMD 0x%x <- 0x%x)\n", ai->smi_cmd, ai->acpi_enable);
	outb((u16)ai->smi_cmd, ai->acpi_enable);
	for (int i = 0; i < SCI_EN_POLLS; i++)
		if (gas_read(&ai->pm1a_cnt) & ACPI_PM1_SCI_EN)
			return 0;
	pr_err("acpi: SCI_EN still clear after writing 0x%x to SMI_CMD 0x%x\n", ai->acpi_enable, ai->smi_cmd);
	return -ETIMEDOUT;
}

int acpi_poweroff(void)
{
	const struct acpi_info *ai = acpi_get_info();

	if (!ai || !ai->s5_found || !gas_usable(&ai->pm1a_cnt)) {
		pr_err("acpi: power-off unavailable: %s\n", !ai		    ? "no ACPI tables"
							    : !ai->s5_found ? "no \\_S5_ object"
									    : "no usable PM1a_CNT");
		return -ENODEV;
	}
	int err = acpi_enable_mode(ai);
	if (err)
		return err;

	unsigned long flags = arch_irq_save();
	bool pm1b = gas_usable(&ai->pm1b_cnt);
	u32 a = gas_read(&ai->pm1a_cnt) & ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN);
	u32 b = pm1b ? gas_read(&ai->pm1b_cnt) & ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN) : 0;
	a |= (u32)ai->slp_typa << ACPI_PM1_SLP_TYP_SHIFT;
	b |= (u32)ai->slp_typb << ACPI_PM1_SLP_TYP_SHIFT;
	/* SLP_TYP first, then SLP_EN, as the specification's sleeping sequence does (ACPI 6.5, 7.4.2). */
	gas_write(&ai->pm1a_cnt, a);
	if (pm1b)
		gas_write(&ai->pm1b_cnt, b);
	gas_write(&ai->pm1a_cnt, a | ACPI_PM1_SLP_EN);
	if (pm1b)
		gas_write(&ai->pm1b_cnt, b | ACPI_PM1_SLP_EN);
	/* The machine goes away asynchronously (QEMU finishes the current instruction block first). */
	for (int i = 0; i < AFTER_WRITE_POLLS; i++)
		io_delay();
	arch_irq_restore(flags);
	pr_err("acpi: still running after entering S5 (PM1a_CNT 0x%llx <- 0x%x)\n",
	       (unsigned long long)ai->pm1a_cnt.address, a | ACPI_PM1_SLP_EN);
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

	local_irq_disable();
	if (ai && ai->reset_supported && gas_usable(&ai->reset_reg)) {
		struct acpi_gas r = ai->reset_reg;
		r.bit_width = 8; /* RESET_REG is one byte wide by definition */
		gas_write(&r, ai->reset_value);
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

/* The local APIC (arch/x86_64/lapic.c) and the IOAPICs (arch/x86_64/ioapic.c). One CPU: every IOAPIC
 * entry is delivered to this CPU's LAPIC, fixed mode, physical destination. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include "kernel/types.h"

#define LAPIC_DEFAULT_BASE  0xfee00000ULL
#define IOAPIC_DEFAULT_BASE 0xfec00000ULL
/* QEMU microvm's second IOAPIC (ioapic2=on), GSIs 24-47 */
#define IOAPIC2_DEFAULT_BASE  0xfec10000ULL
#define IOAPIC2_DEFAULT_GSI   24
#define LAPIC_SPURIOUS_VECTOR 0xff
#define LAPIC_TIMER_VECTOR    0xf0

/* Maps and software-enables the local APIC at phys (0: the base MSR says where), spurious vector
 * LAPIC_SPURIOUS_VECTOR, LINT1 as NMI, LINT0 as ExtINT (the 8259's output passes through: "virtual
 * wire") when pic is true, masked otherwise. 0, or -ENODEV when the CPU has no APIC. */
int lapic_init(u64 phys, bool pic);
void lapic_eoi(void);
u32 lapic_id(void);
/* Sends interrupt vector to this CPU (an IPI to self; it arrives once interrupts are enabled). */
void lapic_self_ipi(u8 vector);
bool lapic_ready(void);
/* The LAPIC timer: one-shot or periodic count down at the bus clock / 16 on LAPIC_TIMER_VECTOR. */
void lapic_timer_start(u32 count, bool periodic);
void lapic_timer_stop(void);
u32 lapic_timer_current(void);

/* irq.c: whether the IOAPIC has the lines (then the tick is the LAPIC timer), and the function the
 * LAPIC timer's vector runs (interrupt context; irq.c sends the EOI). */
bool irq_uses_ioapic(void);
void irq_set_lapic_timer_handler(void (*fn)(void));

/* Adds the IOAPIC at phys with GSIs from gsi_base: its index, every entry masked; -ENODEV when
 * nothing answers there (its version register reads all ones or zero), -ENOSPC past
 * IRQ_MAX_IOAPICS. */
int ioapic_init(u64 phys, u32 gsi_base);
struct ioapic_info {
	u64 phys;
	u32 gsi_base;
	unsigned pins; /* GSIs [gsi_base, gsi_base + pins) */
	u8 version;
};
unsigned ioapic_count(void);
/* 0 and *out for IOAPIC i, or -ENOENT. */
int ioapic_get(unsigned i, struct ioapic_info *out);
/* Whether some IOAPIC has a pin for gsi. The functions below do nothing for a gsi none has. */
bool ioapic_has_gsi(u32 gsi);
/* Routes gsi to vector on this CPU, masked, with its trigger and polarity. */
void ioapic_route(u32 gsi, u8 vector, bool level, bool active_low);
void ioapic_mask(u32 gsi);
void ioapic_unmask(u32 gsi);
bool ioapic_is_level(u32 gsi);

#endif

/* The two cascaded 8259A interrupt controllers, remapped to vectors 0x20..0x2f (arch/x86_64/pic.c). */
#ifndef ASM_PIC_H
#define ASM_PIC_H

#include "kernel/types.h"

#define PIC_VECTOR_BASE 0x20
#define PIC_CASCADE_IRQ 2

void pic_init(void);
/* True when the 8259s answer at their ports (QEMU microvm,pic=off has none). */
bool pic_present(void);
/* Masks every line (when the IOAPIC takes over; harmless when the 8259s are absent). */
void pic_disable(void);
void pic_mask(unsigned irq);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
/* True when irq 7 or 15 was raised without being in service (a spurious interrupt). Sends the
 * master the EOI it still needs for a spurious IRQ 15. */
bool pic_is_spurious(unsigned irq);
/* Level (true) or edge (false) triggering in the ELCR (ports 0x4d0/0x4d1); IRQ 0, 1, 2, 8, 13 stay
 * edge. */
void pic_set_level(unsigned irq, bool level);
bool pic_is_level(unsigned irq);

#endif

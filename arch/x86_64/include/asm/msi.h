/* Message-signalled interrupts (arch/x86_64/msi.c): the pool of CPU vectors above the interrupt
 * lines, each with one handler. request_msi/free_msi/msi_count are declared in kernel/irq.h; these are
 * for the dispatch and the `interrupts` command in irq.c. */
#ifndef ASM_MSI_H
#define ASM_MSI_H

#include "kernel/irq.h"
#include <asm/trap.h>

#define MSI_VECTOR_FIRST (IRQ_VECTOR_BASE + NR_IRQS) /* 0x50: after the lines' vectors */
#define MSI_VECTOR_LAST	 0xdf			     /* below the LAPIC timer's 0xf0 */
#define MSI_ADDRESS	 0xfee00000ULL		     /* fixed delivery, destination in bits 12-19 */

/* Interrupt context: runs vector v's handler and counts it; false when v is no requested MSI vector
 * (nothing run, nothing counted). The caller sends the EOI. */
bool msi_dispatch(unsigned v);
/* The name vector v was requested with, or NULL when it is not a requested MSI vector. */
const char *msi_name(unsigned v);

#endif

/* Physical address ranges that the firmware and devices claim (kernel/iomem.c), like Linux's
 * iomem resources but flat: every region of the firmware's memory map (reserved ones too), the ACPI
 * tables and the windows they name, every memory BAR. A driver that a device hands a range of
 * physical memory to (virtio-mem's region) looks here first and refuses a range someone already has.
 *
 * Boot fills the table (kmain: the memory map; acpi_init: the tables; pci_init: the BARs); nothing is
 * ever released. Not for interrupt context. */
#ifndef KERNEL_IOMEM_H
#define KERNEL_IOMEM_H

#include "kernel/compiler.h"
#include "kernel/types.h"

#define IOMEM_MAX_CLAIMS 640 /* 128 memory map regions, the ACPI tables, 64 functions x 6 BARs */
#define IOMEM_NAME_LEN	 40

struct iomem_claim {
	u64 start, end; /* [start, end], end inclusive as in /proc/iomem */
	char name[IOMEM_NAME_LEN];
};

/* Records that [start, start + size) belongs to `name` (printf format). 0, -EINVAL for an empty
 * range or one past 2^64, -ENOSPC when the table is full (one line; the claim is lost). Overlapping
 * claims are allowed (an ACPI table inside a reserved region). */
int iomem_claim(u64 start, u64 size, const char *fmt, ...) __printf(3, 4);
/* The claim overlapping [start, start + size) with the lowest start (the first recorded among
 * equals), or NULL when none does (or the range is empty). */
const struct iomem_claim *iomem_find_claim(u64 start, u64 size);
/* Claims so far, and the i-th (NULL past the end), in the order they were made. */
unsigned iomem_nr_claims(void);
const struct iomem_claim *iomem_claim_at(unsigned i);

#endif

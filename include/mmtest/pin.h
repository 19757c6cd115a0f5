/* pin (kernel/mmtest/pin.c): a test load of unmovable kernel allocations (GFP_KERNEL order-0 pages,
 * ZONE_NORMAL only), to show what cannot be migrated. Shown as meminfo's Pinned. */
#ifndef MMTEST_PIN_H
#define MMTEST_PIN_H

#include "kernel/types.h"

/* bytes more unmovable pages; all or nothing (0 / -ENOMEM). */
int pin_alloc(u64 bytes);
/* The same, from memory block id only (alloc_contig_pages_in_block): so a test can put an unmovable
 * page where it wants. 0, -ENOMEM. */
int pin_alloc_block(u64 bytes, unsigned long id);
void pin_free(void);
unsigned long pin_nr_pages(void);

/* Forget every pinned page without freeing it: the memory manager started over (host tests call
 * mm_init again). */
void pin_reset(void);

#endif

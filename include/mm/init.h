/* Bringing the memory manager up (kernel/mm/init.c). */
#ifndef MM_INIT_H
#define MM_INIT_H

#include "kernel/boot_info.h"

/* Builds everything from the boot memory map, in order: memblock (RAM = MEM_USABLE regions; reserved:
 * the first MiB, the kernel image, `bi` itself if it lies in RAM), the direct map
 * (arch_direct_map_init), sections and memmap for every section holding RAM, zones (ZONE_NORMAL, and
 * with movablecore_bytes (`movablecore=SIZE`) the top SIZE of boot RAM in ZONE_MOVABLE, its start
 * rounded to the nearest memory block boundary, at least one block), memblock retires into the buddy,
 * kmalloc. Prints the reservation breakdown (`mm: reserved ...`) and the totals. Panics only on a memory map
 * it cannot use (no RAM). Calling it again on the host starts the memory manager over (the tests do). */
void mm_init(struct boot_info *bi);

/* `movablecore=SIZE`, set by its cmdline handler (init.c) before mm_init, or directly by host tests.
 * `page_poison=1` sets page_poison_enabled (gfp.h; its handler is in page_alloc.c). */
extern u64 movablecore_bytes;

/* True once mm_init has handed memory to the buddy (alloc_pages works). */
extern bool mm_ready;

#endif

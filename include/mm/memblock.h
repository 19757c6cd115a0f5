/* memblock: the boot-time allocator (kernel/mm/memblock.c), built from boot_info before anything
 * else in mm exists. It knows the RAM ranges (memory) and what is taken out of them (reserved, each
 * with a name for the boot breakdown). It hands out the memmap, section roots and page tables of the
 * boot memory, then retires: memblock_free_all() gives every page of RAM that is not reserved to the
 * buddy. After that memblock_phys_alloc fails loudly (a bug). Not thread safe; boot only. */
#ifndef MM_MEMBLOCK_H
#define MM_MEMBLOCK_H

#include "kernel/types.h"

#define MEMBLOCK_MAX_REGIONS 128

struct memblock_region {
	phys_addr_t base;
	u64 size;
	const char *name; /* reserved regions: what it is ("kernel", "memmap", ...); memory: NULL */
};

struct memblock_type {
	unsigned long cnt;
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};

struct memblock {
	struct memblock_type memory;   /* page-aligned RAM, sorted, merged */
	struct memblock_type reserved; /* sorted, merged when adjacent with the same name */
	phys_addr_t current_limit;     /* allocations stay below (the part the early tables map) */
	bool retired;
};

extern struct memblock memblock;

#define for_each_memblock(type, r)                                                                           \
	for ((r) = memblock.type.regions; (r) < memblock.type.regions + memblock.type.cnt; (r)++)

/* Forgets everything (mm_init calls it first; the host tests start over with it). */
void memblock_reset(void);
/* Adds RAM [base, base+size), trimmed inward to whole pages. 0, or -ENOSPC when the table is full. */
int memblock_add(phys_addr_t base, u64 size);
/* Reserves [base, base+size) (widened to whole pages) under `name`; may overlap earlier reservations.
 * 0 or -ENOSPC. */
int memblock_reserve(phys_addr_t base, u64 size, const char *name);
/* Finds, reserves under `name` and returns size bytes aligned to align (a power of two >= 4 KiB),
 * searching bottom-up from 1 MiB, below current_limit (boot allocations stay next to the kernel and
 * out of the top of RAM that movablecore= hands to ZONE_MOVABLE). Not zeroed. 0 when nothing fits. */
phys_addr_t memblock_phys_alloc(u64 size, u64 align, const char *name);
void memblock_set_current_limit(phys_addr_t limit);

/* Bytes of RAM (memory) / bytes of RAM that are reserved (reserved ∩ memory). */
u64 memblock_phys_mem_size(void);
u64 memblock_reserved_size(void);
/* True when [base, base+size) is wholly RAM. */
bool memblock_is_memory(phys_addr_t base, u64 size);
/* True when [base, base+size) is wholly RAM and no part of it is reserved. */
bool memblock_is_free_memory(phys_addr_t base, u64 size);
/* Bytes of RAM reserved under `name` (sum of the reserved ∩ memory parts). */
u64 memblock_reserved_named(const char *name);

/* Prints `mm: reserved <name>: N kB` per name and the totals (the boot breakdown meminfo agrees with). */
void memblock_print_breakdown(void (*pr)(const char *fmt, ...));

/* Retires memblock: every page of RAM in a present section that is not reserved goes to the buddy
 * (__free_pages_core in the largest aligned chunks), every reserved page keeps PG_reserved. Returns
 * the pages freed. */
unsigned long memblock_free_all(void);

#endif

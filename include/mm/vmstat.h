/* Global memory counters that meminfo prints and that other subsystems adjust (Linux's vm_stat, one
 * node, one CPU). Zone counters (present/managed/free) live in struct zone (mmzone.h). */
#ifndef MM_VMSTAT_H
#define MM_VMSTAT_H

#include "kernel/types.h"

enum mm_stat_item {
	NR_OFFLINE_PAGES,	   /* PageOffline pages (kept by __SetPageOffline/__ClearPageOffline) */
	NR_MEMMAP_PAGES,	   /* pages holding struct page arrays (sparse.c) */
	NR_MEMMAP_BOOT_PAGES,	   /* of those, the ones memblock gave at boot (sparse.c; never given back) */
	NR_MEMMAP_ON_MEMORY_PAGES, /* of those, the pages set aside at the start of blocks added with
				    * MHP_MEMMAP_ON_MEMORY (memory_add_remove.c; go with the block) */
	NR_PAGETABLE,		   /* direct-map page table pages allocated after boot (arch) */
	NR_SLAB_PAGES,		   /* pages in kmalloc slabs */
	NR_KMALLOC_LARGE,	   /* pages behind large kmalloc allocations */
	NR_BALLOON_PAGES,	   /* PageOffline pages balloons hold (page_offline.h, offline_page_take) */
	NR_MM_STAT_ITEMS
};

extern long mm_stat[NR_MM_STAT_ITEMS];

static inline void mm_stat_mod(enum mm_stat_item item, long delta)
{
	mm_stat[item] += delta;
}

static inline long mm_stat_read(enum mm_stat_item item)
{
	return mm_stat[item];
}

#endif

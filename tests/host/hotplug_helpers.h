/* Shared by the hotplug host tests (tests/host/test_hotplug*.c, test_isolation.c, test_migrate.c):
 * a standard fake machine, the before/after snapshot of docs/HOTPLUG.md step 7, and a notifier that
 * records the events it sees and can veto. */
#ifndef HOTPLUG_HELPERS_H
#define HOTPLUG_HELPERS_H

#include "kernel/types.h"
#include "mm/memory.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* The fake machine: RAM [0, 640K) and [1M, 1G) (blocks 0-7; blocks 6-7 ZONE_MOVABLE through
 * movablecore=256M), the kernel image in block 0. Hot-added memory goes at 4 GiB (block 32). The
 * recorder is registered; the balloons and the offline owner start empty. */
void hp_boot(void);
#define HP_MOVABLE_FIRST 6
#define HP_MOVABLE_LAST	 7
#define HP_HOTADD_BLOCK	 32

/* Step 7's comparison. */
struct hp_snap {
	unsigned long free;	     /* nr_free_pages() */
	unsigned long managed;	     /* totalram_pages() */
	unsigned long workload;	     /* workload pages */
	unsigned long offline_pages; /* PageOffline pages in online sections */
	long offline_refs;	     /* sum of their refcounts */
	unsigned long balloon[2];    /* unmovable, movable */
	long stat_offline;	     /* NR_OFFLINE_PAGES */
};
void hp_snap(struct hp_snap *s);
/* Checks everything step 7 promises against `before`, plus: workload verify clean, no ISOLATE
 * pageblock, mm_verify clean, block `id` online. Returns the number of mismatches (printed as INFO). */
int hp_check_unchanged(const struct hp_snap *before, unsigned long id);

/* The recorder notifier. */
struct hp_recorder {
	unsigned long events[8]; /* MEM_* actions seen, in order */
	int n;
	unsigned long veto; /* the GOING event to veto with -EBUSY (0: none) */
};
extern struct hp_recorder hp_rec;
void hp_rec_reset(void);
bool hp_rec_saw(unsigned long action);
/* A second notifier registered ahead of the offline owner (priority 10): vetoes `hp_first_veto`. */
extern unsigned long hp_first_veto;

/* State of every page of block id: counts of free pages (buddy and pcp), PageOffline pages, other pages. */
void hp_block_census(unsigned long id, unsigned long *free, unsigned long *offline, unsigned long *other);

#endif

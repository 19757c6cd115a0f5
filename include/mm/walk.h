/* Walking online memory the way a crash-dump tool does (kernel/mm/walk.c). */
#ifndef MM_WALK_H
#define MM_WALK_H

#include "kernel/types.h"

struct readable_walk {
	unsigned long read;	/* pages handed to fn */
	unsigned long offline;	/* PageOffline pages skipped: never to be read (unplugged, ballooned) */
	unsigned long reserved; /* reserved pages skipped: holes, firmware ranges, mm's own metadata */
};

/* Calls fn(pfn, nr, arg) for each run of online pages that may be read: everything but PageOffline
 * and reserved pages, free pages included (a lazy-memmap pageblock is one free chunk: passed whole).
 * The pages are mapped; fn may read them through phys_to_virt. Counts into *w. */
void walk_readable_pages(void (*fn)(unsigned long pfn, unsigned long nr, void *arg), void *arg,
			 struct readable_walk *w);

#endif

/* Allocating a given physical range (kernel/mm/contig.c; Linux's alloc_contig_range). virtio-mem
 * unplugs a sub-block of an online block with it: isolate the range, migrate what is movable out, take
 * the free pages. */
#ifndef MM_CONTIG_H
#define MM_CONTIG_H

#include "kernel/types.h"
#include "lib/list.h"
#include "mm/page_isolation.h"

/* Allocates exactly the pages [start_pfn, end_pfn) (online, one zone; any alignment, the pageblocks
 * around it are isolated while it works). Movable pages are migrated out (at most a few passes). On
 * success every page of the range is allocated to the caller as an order-0 page with refcount 1
 * (free each with free_contig_range, or __free_page). Returns 0, -EINVAL (empty, not online, two
 * zones), -EBUSY (an unmovable page: *busy names it; busy may be NULL), -ENOMEM (no migration
 * target). On failure nothing is allocated, and pages already migrated stay where they went. Callers
 * serialize with hotplug (hold the hotplug lock or run where it cannot be held). */
int alloc_contig_range(unsigned long start_pfn, unsigned long end_pfn, struct busy_pfn *busy);
/* Allocates n order-0 pages (refcount 1) from memory block id only, a free-able pageblock at a time
 * with alloc_contig_range (the surplus of the last one is freed), and links them through lru onto
 * `out`. So tests can aim an allocation at a block. 0, or -ENOMEM with the pages freed again. */
int alloc_contig_pages_in_block(unsigned long id, unsigned long n, struct list_head *out);
/* Frees nr_pages order-0 pages from pfn on (each refcount 1, as alloc_contig_range left them). */
void free_contig_range(unsigned long pfn, unsigned long nr_pages);

#endif

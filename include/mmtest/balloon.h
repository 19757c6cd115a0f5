/* The test balloon (kernel/mmtest/balloon.c): a stand-in PageOffline user that shows the branches of
 * the offlining protocol an owner who does not agree to it takes (docs/HOTPLUG.md). Its pages are
 * taken from the system and marked PageOffline (refcount 1, never read or written, taken out of the
 * zone's managed pages), like Hyper-V/XEN/VMware balloons.
 *   - unmovable balloon: its pages have no movable operations and it ignores the memory notifiers, so
 *     offlining a block holding one fails (-EBUSY, naming the page) and nothing is lost;
 *   - movable balloon (balloon compaction): its pages carry movable operations; migration gives the
 *     balloon a new page without reading the old one, so offlining succeeds.
 * The agreeing owner, the third PageOffline user, is declared in include/mmtest/offline_owner.h. */
#ifndef MMTEST_BALLOON_H
#define MMTEST_BALLOON_H

#include "kernel/types.h"

#define BALLOON_ANY_BLOCK (~0UL)

/* Inflates the balloon by bytes (whole pages). movable: the compaction-capable balloon (GFP_MOVABLE
 * pages with movable operations), else the unmovable one. block != BALLOON_ANY_BLOCK: take the pages
 * from that online block only (free pageblocks, with alloc_contig_range), so a test can aim at it.
 * All or nothing: 0, -ENOMEM, -EINVAL (bad block), -EBUSY. */
int balloon_inflate(u64 bytes, bool movable, unsigned long block);
/* Gives every page of one balloon back to the system. Returns the pages given back. */
unsigned long balloon_deflate(bool movable);
unsigned long balloon_nr_pages(bool movable);
/* Pages of the balloon in block id (movable or not). */
unsigned long balloon_pages_in_block(bool movable, unsigned long id);
/* Registers the movable balloon's operations and forgets every page without freeing it (done on first
 * use; the host tests call it after mm_init started over). */
void balloon_reset(void);

#endif

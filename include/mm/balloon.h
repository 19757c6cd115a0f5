/* The PageOffline users that show every branch of the offlining protocol (docs/HOTPLUG.md):
 *
 * balloon (kernel/mmtest/balloon.c): pages taken from the system and marked PageOffline (refcount 1,
 *   never read or written, taken out of the zone's managed pages), like Hyper-V/XEN/VMware balloons.
 *   - unmovable balloon: its pages have no movable operations and it ignores the memory notifiers, so
 *     offlining a block holding one fails (-EBUSY, naming the page) and nothing is lost;
 *   - movable balloon (balloon compaction): its pages carry movable operations; migration gives the
 *     balloon a new page without reading the old one, so offlining succeeds.
 *
 * offline owner (kernel/mm/offline_owner.c): the agreeing owner, the pattern virtio-mem follows. It
 *   takes 2 MiB sub-blocks of online blocks with alloc_contig_range, marks them PageOffline (refcount
 *   1, unmanaged) and unmaps them ("unplugged"). In MEM_GOING_OFFLINE it drops the references of the
 *   block's PageOffline pages to 0 (remembering that it did), in MEM_CANCEL_OFFLINE it takes back only
 *   those, in MEM_OFFLINE it forgets them, and its online-page callback keeps its sub-blocks
 *   PageOffline when the block comes back online. */
#ifndef MM_BALLOON_H
#define MM_BALLOON_H

#include "kernel/types.h"
#include "mm/sparse.h"

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

#define OFFLINE_OWNER_SUBBLOCK_PAGES 512UL /* 2 MiB */
#define OFFLINE_OWNER_SUBBLOCKS	     (PAGES_PER_MEMORY_BLOCK / OFFLINE_OWNER_SUBBLOCK_PAGES)

/* Registers the notifier and the online-page callback (-EINVAL if another callback is installed). */
int offline_owner_init(void);
void offline_owner_exit(void);
/* "Unplugs" sub-blocks [first, first + count) of online block id: alloc_contig_range, PageOffline,
 * unmanaged, unmapped. 0, -EINVAL, -EEXIST (already unplugged), -EBUSY/-ENOMEM (alloc_contig_range;
 * nothing taken). */
int offline_owner_unplug(unsigned long id, unsigned int first, unsigned int count);
/* "Plugs" them back: mapped, PageOffline cleared, freed to the buddy. The block must be online. */
int offline_owner_plug(unsigned long id, unsigned int first, unsigned int count);
/* Offlines and removes block id (offline_and_remove_memory) and forgets it: what virtio-mem does with a
 * block it unplugged completely. */
int offline_owner_remove(unsigned long id);
/* Bitmap of the unplugged sub-blocks of block id (bit i = sub-block i). */
u64 offline_owner_unplugged(unsigned long id);
/* References the owner dropped in MEM_GOING_OFFLINE and holds none of now (tests). */
unsigned long offline_owner_dropped_refs(void);

#endif

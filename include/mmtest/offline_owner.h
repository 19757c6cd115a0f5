/* The agreeing owner of PageOffline pages, the PageOffline user that shows the offlining protocol's
 * agreeing branch (docs/HOTPLUG.md); the test balloon, which does not agree, is include/mmtest/balloon.h.
 *
 * offline owner (kernel/mmtest/offline_owner.c): the agreeing owner, the pattern virtio-mem follows. It
 *   takes 2 MiB sub-blocks of online blocks with alloc_contig_range, marks them PageOffline (refcount
 *   1, unmanaged) and unmaps them ("unplugged"). In MEM_GOING_OFFLINE it drops the references of the
 *   block's PageOffline pages to 0 (remembering that it did), in MEM_CANCEL_OFFLINE it takes back only
 *   those, in MEM_OFFLINE it forgets them, and its online-page callback keeps its sub-blocks
 *   PageOffline when the block comes back online. */
#ifndef MMTEST_OFFLINE_OWNER_H
#define MMTEST_OFFLINE_OWNER_H

#include "kernel/types.h"
#include "mm/sparse.h"

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

/* Memory hot(un)plug: adding, onlining, offlining and removing memory (kernel/mm/memory_hotplug.c,
 * docs/HOTPLUG.md, "The offlining protocol").
 *
 * Life of a range of whole memory blocks:
 *   add_memory          sections present, memmap allocated, direct map mapped; blocks offline
 *   online_pages        pages join a zone; each max-order chunk goes to the online-page callback
 *   offline_pages       the seven steps below (isolate, notify, migrate, test, take, notify)
 *   remove_memory       unmapped, memmap freed, sections absent (touching it now faults)
 *
 * Locking: one hotplug lock serializes every entry point here and memory_block_online/offline
 * (memory.h). The lock is a flag taken with one atomic test-and-set, never waited for: a call that finds
 * it held (a notifier or an online-page callback calling back into hotplug, work running inside a shell
 * command, or another thread while the holder is preempted or asleep) gets -EBUSY and one log line
 * naming the holder, never a deadlock; virtio-mem retries later. Memory notifiers and the online-page
 * callback run with the lock held.
 *
 * Errors: 0 or a negative errno; the reason of the last failure is kept (hotplug_last_error) for the
 * caller, which reports it (the shell's error line, a driver's once-per-reason line), and logged at
 * debug level (`dmesg`, or loglevel=8 on the console). */
#ifndef MM_MEMORY_HOTPLUG_H
#define MM_MEMORY_HOTPLUG_H

#include "kernel/types.h"
#include "mm/memory.h"
#include "mm/page.h"

/* ---- the lock ---- */
/* Takes the hotplug lock for `who` ("shell", "virtio-mem0"...). 0, or -EBUSY (held; logs the holder). */
int mem_hotplug_begin(const char *who);
void mem_hotplug_done(void);
/* True while someone holds it. */
bool mem_hotplug_locked(void);

/* ---- adding and removing ---- */
typedef unsigned int mhp_t;
#define MHP_NONE 0u
/* The caller maps the parts it wants itself (arch_add_memory): virtio-mem keeps unplugged sub-blocks
 * unmapped. remove_memory unmaps the whole range either way. */
#define MHP_NO_DIRECT_MAP (1u << 0)
/* Linux's MHP_MEMMAP_ON_MEMORY: the memmap of each block lives in the block's first pageblock
 * (MHP_MEMMAP_ON_MEMORY_PAGES pages: 1 MiB of struct pages rounded up to the 2 MiB pageblock, the unit
 * of pageblock flags, isolation and max-order chunks, so the rest of the block onlines as whole
 * pageblocks), not in ZONE_NORMAL: adding memory takes no kernel memory per block. Those pages are
 * mapped by add_memory even with MHP_NO_DIRECT_MAP, never free, managed, isolated or PageOffline,
 * skipped by onlining (generic_online_page and fake_offline_pages step over them) and offlining, counted in
 * meminfo's MemmapOnMemory, and go with the block on removal. Nothing is written to them at add time: struct
 * pages are written as the rest of the block is used (deferred memmap, mmzone.h). */
#define MHP_MEMMAP_ON_MEMORY	   (1u << 1)
#define MHP_MEMMAP_ON_MEMORY_PAGES pageblock_nr_pages

/* memory_hotplug.memmap_on_memory=1 (Linux's parameter; default 0): add_memory adds with
 * MHP_MEMMAP_ON_MEMORY. Drivers choose for themselves (add_memory_driver_managed's flags). */
extern bool mhp_memmap_on_memory;

/* Adds [start, start + size) (whole memory blocks): sections present, memmap allocated (from the
 * page allocator, ZONE_NORMAL; in each block itself with memory_hotplug.memmap_on_memory=1), the range
 * mapped in the direct map. The blocks are offline; nothing is written to the memory itself. 0, -EINVAL
 * (misaligned, empty, beyond MAX_PHYSMEM_BITS), -EEXIST (a block already present; nothing changed), -ENOMEM
 * (memmap or page tables; nothing left behind), -EBUSY (lock). */
int add_memory(phys_addr_t start, u64 size);
int add_memory_driver_managed(phys_addr_t start, u64 size, mhp_t flags);
/* Block id is present and holds its own memmap (MHP_MEMMAP_ON_MEMORY): its first
 * MHP_MEMMAP_ON_MEMORY_PAGES pages are not memory its owner may use. */
bool memory_block_memmap_on_memory(unsigned long id);
/* Block id was added by add_memory_driver_managed (virtio-mem): its driver removes it, not a user. */
bool memory_block_driver_managed(unsigned long id);
/* Removes [start, start + size): every block must be present and offline. Unmaps it (flushing the
 * TLB), frees the memmap, makes the sections absent, and remembers the range so a later fault there is
 * reported as removed memory. 0, -EINVAL (misaligned, a block not present), -EBUSY (a block online, or
 * lock). Nothing changes on failure. */
int remove_memory(phys_addr_t start, u64 size);
/* Offlines every online block of [start, start + size), then removes the range. If one block fails
 * to go offline, the blocks this call took offline are onlined again (to the zone they had) and the
 * error is returned; nothing is removed. Allocates nothing: an allocation could land in the range it
 * empties, so an entirely free block of ZONE_NORMAL goes even when it is the only free memory. */
int offline_and_remove_memory(phys_addr_t start, u64 size);

/* ---- onlining ---- */
/* Receives the range an online_pages call brings online, [pfn, pfn + nr_pages): whole memory blocks,
 * not yet managed, whose struct pages may not be written yet (lazy memmap: mm/mmzone.h). The default,
 * generic_online_page, counts the range managed and gives it to the buddy (to the tail of the free
 * lists). A driver that keeps some memory PageOffline (virtio-mem: unplugged sub-blocks) installs its
 * own callback, which cuts the range into runs of whole pageblocks and passes each run either to
 * generic_online_page or to fake_offline_pages (mm/page_offline.h); it touches no struct page itself.
 * A range, not a page: what the callback gives to the buddy need not have its memmap written. The
 * range includes the pageblocks that hold memmap (MHP_MEMMAP_ON_MEMORY), so a run of such blocks is
 * one call; both actions step over those pageblocks, and the callback need not know where they are. */
typedef void (*online_page_callback_t)(unsigned long pfn, unsigned long nr_pages);
/* The default callback, and what a driver's callback calls for the runs it gives to the buddy: whole
 * pageblocks of a range being onlined (or of a fake-offline range given back, fake_online_range). */
void generic_online_page(unsigned long pfn, unsigned long nr_pages);
/* Replaces the callback. -EINVAL if a non-default one is installed already, -EBUSY (lock). */
int set_online_page_callback(online_page_callback_t callback);
/* Puts generic_online_page back if `callback` is the installed one; -EINVAL otherwise. */
int restore_online_page_callback(online_page_callback_t callback);

/* Onlines [pfn, pfn + nr_pages) (whole memory blocks, present and offline) into zone `zone`:
 * MEM_GOING_ONLINE (may veto), memmap initialized into the zone with the pageblocks ISOLATE, every
 * max-order chunk through the online-page callback, pageblocks MOVABLE, sections online, zone counts,
 * then MEM_ONLINE (or MEM_CANCEL_ONLINE after a veto). Never writes the pages' memory. Takes the lock.
 * 0, -EINVAL, -EBUSY (lock, veto). */
int online_pages(unsigned long pfn, unsigned long nr_pages, enum zone_type zone);

/* ---- offlining ---- */
/* Takes [start_pfn, start_pfn + nr_pages) offline:
 *   1. one zone, pageblock aligned, online, no holes               else -EINVAL naming the hole
 *   2. isolate every pageblock in MEMORY_OFFLINE mode              else -EBUSY naming the first
 *      (PageOffline pages count as movable)                             unmovable pfn and why
 *   3. MEM_GOING_OFFLINE (agreeing owners drop their PageOffline refs to 0; a veto fails)
 *   4. migrate movable pages out, at most OFFLINE_MAX_PASSES passes   else -EBUSY (or -ENOMEM) with
 *      (a PageOffline page with refcount > 0 and no movable ops      the first busy pfn and why
 *      fails at once)
 *   5. test_pages_isolated: every page free in the buddy or PageOffline with refcount 0
 *   6. take the free pages off the buddy (refcount-0 PageOffline pages are skipped), fix the zone
 *      counts, sections offline, MEM_OFFLINE
 *   7. on a failure after step 3: undo the isolation and send MEM_CANCEL_OFFLINE; before step 3 no
 *      event is sent. Afterwards: free pages as before (pages already migrated stay where they went),
 *      owners' data intact, PageOffline refcounts as before, no ISOLATE pageblock, block online.
 * The pages stay mapped (the direct map changes only on add/remove). Takes the lock. */
int offline_pages(unsigned long start_pfn, unsigned long nr_pages);
#define OFFLINE_MAX_PASSES 8

/* Failure injection, for tests only: the one seam is offline_fault_hook, NULL in production. When set,
 * offline_pages calls it at each of these steps with its range; a negative errno fails the step as if
 * the step itself had failed, 0 lets it go on. At OFFLINE_STEP_ISOLATE it is called before anything is
 * isolated (a hook that wants a failure half way isolates and undoes part of the range itself). */
enum offline_step {
	OFFLINE_STEP_NONE,
	OFFLINE_STEP_RANGE,   /* step 1 */
	OFFLINE_STEP_ISOLATE, /* step 2, after isolating half of the pageblocks */
	OFFLINE_STEP_NOTIFY,  /* step 3, after the chain saw MEM_GOING_OFFLINE */
	OFFLINE_STEP_MIGRATE, /* step 4, after the first pass migrated what it could */
	OFFLINE_STEP_TEST,    /* step 5 */
};
extern int (*offline_fault_hook)(enum offline_step step, unsigned long start_pfn, unsigned long end_pfn);

/* Why the last hotplug operation failed ("-EBUSY: unmovable page at pfn 0x108f00 (kernel
 * allocation)"), or "" when it succeeded: every operation clears it as it begins (mem_hotplug_begin),
 * so a reason never outlives the operation that set it. Valid until the next operation. */
const char *hotplug_last_error(void);

/* ---- policy ---- */
/* memhp_default_state= (MMOP_ONLINE_MOVABLE unless the command line says otherwise): how drivers
 * online what they add, and where plain `online` puts a block that was never online. */
int mhp_get_default_online_type(void);
void mhp_set_default_online_type(int online_type);
/* The zone plain MMOP_ONLINE picks for block id: the zone it last had if it was ever online, else
 * ZONE_MOVABLE when the default online type is online_movable, else ZONE_NORMAL. */
enum zone_type mhp_default_zone(unsigned long id);

/* ---- removed memory ---- */
/* True when pa lies in memory that remove_memory took away (and nothing added back since). */
bool mhp_is_removed(phys_addr_t pa);
/* The fault report's hook (arch/x86_64/traps.c): for a direct-map address names removed memory
 * ("removed memory (block 33)"), memory never added, or a PageOffline page; NULL otherwise. */
const char *mm_describe_fault_address(u64 addr, char *buf, size_t len);

#endif

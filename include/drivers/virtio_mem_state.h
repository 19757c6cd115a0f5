/* virtio-mem: the driver's pure state and its plans (drivers/virtio/virtio_mem_state.c).
 *
 * Nothing here talks to the device or to mm: it validates a configuration, lays the device region out
 * in units, keeps which units are plugged and what each memory block is, and plans which units to plug
 * or unplug next. The request layer and the mm glue carry the plans out and report back with
 * vmem_set_plugged()/vmem_set_mb_state().
 *
 * Units. A memory block is 128 MiB (MEMORY_BLOCK_SIZE), the unit of add/online/offline/remove.
 *   Sub Block Mode (SBM), device block < memory block: a unit is a sub-block of
 *     max(device block, pageblock = 2 MiB); a memory block holds units_per_mb of them, each plugged or
 *     not; an online block keeps its unplugged sub-blocks PageOffline.
 *   Big Block Mode (BBM), device block >= memory block: a unit is one device block spanning
 *     mbs_per_unit memory blocks, which are added, onlined, offlined and removed together.
 * Only memory blocks wholly inside the region are used (vmem_layout names the unusable rest), and only
 * units that end at or below addr + usable_region_size are plugged.
 *
 * Plans are lists of runs of contiguous units, in the order to carry them out, each run at most
 * VIRTIO_MEM_MAX_NB_BLOCKS device blocks (one request). */
#ifndef DRIVERS_VIRTIO_MEM_STATE_H
#define DRIVERS_VIRTIO_MEM_STATE_H

#include "drivers/virtio_mem.h"
#include "kernel/types.h"
#include "lib/bitmap.h"

#define VMEM_MEMORY_BLOCK_SIZE (128ULL << 20) /* = MEMORY_BLOCK_SIZE (mm/sparse.h) */
#define VMEM_PAGEBLOCK_SIZE    (2ULL << 20)   /* = pageblock_nr_pages * PAGE_SIZE (mm/mmzone.h) */
#define VMEM_PHYS_LIMIT	       (1ULL << 46)   /* MAX_PHYSMEM_BITS */
#define VMEM_MIN_BLOCK_SIZE    4096ULL

enum vmem_mode { VMEM_SBM, VMEM_BBM };

/* What a memory block is to mm. The plugged units are kept apart (plugged bitmap). */
enum vmem_mb_state {
	VMEM_MB_NOT_ADDED,	/* mm does not know it; plugged units here wait to be added or unplugged */
	VMEM_MB_OFFLINE,	/* added (memmap exists, plugged parts mapped), offline */
	VMEM_MB_ONLINE_MOVABLE, /* online in ZONE_MOVABLE */
	VMEM_MB_ONLINE_KERNEL,	/* online in ZONE_NORMAL */
	VMEM_MB_NR_STATES
};

struct vmem_state {
	const char *name; /* "virtio-mem0", for log lines */
	enum vmem_mode mode;
	u64 addr, region_size; /* the device region */
	u64 block_size;	       /* device block */
	u64 unit_size;	       /* SBM: sub-block; BBM: device block */
	u64 first_addr;	       /* first memory block wholly inside the region */
	u64 mb_first;	       /* its memory block number (address / 128 MiB) */
	unsigned long nr_mb;   /* memory blocks used */
	unsigned long nr_units;
	unsigned units_per_mb;	  /* SBM: sub-blocks per memory block; BBM: 1 */
	unsigned mbs_per_unit;	  /* BBM: memory blocks per unit; SBM: 1 */
	u64 usable_end;		  /* addr + usable_region_size, from the last configuration read */
	unsigned long nr_plugged; /* units plugged */
	u8 *mb_state;		  /* [nr_mb] enum vmem_mb_state */
	u64 *plugged;		  /* bit per unit */
	/* Indexes kept with the maps above, so that a plan or a pass visits the memory blocks it
	 * changes and not the whole region (a 1 TiB region has 8192 memory blocks, 524288 units):
	 * mb_nr_plugged[mb] is vmem_mb_plugged(); mb_any holds a bit per memory block with plugged
	 * units; mb_holes one per memory block that is added or partly plugged and not fully plugged
	 * (the plug plan's holes, the empty added blocks to remove); nr_mb_plugged_in[s] counts the
	 * memory blocks in state s holding plugged units. */
	u8 *mb_nr_plugged;
	u64 *mb_any;
	u64 *mb_holes;
	unsigned long nr_mb_plugged_in[VMEM_MB_NR_STATES];
	/* Plugged units that mm would not give up in this round of work (unmovable pages, no memory to
	 * migrate to): unplug plans skip them, so the rest of a shrink goes on; the next round (a
	 * back-off retry) tries them again. */
	u64 *busy;
	unsigned long nr_busy;
	/* Plugged units that are neither mapped nor in the buddy: a map after PLUG (or after a refused
	 * UNPLUG) failed. In an added block their pages stay PageOffline (refcount 1, the driver's) and
	 * the online-page callback keeps them so; each round of work tries to give them back. */
	u64 *unusable;
	unsigned long nr_unusable;
};

/* Host-order copy of the device configuration with the checks of the probe.
 * vmem_config_check: block_size a power of two >= 4 KiB, addr and region_size aligned to it, region
 * non-empty, inside the 46-bit physical space without overflow, usable_region_size <= region_size,
 * plugged_size <= usable_region_size, requested_size <= region_size, plugged_size and requested_size
 * multiples of block_size. Returns 0, or -EINVAL with *why set to a phrase for the log line. */
int vmem_config_check(const struct virtio_mem_config *c, const char **why);
/* A later read of the configuration: the fixed fields must not change and the rules above hold. */
int vmem_config_check_update(const struct virtio_mem_config *first, const struct virtio_mem_config *now,
			     const char **why);

/* Lays out the region (mode, unit size, usable memory blocks) and allocates the maps (kcalloc).
 * Prints one warning naming the parts of the region outside whole memory blocks. Returns 0, -EINVAL
 * (with *why: no whole memory block inside the region) or -ENOMEM. Nothing is plugged afterwards. */
int vmem_state_init(struct vmem_state *st, const char *name, const struct virtio_mem_config *c,
		    const char **why);
void vmem_state_free(struct vmem_state *st);

/* ---- geometry ---- */
static inline u64 vmem_unit_addr(const struct vmem_state *st, unsigned long u)
{
	return st->first_addr + (u64)u * st->unit_size;
}
static inline u64 vmem_mb_addr(const struct vmem_state *st, unsigned long mb)
{
	return st->first_addr + (u64)mb * VMEM_MEMORY_BLOCK_SIZE;
}
/* Index (0..nr_mb-1) of the memory block holding physical address pa, or -1 when it is not one of
 * the device's usable memory blocks. */
long vmem_mb_of_addr(const struct vmem_state *st, u64 pa);
/* The unit holding memory block mb (BBM), or its first unit (SBM). */
static inline unsigned long vmem_mb_first_unit(const struct vmem_state *st, unsigned long mb)
{
	return st->mode == VMEM_SBM ? mb * st->units_per_mb : mb / st->mbs_per_unit;
}
/* First memory block of unit u. */
static inline unsigned long vmem_unit_mb(const struct vmem_state *st, unsigned long u)
{
	return st->mode == VMEM_SBM ? u / st->units_per_mb : u * st->mbs_per_unit;
}
/* Units inside one memory block (SBM: units_per_mb; BBM: 1, the unit spanning it). */
static inline unsigned vmem_mb_nr_units(const struct vmem_state *st)
{
	return st->mode == VMEM_SBM ? st->units_per_mb : 1;
}
/* Device blocks per unit. */
static inline u64 vmem_unit_blocks(const struct vmem_state *st)
{
	return st->unit_size / st->block_size;
}
/* Units one PLUG or UNPLUG request can carry (VIRTIO_MEM_MAX_NB_BLOCKS device blocks), at least one. */
static inline unsigned long vmem_request_max_units(const struct vmem_state *st)
{
	return (unsigned long)max(1ULL, VIRTIO_MEM_MAX_NB_BLOCKS / vmem_unit_blocks(st));
}
static inline bool vmem_unit_usable(const struct vmem_state *st, unsigned long u)
{
	return vmem_unit_addr(st, u) + st->unit_size <= st->usable_end;
}
static inline u64 vmem_plugged_bytes(const struct vmem_state *st)
{
	return (u64)st->nr_plugged * st->unit_size;
}

/* ---- state ---- */
static inline bool vmem_is_plugged(const struct vmem_state *st, unsigned long u)
{
	return test_bit64(st->plugged, u);
}
static inline bool vmem_is_busy(const struct vmem_state *st, unsigned long u)
{
	return test_bit64(st->busy, u);
}
static inline bool vmem_is_unusable(const struct vmem_state *st, unsigned long u)
{
	return test_bit64(st->unusable, u);
}
/* Marks unit u busy (a plugged unit mm would not give up) for the rest of this round. */
void vmem_set_busy(struct vmem_state *st, unsigned long u);
/* Starts a round: no unit is busy. */
void vmem_clear_busy(struct vmem_state *st);
/* Marks units [first, first + nr) (plugged) unusable, or usable again. */
void vmem_set_unusable(struct vmem_state *st, unsigned long first, unsigned long nr, bool unusable);
/* Marks units [first, first + nr) plugged or unplugged (nr_plugged follows; an unplugged unit is
 * neither busy nor unusable). */
void vmem_set_plugged(struct vmem_state *st, unsigned long first, unsigned long nr, bool plugged);
/* Plugged units of memory block mb (BBM: 1 when the unit spanning it is plugged). */
static inline unsigned vmem_mb_plugged(const struct vmem_state *st, unsigned long mb)
{
	return st->mb_nr_plugged[mb];
}
static inline enum vmem_mb_state vmem_mb_state(const struct vmem_state *st, unsigned long mb)
{
	return (enum vmem_mb_state)st->mb_state[mb];
}
void vmem_set_mb_state(struct vmem_state *st, unsigned long mb, enum vmem_mb_state s);
static inline bool vmem_mb_added(const struct vmem_state *st, unsigned long mb)
{
	return st->mb_state[mb] != VMEM_MB_NOT_ADDED;
}
static inline bool vmem_mb_online(const struct vmem_state *st, unsigned long mb)
{
	return st->mb_state[mb] == VMEM_MB_ONLINE_MOVABLE || st->mb_state[mb] == VMEM_MB_ONLINE_KERNEL;
}
const char *vmem_mb_state_name(enum vmem_mb_state s);
const char *vmem_mode_name(enum vmem_mode m);

/* The first plugged unit at or after u, below end, that is not busy (skip_busy) or any plugged unit,
 * and in *run_end the end of the run of such units from it (at most end); end when there is none.
 * A bitmap word at a time. */
unsigned long vmem_next_plugged_run(const struct vmem_state *st, unsigned long u, unsigned long end,
				    bool skip_busy, unsigned long *run_end);
/* Everything plugged is in mm and online (or, want_online false, at least added). */
bool vmem_all_plugged_settled(const struct vmem_state *st, bool want_online);
/* Consistency of the maps (nr_plugged, nr_busy and nr_unusable equal their bitmaps, busy and
 * unusable units are plugged, every block state is a known one, in BBM the memory blocks of one
 * unit share their state). A block that is added with nothing plugged is allowed: its removal failed
 * (a veto, the hotplug lock) and is retried. Returns the number of violations and prints one line
 * for each of the first few. */
unsigned vmem_state_check(const struct vmem_state *st);

/* ---- plans ---- */
#define VMEM_PLAN_MAX 64

struct vmem_run {
	unsigned long first; /* unit */
	unsigned long nr;    /* units */
};

struct vmem_plan {
	unsigned n;
	unsigned sealed;     /* runs before this one are closed (planning) */
	unsigned long units; /* sum of the runs */
	unsigned long steps; /* memory blocks and units looked at one by one while planning */
	struct vmem_run run[VMEM_PLAN_MAX];
};

/* Neither plan walks the region: they look at the units they take, the memory blocks holding holes
 * (plug) or plugged units (unplug) of the classes they reach, and unused blocks they take; the rest
 * is skipped a bitmap word at a time, and a class with no block is skipped (steps counts what they
 * looked at). */
/* Plans to plug up to `want` units, lowest address first inside each class, classes in order: holes
 * of online memory blocks, holes of blocks holding plugged units that are not added, unused blocks,
 * and last the holes of offline blocks (offline for a reason: the user's; Linux skips them too). Only
 * usable units. Returns the units planned. */
unsigned long vmem_plan_plug(const struct vmem_state *st, unsigned long want, struct vmem_plan *p);
/* Plans to unplug up to `want` units, highest address first inside each class, classes in order: not
 * added, offline, online movable, online kernel. Busy and unusable units are left out (unusable ones
 * are given back on their own). Returns the units planned. */
unsigned long vmem_plan_unplug(const struct vmem_state *st, unsigned long want, struct vmem_plan *p);

#endif

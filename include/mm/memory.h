/* Memory blocks and the memory notifier chain (Linux's include/linux/memory.h; kernel/mm/memory_block.c
 * and kernel/mm/notifier.c).
 *
 * A memory block is the unit of online/offline and hot(un)plug: one 128 MiB section, numbered by
 * physical address / MEMORY_BLOCK_SIZE (so memory at 4 GiB is block 32). A block exists while its
 * section is present (added); its state and zone are read from the section and its memmap, so they can
 * never disagree with the memory manager:
 *   online         the section is online; the zone is the zone of its pages;
 *   going-offline  offline_pages is working on it (between isolation and the end of the operation);
 *   offline        present (memmap allocated, direct map mapped) but not in any zone.
 *
 * The notifier chain tells subsystems and drivers about state changes. The events carry a
 * struct memory_notify. Callbacks run with the hotplug lock held (memory_hotplug.h), in priority order
 * (higher first), and must not call back into hotplug. */
#ifndef MM_MEMORY_H
#define MM_MEMORY_H

#include "kernel/types.h"
#include "mm/debug.h"
#include "mm/mmzone.h"
#include "mm/sparse.h"

/* ---- block numbers ---- */
static inline unsigned long phys_to_block_id(phys_addr_t pa)
{
	return (unsigned long)(pa / MEMORY_BLOCK_SIZE);
}
static inline unsigned long pfn_to_block_id(unsigned long pfn)
{
	return pfn / PAGES_PER_MEMORY_BLOCK;
}
static inline unsigned long block_id_to_pfn(unsigned long id)
{
	return id * PAGES_PER_MEMORY_BLOCK;
}
#define NR_MEMORY_BLOCKS NR_MEM_SECTIONS

/* ---- notifier events (also the block states, as in Linux) ---- */
#define MEM_ONLINE	   (1 << 0) /* the range is online (sent after online_pages succeeded) */
#define MEM_GOING_OFFLINE  (1 << 1) /* the range is isolated and about to go offline; may veto */
#define MEM_OFFLINE	   (1 << 2) /* the range is offline */
#define MEM_GOING_ONLINE   (1 << 3) /* the range is about to go online; may veto */
#define MEM_CANCEL_ONLINE  (1 << 4) /* onlining failed after MEM_GOING_ONLINE was sent */
#define MEM_CANCEL_OFFLINE (1 << 5) /* offlining failed after MEM_GOING_OFFLINE was sent */

/* What every memory notifier event carries: the pfn range that changes state. */
struct memory_notify {
	unsigned long start_pfn;
	unsigned long nr_pages;
};

/* Callback return values (Linux's). NOTIFY_BAD stops the chain; on a GOING event it vetoes. */
#define NOTIFY_DONE	 0x0000
#define NOTIFY_OK	 0x0001
#define NOTIFY_STOP_MASK 0x8000
#define NOTIFY_BAD	 (NOTIFY_STOP_MASK | 0x0002)

/* A veto with a reason: return notifier_from_errno(-EBUSY); 0 stays NOTIFY_OK. */
static inline int notifier_from_errno(int err)
{
	return err ? (NOTIFY_STOP_MASK | (NOTIFY_OK - err)) : NOTIFY_OK;
}
/* The errno a callback's return stands for: 0 unless it had NOTIFY_STOP_MASK set. */
static inline int notifier_to_errno(int ret)
{
	ret &= ~NOTIFY_STOP_MASK;
	return ret > NOTIFY_OK ? NOTIFY_OK - ret : 0;
}

struct notifier_block {
	/* action: one MEM_* event; data: struct memory_notify *. */
	int (*notifier_call)(struct notifier_block *nb, unsigned long action, void *data);
	struct notifier_block *next;
	int priority;
	const char *name; /* for log lines ("virtio-mem0"); may be NULL */
};

/* Adds / removes a callback. Registering a registered block returns -EEXIST; unregistering an unknown
 * one -ENOENT. Not from inside a callback. */
int register_memory_notifier(struct notifier_block *nb);
int unregister_memory_notifier(struct notifier_block *nb);

/* Sends `action` for [start_pfn, start_pfn + nr_pages) to the chain. For MEM_GOING_ONLINE and
 * MEM_GOING_OFFLINE the chain stops at the first callback that returns NOTIFY_STOP_MASK, and the
 * errno it stands for (-EBUSY when it names none) is returned; *vetoed_by gets its name when non-NULL.
 * Every other event goes to the whole chain and returns 0. Hotplug code calls this; drivers don't. */
int memory_notify(unsigned long action, unsigned long start_pfn, unsigned long nr_pages,
		  const char **vetoed_by);

/* ---- blocks ---- */
/* How a block is brought online (Linux's MMOP_* and the words of /sys/.../memoryN/state). */
enum mmop {
	MMOP_OFFLINE,	     /* "offline": leave added blocks offline */
	MMOP_ONLINE,	     /* "online": the block's zone by the default rule (memory_hotplug.h) */
	MMOP_ONLINE_KERNEL,  /* "online_kernel": ZONE_NORMAL */
	MMOP_ONLINE_MOVABLE, /* "online_movable": ZONE_MOVABLE */
};
/* "offline" / "online" / "online_kernel" / "online_movable" -> MMOP_*, or -EINVAL. */
int mmop_from_string(const char *s);

enum memory_block_state {
	MEMORY_BLOCK_ABSENT, /* no such block (section not present) */
	MEMORY_BLOCK_ONLINE,
	MEMORY_BLOCK_GOING_OFFLINE,
	MEMORY_BLOCK_OFFLINE,
};
const char *memory_block_state_name(enum memory_block_state s); /* "online", "going-offline", ... */

/* A snapshot of one block. */
struct memory_block_info {
	unsigned long id;
	phys_addr_t start; /* id * MEMORY_BLOCK_SIZE */
	enum memory_block_state state;
	enum zone_type zone; /* online: its zone; offline: the zone plain `online` would choose */
	bool boot;	     /* present since boot (its memmap came from memblock) */
	bool removable;	     /* offline, or online with nothing unmovable in it (walks the block) */
	unsigned long nr_present_pages; /* RAM pages (boot blocks may have holes) */
};

/* Fills *info for block id. 0, or -ENOENT when the block does not exist. Takes no lock: a snapshot. */
int memory_block_get(unsigned long id, struct memory_block_info *info);
/* The first existing block >= id, or NR_MEMORY_BLOCKS. */
unsigned long memory_block_next(unsigned long id);
#define for_each_memory_block(id)                                                                            \
	for ((id) = memory_block_next(0); (id) < NR_MEMORY_BLOCKS; (id) = memory_block_next((id) + 1))

/* Linux's valid_zones: for an online block its zone ("Movable"); for an offline block the zones it may
 * be onlined to, the default first ("Movable Normal"). Returns buf, "" for a missing block. */
const char *memory_block_valid_zones(unsigned long id, char *buf, size_t len);

/* Brings block id online as online_type says (MMOP_ONLINE: the default zone rule). Takes the hotplug
 * lock. 0, -ENOENT (no block), -EINVAL (already online, bad type), -EBUSY (lock held, notifier veto),
 * or what online_pages returned. Prints `hotplug: memory<B>: online (<Zone>) in <µs> us`. */
int memory_block_online(unsigned long id, int online_type);
/* Takes block id offline with offline_pages. Takes the hotplug lock. 0, -ENOENT, -EINVAL (not online,
 * or a hole), -EBUSY (something in it cannot move). Prints `hotplug: memory<B>: offline (<Zone>) in
 * <µs> us`, or one line with the reason (hotplug_last_error() keeps it for the shell). */
int memory_block_offline(unsigned long id);

/* util-linux `lsmem -o RANGE,SIZE,STATE,REMOVABLE,BLOCK,ZONES` (INTERFACE.md): a header, one row per run
 * of adjacent blocks with the same state, removability and zone, then the block size and the online /
 * offline totals. */
void lsmem_show(mm_print_fn pr);
/* `memory N`: state, zone, valid_zones, range, removable, present pages of one block. -ENOENT. */
int memory_block_show(unsigned long id, mm_print_fn pr);

#endif

/* virtio-balloon (virtio specification, "Traditional Memory Balloon Device"; device ID 5): the host
 * asks the guest to give up num_pages pages of 4 KiB; the driver takes free pages out of the system
 * (PageOffline, include/mm/page_offline.h), tells the device their page frame numbers on the inflate
 * queue, and gives pages back after naming them on the deflate queue. It writes how many it holds into
 * actual. All fields are little-endian, which is x86's byte order. docs/BALLOON.md has the whole story.
 *
 * The driver (drivers/virtio/virtio_balloon.c) works over any transport of the virtio core. Its pages
 * are movable by default (balloon compaction: offlining a block migrates them, the new page inflated
 * first, the old one deflated after); the boot parameter `virtio_balloon.unmovable` makes them
 * unmovable (offlining a block that holds one fails, and nothing changes). */
#ifndef DRIVERS_VIRTIO_BALLOON_H
#define DRIVERS_VIRTIO_BALLOON_H

#include "drivers/virtio.h"
#include "kernel/compiler.h"
#include "kernel/types.h"
#include "kernel/workqueue.h"
#include "lib/list.h"
#include "mm/oom.h"

/* Feature bits. */
#define VIRTIO_BALLOON_F_MUST_TELL_HOST 0 /* tell the host before using a deflated page */
#define VIRTIO_BALLOON_F_STATS_VQ	1 /* a statistics queue */
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2 /* deflate when the guest runs out of memory */
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT 3
#define VIRTIO_BALLOON_F_PAGE_POISON	4
#define VIRTIO_BALLOON_F_REPORTING	5

/* The queues' page frame numbers count 4 KiB pages whatever the guest's page size. */
#define VIRTIO_BALLOON_PFN_SHIFT 12

struct virtio_balloon_config {
	u32 num_pages; /* the host's target, in 4 KiB pages */
	u32 actual;    /* written by the driver: pages it holds */
	u32 free_page_hint_cmd_id;
	u32 poison_val;
};
_Static_assert(sizeof(struct virtio_balloon_config) == 16, "virtio_balloon_config is 16 bytes");

/* Statistics tags. */
#define VIRTIO_BALLOON_S_SWAP_IN  0
#define VIRTIO_BALLOON_S_SWAP_OUT 1
#define VIRTIO_BALLOON_S_MAJFLT	  2
#define VIRTIO_BALLOON_S_MINFLT	  3
#define VIRTIO_BALLOON_S_MEMFREE  4
#define VIRTIO_BALLOON_S_MEMTOT	  5
#define VIRTIO_BALLOON_S_AVAIL	  6

struct virtio_balloon_stat {
	u16 tag;
	u64 val;
} __packed;
_Static_assert(sizeof(struct virtio_balloon_stat) == 10, "virtio_balloon_stat is 10 bytes");

#define VB_BATCH	    256	 /* page frame numbers in one inflate or deflate request */
#define VB_OOM_PAGES	    256	 /* pages one out-of-memory event deflates */
#define VB_NR_STATS	    3	 /* MEMFREE, MEMTOT, AVAIL */
#define VB_RESERVE_PAGES    4096 /* inflating stops while free pages are at or below this (16 MiB) */
#define VB_RETRY_MS	    200	 /* no free page to inflate with: try again after this */
#define VB_REQ_TIMEOUT_NS   (5ULL * 1000 * 1000 * 1000)
#define VB_BATCHES_PER_PASS 64 /* then the work queues itself again, letting other work run */

struct virtio_balloon {
	struct virtio_device *vdev;
	struct virtqueue *inflate_vq, *deflate_vq, *stats_vq;
	struct list_head pages; /* the PageOffline pages held, through lru; not those isolated */
	unsigned long nr_pages; /* pages the device was told of, isolated ones included */
	unsigned long nr_isolated;
	u32 target;	  /* num_pages as last read */
	u32 reported;	  /* the target last logged as reached */
	u32 short_warned; /* the target last logged as short of free pages */
	u32 *pfns;	  /* one request's page frame numbers (kmalloc: the device reads them) */
	bool in_request;  /* a request is on a queue: the OOM notifier leaves the balloon alone */
	bool movable;	  /* balloon compaction (not virtio_balloon.unmovable) */
	int owner_id;	  /* from register_movable_ops, when movable */
	bool at_limit;	  /* the target asks for more than the guest can give */
	bool oom_hold;	  /* deflated on OOM: no inflating until the next config change */
	bool stats_armed; /* the stats buffer is with the device */
	bool broken;
	char broken_why[96];
	struct virtio_balloon_stat *stats; /* kmalloc: the device reads them */
	struct delayed_work work;
	struct oom_notifier oom;
	u64 inflated, deflated, migrated, oom_deflated, stats_updates, retries;
};

/* Registers the driver (kernel/main.c). 0 or a negative errno. */
int virtio_balloon_init(void);
/* The driven device's state, or NULL when there is none (for the shell and tests). */
struct virtio_balloon *virtio_balloon_get(void);
/* The boot parameter `virtio_balloon.unmovable`: pages of devices probed afterwards are unmovable. */
extern bool virtio_balloon_unmovable;

#endif

/* virtio-mem: the driver's per-device structure and the seams between its parts.
 *
 *   virtio_mem_state.c  pure bookkeeping and plans (virtio_mem_state.h)
 *   virtio_mem_req.c    requests to the device and what their answers mean
 *   virtio_mem_mm.c     the mm side: add/online/remove, PageOffline sub-blocks, notifier, callback
 *   virtio_mem.c        probe, config changes, the work and its back-off
 *   virtio_mem_resize.c one resize pass and the `resize done` line
 *   virtio_mem_shell.c  `virtio-mem` and `memmap`
 *   virtio_mem_verify.c every unit's state checked against mm (`verify`)
 *
 * Everything runs in process context from the workqueue (or at boot), one thing at a time; the memory
 * notifier and the online-page callback run inside hotplug calls the driver (or the shell) made. */
#ifndef DRIVERS_VIRTIO_MEM_DRIVER_H
#define DRIVERS_VIRTIO_MEM_DRIVER_H

#include "drivers/virtio.h"
#include "drivers/virtio_mem.h"
#include "drivers/virtio_mem_state.h"
#include "kernel/workqueue.h"
#include "lib/list.h"

#define VMEM_MAX_DEVICES    8
#define VMEM_BACKOFF_MIN_MS 10
#define VMEM_BACKOFF_MAX_MS 5000
#define VMEM_REQ_TIMEOUT_NS (5ULL * 1000 * 1000 * 1000)

/* Where a resize spends its time (ns), for `virtio-mem` and the benchmarks. */
enum vmem_time {
	VMEM_T_REQUEST, /* device requests, from add to answer */
	VMEM_T_ADD,	/* add_memory: sections, memmap, page tables */
	VMEM_T_ONLINE,	/* onlining (memmap init, buddy) and handing plugged sub-blocks to the buddy */
	VMEM_T_UNPLUG,	/* alloc_contig_range / offline_and_remove_memory: isolation and migration */
	VMEM_NR_TIMES
};

struct virtio_mem {
	int id; /* virtio-mem<id> */
	char name[16];
	struct virtio_device *vdev;
	struct virtqueue *vq;
	struct virtio_mem_config cfg0; /* read at probe: the fixed fields */
	struct virtio_mem_config cfg;  /* last read */
	struct vmem_state st;
	struct virtio_mem_req *req; /* kmalloc'd: the device reads them by physical address */
	struct virtio_mem_resp *resp;
	u8 *refs_dropped; /* per memory block: MEM_GOING_OFFLINE dropped our references */

	struct delayed_work work;
	unsigned backoff_ms; /* next retry delay */
	bool broken;
	bool removed;		 /* the driver was removed from the device (it is reset) */
	bool unplug_all_pending; /* memory was plugged at probe: UNPLUG_ALL first */
	bool lent;		 /* lent to vmemcheck: no work, config changes only counted */
	bool cannot_reach;	 /* said once that requested_size is out of reach */
	char broken_why[128];
	char last_error[160];	  /* last failure that made the driver wait, "" when none */
	char reported_error[160]; /* the last one printed (each distinct reason once) */
	char busy_why[160];	  /* why the first unit marked busy in this round stayed */
	u64 retries;		  /* back-off retries so far */
	struct vmem_plan plan;

	/* the resize in progress: started by a config change, ended by the `resize done` line */
	volatile unsigned config_gen; /* config changes seen (interrupt context counts them) */
	bool resizing;
	u64 resize_start_ns;
	u64 times[VMEM_NR_TIMES]; /* of the current (or last) resize */
	u64 nr_requests;	  /* of the current (or last) resize */
	u64 last_resize_us;

	u64 counters[VIRTIO_MEM_NR_REQ_TYPES][VIRTIO_MEM_NR_RESP_TYPES];
	u64 violations; /* answers that broke the protocol */
	struct list_head list;
};

/* ---- virtio_mem.c ---- */
/* Marks the device broken: prints `virtio-mem<N>: device broken: <reason>` once and stops all work;
 * what is plugged stays plugged and usable. */
void vmem_set_broken(struct virtio_mem *vm, const char *fmt, ...) __printf(2, 3);
/* Runs the resize work now (tests and the shell; normally the workqueue does). */
void vmem_run_work(struct virtio_mem *vm);
/* Allocates vm->req and vm->resp and sets up the request queue of vm->vdev (before DRIVER_OK): the
 * driver's probe and vmemcheck's. 0 or a negative errno, with nothing left allocated. */
int vmem_setup_requests(struct virtio_mem *vm);
/* Lends the device to vmemcheck (the `vmemcheck` shell command): only when it is not broken and has
 * nothing plugged, by the device's word and the driver's, and no memory block added. The driver's work
 * stops, and config changes only count, until vmem_give_back. 0, or -EBUSY / -EIO with the reason in
 * why. */
int vmem_lend(struct virtio_mem *vm, char *why, size_t n);
/* Ends the loan: the driver reads the configuration again and moves toward requested_size. */
void vmem_give_back(struct virtio_mem *vm);

/* ---- virtio_mem_resize.c ---- */
/* One resize pass: 0 when the requested size is reached (or cannot be), -EAGAIN to retry later (the
 * reason in vm->last_error), -EIO when the device broke. *progress: some unit changed state. */
int vmem_resize(struct virtio_mem *vm, bool *progress);
extern struct list_head vmem_devices;

/* ---- virtio_mem_req.c ---- */
/* Each sends one request and waits for the answer. Returns the answer (VIRTIO_MEM_RESP_*), or a
 * negative errno when the device could not be asked or broke the protocol (the device is then marked
 * broken). */
int vmem_req_plug(struct virtio_mem *vm, u64 addr, u64 nb_blocks);
int vmem_req_unplug(struct virtio_mem *vm, u64 addr, u64 nb_blocks);
int vmem_req_unplug_all(struct virtio_mem *vm);
/* Sends one request exactly as given, whatever its range (vmemcheck sends wrong ones on purpose): the
 * answer as above; a STATE answer's state is in vm->resp->u.state.state. */
int vmem_req_raw(struct virtio_mem *vm, u16 type, u64 addr, u16 nb_blocks);
const char *vmem_resp_name(int resp);
const char *vmem_req_name(int type);
/* The configuration's fields, node_id last (for the core's raw dump: drivers/virtio.h). */
#define VMEM_NR_CONFIG_FIELDS 7
extern const struct virtio_cfield vmem_config_fields[VMEM_NR_CONFIG_FIELDS];
/* Reads every configuration field with its own width in one generation loop into *c; node_id only
 * when VIRTIO_MEM_F_ACPI_PXM was negotiated (else it is 0, whatever the device says). 0 or a
 * negative errno (virtio_cread_fields). */
int vmem_cread_config(struct virtio_device *vdev, struct virtio_mem_config *c);
/* Reads the whole configuration consistently into vm->cfg and checks it against the probe's.
 * 0, or a negative errno with the device marked broken. */
int vmem_read_config(struct virtio_mem *vm);

/* ---- virtio_mem_mm.c ---- */
/* Hooks the driver into hotplug once (online-page callback, memory notifier). */
int vmem_mm_init(void);
/* Whether the region of st may be driven: none of its memory blocks is present already (boot RAM,
 * added by hand) and it overlaps no other device's region. 0, or -EBUSY with *why set. */
int vmem_mm_check_region(const struct vmem_state *st, const char **why);
/* Makes memory blocks [mb, mb + n) (whole BBM units) known to mm: one add_memory without direct map,
 * map the plugged units, then online them as memhp_default_state says (one online_pages call when
 * they all go to one zone). All or nothing: on failure the blocks are removed again. 0 or a negative
 * errno (the reason is in vm->last_error). */
int vmem_mm_add(struct virtio_mem *vm, unsigned long mb, unsigned long n);
/* Would memory block mb carry its own memmap if it were added now (virtio_mem.memmap_on_memory=1,
 * and in SBM its first unit plugged and usable)? */
bool vmem_mm_memmap_on_block(const struct virtio_mem *vm, unsigned long mb);
/* Units [first, first + nr) were just plugged: make them usable where their memory block is added
 * (map; in an online block clear PageOffline and free them to the buddy). Returns the first unit it
 * could not make usable (a page table allocation failed; it and the rest are as unplugged memory is:
 * unmapped, PageOffline), first + nr when all went well. */
unsigned long vmem_mm_plugged(struct virtio_mem *vm, unsigned long first, unsigned long nr);
/* Gets the plugged units [first, first + nr) (inside one memory block, or one BBM unit) ready to be
 * unplugged: not added: nothing to do; offline: unmap; online: the whole block through
 * offline_and_remove_memory when the range holds all its plugged units, else alloc_contig_range +
 * PageOffline + unmap, all at once or unit by unit. A unit mm does not give up (unmovable pages, no
 * memory to migrate to, an unmap that fails) stays as it was, plugged and usable, and is marked busy
 * (the first one's reason in vm->busy_why); every other unit is ready. */
void vmem_mm_prepare_unplug(struct virtio_mem *vm, unsigned long first, unsigned long nr);
/* Before unplugging run [first, first + nr): takes the online memory blocks at its top that the run
 * empties entirely (same state, adjacent) offline in ONE offline_pages call and removes them, so that
 * migration never targets a block that is about to go as well (each page moves once). Blocks it could
 * not take stay as they were, for the per-block path. */
void vmem_mm_unplug_whole_blocks(struct virtio_mem *vm, unsigned long first, unsigned long nr);
/* The device refused to unplug the ready (plugged, not busy) units of [first, first + nr): give them
 * back (map, pages to the buddy). Units of blocks it removed stay plugged-not-added; a unit that
 * cannot be mapped again becomes unusable (kept PageOffline, given back to the device later). */
void vmem_mm_unplug_failed(struct virtio_mem *vm, unsigned long first, unsigned long nr);
/* Removes memory block mb (a BBM unit) from mm when nothing in it is plugged any more. 0 or errno. */
int vmem_mm_remove_empty(struct virtio_mem *vm, unsigned long mb);
/* memhp_default_state says to online what is added. */
bool vmem_mm_want_online(void);
/* virtio_mem.memmap_on_memory=0|1 (default 1): blocks are added with their memmap in their first
 * pageblock (MHP_MEMMAP_ON_MEMORY; in SBM only when their first sub-block is plugged, which then stays
 * plugged until the block is removed), so a large device needs no ZONE_NORMAL for its memmap. */
extern bool virtio_mem_memmap_on_memory;

/* ---- virtio_mem_verify.c ---- */
/* Registers the check of every device's units with mm_verify (`verify`), once. */
void vmem_verify_init(void);

#endif

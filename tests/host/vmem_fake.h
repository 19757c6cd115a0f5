/* A fake virtio-mem device for host tests of the driver (tests/host/vmem_fake.c), on the fake virtio
 * transport and the fake physical memory of mm_fake.
 *
 * It answers like QEMU 7.2's device: a PLUG beyond requested_size gets NACK, a range outside
 * [addr, addr + usable_region_size) or not wholly in the other state gets ERROR, usable_region_size
 * is requested_size + 256 MiB (capped by the region) and shrinks only through UNPLUG_ALL. Knobs make
 * it busy, wrong or lying. Independently of the answers it checks the driver's side of the contract:
 * a block is never mapped in the direct map while unplugged (at PLUG time and at UNPLUG time).
 *
 * Also here: the workqueue and timer functions the driver uses, run by fake time
 * (vmem_fake_run_ms), and the request buffers' addresses translated through phys_to_virt. */
#ifndef TESTS_HOST_VMEM_FAKE_H
#define TESTS_HOST_VMEM_FAKE_H

#include "drivers/virtio_mem.h"
#include "virtio_fake_transport.h"

#define VMEM_FAKE_USABLE_EXTENT (256ULL << 20)

#define VMEM_FAKE_LAX_ALIGN	(1u << 0) /* an unaligned addr (plugs the block it lies in) */
#define VMEM_FAKE_LAX_ZERO	(1u << 1) /* nb_blocks 0 */
#define VMEM_FAKE_LAX_RANGE	(1u << 2) /* blocks outside the usable region (inside the region) */
#define VMEM_FAKE_LAX_PLUGGED	(1u << 3) /* PLUG of blocks already plugged */
#define VMEM_FAKE_LAX_UNPLUGGED (1u << 4) /* UNPLUG of blocks already unplugged */
#define VMEM_FAKE_LAX_NACK	(1u << 5) /* PLUG past requested_size */

struct vmem_fake {
	struct fake_vdev fv;
	u64 addr, region_size, block_size, requested, usable;
	u64 nblocks;
	u8 *plugged; /* per device block */
	u64 plugged_blocks;

	/* misbehaviour */
	int busy_next;	     /* answer BUSY to the next N requests of any kind */
	int unplug_all_busy; /* answer BUSY to the next N UNPLUG_ALL */
	int force_resp;	     /* with force_count > 0: answer this without doing anything */
	int force_count;
	bool ack_without_doing; /* ACK plug/unplug but change nothing */
	s64 plugged_skew;	/* plugged_size reported = real + skew */
	bool no_answer;		/* never answers */
	u32 short_len;		/* answers with this many bytes (0: the full 10) */
	bool bogus_id;		/* answers with a descriptor id that is not in flight */
	u64 shrink_on_plug;	/* on the next PLUG: set requested_size to this (minus 1: off) first */
	bool change_midway;	/* the config changes while a request is processed (generation bump) */
	int unplug_busy;	/* answer BUSY to the next N UNPLUG requests */
	bool late_change;	/* once plugged reaches requested: set requested_size to late_change_to */
	u64 late_change_to;	/*   just after the driver's next whole config read (2nd generation read) */
	unsigned late_reads;

	/* rules it breaks, for vmemcheck's tests (tests/host/test_vmemcheck.c) */
	unsigned lax;		/* VMEM_FAKE_LAX_*: requests it ACKs that the specification rejects */
	bool error_before_nack; /* a PLUG of plugged blocks past requested_size: ERROR, not QEMU's NACK */
	bool silent_resize;	/* vmem_fake_set_requested changes the config without notifying */
	bool state_lie;		/* STATE answers state_lie_to whatever the blocks are */
	u16 state_lie_to;
	bool unplug_all_keeps; /* UNPLUG_ALL answers ACK but the first plugged block stays plugged */
	bool plugged_frozen;   /* plugged_size in the config stays plugged_frozen_at */
	u64 plugged_frozen_at;
	/* called on the config before it is written to the config space: any field can lie */
	void (*edit_config)(struct vmem_fake *f, struct virtio_mem_config *c);

	/* what it saw */
	u64 requests[VIRTIO_MEM_NR_REQ_TYPES];
	u64 answers[VIRTIO_MEM_NR_RESP_TYPES];
	u64 mapped_unplugged; /* pages found mapped while unplugged */
	u64 max_nb_blocks;    /* largest request */
};

/* A device of region [addr, addr + region) and blocks of block_size, requested bytes requested, with
 * `plugged` bytes already plugged from addr on (a reboot). Registers it with the virtio core, which
 * probes the driver when it is registered. */
void vmem_fake_init(struct vmem_fake *f, u64 addr, u64 region, u64 block_size, u64 requested, u64 plugged);
/* The host sets requested_size: usable grows, generation++, config change delivered. */
void vmem_fake_set_requested(struct vmem_fake *f, u64 requested);
/* Rewrites the config space from the model (plugged_skew applied). */
void vmem_fake_sync_config(struct vmem_fake *f);
/* Plugged bytes by the model's own bitmap. */
static inline u64 vmem_fake_plugged(const struct vmem_fake *f)
{
	return f->plugged_blocks * f->block_size;
}
static inline bool vmem_fake_block_plugged(const struct vmem_fake *f, u64 pa)
{
	return f->plugged[(pa - f->addr) / f->block_size];
}
void vmem_fake_free(struct vmem_fake *f);

/* What arch_phys_addr_bits() answers on the host (default 46, MAX_PHYSMEM_BITS). */
extern unsigned vmem_fake_phys_bits;

/* ---- fake time for the workqueue: delayed work runs when fake time passes its due time ---- */
/* Runs queued work and advances fake time by up to ms, running delayed work as it comes due.
 * Returns how many work items ran. */
unsigned vmem_fake_run_ms(unsigned ms);
/* Fake milliseconds so far. */
u64 vmem_fake_now_ms(void);
/* Forgets every queued item (between tests). */
void vmem_fake_sched_reset(void);
/* When set, wait_until() calls it before it tests its condition: a device model that answers "later,
 * but within the driver's timeout" does it here. */
extern void (*vmem_fake_wait_hook)(void);

#endif

/* virtio-mem: what the device and the driver exchange (virtio specification, "Memory Device";
 * device ID 24, PCI 1af4:1058). All fields are little-endian, which is x86's byte order.
 *
 * The device owns a region of guest-physical memory [addr, addr + region_size), cut into blocks of
 * block_size bytes. The driver plugs and unplugs blocks with requests; the device never changes the
 * plugged state on its own, except that a reset unplugs everything. The host sets requested_size and
 * the driver moves plugged_size toward it. Only [addr, addr + usable_region_size) may be plugged. */
#ifndef DRIVERS_VIRTIO_MEM_H
#define DRIVERS_VIRTIO_MEM_H

#include "kernel/compiler.h"
#include "kernel/types.h"

/* Feature bits. */
#define VIRTIO_MEM_F_ACPI_PXM		    0 /* node_id is valid */
#define VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE 1 /* the driver never reads unplugged memory */

/* Request types. */
#define VIRTIO_MEM_REQ_PLUG	  0
#define VIRTIO_MEM_REQ_UNPLUG	  1
#define VIRTIO_MEM_REQ_UNPLUG_ALL 2
#define VIRTIO_MEM_REQ_STATE	  3
#define VIRTIO_MEM_NR_REQ_TYPES	  4

/* Response types. */
#define VIRTIO_MEM_RESP_ACK	 0
#define VIRTIO_MEM_RESP_NACK	 1 /* not now: e.g. a PLUG beyond requested_size */
#define VIRTIO_MEM_RESP_BUSY	 2 /* try again later */
#define VIRTIO_MEM_RESP_ERROR	 3 /* the request was wrong: bad range, blocks not in the other state */
#define VIRTIO_MEM_NR_RESP_TYPES 4

/* STATE answers. */
#define VIRTIO_MEM_STATE_PLUGGED   0
#define VIRTIO_MEM_STATE_UNPLUGGED 1
#define VIRTIO_MEM_STATE_MIXED	   2

/* One request covers at most this many device blocks (nb_blocks is 16 bits). */
#define VIRTIO_MEM_MAX_NB_BLOCKS 65535u

struct virtio_mem_req {
	u16 type;
	u16 padding[3];
	union {
		struct { /* PLUG, UNPLUG and STATE */
			u64 addr;
			u16 nb_blocks;
			u16 padding[3];
		} range;
	} u;
};
_Static_assert(sizeof(struct virtio_mem_req) == 24, "virtio-mem request is 24 bytes");

struct virtio_mem_resp {
	u16 type;
	u16 padding[3];
	union {
		struct {
			u16 state;
		} state;
	} u;
} __packed;
_Static_assert(sizeof(struct virtio_mem_resp) == 10, "virtio-mem response is 10 bytes");

struct virtio_mem_config {
	u64 block_size; /* power of two; fixed */
	u16 node_id;	/* with VIRTIO_MEM_F_ACPI_PXM; fixed */
	u8 padding[6];
	u64 addr;		/* start of the region; fixed */
	u64 region_size;	/* fixed */
	u64 usable_region_size; /* grows with requested_size; shrinks only through UNPLUG_ALL */
	u64 plugged_size;	/* changes only through requests */
	u64 requested_size;	/* what the host wants */
};
_Static_assert(sizeof(struct virtio_mem_config) == 56, "virtio-mem config is 56 bytes");
_Static_assert(offsetof(struct virtio_mem_config, requested_size) == 48, "virtio-mem config layout");

/* ---- the driver, as the shell, benchmarks and tests see it (drivers/virtio/virtio_mem*.c) ---- */
struct virtio_mem;

/* Registers the driver with the virtio core (probes every virtio-mem device) and hooks it into memory
 * hotplug (online-page callback, memory notifier). 0 or a negative errno. Called once at boot. */
int virtio_mem_init(void);
/* Device number N (virtio-mem<N>) or NULL. */
struct virtio_mem *virtio_mem_get(unsigned n);
unsigned virtio_mem_count(void);

#endif

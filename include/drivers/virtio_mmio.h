/* virtio over MMIO (virtio 1.2 §4.2), version 2 ("modern") only: one register window per device, the
 * device configuration at offset 0x100 of it. Devices are described on the kernel command line, as
 * Linux takes them:
 *
 *	virtio_mmio.device=<size>@<base>:<irq>[:<id>]
 *
 * (QEMU's microvm machine appends one per populated transport when ACPI is off; several may be given).
 *
 * Three files: the parser of that description (drivers/virtio/virtio_mmio_cmdline.c, pure), the
 * transport behind struct virtio_config_ops (drivers/virtio/virtio_mmio.c, host-tested: it reaches its
 * registers through struct virtio_mmio_io), and the kernel's side (virtio_mmio_platform.c: the boot
 * parameter, ioremap, the interrupt line or a poll timer). */
#ifndef DRIVERS_VIRTIO_MMIO_H
#define DRIVERS_VIRTIO_MMIO_H

#include "drivers/virtio.h"
#include "kernel/timer.h"
#include "kernel/types.h"
#include "kernel/workqueue.h"

/* Register offsets (little-endian, 32-bit accesses except the device configuration). */
#define VIRTIO_MMIO_MAGIC_VALUE		0x000 /* "virt" */
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

#define VIRTIO_MMIO_MAGIC    0x74726976 /* 'v' 'i' 'r' 't', little-endian */
#define VIRTIO_MMIO_VERSION2 2		/* version 1 is the legacy interface, refused */

#define VIRTIO_MMIO_INT_VRING  0x1 /* a used buffer */
#define VIRTIO_MMIO_INT_CONFIG 0x2 /* a configuration change */

/* What the transport maps and reads of the device configuration: more than any device type defines. */
#define VIRTIO_MMIO_CONFIG_MAX 256

/* ---- the command line ---- */

#define VIRTIO_MMIO_MAX_DEVICES 8

/* One device as the command line describes it. */
struct virtio_mmio_desc {
	u64 base, size;	       /* the register window [base, base + size) */
	unsigned irq;	       /* the interrupt line (a GSI) */
	bool edge, active_low; /* its trigger and polarity (the command line's: level, active high) */
	int id;		       /* the platform device id given, or the next free one (Linux's numbering) */
	bool id_given;
};

/* Parses "<size>@<base>:<irq>[:<id>]" as Linux's virtio_mmio does: size and base as memparse reads
 * them (decimal, 0x hexadecimal or 0 octal, then an optional K, M, G, T, P or E, either case), irq and
 * id decimal, nothing after. Also refuses what Linux would take but no device can be: a size of 0 or
 * under the 0x100 bytes of registers, a window that wraps past 2^64, irq 0, an id below 0. Returns 0
 * and *d (id left for virtio_mmio_add_desc), or -EINVAL with the reason in why[0..why_len). */
int virtio_mmio_parse_desc(const char *s, struct virtio_mmio_desc *d, char *why, size_t why_len);

/* Adds d to the table t[0..*n): refused (-EINVAL, why) when its window overlaps one there or its id is
 * taken, -ENOSPC when the table holds VIRTIO_MMIO_MAX_DEVICES. A device without an id gets the one
 * after the last device's (Linux: one counter from 0, which a given id sets). */
int virtio_mmio_add_desc(struct virtio_mmio_desc *t, unsigned *n, const struct virtio_mmio_desc *d, char *why,
			 size_t why_len);

/* ---- the transport ---- */

/* How the transport reaches a device's registers and tells it where memory is (one seam: the kernel
 * uses uncached MMIO and kernel_virt_to_phys, the host tests a device model). width 1, 2 or 4. */
struct virtio_mmio_io {
	u32 (*read)(void *ctx, unsigned off, unsigned width);
	void (*write)(void *ctx, unsigned off, u32 val, unsigned width);
	u64 (*dma_addr)(void *ctx, const void *p); /* the device's address of ring memory */
};

#define VIRTIO_MMIO_MAX_VQS 8 /* per device */

struct virtio_mmio_device {
	struct virtio_device vdev;
	const struct virtio_mmio_io *io;
	void *ctx;
	struct virtio_mmio_desc desc;
	char bus_name[32]; /* "mmio@0xfeb00e00" */
	char irq_name[24]; /* "virtio-mmio.0", the interrupt handler's */
	unsigned config_len;
	unsigned nvqs; /* queues set up */
	int irq;       /* -1: polled */
	volatile u32 int_pending;
	struct work_struct work;
	struct timer_list poll;
	u64 interrupts;
};

/* Checks the device behind vm->io (magic, version 2, a device ID other than 0), then registers it with
 * the virtio core, which probes a driver. vm->io, ctx and desc are set; the rest is the transport's.
 * 0, or -ENODEV (no device: ID 0, one line), -EINVAL (bad magic; version 1 or another: one line that
 * says so), or the core's error. Nothing is left registered on an error. */
int virtio_mmio_register(struct virtio_mmio_device *vm, const char *who);
/* Interrupt context: reads InterruptStatus, acknowledges it, queues the work that delivers it. true
 * when the device had raised something. */
bool virtio_mmio_interrupt(struct virtio_mmio_device *vm);
/* Boot: registers every device the command line described. After time_init and irq_init. How many. */
int virtio_mmio_init(void);
/* The device's interrupt line (-1 when polled or not an mmio device) and interrupts seen. */
int virtio_mmio_irq(struct virtio_device *vdev);
u64 virtio_mmio_interrupts(struct virtio_device *vdev);
bool virtio_is_mmio(const struct virtio_device *vdev);

#endif

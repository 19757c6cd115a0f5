/* virtio over PCI, modern (virtio 1.x) transport: the vendor capabilities that locate each
 * configuration structure inside the BARs, and the common configuration layout.
 * Parsing is pure (drivers/virtio/virtio_pci_caps.c, host-tested); the transport that uses it is
 * drivers/virtio/virtio_pci.c. */
#ifndef DRIVERS_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_H

#include "drivers/pci.h"
#include "kernel/irq.h"
#include "kernel/types.h"

#define VIRTIO_PCI_VENDOR_ID		 0x1af4
#define VIRTIO_PCI_DEVICE_ID_MODERN_BASE 0x1040 /* device ID = 0x1040 + virtio device ID */

#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG	  3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG	  5

#define VIRTIO_PCI_ISR_QUEUE  0x1
#define VIRTIO_PCI_ISR_CONFIG 0x2

struct virtio_pci_cap {
	u8 cap_vndr; /* PCI_CAP_ID_VNDR */
	u8 cap_next;
	u8 cap_len;
	u8 cfg_type; /* VIRTIO_PCI_CAP_* */
	u8 bar;
	u8 id;
	u8 padding[2];
	u32 offset; /* within the BAR */
	u32 length;
};

struct virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	u32 notify_off_multiplier;
};

/* The common configuration structure (little-endian MMIO). */
struct virtio_pci_common_cfg {
	u32 device_feature_select;
	u32 device_feature;
	u32 driver_feature_select;
	u32 driver_feature;
	u16 config_msix_vector;
	u16 num_queues;
	u8 device_status;
	u8 config_generation;
	u16 queue_select;
	u16 queue_size;
	u16 queue_msix_vector;
	u16 queue_enable;
	u16 queue_notify_off;
	u64 queue_desc;
	u64 queue_driver;
	u64 queue_device;
};

_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio-pci: capability is 16 bytes");
_Static_assert(sizeof(struct virtio_pci_notify_cap) == 20, "virtio-pci: notify capability is 20 bytes");
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38, "virtio-pci: common cfg is 0x38 bytes");

/* Where one structure lives: BAR number, offset and length inside it (validated against the BAR). */
struct virtio_pci_region {
	bool present;
	u8 bar;
	u32 offset;
	u32 length;
};

struct virtio_pci_layout {
	struct virtio_pci_region common, notify, isr, device;
	u32 notify_off_multiplier;
};

/* Fills *l from the vendor capabilities of cfg[0..cfg_len). bar_size[i] is the decoded size of memory
 * BAR i (0 for absent, I/O, or the upper half of a 64-bit BAR). For each type the first capability
 * that is valid is used (the specification: the first one the driver can use); one that is too
 * short, truncated by the end of the configuration space, of zero length, on a missing BAR or
 * reaching outside its BAR is skipped with a warning. PCI-config-access and unknown types are skipped.
 * Returns 0, -EINVAL for a broken capability list, -ENODEV when common, notify or ISR is missing
 * (one line naming which). The device configuration is optional (device types without one exist). */
int virtio_pci_parse_caps(const u8 *cfg, size_t cfg_len, const u64 bar_size[PCI_NUM_BARS],
			  struct virtio_pci_layout *l, const char *who);

/* Offset inside the notify region of the queue whose queue_notify_off is `qoff`, checked so that the
 * 2-byte notification write stays inside the region. Returns 0 and *off, or -ERANGE. */
int virtio_pci_notify_offset(const struct virtio_pci_layout *l, u16 qoff, u32 *off);

/* What the transport maps of each structure: the part it uses, never the whole window a capability
 * claims (a device may say 1 GiB, and every 2 MiB mapped costs a page table of the ioremap pool). */
#define VIRTIO_PCI_DEVICE_CFG_MAP 256 /* device configuration: more than any device type defines */
#define VIRTIO_PCI_NOTIFY_LEN	  2   /* a notification: the queue index, 16 bits */

struct virtio_pci_window {
	u8 bar;
	u64 offset; /* inside the BAR */
	u32 length;
};

/* The window of structure `type` to map: the common configuration's sizeof(struct
 * virtio_pci_common_cfg) bytes, the ISR's 1 byte, the device configuration's min(length,
 * VIRTIO_PCI_DEVICE_CFG_MAP) bytes; checked again against the region and bar_size. 0, -ENODEV (the
 * structure is absent) or -ERANGE (another type, or outside its BAR). */
int virtio_pci_window(const struct virtio_pci_layout *l, u8 type, const u64 bar_size[PCI_NUM_BARS],
		      struct virtio_pci_window *w);
/* The notification window of the queue whose queue_notify_off is qoff: VIRTIO_PCI_NOTIFY_LEN bytes at
 * qoff * notify_off_multiplier inside the notify region (virtio_pci_notify_offset) and its BAR.
 * 0 or -ERANGE. */
int virtio_pci_notify_window(const struct virtio_pci_layout *l, u16 qoff, const u64 bar_size[PCI_NUM_BARS],
			     struct virtio_pci_window *w);

/* ---- interrupt wiring (drivers/virtio/virtio_pci_irq.c, host-tested) ----
 * As Linux's vp_find_vqs tries them, in order: MSI-X with entry 0 for configuration changes and an
 * entry and vector per queue; MSI-X with one entry and vector shared by all queues; the function's
 * INTx line with MSI-X off; a poll of the ISR when there is no usable line either. A failed attempt is
 * undone before the next: its vectors freed, its table entries masked, the device's vector registers
 * set back to VIRTIO_MSI_NO_VECTOR, and MSI-X disabled before INTx. */
#define VIRTIO_MSI_NO_VECTOR 0xffff
#define VP_IRQ_MAX_VQS	     8

enum vp_irq_mode {
	VP_IRQ_POLL, /* no interrupt: the transport polls the ISR */
	VP_IRQ_INTX, /* INTx, level, shared; the handler reads the ISR */
	VP_IRQ_MSIX, /* MSI-X: configuration changes on entry 0, queues as nr_queue_vectors says */
};

/* The device side, one seam (MMIO in the kernel, a fake device in the host tests): write entry to
 * config_msix_vector, or to queue q's queue_msix_vector, and return what the device reads back
 * (VIRTIO_MSI_NO_VECTOR when it refuses). */
struct vp_irq_ops {
	u16 (*config_vector)(void *ctx, u16 entry);
	u16 (*queue_vector)(void *ctx, unsigned q, u16 entry);
};

struct vp_irq {
	/* filled by the transport before vp_irq_setup */
	struct pci_dev *pdev;
	const struct vp_irq_ops *ops;
	void *ctx;
	const char *who; /* log prefix, e.g. "virtio-pci 0000:00:04.0" (kept) */
	void *dev;	 /* the handlers' argument */
	irq_handler_t *intx_handler, *config_handler, *queue_handler;
	/* the result */
	enum vp_irq_mode mode;
	int irq;			/* the INTx line in VP_IRQ_INTX, else -1 */
	unsigned nr_queue_vectors;	/* MSI-X: 0 (no queues yet), 1 (shared), or one per queue */
	int vector[1 + VP_IRQ_MAX_VQS]; /* CPU vector of table entry i, 0 when none */
	char name[1 + VP_IRQ_MAX_VQS][28];
	struct pci_msix mx;
};

/* At probe, before the device has a driver: MSI-X with a vector for configuration changes (entry 0),
 * else INTx, else polling. Sets vi->mode and returns it; every fallback says why in one line. */
enum vp_irq_mode vp_irq_setup(struct vp_irq *vi);
/* Once queues 0..nvqs-1 (nvqs <= VP_IRQ_MAX_VQS, as the transport sets up no more) are set up and
 * before they are enabled: in VP_IRQ_MSIX, a vector per queue, else one shared vector, else INTx (or
 * polling) with MSI-X off. Returns the mode that results. */
enum vp_irq_mode vp_irq_setup_queues(struct vp_irq *vi, unsigned nvqs);
/* The queues are gone (the device was reset): their vectors freed and entries masked. */
void vp_irq_release_queues(struct vp_irq *vi);
/* After a device reset, which forgets the vectors: configuration changes on entry 0 again. */
void vp_irq_reset(struct vp_irq *vi);
/* Everything off and freed (a probe that failed). */
void vp_irq_teardown(struct vp_irq *vi);

/* Finds every virtio PCI function (1af4:1000-107f) with modern capabilities and registers it with the
 * virtio core (drivers/virtio/virtio_pci.c). After pci_init and time_init. Returns how many. */
int virtio_pci_init(void);
/* Interrupts (or polls) that found the device's ISR set; 0 for a device of another transport. */
struct virtio_device;
u64 virtio_pci_interrupts(struct virtio_device *vdev);
/* Whether its interrupts are MSI-X (a vector for configuration changes, and one per queue or one
 * shared by the queues). */
bool virtio_pci_msix(struct virtio_device *vdev);
/* Its legacy IRQ line, or -1 when it is polled, on MSI-X or not a virtio-pci device. */
int virtio_pci_irq(struct virtio_device *vdev);
/* The CPU vector queue q interrupts on (its own, or the one its queues share), or -1 when it has none
 * (INTx, polled, no such queue, not a virtio-pci device). */
int virtio_pci_queue_vector(struct virtio_device *vdev, unsigned q);

#endif

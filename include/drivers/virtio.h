/* The virtio core (drivers/virtio/virtio.c): devices found by a transport, drivers matched to them by
 * virtio device ID, the status handshake and feature negotiation, configuration space reads that are
 * consistent across config_generation, and reset.
 *
 * A driver:
 *
 *	static int my_probe(struct virtio_device *vdev)
 *	{
 *		struct virtqueue *vq;
 *		vq_callback_t *cbs[] = { my_vq_done };
 *		const char *const names[] = { "requests" };
 *		int err = virtio_find_vqs(vdev, 1, &vq, cbs, names);   // before DRIVER_OK
 *		if (err)
 *			return err;
 *		virtio_device_ready(vdev);                              // DRIVER_OK: queues usable now
 *		...                                                     // may send requests and wait
 *		return 0;
 *	}
 *	static struct virtio_driver my_driver = {
 *		.name = "virtio-mem", .device_id = VIRTIO_ID_MEM,
 *		.features = BIT_ULL(VIRTIO_MEM_F_ACPI_PXM) | BIT_ULL(VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE),
 *		.probe = my_probe, .remove = my_remove, .config_changed = my_config_changed,
 *	};
 *	register_virtio_driver(&my_driver);   // probes devices already found, and later ones
 *
 * Context: probe, remove, config_changed and virtqueue callbacks all run in process context (boot code
 * or the workqueue, never an interrupt handler), one at a time. The transport's interrupt handler only
 * reads the ISR (which acknowledges the interrupt) and queues work that calls them.
 */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include "drivers/virtqueue.h"
#include "kernel/compiler.h"
#include "kernel/types.h"
#include "lib/list.h"

/* Device status bits. */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 0x01
#define VIRTIO_CONFIG_S_DRIVER	    0x02
#define VIRTIO_CONFIG_S_DRIVER_OK   0x04
#define VIRTIO_CONFIG_S_FEATURES_OK 0x08
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED	    0x80

/* Transport feature bits (device-type bits are 0..23). */
#define VIRTIO_F_INDIRECT_DESC	 28
#define VIRTIO_F_EVENT_IDX	 29
#define VIRTIO_F_VERSION_1	 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED	 34

#ifndef BIT_ULL
#define BIT_ULL(n) (1ULL << (n))
#endif

/* The bits a device type defines (virtio 1.2, "Feature Bits": 0 to 23 and 50 to 127). The others
 * belong to the queues and the transport; of those the core accepts VERSION_1 only (the split ring
 * here has no indirect descriptors, event index, packed layout or the like). */
#define VIRTIO_DEVICE_FEATURES_MASK 0xfffc000000ffffffULL

/* Virtio device IDs. */
#define VIRTIO_ID_NET	  1
#define VIRTIO_ID_BLOCK	  2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG	  4
#define VIRTIO_ID_BALLOON 5
#define VIRTIO_ID_MEM	  24

struct virtio_device;

/* One field of a device configuration structure: its offset and width (1, 2, 4 or 8 bytes). */
struct virtio_cfield {
	u16 offset;
	u8 size;
};
#define VIRTIO_CFIELD(type, member)                                                                          \
	{                                                                                                    \
		offsetof(type, member), sizeof(((type *)0)->member)                                          \
	}

/* What a transport provides. Offsets and lengths of get/set are inside the device configuration. */
struct virtio_config_ops {
	/* One field of the device configuration: len 1, 2 or 4 is one access of that width (offset
	 * aligned to it), len 8 two 4-byte accesses, low half first. -ERANGE when [offset, offset+len)
	 * is outside the configuration, -EINVAL for another len or a misaligned offset. */
	int (*get)(struct virtio_device *vdev, unsigned offset, void *buf, unsigned len);
	int (*set)(struct virtio_device *vdev, unsigned offset, const void *buf, unsigned len);
	u32 (*generation)(struct virtio_device *vdev);
	u8 (*get_status)(struct virtio_device *vdev);
	void (*set_status)(struct virtio_device *vdev, u8 status); /* never 0: use reset */
	/* Writes 0 to the status and waits (bounded) until the device reads back 0. 0 or -ETIMEDOUT
	 * (the device may still be using its queues). Drivers call virtio_reset_device(), not this. */
	int (*reset)(struct virtio_device *vdev);
	u64 (*get_features)(struct virtio_device *vdev);
	void (*set_features)(struct virtio_device *vdev, u64 features);
	/* Sets up queues 0..nvqs-1 (before DRIVER_OK). 0, or a negative errno with nothing set up. */
	int (*find_vqs)(struct virtio_device *vdev, unsigned nvqs, struct virtqueue *vqs[],
			vq_callback_t *const callbacks[], const char *const names[]);
	void (*del_vqs)(struct virtio_device *vdev); /* only after a reset that completed */
	/* Bytes of device configuration (0 when it has none). */
	unsigned (*config_len)(struct virtio_device *vdev);
};

struct virtio_driver {
	const char *name;
	u32 device_id; /* VIRTIO_ID_* */
	/* The device-type bits the driver understands (inside VIRTIO_DEVICE_FEATURES_MASK: a driver
	 * naming others is refused); only offered ones are accepted. VERSION_1 is required and implied. */
	u64 features;
	struct virtio_device *only; /* NULL, or the one device this driver may drive */
	/* The layout of the device configuration, or NULL: the core's raw dump of a device this driver
	 * drives reads these fields with their own widths instead of 4-byte words. */
	const struct virtio_cfield *config_fields;
	unsigned nr_config_fields;
	/* Called after FEATURES_OK. Return 0, or a negative errno (the device is marked FAILED). A probe
	 * that uses its queues calls virtio_device_ready() first; otherwise the core sets DRIVER_OK after
	 * a successful probe. */
	int (*probe)(struct virtio_device *vdev);
	/* Stop using the device. The core has reset it already, so buffers the device was given may be
	 * freed here, unless vdev->dead: then the device may still write them and they must be kept.
	 * The core deletes the queues afterwards (or keeps them, for a dead device). */
	void (*remove)(struct virtio_device *vdev);
	/* The device changed its configuration (work context). Changes during probe are delivered once
	 * probe has returned. */
	void (*config_changed)(struct virtio_device *vdev);
	struct list_head list; /* core's */
};

struct virtio_device {
	int index;     /* virtio<index> */
	char name[16]; /* "virtio0" */
	u32 id;	       /* virtio device ID */
	const struct virtio_config_ops *config;
	struct virtio_driver *driver; /* bound driver, or NULL */
	u64 device_features;	      /* offered by the device */
	u64 features;		      /* negotiated */
	bool broken;
	bool dead; /* a reset did not complete: its queues and buffers are never freed, no driver binds */
	bool config_enabled;	    /* deliver config changes to the driver */
	bool config_change_pending; /* one arrived while not enabled */
	u64 config_changes;	    /* counter, for the shell */
	struct list_head vqs;	    /* the transport's queues */
	struct list_head list;	    /* core's list of devices */
	void *priv;		    /* the driver's */
	void *transport;	    /* the transport's */
	const char *bus_name;	    /* e.g. "0000:00:03.0", for the shell */
	const char *transport_name; /* "pci" or "mmio", for the shell */
};

/* For transports: adds a device found on the bus (resets it, ACKNOWLEDGE) and probes a matching
 * driver. Returns 0 or a negative errno (device not added). */
int register_virtio_device(struct virtio_device *vdev);
void unregister_virtio_device(struct virtio_device *vdev);
/* For transports, from work context: the device signalled a configuration change. Logs it (info
 * level with the raw configuration when no driver is bound, debug otherwise) and calls the driver. */
void virtio_config_changed(struct virtio_device *vdev);

/* For drivers. register_virtio_driver probes every unbound device with the driver's ID; returns 0
 * or -EEXIST (already registered) / -EINVAL (no probe or name, or features outside
 * VIRTIO_DEVICE_FEATURES_MASK: one line). A probe that fails leaves the device FAILED. */
int register_virtio_driver(struct virtio_driver *drv);
void unregister_virtio_driver(struct virtio_driver *drv);

static inline bool virtio_has_feature(const struct virtio_device *vdev, unsigned bit)
{
	return bit < 64 && (vdev->features & BIT_ULL(bit));
}

/* Sets DRIVER_OK: from now on the device may use the queues and raise interrupts. */
void virtio_device_ready(struct virtio_device *vdev);
/* Resets the device (all queues stop; status 0). 0, or -ETIMEDOUT when the status never read back 0
 * (-EIO for a device already dead): the device is then marked dead and broken with one line
 * `<name>: reset did not complete: <errno>; device dead, its rings and buffers are kept`, and the
 * caller must not free anything the device was given (queues, request buffers). */
int virtio_reset_device(struct virtio_device *vdev);
/* Marks the device and all its queues broken, logs `<name>: device broken: <why>` once; sets
 * FAILED so the device knows. */
void virtio_break_device(struct virtio_device *vdev, const char *why);
/* Sets FAILED in the device status: the driver gave up on the device (it reports why itself). */
void virtio_set_failed(struct virtio_device *vdev);

int virtio_find_vqs(struct virtio_device *vdev, unsigned nvqs, struct virtqueue *vqs[],
		    vq_callback_t *const callbacks[], const char *const names[]);
void virtio_del_vqs(struct virtio_device *vdev);

/* Reads the fields f[0..n) of the device configuration into buf, a copy of the structure of buf_len
 * bytes: each field lands at its own offset, bytes no field covers are left as they were. Each field
 * is read with an access of its own width (an 8-byte one as two 4-byte halves, as the specification
 * allows), all of them inside one config_generation loop: while the generation changed during the
 * reads, all are read again, at most 64 times (then -EAGAIN and one line `<name>: configuration kept
 * changing during 64 reads`). -ERANGE for a field outside the configuration or buf, -EINVAL for a
 * width other than 1, 2, 4 or 8 or a field not aligned to min(width, 4). */
int virtio_cread_fields(struct virtio_device *vdev, void *buf, size_t buf_len, const struct virtio_cfield *f,
			unsigned n);
/* One field at offset of width size into buf, the same way. */
int virtio_cread_field(struct virtio_device *vdev, unsigned offset, void *buf, unsigned size);
/* One field of a config structure: virtio_cread(vdev, struct virtio_mem_config, plugged_size, &v);
 * a *ptr whose size differs from the field's does not compile. */
#define virtio_cread(vdev, type, member, ptr)                                                                \
	virtio_cread_field((vdev), offsetof(type, member), (ptr),                                            \
			   sizeof(*(ptr)) +                                                                  \
			       0 * sizeof(char[sizeof(((type *)0)->member) == sizeof(*(ptr)) ? 1 : -1]))

/* "<len> bytes: 0x.. 0x.." — the first 64 bytes of device configuration as little-endian u64 words
 * (generation-consistent), for log lines and the shell. The fields of the bound driver's
 * config_fields are read (bytes outside them show as 0); without them the core knows no layout and
 * reads 4-byte words (single bytes for a tail shorter than 4). 0 or a negative errno. */
int virtio_format_config(struct virtio_device *vdev, char *buf, size_t size);

/* The driver of last resort (drivers/virtio/virtio_generic.c): handshake only, no queues, logs config
 * changes. bind: 0 (also when already bound to it), -EBUSY (another driver has it), -EIO (the
 * handshake failed: logged). unbind: 0, -EINVAL when not bound to it. */
int virtio_generic_bind(struct virtio_device *vdev);
int virtio_generic_unbind(struct virtio_device *vdev);
/* The device-type features a driver that never touches device memory, sends no request that changes
 * the device's state and reads no configuration field whose meaning a feature changes understands
 * (the generic driver, the in-kernel test driver): for virtio-mem UNPLUGGED_INACCESSIBLE, which
 * QEMU may insist on; nothing for other types. */
u64 virtio_generic_features(u32 device_id);

/* Devices registered so far (for the shell), in order; NULL past the end. */
struct virtio_device *virtio_dev_at(unsigned i);

#endif

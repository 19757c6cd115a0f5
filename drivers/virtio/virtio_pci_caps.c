/* The virtio-pci modern capability parse (contract in drivers/virtio_pci.h). Pure: reads only the
 * configuration space snapshot it is given, so the host tests feed it broken ones. */
#include "drivers/virtio_pci.h"
#include "kernel/errno.h"
#include "kernel/printk.h"

struct parse_ctx {
	const u64 *bar_size;
	struct virtio_pci_layout *l;
	const char *who;
};

static u32 rd32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static const char *cap_type_name(u8 t)
{
	switch (t) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		return "common";
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		return "notify";
	case VIRTIO_PCI_CAP_ISR_CFG:
		return "isr";
	case VIRTIO_PCI_CAP_DEVICE_CFG:
		return "device";
	default:
		return "?";
	}
}

/* Smallest length that makes each structure usable. */
static u32 min_length(u8 t)
{
	switch (t) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		return sizeof(struct virtio_pci_common_cfg);
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		return 2;
	default:
		return 1;
	}
}

static int parse_one(const u8 *cfg, size_t cfg_len, u8 pos, u8 id, void *arg)
{
	struct parse_ctx *c = arg;
	if (id != PCI_CAP_ID_VNDR)
		return 0;
	/* Each field is read only once we know it lies inside the snapshot. */
	if ((size_t)pos + 3 > cfg_len) {
		pr_warn("%s: vendor capability at 0x%02x truncated by the end of config space\n", c->who,
			pos);
		return 0;
	}
	u8 cap_len = cfg[pos + 2];
	if (cap_len < sizeof(struct virtio_pci_cap) || (size_t)pos + cap_len > cfg_len) {
		if ((size_t)pos + 4 <= cfg_len && cfg[pos + 3] == VIRTIO_PCI_CAP_PCI_CFG)
			return 0;
		pr_warn("%s: vendor capability at 0x%02x: length %u %s\n", c->who, pos, cap_len,
			cap_len < sizeof(struct virtio_pci_cap) ? "too short"
								: "runs past the end of config space");
		return 0;
	}
	u8 type = cfg[pos + 3], bar = cfg[pos + 4];
	u32 offset = rd32(&cfg[pos + 8]), length = rd32(&cfg[pos + 12]);

	struct virtio_pci_region *r;
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		r = &c->l->common;
		break;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		r = &c->l->notify;
		break;
	case VIRTIO_PCI_CAP_ISR_CFG:
		r = &c->l->isr;
		break;
	case VIRTIO_PCI_CAP_DEVICE_CFG:
		r = &c->l->device;
		break;
	default:
		return 0; /* PCI config access (5), shared memory (8), vendor (9), future types */
	}
	if (r->present)
		return 0; /* the first usable one wins */
	if (length == 0)
		return 0; /* allowed by the spec; means "not this one" */
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && cap_len < sizeof(struct virtio_pci_notify_cap)) {
		pr_warn("%s: notify capability at 0x%02x: length %u too short\n", c->who, pos, cap_len);
		return 0;
	}
	if (bar >= PCI_NUM_BARS || c->bar_size[bar] == 0) {
		pr_warn("%s: %s capability at 0x%02x: BAR %u is not a memory BAR\n", c->who,
			cap_type_name(type), pos, bar);
		return 0;
	}
	u64 size = c->bar_size[bar];
	if (offset > size || length > size - offset) {
		pr_warn("%s: %s capability at 0x%02x: 0x%x+0x%x outside BAR %u (0x%llx bytes)\n", c->who,
			cap_type_name(type), pos, offset, length, bar, size);
		return 0;
	}
	if (length < min_length(type)) {
		pr_warn("%s: %s capability at 0x%02x: length 0x%x too small\n", c->who, cap_type_name(type),
			pos, length);
		return 0;
	}
	r->present = true;
	r->bar = bar;
	r->offset = offset;
	r->length = length;
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		c->l->notify_off_multiplier = rd32(&cfg[pos + 16]);
	return 0;
}

int virtio_pci_parse_caps(const u8 *cfg, size_t cfg_len, const u64 bar_size[PCI_NUM_BARS],
			  struct virtio_pci_layout *l, const char *who)
{
	*l = (struct virtio_pci_layout){0};
	struct parse_ctx c = {bar_size, l, who};
	int err = pci_walk_caps(cfg, cfg_len, parse_one, &c, who);
	if (err < 0)
		return err;
	const char *missing = !l->common.present   ? "common"
			      : !l->notify.present ? "notify"
			      : !l->isr.present	   ? "isr"
						   : NULL;
	if (missing) {
		pr_err("%s: no usable virtio %s configuration capability\n", who, missing);
		return -ENODEV;
	}
	return 0;
}

int virtio_pci_notify_offset(const struct virtio_pci_layout *l, u16 qoff, u32 *off)
{
	u64 o = (u64)qoff * l->notify_off_multiplier;
	if (!l->notify.present || l->notify.length < 2 || o > l->notify.length - 2)
		return -ERANGE;
	*off = (u32)o;
	return 0;
}

/* [offset, offset + len) of region r, inside r and inside its BAR. */
static int window_in(const struct virtio_pci_region *r, u32 offset, u32 len, const u64 bar_size[PCI_NUM_BARS],
		     struct virtio_pci_window *w)
{
	if (!r->present)
		return -ENODEV;
	if (r->bar >= PCI_NUM_BARS || len == 0 || offset > r->length || len > r->length - offset)
		return -ERANGE;
	u64 start = (u64)r->offset + offset;
	if (start > bar_size[r->bar] || len > bar_size[r->bar] - start)
		return -ERANGE;
	*w = (struct virtio_pci_window){r->bar, start, len};
	return 0;
}

int virtio_pci_window(const struct virtio_pci_layout *l, u8 type, const u64 bar_size[PCI_NUM_BARS],
		      struct virtio_pci_window *w)
{
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		return window_in(&l->common, 0, sizeof(struct virtio_pci_common_cfg), bar_size, w);
	case VIRTIO_PCI_CAP_ISR_CFG:
		return window_in(&l->isr, 0, 1, bar_size, w);
	case VIRTIO_PCI_CAP_DEVICE_CFG: {
		u32 len = l->device.length < VIRTIO_PCI_DEVICE_CFG_MAP ? l->device.length
								       : VIRTIO_PCI_DEVICE_CFG_MAP;
		return window_in(&l->device, 0, len, bar_size, w);
	}
	default:
		return -ERANGE;
	}
}

int virtio_pci_notify_window(const struct virtio_pci_layout *l, u16 qoff, const u64 bar_size[PCI_NUM_BARS],
			     struct virtio_pci_window *w)
{
	u32 off;
	if (virtio_pci_notify_offset(l, qoff, &off))
		return -ERANGE;
	return window_in(&l->notify, off, VIRTIO_PCI_NOTIFY_LEN, bar_size, w);
}

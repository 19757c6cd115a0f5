/* host-srcs: drivers/pci/pci_caps.c drivers/virtio/virtio_pci_caps.c */
/* The PCI capability walk and the virtio-pci capability parse against made-up configuration spaces:
 * QEMU's virtio-mem-pci layout, and truncated, looping, out-of-BAR and otherwise broken ones. */
#include <stdlib.h>
#include <string.h>

#include "drivers/pci.h"
#include "drivers/virtio_pci.h"
#include "host_test.h"
#include "kernel/errno.h"

static u8 cfg[PCI_CFG_SPACE_SIZE];
static u64 bars[PCI_NUM_BARS];
static struct virtio_pci_layout lay;
static u8 *last_link; /* where the next capability's pointer goes */

static void wr32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void fresh(void)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[0] = 0xf4, cfg[1] = 0x1a, cfg[2] = 0x58, cfg[3] = 0x10;
	cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	memset(bars, 0, sizeof(bars));
	bars[4] = 0x4000; /* QEMU: BAR4, 16 KiB */
	last_link = &cfg[PCI_CAPABILITY_LIST];
	host_log_clear();
}

/* Appends a capability at pos (links the previous one to it). */
static u8 *cap(u8 pos, u8 id, u8 len)
{
	*last_link = pos;
	cfg[pos] = id;
	cfg[pos + 1] = 0;
	last_link = &cfg[pos + 1];
	if (len >= 3)
		cfg[pos + 2] = len;
	return &cfg[pos];
}

static u8 *vcap(u8 pos, u8 type, u8 bar, u32 off, u32 len)
{
	u8 *c = cap(pos, PCI_CAP_ID_VNDR, type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 20 : 16);
	c[3] = type;
	c[4] = bar;
	wr32(c + 8, off);
	wr32(c + 12, len);
	return c;
}

/* QEMU 7.2 virtio-mem-pci: MSI-X absent; vendor caps as measured (QEMU-NOTES.md). */
static void qemu_layout(void)
{
	fresh();
	vcap(0x40, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0, 0x1000);
	vcap(0x50, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000);
	vcap(0x60, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000);
	vcap(0x70, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000)[16] = 4;
	cap(0x84, PCI_CAP_ID_VNDR, 20)[3] = VIRTIO_PCI_CAP_PCI_CFG;
}

static int parse(size_t len)
{
	return virtio_pci_parse_caps(cfg, len, bars, &lay, "test 00:03.0");
}

static void case_qemu(void)
{
	qemu_layout();
	REQUIRE(parse(sizeof(cfg)) == 0);
	CHECK(lay.common.present && lay.common.bar == 4 && lay.common.offset == 0 &&
	      lay.common.length == 0x1000);
	CHECK(lay.isr.present && lay.isr.offset == 0x1000);
	CHECK(lay.device.present && lay.device.offset == 0x2000);
	CHECK(lay.notify.present && lay.notify.offset == 0x3000 && lay.notify_off_multiplier == 4);
	u32 off;
	CHECK(virtio_pci_notify_offset(&lay, 0, &off) == 0 && off == 0);
	CHECK(virtio_pci_notify_offset(&lay, 3, &off) == 0 && off == 12);
	CHECK(virtio_pci_notify_offset(&lay, 1023, &off) == 0 && off == 4092);
	CHECK(virtio_pci_notify_offset(&lay, 1024, &off) == -ERANGE);
	lay.notify_off_multiplier = 0xffffffff;
	CHECK(virtio_pci_notify_offset(&lay, 0xffff, &off) == -ERANGE);
	CHECK(pci_find_cap_in(cfg, sizeof(cfg), PCI_CAP_ID_VNDR, "t") == 0x40);
	CHECK(pci_find_cap_in(cfg, sizeof(cfg), PCI_CAP_ID_MSIX, "t") == 0);
}

static void case_no_caps(void)
{
	qemu_layout();
	cfg[PCI_STATUS] = 0; /* status says there is no list: the pointer is not followed */
	CHECK(parse(sizeof(cfg)) == -ENODEV);
	CHECK(host_log_contains("no usable virtio common configuration capability"));
	fresh();
	CHECK(parse(sizeof(cfg)) == -ENODEV);
}

static void case_loops(void)
{
	qemu_layout();
	cfg[0x41] = 0x84; /* common → PCI-cfg cap → common ... */
	cfg[0x85] = 0x40;
	CHECK(parse(sizeof(cfg)) == -EINVAL);
	CHECK(host_log_contains("capability list loops at 0x40"));
	fresh();
	cap(0x40, PCI_CAP_ID_VNDR, 16);
	cfg[0x41] = 0x40; /* points at itself */
	CHECK(pci_find_cap_in(cfg, sizeof(cfg), PCI_CAP_ID_MSIX, "t") == -EINVAL);
	CHECK(host_log_contains("loops at 0x40"));
	/* A loop through every slot: 48 capabilities, the last pointing back at the first. */
	fresh();
	for (unsigned p = 0x40; p < 0x100; p += 4)
		cap((u8)p, 0x01, 4);
	*last_link = 0x40;
	CHECK(pci_find_cap_in(cfg, sizeof(cfg), PCI_CAP_ID_MSIX, "t") == -EINVAL);
	/* ...but 48 distinct capabilities are a valid list. */
	*last_link = 0;
	cfg[0xfc] = PCI_CAP_ID_MSIX;
	CHECK(pci_find_cap_in(cfg, sizeof(cfg), PCI_CAP_ID_MSIX, "t") == 0xfc);
}

static void case_bad_pointers(void)
{
	qemu_layout();
	cfg[PCI_CAPABILITY_LIST] = 0x3c; /* into the header */
	CHECK(parse(sizeof(cfg)) == -EINVAL && host_log_contains("points into the header (0x3c)"));
	qemu_layout();
	cfg[0x51] = 0x08;
	CHECK(parse(sizeof(cfg)) == -EINVAL);
	/* Reserved low bits are masked: 0x43 means 0x40. */
	qemu_layout();
	cfg[PCI_CAPABILITY_LIST] = 0x43;
	CHECK(parse(sizeof(cfg)) == 0 && lay.common.present);
	/* 0xff → 0xfc: a 2-byte header fits, a 16-byte capability does not. */
	fresh();
	cap(0xfc, PCI_CAP_ID_VNDR, 16)[3] = VIRTIO_PCI_CAP_COMMON_CFG;
	cfg[PCI_CAPABILITY_LIST] = 0xff;
	CHECK(parse(sizeof(cfg)) == -ENODEV);
	CHECK(host_log_contains("runs past the end of config space"));
}

/* The snapshot is shorter than the list says (a short read, or a made-up truncated device). */
static void case_truncated(void)
{
	qemu_layout();
	CHECK(parse(0x30) == -EINVAL && host_log_contains("configuration space of 48 bytes"));
	qemu_layout();
	CHECK(parse(0x48) == -EINVAL); /* the common cap (0x40..0x4f) does not fit; its next does not exist */
	CHECK(host_log_contains("runs past the end of config space"));
	CHECK(host_log_contains("points past the configuration space (0x50)"));
	qemu_layout();
	CHECK(parse(0x42) == -EINVAL);
	CHECK(host_log_contains("truncated by the end of config space"));
	/* A vendor cap that claims more than 16 bytes but runs off the end is refused too. */
	fresh();
	vcap(0xf0, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000)[2] = 32;
	CHECK(parse(sizeof(cfg)) == -ENODEV && host_log_contains("length 32 runs past"));
}

static void case_out_of_bar(void)
{
	qemu_layout();
	wr32(&cfg[0x40 + 12], 0x4001); /* common: 0+0x4001 > 16 KiB */
	CHECK(parse(sizeof(cfg)) == -ENODEV);
	CHECK(host_log_contains("common capability at 0x40: 0x0+0x4001 outside BAR 4"));
	/* offset + length wraps in 32 bits: must not pass as small */
	qemu_layout();
	wr32(&cfg[0x50 + 8], 0xfffff000);
	wr32(&cfg[0x50 + 12], 0x2000);
	CHECK(parse(sizeof(cfg)) == -ENODEV && host_log_contains("0xfffff000+0x2000 outside BAR 4"));
	/* offset past the BAR */
	qemu_layout();
	wr32(&cfg[0x70 + 8], 0x5000);
	CHECK(parse(sizeof(cfg)) == -ENODEV && host_log_contains("notify capability at 0x70"));
	/* the BAR is absent, an I/O BAR, or a nonexistent BAR number */
	qemu_layout();
	bars[4] = 0;
	CHECK(parse(sizeof(cfg)) == -ENODEV && host_log_contains("BAR 4 is not a memory BAR"));
	qemu_layout();
	cfg[0x50 + 4] = 6;
	CHECK(parse(sizeof(cfg)) == -ENODEV && host_log_contains("BAR 6 is not a memory BAR"));
	qemu_layout();
	cfg[0x60 + 4] = 0xff; /* the device cfg is optional: parse succeeds without it */
	CHECK(parse(sizeof(cfg)) == 0 && !lay.device.present);
	/* exactly the end of the BAR is fine */
	qemu_layout();
	wr32(&cfg[0x70 + 12], 0x1000);
	wr32(&cfg[0x70 + 8], 0x3000);
	bars[4] = 0x4000;
	CHECK(parse(sizeof(cfg)) == 0);
	/* a 64-bit BAR larger than 4 GiB */
	qemu_layout();
	bars[4] = 1ULL << 40;
	wr32(&cfg[0x60 + 8], 0xfffff000);
	wr32(&cfg[0x60 + 12], 0x1000);
	CHECK(parse(sizeof(cfg)) == 0 && lay.device.offset == 0xfffff000);
}

static void case_first_wins(void)
{
	/* Two common caps: the first usable one is taken. */
	qemu_layout();
	vcap(0x90, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x800, 0x100);
	REQUIRE(parse(sizeof(cfg)) == 0);
	CHECK(lay.common.offset == 0);
	/* Zero length: skipped, the next one of its type is used. */
	qemu_layout();
	wr32(&cfg[0x40 + 12], 0);
	vcap(0x90, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x800, 0x100);
	REQUIRE(parse(sizeof(cfg)) == 0);
	CHECK(lay.common.offset == 0x800 && lay.common.length == 0x100);
	/* An invalid first one (out of BAR) gives way to a valid later one. */
	qemu_layout();
	wr32(&cfg[0x50 + 8], 0x8000);
	vcap(0x90, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1800, 4);
	REQUIRE(parse(sizeof(cfg)) == 0);
	CHECK(lay.isr.offset == 0x1800);
}

static void case_short_structures(void)
{
	qemu_layout();
	cfg[0x72] = 16; /* notify cap without its multiplier */
	CHECK(parse(sizeof(cfg)) == -ENODEV &&
	      host_log_contains("notify capability at 0x70: length 16 too short"));
	qemu_layout();
	cfg[0x42] = 12;
	CHECK(parse(sizeof(cfg)) == -ENODEV && host_log_contains("length 12 too short"));
	qemu_layout();
	wr32(&cfg[0x40 + 12], 0x20); /* common cfg smaller than its 0x38-byte layout */
	CHECK(parse(sizeof(cfg)) == -ENODEV && host_log_contains("length 0x20 too small"));
	/* unknown types and non-vendor caps in between are ignored */
	qemu_layout();
	vcap(0x90, 8, 4, 0, 0x1000);
	vcap(0xa0, 0x77, 9, 0, 0x1000);
	cap(0xb0, PCI_CAP_ID_MSIX, 12);
	CHECK(parse(sizeof(cfg)) == 0);
}

/* Random bytes after the header: never reads out of bounds (ASan), always terminates. */
/* The transport maps only what it uses of each window: a device whose capabilities each claim
 * 1 GiB of a 4 GiB BAR gets 0x38 bytes of common configuration, 1 ISR byte, 256 bytes of device
 * configuration and 2 bytes per queue notification mapped, all checked against the BAR. */
static void case_windows(void)
{
	struct virtio_pci_window w;
	qemu_layout();
	REQUIRE(parse(sizeof(cfg)) == 0);
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_COMMON_CFG, bars, &w) == 0 && w.bar == 4 &&
	      w.offset == 0 && w.length == 0x38);
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_ISR_CFG, bars, &w) == 0 && w.offset == 0x1000 &&
	      w.length == 1);
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_DEVICE_CFG, bars, &w) == 0 && w.offset == 0x2000 &&
	      w.length == VIRTIO_PCI_DEVICE_CFG_MAP);
	CHECK(virtio_pci_notify_window(&lay, 0, bars, &w) == 0 && w.offset == 0x3000 && w.length == 2);
	CHECK(virtio_pci_notify_window(&lay, 3, bars, &w) == 0 && w.offset == 0x300c && w.length == 2);
	CHECK(virtio_pci_notify_window(&lay, 1023, bars, &w) == 0 && w.offset == 0x3ffc);
	CHECK(virtio_pci_notify_window(&lay, 1024, bars, &w) == -ERANGE); /* past the region */
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_NOTIFY_CFG, bars, &w) == -ERANGE);

	fresh();
	bars[2] = 4ULL << 30;
	vcap(0x40, VIRTIO_PCI_CAP_COMMON_CFG, 2, 0, 1u << 30);
	vcap(0x50, VIRTIO_PCI_CAP_ISR_CFG, 2, 1u << 30, 1u << 30);
	vcap(0x60, VIRTIO_PCI_CAP_DEVICE_CFG, 2, 2u << 30, 1u << 30);
	vcap(0x70, VIRTIO_PCI_CAP_NOTIFY_CFG, 2, 3u << 30, 1u << 30)[16] = 0x10;
	REQUIRE(parse(sizeof(cfg)) == 0);
	u64 mapped = 0;
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_COMMON_CFG, bars, &w) == 0 && w.length == 0x38);
	mapped += w.length;
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_ISR_CFG, bars, &w) == 0 && w.offset == 1u << 30 &&
	      w.length == 1);
	mapped += w.length;
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_DEVICE_CFG, bars, &w) == 0 && w.offset == 2u << 30 &&
	      w.length == VIRTIO_PCI_DEVICE_CFG_MAP);
	mapped += w.length;
	CHECK(virtio_pci_notify_window(&lay, 0xffff, bars, &w) == 0 && w.offset == (3ULL << 30) + 0xffff0 &&
	      w.length == 2);
	mapped += w.length;
	CHECK(mapped < 4096);
	/* checked against the BAR again: one that shrank leaves the windows outside */
	bars[2] = 2ULL << 30;
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_DEVICE_CFG, bars, &w) == -ERANGE);
	CHECK(virtio_pci_notify_window(&lay, 0, bars, &w) == -ERANGE);
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_COMMON_CFG, bars, &w) == 0);

	/* a small device configuration is mapped whole; none at all is -ENODEV */
	fresh();
	vcap(0x40, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0, 0x1000);
	vcap(0x50, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000);
	vcap(0x60, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 56);
	vcap(0x70, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000)[16] = 4;
	REQUIRE(parse(sizeof(cfg)) == 0);
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_DEVICE_CFG, bars, &w) == 0 && w.length == 56);
	lay.device.present = false;
	CHECK(virtio_pci_window(&lay, VIRTIO_PCI_CAP_DEVICE_CFG, bars, &w) == -ENODEV);
}

static void case_random(void)
{
	unsigned seed = 4242;
	srand(seed);
	printf("INFO: virtio-pci-caps: random seed %u\n", seed);
	host_log_echo = false;
	int ok = 0, bad = 0;
	for (int it = 0; it < 40000; it++) {
		size_t len = 0x40 + (size_t)(rand() % 0xc1);
		u8 tmp[PCI_CFG_SPACE_SIZE];
		u64 b[PCI_NUM_BARS];
		if (it % 2) {
			/* noise */
			for (size_t i = 0; i < len; i++)
				tmp[i] = (u8)rand();
			tmp[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
			if (rand() % 2)
				tmp[PCI_CAPABILITY_LIST] = (u8)(0x40 + (rand() % 48) * 4);
			for (int i = 0; i < PCI_NUM_BARS; i++)
				b[i] = rand() % 2 ? 0 : 1ULL << (rand() % 40);
		} else {
			/* QEMU's layout with a few bytes changed, possibly cut short */
			qemu_layout();
			len = rand() % 4 ? sizeof(cfg) : len;
			memcpy(tmp, cfg, len);
			for (int k = 1 + rand() % 4; k > 0; k--)
				tmp[0x34 + rand() % (len - 0x34)] =
				    (u8)(rand() % 3 ? rand() : rand() % 0x100 & 0xfc);
			memcpy(b, bars, sizeof(b));
			if (rand() % 8 == 0)
				b[4] = (u64)(rand() % 0x8000);
		}
		u8 *buf = malloc(len); /* exactly len bytes: any read past them trips ASan */
		memcpy(buf, tmp, len);
		struct virtio_pci_layout l;
		int r = virtio_pci_parse_caps(buf, len, b, &l, "rnd");
		if (r == 0) {
			ok++;
			const struct virtio_pci_region *rs[] = {&l.common, &l.notify, &l.isr, &l.device};
			for (int k = 0; k < 4; k++)
				if (rs[k]->present)
					CHECK((u64)rs[k]->offset + rs[k]->length <= b[rs[k]->bar]);
			/* what the transport would map: inside its region, small */
			static const u8 types[] = {VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_ISR_CFG,
						   VIRTIO_PCI_CAP_DEVICE_CFG};
			for (int k = 0; k < 3; k++) {
				struct virtio_pci_window w;
				int e = virtio_pci_window(&l, types[k], b, &w);
				CHECK(e == 0 || (types[k] == VIRTIO_PCI_CAP_DEVICE_CFG && !l.device.present));
				if (!e)
					CHECK(w.length <= VIRTIO_PCI_DEVICE_CFG_MAP &&
					      w.offset + w.length <= b[w.bar]);
			}
			struct virtio_pci_window w;
			u16 q = (u16)rand();
			if (virtio_pci_notify_window(&l, q, b, &w) == 0)
				CHECK(w.length == 2 && w.offset >= l.notify.offset &&
				      w.offset + 2 <= (u64)l.notify.offset + l.notify.length);
		} else {
			bad++;
		}
		free(buf);
	}
	host_log_echo = true;
	printf("INFO: virtio-pci-caps: %d random spaces parsed, %d refused\n", ok, bad);
}

int main(void)
{
	RUN("virtio-pci-caps", "qemu virtio-mem layout", case_qemu);
	RUN("virtio-pci-caps", "no capability list", case_no_caps);
	RUN("virtio-pci-caps", "looping lists", case_loops);
	RUN("virtio-pci-caps", "bad pointers", case_bad_pointers);
	RUN("virtio-pci-caps", "truncated config space", case_truncated);
	RUN("virtio-pci-caps", "out-of-BAR capabilities", case_out_of_bar);
	RUN("virtio-pci-caps", "first usable of each type wins", case_first_wins);
	RUN("virtio-pci-caps", "short structures", case_short_structures);
	RUN("virtio-pci-caps", "only the used part of each window is mapped", case_windows);
	RUN("virtio-pci-caps", "random config spaces", case_random);
	return test_summary();
}

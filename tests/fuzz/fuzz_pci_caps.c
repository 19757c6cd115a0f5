/* fuzz-srcs: drivers/pci/pci_caps.c drivers/virtio/virtio_pci_caps.c */
/* libFuzzer harness: the PCI capability walk (drivers/pci/pci_caps.c) and the virtio-pci capability
 * parse (drivers/virtio/virtio_pci_caps.c), as tests/host/test_virtio_pci_caps.c builds them, over
 * arbitrary configuration spaces.
 *
 * Input: one flags byte (bit 0: set the status register's capability-list bit), six bytes giving the
 * BAR sizes (0: no memory BAR, 0xff: eight raw bytes follow, else 1 << (b % 48)), two bytes of queue
 * notify offsets, then the configuration space itself: the rest of the input, at most 256 bytes, in a
 * heap block of exactly that length (any read past it trips ASan).
 *
 * Oracles (each aborting with `fuzz_pci_caps: ORACLE: ...`): ASan/UBSan; the walk terminates
 * (libFuzzer's -timeout) and visits exactly the entries, and returns exactly the result, of a
 * reference walk written from the contract in drivers/pci.h; pci_find_cap_in agrees with it for every
 * id; virtio_pci_parse_caps returns what a reference parse written from drivers/virtio_pci.h's
 * contract returns, with the same layout; every region it reports lies inside its memory BAR and is
 * long enough for its structure; virtio_pci_notify_offset's offsets leave room for the 2-byte write. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/pci.h"
#include "drivers/virtio_pci.h"
#include "host_test.h"
#include "kernel/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn, format(printf, 1, 2))) oracle(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "fuzz_pci_caps: ORACLE: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static u32 le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* ---- the reference walk (drivers/pci.h) ---- */

struct walk {
	unsigned n;
	u8 pos[256];
	int result; /* 0: the end of the list, -EINVAL: broken */
};

static void ref_walk(const u8 *cfg, size_t len, struct walk *w)
{
	bool seen[256] = {false};
	w->n = 0;
	w->result = 0;
	if (len < PCI_STD_HEADER_SIZEOF) {
		w->result = -EINVAL; /* not even the header: the list pointer cannot be read */
		return;
	}
	if (!(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return;
	unsigned p = cfg[PCI_CAPABILITY_LIST] & ~3u;
	while (p != 0) {
		if (p < PCI_STD_HEADER_SIZEOF || p + 2 > len || seen[p] || w->n == PCI_CAP_MAX) {
			w->result = -EINVAL;
			return;
		}
		seen[p] = true;
		w->pos[w->n++] = (u8)p;
		p = cfg[p + 1] & ~3u;
	}
}

struct rec {
	unsigned n;
	u8 pos[256];
	u8 id[256];
	const u8 *cfg;
	size_t len;
	int stop_at; /* return 1 from this entry on (-1: never) */
};

static int record(const u8 *cfg, size_t cfg_len, u8 pos, u8 id, void *arg)
{
	struct rec *r = arg;
	if (cfg != r->cfg || cfg_len != r->len)
		oracle("the walk's callback got another snapshot (%p, %zu)", (const void *)cfg, cfg_len);
	if (pos < PCI_STD_HEADER_SIZEOF || pos & 3 || (size_t)pos + 2 > cfg_len || id != cfg[pos])
		oracle("the walk's callback got entry 0x%02x (id 0x%02x) of a %zu-byte space", pos, id,
		       cfg_len);
	if (r->n >= 256)
		oracle("the walk called its callback more than 256 times");
	r->pos[r->n] = pos;
	r->id[r->n++] = id;
	return r->stop_at >= 0 && (int)r->n > r->stop_at ? 1 : 0;
}

/* ---- the reference parse (drivers/virtio_pci.h) ---- */

static void ref_parse(const u8 *cfg, size_t len, const u64 bar[PCI_NUM_BARS], const struct walk *w,
		      struct virtio_pci_layout *l, int *result)
{
	memset(l, 0, sizeof(*l));
	if (w->result) {
		*result = w->result;
		return;
	}
	for (unsigned i = 0; i < w->n; i++) {
		unsigned p = w->pos[i];
		if (cfg[p] != PCI_CAP_ID_VNDR || p + 3 > len)
			continue; /* not vendor-specific, or its length byte is cut off */
		unsigned cap_len = cfg[p + 2];
		if (cap_len < 16 || p + cap_len > len)
			continue; /* too short, or truncated by the end of the space */
		u8 type = cfg[p + 3], b = cfg[p + 4];
		u32 off = le32(&cfg[p + 8]), length = le32(&cfg[p + 12]);
		struct virtio_pci_region *r = type == VIRTIO_PCI_CAP_COMMON_CFG	  ? &l->common
					      : type == VIRTIO_PCI_CAP_NOTIFY_CFG ? &l->notify
					      : type == VIRTIO_PCI_CAP_ISR_CFG	  ? &l->isr
					      : type == VIRTIO_PCI_CAP_DEVICE_CFG ? &l->device
										  : NULL;
		if (!r || r->present || length == 0)
			continue;
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && cap_len < 20)
			continue;
		if (b >= PCI_NUM_BARS || !bar[b] || (u64)off + length > bar[b])
			continue;
		u32 min = type == VIRTIO_PCI_CAP_COMMON_CFG   ? sizeof(struct virtio_pci_common_cfg)
			  : type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 2
							      : 1;
		if (length < min)
			continue;
		*r = (struct virtio_pci_region){.present = true, .bar = b, .offset = off, .length = length};
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
			l->notify_off_multiplier = le32(&cfg[p + 16]);
	}
	*result = l->common.present && l->notify.present && l->isr.present ? 0 : -ENODEV;
}

static bool same_region(const struct virtio_pci_region *a, const struct virtio_pci_region *b)
{
	return a->present == b->present &&
	       (!a->present || (a->bar == b->bar && a->offset == b->offset && a->length == b->length));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0;
#define RD8() (at < size ? data[at++] : 0)
	host_log_echo = getenv("FUZZ_VERBOSE") != NULL;

	u8 flags = RD8();
	u64 bar[PCI_NUM_BARS];
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		u8 b = RD8();
		if (b == 0xff) {
			bar[i] = 0;
			for (int k = 0; k < 8; k++)
				bar[i] |= (u64)RD8() << (8 * k);
		} else {
			bar[i] = b ? 1ULL << (b % 48) : 0;
		}
	}
	u16 qoff[2];
	qoff[0] = RD8();
	qoff[1] = (u16)(RD8() << 8 | 0xff);
	size_t len = size - at > PCI_CFG_SPACE_SIZE ? PCI_CFG_SPACE_SIZE : size - at;
	u8 *cfg = malloc(len ? len : 1);
	memcpy(cfg, data + at, len);
	if ((flags & 1) && len > PCI_STATUS)
		cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
#undef RD8

	/* the walk */
	struct walk w;
	ref_walk(cfg, len, &w);
	struct rec r = {.cfg = cfg, .len = len, .stop_at = -1};
	int got = pci_walk_caps(cfg, len, record, &r, "fuzz");
	if (got != w.result)
		oracle("pci_walk_caps returned %d, the reference %d (%zu bytes)", got, w.result, len);
	if (r.n != w.n || memcmp(r.pos, w.pos, w.n)) {
		unsigned i = 0;
		while (i < r.n && i < w.n && r.pos[i] == w.pos[i])
			i++;
		oracle("pci_walk_caps visited %u entries, the reference %u (first difference at entry %u)",
		       r.n, w.n, i);
	}
	/* stopping early returns the callback's value */
	if (w.n) {
		struct rec s = {.cfg = cfg, .len = len, .stop_at = (int)(flags >> 1) % (int)w.n};
		got = pci_walk_caps(cfg, len, record, &s, "fuzz");
		if (got != 1 || s.n != (unsigned)s.stop_at + 1)
			oracle("a walk told to stop at entry %d returned %d after %u entries", s.stop_at, got,
			       s.n);
	}
	/* pci_find_cap_in for every id */
	for (unsigned id = 0; id < 256; id++) {
		int want = w.result;
		for (unsigned i = 0; i < w.n; i++) {
			if (cfg[w.pos[i]] == id) {
				want = w.pos[i];
				break;
			}
		}
		got = pci_find_cap_in(cfg, len, (u8)id, "fuzz");
		if (got != want)
			oracle("pci_find_cap_in(id 0x%02x) returned %d, want %d", id, got, want);
	}

	/* the virtio-pci parse */
	struct virtio_pci_layout l, rl;
	int want;
	memset(&l, 0xa5, sizeof(l));
	ref_parse(cfg, len, bar, &w, &rl, &want);
	got = virtio_pci_parse_caps(cfg, len, bar, &l, "fuzz");
	if (got != want)
		oracle("virtio_pci_parse_caps returned %d, the reference %d", got, want);
	const struct virtio_pci_region *rs[] = {&l.common, &l.notify, &l.isr, &l.device};
	const struct virtio_pci_region *refs[] = {&rl.common, &rl.notify, &rl.isr, &rl.device};
	static const char *const names[] = {"common", "notify", "isr", "device"};
	for (int k = 0; k < 4 && got == 0; k++) {
		if (!same_region(rs[k], refs[k]))
			oracle("%s region: present %d BAR %u 0x%x+0x%x, the reference present %d BAR %u "
			       "0x%x+0x%x",
			       names[k], rs[k]->present, rs[k]->bar, rs[k]->offset, rs[k]->length,
			       refs[k]->present, refs[k]->bar, refs[k]->offset, refs[k]->length);
		if (rs[k]->present &&
		    (rs[k]->bar >= PCI_NUM_BARS || !bar[rs[k]->bar] ||
		     (u64)rs[k]->offset + rs[k]->length > bar[rs[k]->bar] || !rs[k]->length))
			oracle("%s region BAR %u 0x%x+0x%x is not inside a memory BAR", names[k], rs[k]->bar,
			       rs[k]->offset, rs[k]->length);
	}
	if (got == 0) {
		if (l.common.length < sizeof(struct virtio_pci_common_cfg) || l.notify.length < 2)
			oracle("common (0x%x) or notify (0x%x) region shorter than its structure",
			       l.common.length, l.notify.length);
		if (l.notify_off_multiplier != rl.notify_off_multiplier)
			oracle("notify_off_multiplier %u, the reference %u", l.notify_off_multiplier,
			       rl.notify_off_multiplier);
		for (int k = 0; k < 2; k++) {
			u32 off = 0xdeadbeef;
			int e = virtio_pci_notify_offset(&l, qoff[k], &off);
			u64 o = (u64)qoff[k] * l.notify_off_multiplier;
			int want_e = o + 2 <= l.notify.length ? 0 : -ERANGE;
			if (e != want_e || (e == 0 && off != o))
				oracle("virtio_pci_notify_offset(%u) = %d (offset 0x%x) with multiplier %u "
				       "and a "
				       "notify region of 0x%x bytes",
				       qoff[k], e, off, l.notify_off_multiplier, l.notify.length);
		}
	}
	free(cfg);
	return 0;
}

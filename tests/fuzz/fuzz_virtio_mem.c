/* clang-format off */
/* fuzz-srcs: tests/fuzz/virtio_mem_reset.c drivers/virtio/virtio_mem_resize.c drivers/virtio/virtio_mem_req.c drivers/virtio/virtio_mem_mm.c drivers/virtio/virtio_mem_state.c drivers/virtio/virtio_mem_verify.c kernel/iomem.c drivers/virtio/virtio.c drivers/virtio/virtqueue.c tests/host/virtio_fake.c tests/host/virtio_fake_transport.c tests/host/vmem_fake.c tests/host/mm_fake.c @mm-core @mm-hotplug @mmtest tests/host/offline_inject.c */
/* clang-format on */
/* libFuzzer harness: the virtio-mem driver (the sources of tests/host/test_virtio_mem.c) against a
 * device the input scripts, on the fake physical memory of tests/host/mm_fake.c.
 *
 * The input is a program for a hostile (or, if its first byte says so, honest) virtio-mem device:
 * the configuration at probe (any field values), the features and queue it offers, then a list of
 * events: the host changes requested_size; the answer to each coming request (the honest one, or a
 * forced ACK / NACK / BUSY / ERROR / unknown type, a STATE value, short, sent now, while the driver
 * waits, never, late, twice, with a wrong used id or length or a used index that jumps); late answers
 * and stray used entries arriving; configuration fields that lie (plugged_size, usable_region_size,
 * fixed fields) and configuration reads that never settle; and what else happens on the machine (a
 * workload, pinned kernel pages, the user offlining or onlining the device's memory blocks, the
 * memhp_default_state policy). Any byte string is a valid input; the format is in decode_* below and
 * tests/fuzz/gen_corpus.py writes it.
 *
 * Oracles (each failure prints `fuzz_virtio_mem: ORACLE: ...` and aborts):
 *  - ASan and UBSan, and every range the fake memory keeps PROT_NONE (unplugged, not added);
 *  - mm_verify() and the driver's own vmem_state_check() clean after every step;
 *  - the driver maps (the fake: a page becomes accessible) only device blocks the device answered
 *    ACK to a PLUG for (and has not ACKed an UNPLUG or UNPLUG_ALL for since), nothing else;
 *  - an UNPLUG names no page that is mapped or in use (in an online section and not PageOffline), and
 *    UNPLUG_ALL is sent only when nothing of the region is;
 *  - the chains it sends are one 24-byte readable and one 10-byte writable buffer;
 *  - nothing is sent after the driver marked the device broken;
 *  - while not broken, the units the driver holds plugged are exactly the ACKed ones;
 *  - honest device: the driver never calls it broken, and after the events (and a long quiet time
 *    with the workload and pins freed) its plugged units are the device's, and the requested size is
 *    reached when it is reachable (inside the usable region; for a shrink, no block of the device
 *    online in ZONE_NORMAL, where unmovable pages may sit).
 *
 * FUZZ_VERBOSE=1 in the environment prints the decoded events and the kernel log while it runs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio_mem_driver.h"
#include "host_test.h"
#include "kernel/errno.h"
#include "mm/arch.h"
#include "mmtest/offline_owner.h"
#include "mm/debug.h"
#include "mm/init.h"
#include "mm/memory.h"
#include "mm/memory_hotplug.h"
#include "mm/mmzone.h"
#include "mm/page.h"
#include "mm/sparse.h"
#include "mm_fake.h"
#include "mmtest/balloon.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"
#include "offline_inject.h"
#include "vmem_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_virtio_mem_forget(void); /* tests/fuzz/virtio_mem_reset.c */

#define MiB	      (1ULL << 20)
#define GiB	      (1ULL << 30)
#define BOOT_RAM      (256 * MiB)  /* small: every input boots, and mm_verify walks all of it */
#define WORKLOAD_UNIT (256 * 1024) /* up to 16 MiB: every page's checksum is checked after each step */
#define MAX_EVENTS    48
#define MAX_SCRIPT    64
#define MAX_LATE      8
#define FAKE_LIMIT    MM_FAKE_PHYS_SIZE
#define HONEST_QUIET  30000 /* ms of fake time at the end of an honest run: several 5 s back-offs */
/* ms of fake time the events may let pass: a driver that retries every 5 s (a region it cannot add)
 * costs real time at each retry */
#define TIME_BUDGET 120000

static bool verbose;
static unsigned step;
static const char *step_what = "probe";

static void __attribute__((noreturn, format(printf, 1, 2))) oracle(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "fuzz_virtio_mem: ORACLE: step %u (%s): ", step, step_what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;
	if (!verbose)
		return;
	va_start(ap, fmt);
	fputs("fuzz: ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* ---- the input ---- */

static const u8 *in_p;
static size_t in_n, in_at;

static bool more(void)
{
	return in_at < in_n;
}
static u8 rd8(void)
{
	return in_at < in_n ? in_p[in_at++] : 0;
}
static u16 rd16(void)
{
	u16 lo = rd8();
	return (u16)(lo | rd8() << 8);
}
static u32 rd32(void)
{
	u32 lo = rd16();
	return lo | (u32)rd16() << 16;
}
static u64 rd64(void)
{
	u64 lo = rd32();
	return lo | (u64)rd32() << 32;
}

/* ---- sets of address ranges: sorted, disjoint, merged [start, end) ---- */

struct ivset {
	u64 (*iv)[2];
	unsigned n, cap;
};

static void iv_clear(struct ivset *s)
{
	s->n = 0;
}

static void iv_push(struct ivset *s, u64 a, u64 b)
{
	if (a >= b)
		return;
	if (s->n && s->iv[s->n - 1][1] == a) {
		s->iv[s->n - 1][1] = b;
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->iv = realloc(s->iv, s->cap * sizeof(*s->iv));
		if (!s->iv)
			abort();
	}
	s->iv[s->n][0] = a;
	s->iv[s->n][1] = b;
	s->n++;
}

/* Adds (on) or removes [a, b). */
static void iv_set(struct ivset *s, u64 a, u64 b, bool on)
{
	static struct ivset t;
	bool placed = !on;

	if (a >= b)
		return;
	iv_clear(&t);
	for (unsigned i = 0; i < s->n; i++) {
		u64 x = s->iv[i][0], y = s->iv[i][1];
		if (on) {
			if (y < a) {
				iv_push(&t, x, y);
			} else if (x > b) {
				if (!placed)
					iv_push(&t, a, b);
				placed = true;
				iv_push(&t, x, y);
			} else { /* overlaps or touches: merge */
				a = x < a ? x : a;
				b = y > b ? y : b;
			}
		} else if (y <= a || x >= b) {
			iv_push(&t, x, y);
		} else {
			iv_push(&t, x, a);
			iv_push(&t, b, y);
		}
	}
	if (!placed)
		iv_push(&t, a, b);
	struct ivset tmp = *s;
	*s = t;
	t = tmp;
}

/* Bytes of [a, b) in the set. */
static u64 iv_covered(const struct ivset *s, u64 a, u64 b)
{
	u64 n = 0;
	for (unsigned i = 0; i < s->n; i++) {
		u64 x = s->iv[i][0] > a ? s->iv[i][0] : a, y = s->iv[i][1] < b ? s->iv[i][1] : b;
		if (x < y)
			n += y - x;
	}
	return n;
}

static u64 iv_total(const struct ivset *s)
{
	return iv_covered(s, 0, ~0ULL);
}

/* ---- the device ---- */

enum { F_BLOCK, F_NODE, F_ADDR, F_REGION, F_USABLE, F_PLUGGED, F_REQUESTED, F_NR };

enum kind { K_HONEST, K_ACK_DO, K_ACK_LIE, K_NACK, K_BUSY, K_ERROR, K_TYPE, K_NR };
enum delivery { D_NOW, D_WAIT, D_NEVER, D_LATE, D_TWICE, D_NR };

struct answer {
	u8 kind, delivery;
	u16 type;   /* K_TYPE: the type sent */
	u16 state;  /* the STATE field sent (any request) */
	u8 written; /* bytes of the response written (10: all) */
	u8 id_mode; /* 0: the chain's head, 1: head + id, 2: id */
	u32 id;
	u8 len_mode; /* 0: bytes written, 1: len */
	u32 len;
	u16 idx_extra; /* the used index moves by 1 + idx_extra */
};

struct pending {
	struct fake_chain c;
	struct virtio_mem_resp resp;
	struct answer a;
	u16 req_type;
	u64 addr, size; /* the request's range (PLUG/UNPLUG) */
};

static struct dev {
	struct fake_vdev fv;
	bool honest;
	u64 addr, region, bs, usable, requested;
	struct ivset plugged; /* the device's state */
	struct ivset acked;   /* what it told the driver: ACKed PLUGs minus ACKed UNPLUGs */
	bool override[F_NR];
	u64 value[F_NR];
	s64 plugged_skew;
	struct answer script[MAX_SCRIPT];
	unsigned nscript, script_at;
	struct pending late[MAX_LATE];
	unsigned nlate;
	struct pending wait;
	bool wait_pending;
	bool registered;
	u64 requests;
} d;

static struct virtio_mem *vm;
static unsigned time_left; /* of TIME_BUDGET */

static bool bs_ok(void)
{
	return d.bs >= 4096 && IS_POWER_OF_2(d.bs);
}

static u64 usable_for(u64 requested)
{
	if (!requested || !bs_ok())
		return 0;
	u64 n = requested + VMEM_FAKE_USABLE_EXTENT;
	n = n > d.region || n < requested ? d.region : n;
	return ALIGN_UP(n, d.bs);
}

/* A configuration field as the device's state has it (before any lie). */
static u64 real_field(unsigned f)
{
	switch (f) {
	case F_BLOCK:
		return d.bs;
	case F_ADDR:
		return d.addr;
	case F_REGION:
		return d.region;
	case F_USABLE:
		return d.usable;
	case F_PLUGGED:
		return iv_total(&d.plugged);
	case F_REQUESTED:
		return d.requested;
	default:
		return 0;
	}
}

static void sync_config(void)
{
	struct virtio_mem_config c = {
	    .block_size = d.bs,
	    .addr = d.addr,
	    .region_size = d.region,
	    .usable_region_size = d.usable,
	    .plugged_size = (u64)((s64)iv_total(&d.plugged) + d.plugged_skew),
	    .requested_size = d.requested,
	};
	if (d.override[F_BLOCK])
		c.block_size = d.value[F_BLOCK];
	if (d.override[F_NODE])
		c.node_id = (u16)d.value[F_NODE];
	if (d.override[F_ADDR])
		c.addr = d.value[F_ADDR];
	if (d.override[F_REGION])
		c.region_size = d.value[F_REGION];
	if (d.override[F_USABLE])
		c.usable_region_size = d.value[F_USABLE];
	if (d.override[F_PLUGGED])
		c.plugged_size = d.value[F_PLUGGED];
	if (d.override[F_REQUESTED])
		c.requested_size = d.value[F_REQUESTED];
	memcpy(d.fv.config, &c, sizeof(c));
}

static bool range_valid(u64 addr, u64 nb)
{
	if (!bs_ok() || !nb || addr % d.bs)
		return false;
	u64 size = nb * d.bs;
	return addr >= d.addr && addr + size > addr && addr + size <= d.addr + d.usable;
}

/* What QEMU 7.2 would answer (and do). */
static u16 honest_answer(const struct virtio_mem_req *r, struct virtio_mem_resp *resp, bool apply)
{
	u64 addr = r->u.range.addr, nb = r->u.range.nb_blocks;
	switch (r->type) {
	case VIRTIO_MEM_REQ_PLUG:
	case VIRTIO_MEM_REQ_UNPLUG: {
		bool plug = r->type == VIRTIO_MEM_REQ_PLUG;
		if (!range_valid(addr, nb))
			return VIRTIO_MEM_RESP_ERROR;
		u64 size = nb * d.bs;
		if (plug && iv_total(&d.plugged) + size > d.requested)
			return VIRTIO_MEM_RESP_NACK;
		if (iv_covered(&d.plugged, addr, addr + size) != (plug ? 0 : size))
			return VIRTIO_MEM_RESP_ERROR;
		if (apply)
			iv_set(&d.plugged, addr, addr + size, plug);
		return VIRTIO_MEM_RESP_ACK;
	}
	case VIRTIO_MEM_REQ_UNPLUG_ALL:
		if (apply) {
			iv_clear(&d.plugged);
			d.usable = usable_for(d.requested);
		}
		return VIRTIO_MEM_RESP_ACK;
	case VIRTIO_MEM_REQ_STATE: {
		if (!range_valid(addr, nb))
			return VIRTIO_MEM_RESP_ERROR;
		u64 size = nb * d.bs, p = iv_covered(&d.plugged, addr, addr + size);
		resp->u.state.state = p == size ? VIRTIO_MEM_STATE_PLUGGED
				      : p	? VIRTIO_MEM_STATE_MIXED
						: VIRTIO_MEM_STATE_UNPLUGGED;
		return VIRTIO_MEM_RESP_ACK;
	}
	default:
		return VIRTIO_MEM_RESP_ERROR;
	}
}

/* ---- oracles on what the driver sends ---- */

/* Pages of [a, a + size) that are in use: in an online section and not the driver's (PageOffline
 * with its one reference). */
static u64 pages_in_use(u64 a, u64 size, u64 *first)
{
	u64 n = 0, end = a + size;
	if (end > FAKE_LIMIT || end < a)
		end = FAKE_LIMIT;
	for (u64 pfn = PHYS_PFN(a); pfn < PHYS_PFN(end);) {
		unsigned long nr = pfn_to_section_nr(pfn);
		if (!pfn_valid(pfn) || !online_section_nr(nr)) {
			pfn = section_nr_to_pfn(nr + 1);
			continue;
		}
		struct page *page = pfn_to_page(pfn);
		if (!(PageOffline(page) && page_ref_count(page) == 1) && n++ == 0)
			*first = PFN_PHYS(pfn);
		pfn++;
	}
	return n;
}

static void check_may_unplug(const char *what, u64 a, u64 size)
{
	u64 end = a + size, first = 0;
	if (end > FAKE_LIMIT || end < a)
		end = FAKE_LIMIT;
	if (a >= end)
		return;
	u64 mapped = mm_fake_mapped_in(a, end - a);
	if (mapped)
		oracle("%s of [0x%llx-0x%llx] while %llu of its pages are mapped", what, a, (a + size - 1),
		       mapped);
	u64 used = pages_in_use(a, end - a, &first);
	if (used)
		oracle("%s of [0x%llx-0x%llx] while %llu of its pages are in use (first 0x%llx: online, "
		       "not PageOffline with refcount 1)",
		       what, a, (a + size - 1), used, first);
}

static void map_hook(phys_addr_t start, u64 size)
{
	u64 end = start + size;
	if (start < d.addr || end > d.addr + d.region || end < start)
		oracle("the driver mapped [0x%llx-0x%llx], outside its device region [0x%llx-0x%llx]", start,
		       (end - 1), d.addr, (d.addr + d.region - 1));
	u64 acked = iv_covered(&d.acked, start, end);
	if (acked != size)
		oracle("the driver mapped [0x%llx-0x%llx], of which %llu bytes the device never ACKed as "
		       "plugged",
		       start, (end - 1), (size - acked));
}

/* ---- answering ---- */

static void deliver(struct pending *p)
{
	struct fake_vring *fr = &d.fv.dev[0];
	u32 written = p->a.written < sizeof(p->resp) ? p->a.written : (u32)sizeof(p->resp);
	written = fake_chain_write(&p->c, &p->resp, written);
	if (p->resp.type == VIRTIO_MEM_RESP_ACK && written >= sizeof(p->resp.type)) {
		/* what the driver may now believe (counted even if the delivery below is broken) */
		if (p->req_type == VIRTIO_MEM_REQ_PLUG)
			iv_set(&d.acked, p->addr, p->addr + p->size, true);
		else if (p->req_type == VIRTIO_MEM_REQ_UNPLUG)
			iv_set(&d.acked, p->addr, p->addr + p->size, false);
		else if (p->req_type == VIRTIO_MEM_REQ_UNPLUG_ALL)
			iv_clear(&d.acked);
	}
	u32 id = p->a.id_mode == 0 ? p->c.head : p->a.id_mode == 1 ? p->c.head + p->a.id : p->a.id;
	u32 len = p->a.len_mode ? p->a.len : written;
	note("device: answer type %u (%u bytes) id %u len %u idx +%u%s", p->resp.type, written, id, len,
	     1 + p->a.idx_extra, p->a.delivery == D_TWICE ? " twice" : "");
	fake_vring_raw_used(fr, id, len, (u16)(fr->used_idx + 1 + p->a.idx_extra));
	if (p->a.delivery == D_TWICE)
		fake_vring_raw_used(fr, id, len, (u16)(fr->used_idx + 1));
}

static void on_wait(void)
{
	if (d.wait_pending) {
		d.wait_pending = false;
		deliver(&d.wait);
	}
}

static struct answer next_answer(void)
{
	struct answer a = {.kind = K_HONEST, .delivery = D_NOW, .written = sizeof(struct virtio_mem_resp)};
	if (d.script_at < d.nscript)
		a = d.script[d.script_at++];
	return a;
}

static void serve(struct fake_vdev *fv, unsigned q)
{
	struct fake_chain c;
	int r;

	if (vm && vm->broken)
		oracle("the driver notified the device after it marked it broken (%s)", vm->broken_why);
	while ((r = fake_vring_pop(&fv->dev[q], &c)) != 0) {
		if (r < 0)
			oracle("the driver made a malformed descriptor chain available");
		if (c.n != 2 || c.out_len != sizeof(struct virtio_mem_req) ||
		    c.in_len != sizeof(struct virtio_mem_resp))
			oracle(
			    "request chain of %u buffers, %u readable and %u writable bytes (want 2, 24, 10)",
			    c.n, c.out_len, c.in_len);
		for (unsigned i = 0; i < c.n; i++)
			c.buf[i].ptr = phys_to_virt((phys_addr_t)(uintptr_t)c.buf[i].ptr);
		if (vm && vm->broken)
			oracle("the driver sent a request after it marked the device broken (%s)",
			       vm->broken_why);
		struct pending p;
		memset(&p, 0, sizeof(p));
		p.c = c;
		struct virtio_mem_req req;
		memset(&req, 0, sizeof(req));
		fake_chain_read(&c, &req, sizeof(req));
		d.requests++;
		p.req_type = req.type;
		if (bs_ok()) {
			p.addr = req.u.range.addr;
			p.size = (u64)req.u.range.nb_blocks * d.bs;
		}
		note("device: request %s addr 0x%llx nb %u", vmem_req_name(req.type), req.u.range.addr,
		     req.u.range.nb_blocks);
		if (req.type == VIRTIO_MEM_REQ_UNPLUG)
			check_may_unplug("UNPLUG", p.addr, p.size);
		else if (req.type == VIRTIO_MEM_REQ_UNPLUG_ALL)
			check_may_unplug("UNPLUG_ALL", d.addr, d.region);
		p.a = next_answer();
		u16 type;
		switch (p.a.kind) {
		case K_ACK_DO:
			type = honest_answer(&req, &p.resp, false);
			if (type == VIRTIO_MEM_RESP_ACK) {
				honest_answer(&req, &p.resp, true);
			} else if (bs_ok() && req.type <= VIRTIO_MEM_REQ_UNPLUG) {
				/* does it anyway, as far as the region goes */
				u64 e = p.addr + p.size, lim = d.addr + d.region;
				e = e > lim || e < p.addr ? lim : e;
				iv_set(&d.plugged, p.addr < d.addr ? d.addr : p.addr, e,
				       req.type == VIRTIO_MEM_REQ_PLUG);
			} else if (req.type == VIRTIO_MEM_REQ_UNPLUG_ALL) {
				honest_answer(&req, &p.resp, true);
			}
			type = VIRTIO_MEM_RESP_ACK;
			break;
		case K_ACK_LIE:
			type = VIRTIO_MEM_RESP_ACK;
			break;
		case K_NACK:
			type = VIRTIO_MEM_RESP_NACK;
			break;
		case K_BUSY:
			type = VIRTIO_MEM_RESP_BUSY;
			break;
		case K_ERROR:
			type = VIRTIO_MEM_RESP_ERROR;
			break;
		case K_TYPE:
			type = p.a.type;
			break;
		default:
			type = honest_answer(&req, &p.resp, true);
			break;
		}
		p.resp.type = type;
		if (!d.honest && p.a.kind != K_HONEST)
			p.resp.u.state.state = p.a.state;
		sync_config();
		switch (p.a.delivery) {
		case D_WAIT:
			d.wait = p;
			d.wait_pending = true;
			break;
		case D_NEVER:
			note("device: no answer");
			break;
		case D_LATE:
			if (d.nlate < MAX_LATE)
				d.late[d.nlate++] = p;
			note("device: answer later");
			break;
		default:
			deliver(&p);
			break;
		}
	}
}

/* ---- decoding ---- */

static u64 shaped_block_size(u8 b)
{
	return 1ULL << (12 + b % 20); /* 4 KiB .. 2 GiB */
}

/* Sixteenths of the region (bits 0-4, at most 16/16), plus 64 MiB (bit 5), plus (bit 6) the next
 * byte's number of device blocks, in whole device blocks, at most the region. */
static u64 pick_requested(u8 b)
{
	u64 extra = b & 0x40 ? rd8() : 0;
	if (!bs_ok())
		return 0;
	unsigned frac = b & 0x1f;
	u64 r = d.region / 16 * (frac > 16 ? 16 : frac) + extra * d.bs;
	if (b & 0x20)
		r += 64ULL << 20; /* not a multiple of a sub-block or memory block */
	r = ALIGN_DOWN(r, d.bs);
	return r > d.region ? ALIGN_DOWN(d.region, d.bs) : r;
}

static struct answer decode_answer(void)
{
	struct answer a = {0};
	u8 k = rd8(), dl = rd8();
	a.kind = (k & 0xf) % K_NR;
	a.delivery = (dl & 0xf) % D_NR;
	a.written = sizeof(struct virtio_mem_resp);
	if (a.kind == K_TYPE) {
		a.type = (u16)(VIRTIO_MEM_NR_RESP_TYPES + rd8());
		if (k & 0x80)
			a.type |= (u16)(rd8() << 8);
	}
	if (k & 0x40)
		a.state = rd16();
	if (dl & 0x10)
		a.written = rd8() % (sizeof(struct virtio_mem_resp) + 1);
	if (dl & 0x20) {
		a.id_mode = 1 + rd8() % 2;
		a.id = a.id_mode == 1 ? rd8() : rd32();
	}
	if (dl & 0x40) {
		a.len_mode = 1;
		a.len = rd8() & 0x80 ? rd32() : rd8() % 32;
	}
	if (dl & 0x80)
		a.idx_extra = rd8() & 0x80 ? rd16() : rd8() % 4;
	if (d.honest) { /* an honest device may be busy, and may answer while the driver waits */
		a = (struct answer){.kind = a.kind == K_BUSY ? K_BUSY : K_HONEST,
				    .delivery = a.delivery == D_WAIT ? D_WAIT : D_NOW,
				    .written = sizeof(struct virtio_mem_resp)};
	}
	return a;
}

static void push_answer(struct answer a)
{
	if (d.nscript < MAX_SCRIPT)
		d.script[d.nscript++] = a;
}

static void decode_probe(void)
{
	u8 flags = rd8();
	d.honest = flags & 1;
	static const int types[] = {MMOP_ONLINE_MOVABLE, MMOP_ONLINE_KERNEL, MMOP_OFFLINE, MMOP_ONLINE};
	mhp_set_default_online_type(types[(flags >> 1) & 3]);

	u64 offered = BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_MEM_F_ACPI_PXM);
	unsigned config_len = sizeof(struct virtio_mem_config);
	u16 queue_size = 128;
	u64 must_accept = 0;
	bool refuse = false;
	if (!d.honest && (flags & 0x80)) { /* the transport side misbehaves too */
		offered = rd64();
		u8 b = rd8();
		if (b & 0x80)
			config_len = b & 0x3f;
		queue_size = rd8() & 0x80 ? rd16() : (u16)(1u << (rd8() % 10));
		b = rd8();
		must_accept = b & 1 ? BIT_ULL(VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE) : 0;
		refuse = b & 2;
	}
	fake_vdev_init(&d.fv, VIRTIO_ID_MEM, offered, config_len);
	d.fv.queue_size = queue_size;
	d.fv.must_accept = must_accept;
	d.fv.refuse_features = refuse;
	d.fv.on_notify = serve;

	u8 b = rd8();
	d.bs = !d.honest && b >= 0xf8 ? rd64() : shaped_block_size(b);
	b = rd8();
	if (!d.honest && b >= 0xf8) {
		d.addr = rd64();
	} else {
		d.addr = (4ULL + (b & 0x1f)) << 30;
		if (b & 0x20)
			d.addr += 64ULL << 20; /* not at a memory block boundary */
		if (b & 0x40)
			d.addr += 26ULL << 30; /* up to the end of the fake memory and past it */
		if (bs_ok())
			d.addr = ALIGN_UP(d.addr, d.bs);
	}
	b = rd8();
	if (!d.honest && b >= 0xf8) {
		d.region = rd64();
	} else {
		d.region = (1ULL + (b & 0x1f)) << 27; /* 128 MiB .. 4 GiB */
		if (b & 0x20)
			d.region += 64ULL << 20;
		if (bs_ok())
			d.region = ALIGN_UP(d.region, d.bs);
	}
	b = rd8();
	d.requested = !d.honest && b >= 0xf8 ? rd64() : pick_requested(b);
	d.usable = usable_for(d.requested);
	b = rd8();
	if (b & 0x80 && bs_ok()) { /* left plugged by a reboot: the first 0..7 eighths of the region */
		u64 p = ALIGN_DOWN(d.region / 8 * (b & 7), d.bs);
		iv_set(&d.plugged, d.addr, d.addr + p, true);
		if (d.usable < p)
			d.usable = p;
	}
	if (!d.honest) {
		b = rd8();
		for (int f = 0; f < F_NR; f++) {
			if (b & (1u << f)) {
				d.override[f] = true;
				d.value[f] = rd64();
			}
		}
	}
	sync_config();
	note("probe: %s, block 0x%llx addr 0x%llx region 0x%llx usable 0x%llx requested 0x%llx plugged "
	     "0x%llx, features 0x%llx, config %u bytes, queue %u",
	     d.honest ? "honest" : "hostile", d.bs, d.addr, d.region, d.usable, d.requested,
	     iv_total(&d.plugged), offered, config_len, queue_size);
}

/* A memory notifier that vetoes the next veto_next event once (OP_VETO). */
static unsigned long veto_next;

static int veto_call(struct notifier_block *nb, unsigned long action, void *data)
{
	(void)nb;
	(void)data;
	if (action != veto_next)
		return NOTIFY_OK;
	veto_next = 0;
	return notifier_from_errno(-EBUSY);
}

static struct notifier_block veto_nb = {.notifier_call = veto_call, .priority = 5, .name = "fuzz-veto"};

enum op {
	OP_REQUEST,
	OP_RUN,
	OP_ANSWER,
	OP_BUSY_STORM,
	OP_LATE,
	OP_RAW_USED,
	OP_CONFIG,
	OP_WORKLOAD,
	OP_PIN,
	OP_USER_BLOCK,
	OP_ONLINE_TYPE,
	OP_INTERRUPT,
	OP_OFFLINE_FAILS,
	OP_VETO,
	OP_NR
};

static const char *const op_names[OP_NR] = {
    "requested_size",	"time passes", "answer",       "BUSY answers", "late answers",
    "stray used entry", "config lie",  "workload",     "pin",	       "user block",
    "online type",	"interrupt",   "offline fails"};

static void config_changed(void)
{
	sync_config();
	fake_vdev_config_change(&d.fv);
}

static void do_event(enum op op)
{
	u8 b;
	switch (op) {
	case OP_REQUEST:
		b = rd8();
		d.requested = !d.honest && b >= 0xf8 ? rd64() : pick_requested(b);
		if (usable_for(d.requested) > d.usable)
			d.usable = usable_for(d.requested);
		note("host: requested_size 0x%llx (usable 0x%llx)", d.requested, d.usable);
		config_changed();
		break;
	case OP_RUN: {
		static const unsigned ms[] = {0, 1, 10, 50, 200, 1000, 5000, 30000};
		unsigned t = ms[rd8() % 8];
		if (t > time_left)
			t = time_left;
		time_left -= t;
		note("time: %u ms", t);
		vmem_fake_run_ms(t);
		break;
	}
	case OP_ANSWER:
		push_answer(decode_answer());
		break;
	case OP_BUSY_STORM:
		for (unsigned n = rd8() % 16; n; n--)
			push_answer(
			    (struct answer){.kind = K_BUSY, .written = sizeof(struct virtio_mem_resp)});
		break;
	case OP_LATE:
		if (d.honest)
			break;
		note("device: %u late answers", d.nlate);
		for (unsigned i = 0; i < d.nlate; i++)
			deliver(&d.late[i]);
		d.nlate = 0;
		fake_vdev_interrupt(&d.fv, 0);
		break;
	case OP_RAW_USED: {
		if (d.honest)
			break;
		u32 id = rd8() & 0x80 ? rd32() : rd8();
		u32 len = rd8() & 0x80 ? rd32() : rd8() % 32;
		u16 adv = rd8() & 0x80 ? rd16() : 1 + rd8() % 3;
		struct fake_vring *fr = &d.fv.dev[0];
		if (!fr->used)
			break;
		note("device: stray used entry id %u len %u idx +%u", id, len, adv);
		fake_vring_raw_used(fr, id, len, (u16)(fr->used_idx + adv));
		fake_vdev_interrupt(&d.fv, 0);
		break;
	}
	case OP_CONFIG: {
		b = rd8();
		if (d.honest)
			break;
		unsigned f = (b & 0xf) % 10;
		if (f < F_NR) {
			u64 now = d.override[f] ? d.value[f] : real_field(f);
			d.override[f] = true;
			d.value[f] = rd8() & 0x80 ? rd64() : now + (u64)(s64)(s8)rd8() * d.bs;
		} else if (f == F_NR) {
			d.plugged_skew = (s64)(s8)rd8() * (s64)d.bs;
		} else if (f == F_NR + 1) {
			d.fv.bump_generation_reads = rd8(); /* 64 and more: a read never settles */
		} else {
			memset(d.override, 0, sizeof(d.override));
			d.plugged_skew = 0;
		}
		note("device: config lie %u", f);
		if (b & 0x80)
			config_changed();
		else
			sync_config();
		break;
	}
	case OP_WORKLOAD:
		b = rd8();
		if (b & 0x80) {
			workload_free();
		} else {
			int err = workload_alloc((u64)(b & 0x3f) * WORKLOAD_UNIT);
			(void)err; /* it may not fit */
		}
		if (workload_verify(NULL))
			oracle("the workload's data changed");
		break;
	case OP_PIN:
		b = rd8();
		if (b & 0x80)
			pin_free();
		else if (b & 0x40) /* every kernel page that can be had: no memory for a memmap */
			while (pin_alloc(1 * MiB) == 0)
				;
		else
			(void)pin_alloc((u64)(b & 0x3f) * (4 * MiB));
		break;
	case OP_USER_BLOCK: {
		b = rd8();
		if (!vm)
			break;
		unsigned long id = (unsigned long)vm->st.mb_first + b % (vm->st.nr_mb ? vm->st.nr_mb : 1);
		static const int types[] = {MMOP_ONLINE_MOVABLE, MMOP_ONLINE_KERNEL, MMOP_ONLINE};
		int err = b & 0x80 ? memory_block_offline(id) : memory_block_online(id, types[(b >> 5) % 3]);
		note("user: memory block %lu %s: %d", id, b & 0x80 ? "offline" : "online", err);
		break;
	}
	case OP_ONLINE_TYPE: {
		static const int types[] = {MMOP_ONLINE_MOVABLE, MMOP_ONLINE_KERNEL, MMOP_OFFLINE,
					    MMOP_ONLINE};
		mhp_set_default_online_type(types[rd8() % 4]);
		break;
	}
	case OP_OFFLINE_FAILS:
		/* the next offline_pages (the driver's or the user's) fails at this step */
		offline_fail_step = OFFLINE_STEP_RANGE + rd8() % (OFFLINE_STEP_TEST - OFFLINE_STEP_RANGE + 1);
		offline_fail_errno = -EBUSY;
		break;
	case OP_VETO: /* a memory notifier vetoes the next onlining (or offlining) of any block */
		b = rd8();
		veto_next = b & 1 ? MEM_GOING_OFFLINE : MEM_GOING_ONLINE;
		break;
	case OP_INTERRUPT:
		b = rd8();
		if (b & 1)
			fake_vdev_interrupt(&d.fv, 0);
		else
			config_changed(); /* a config interrupt with nothing changed */
		break;
	default:
		break;
	}
}

/* ---- per-step checks ---- */

static void check_step(void)
{
	int bad = mm_verify(mm_fake_print_quiet);
	if (bad) {
		mm_verify(mm_fake_print);
		oracle("mm_verify found %d violations", bad);
	}
	if (!vm)
		return;
	struct vmem_state *st = &vm->st;
	if (vmem_state_check(st))
		oracle("the driver's state is inconsistent (vmem_state_check)");
	if (workload_verify(NULL))
		oracle("the workload's data changed");
	if (vm->broken)
		return;
	/* not broken: every answer arrived, so the driver holds exactly what was ACKed (whole units:
	 * an ACK covers what the driver asked for) */
	if (iv_total(&d.acked) != vmem_plugged_bytes(st))
		oracle("the device ACKed %llu bytes as plugged, the driver holds %llu", iv_total(&d.acked),
		       vmem_plugged_bytes(st));
	u64 lo = st->first_addr, hi = st->first_addr + (u64)st->nr_units * st->unit_size;
	for (unsigned i = 0; i < d.acked.n; i++) {
		u64 x = d.acked.iv[i][0], y = d.acked.iv[i][1];
		if (x < lo || y > hi || (x - lo) % st->unit_size || (y - lo) % st->unit_size)
			oracle("the device ACKed [0x%llx-0x%llx] as plugged, which is not whole units of the "
			       "driver's [0x%llx-0x%llx]",
			       x, (y - 1), lo, (hi - 1));
		for (u64 a = x; a < y; a += st->unit_size) {
			unsigned long u = (unsigned long)((a - lo) / st->unit_size);
			if (!vmem_is_plugged(st, u))
				oracle("unit %lu at 0x%llx: the device ACKed it as plugged, the driver holds "
				       "it unplugged",
				       u, a);
		}
	}
}

static void check_honest_end(void)
{
	step_what = "honest end";
	d.nscript = d.script_at = 0;
	workload_free();
	pin_free();
	vmem_fake_run_ms(HONEST_QUIET);
	check_step();
	if (!vm)
		return;
	struct vmem_state *st = &vm->st;
	if (vm->broken)
		oracle("the driver called an honest device broken: %s", vm->broken_why);
	u64 dev = iv_total(&d.plugged), drv = vmem_plugged_bytes(st);
	if (dev != drv)
		oracle("the device has %llu bytes plugged, the driver %llu", dev, drv);
	for (unsigned long u = 0; u < st->nr_units; u++) {
		u64 a = vmem_unit_addr(st, u), got = iv_covered(&d.plugged, a, a + st->unit_size);
		if (got != (vmem_is_plugged(st, u) ? st->unit_size : 0))
			oracle("unit %lu: the device has %llu of its bytes plugged, the driver holds it %s",
			       u, got, vmem_is_plugged(st, u) ? "plugged" : "unplugged");
	}
	unsigned long want = (unsigned long)(d.requested / st->unit_size), usable = 0;
	if (want > st->nr_units)
		want = st->nr_units;
	for (unsigned long u = 0; u < st->nr_units; u++)
		usable += vmem_unit_addr(st, u) + st->unit_size <= d.addr + d.usable;
	bool kernel_blocks = false;
	for (unsigned long mb = 0; mb < st->nr_mb; mb++)
		kernel_blocks |= vmem_mb_state(st, mb) == VMEM_MB_ONLINE_KERNEL;
	bool reachable = want <= usable && !(kernel_blocks && st->nr_plugged > want) &&
			 d.addr + d.region <= FAKE_LIMIT; /* beyond it nothing can be mapped */
	if (reachable && st->nr_plugged != want)
		oracle("requested_size 0x%llx (%lu units of 0x%llx) is reachable (%lu usable units) but "
		       "%lu are plugged after %u ms of quiet; last error: %s",
		       d.requested, want, st->unit_size, usable, st->nr_plugged, HONEST_QUIET,
		       vm->last_error[0] ? vm->last_error : "none");
}

/* ---- one input ---- */

/* A fresh machine (tests/host/hotplug_helpers.c's hp_boot, smaller): RAM [0, 640K) and [1M, 256M),
 * the top 64 MiB in ZONE_MOVABLE, the kernel image in block 0. */
static void boot(void)
{
	struct mem_region r[] = {
	    {0, 0x9fc00, MEM_USABLE},
	    {0x9fc00, 0x60400, MEM_RESERVED},
	    {0x100000, BOOT_RAM - 0x100000, MEM_USABLE},
	};

	offline_owner_exit();
	unregister_memory_notifier(&veto_nb); /* the chain outlives a boot */
	register_memory_notifier(&veto_nb);
	veto_next = 0;
	movablecore_bytes = 64 * MiB;
	mm_fake_boot(r, 3, 2 * MiB);
	movablecore_bytes = 0;
	workload_reset();
	pin_reset();
	balloon_reset();
	offline_inject_reset();
	offline_fail_errno = -EIO;
	mhp_set_default_online_type(MMOP_ONLINE_MOVABLE);
}

static void teardown(void)
{
	mm_fake_map_hook = NULL;
	vmem_fake_wait_hook = NULL;
	if (d.registered)
		unregister_virtio_device(&d.fv.vdev);
	d.registered = false;
	vm = NULL;
	fuzz_virtio_mem_forget();
	vmem_fake_sched_reset();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool inited;
	struct ivset keep_p = d.plugged, keep_a = d.acked;

	if (!inited) {
		inited = true;
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	}
	in_p = data;
	in_n = size;
	in_at = 0;
	step = 0;
	step_what = "probe";
	time_left = TIME_BUDGET;
	memset(&d, 0, sizeof(d));
	d.plugged = keep_p; /* reuse the allocations */
	d.acked = keep_a;
	iv_clear(&d.plugged);
	iv_clear(&d.acked);

	host_log_echo = verbose;
	boot();
	vmem_fake_sched_reset();
	static bool driver_registered;
	if (!driver_registered) {
		driver_registered = true;
		if (virtio_mem_init())
			oracle("virtio_mem_init failed");
	}
	decode_probe();
	mm_fake_map_hook = map_hook;
	vmem_fake_wait_hook = on_wait;
	if (register_virtio_device(&d.fv.vdev) == 0) {
		d.registered = true;
		vm = virtio_mem_get(0);
	}
	/* the probe queued the first resize work: the first event runs it, so that event can still
	 * script the answers to the probe's requests (UNPLUG_ALL of memory left plugged) */
	check_step();
	for (step = 1; step <= MAX_EVENTS && more(); step++) {
		enum op op = (enum op)(rd8() % OP_NR);
		step_what = op_names[op];
		do_event(op);
		vmem_fake_run_ms(0);
		check_step();
	}
	if (d.honest)
		check_honest_end();
	teardown();
	return 0;
}

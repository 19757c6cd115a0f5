/* vmemcheck: the checks that send requests, in the order they run, then what the whole run showed and
 * the device left with nothing plugged.
 *
 * The blocks used are the first ones of the region, B0 = addr, B1 = addr + block_size, and the end of
 * the usable region U = addr + usable_region_size. A request that two rules would answer differently
 * is not made: a malformed PLUG is also a PLUG past requested_size when requested_size is below its
 * size, so the PLUG checks need requested_size of two blocks or more (docs/VMEMCHECK.md). */
#include "vmemcheck_internal.h"
#include "kernel/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define PLUG	   VIRTIO_MEM_REQ_PLUG
#define UNPLUG	   VIRTIO_MEM_REQ_UNPLUG
#define UNPLUG_ALL VIRTIO_MEM_REQ_UNPLUG_ALL
#define STATE	   VIRTIO_MEM_REQ_STATE
#define ACK	   VIRTIO_MEM_RESP_ACK
#define NACK	   VIRTIO_MEM_RESP_NACK
#define ERROR	   VIRTIO_MEM_RESP_ERROR

struct geom {
	u64 b0, bs, u;	      /* first block, block size, end of the usable region */
	u64 ublocks, rblocks; /* blocks in the usable region, in requested_size */
};

static void geom(const struct vmc *d, struct geom *g)
{
	g->bs = d->bs;
	g->b0 = d->cfg.addr;
	g->u = d->cfg.addr + d->cfg.usable_region_size;
	g->ublocks = d->cfg.usable_region_size / d->bs;
	g->rblocks = d->cfg.requested_size / d->bs;
}

static const char *const need_two =
    "requested_size is below 2 blocks: a malformed PLUG would also be one past "
    "requested_size, which the device may answer RESP_NACK; give the device a "
    "requested_size of 2 blocks or more";

/* The rejected requests of one type (PLUG, UNPLUG or STATE): unaligned, zero blocks, wholly past the
 * usable region, crossing its end, below the region. Each must be answered RESP_ERROR. */
static void bad_ranges(struct vmc *d, const struct geom *g, u16 type)
{
	static const char *const tn[] = {"PLUG", "UNPLUG", "UNPLUG_ALL", "STATE"};
	char label[96];

	scnprintf(label, sizeof(label), "%s of B0 + block_size/2", tn[type]);
	if (vmc_expect(d, type, g->b0 + g->bs / 2, 1, ERROR, label) == -EIO)
		return;
	scnprintf(label, sizeof(label), "%s of 0 blocks at B0", tn[type]);
	if (vmc_expect(d, type, g->b0, 0, ERROR, label) == -EIO)
		return;
	scnprintf(label, sizeof(label), "%s of 1 block at U (0x%llx)", tn[type], g->u);
	if (vmc_expect(d, type, g->u, 1, ERROR, label) == -EIO)
		return;
	if (g->ublocks) {
		scnprintf(label, sizeof(label), "%s of 2 blocks at U - block_size", tn[type]);
		if (vmc_expect(d, type, g->u - g->bs, 2, ERROR, label) == -EIO)
			return;
	}
	if (g->b0 >= g->bs) {
		scnprintf(label, sizeof(label), "%s of 1 block at B0 - block_size", tn[type]);
		vmc_expect(d, type, g->b0 - g->bs, 1, ERROR, label);
	}
}

/* Plugs [from, to) in requests of at most VIRTIO_MEM_MAX_NB_BLOCKS blocks, each to be answered ACK.
 * True when all were. */
static bool plug_all(struct vmc *d, const struct geom *g, u64 from, u64 to)
{
	while (from < to) {
		u64 nb = (to - from) / g->bs;
		char label[96];
		if (nb > VIRTIO_MEM_MAX_NB_BLOCKS)
			nb = VIRTIO_MEM_MAX_NB_BLOCKS;
		scnprintf(label, sizeof(label), "PLUG of %llu blocks at 0x%llx (below requested_size)", nb,
			  from);
		if (vmc_expect(d, PLUG, from, (u16)nb, ACK, label) != ACK)
			return false;
		from += nb * g->bs;
	}
	return true;
}

/* Every block of [b0, u) is unplugged, by STATE requests of at most VIRTIO_MEM_MAX_NB_BLOCKS. */
static void all_unplugged(struct vmc *d, const struct geom *g)
{
	for (u64 a = g->b0; a < g->u;) {
		u64 nb = (g->u - a) / g->bs;
		char label[96];
		if (nb > VIRTIO_MEM_MAX_NB_BLOCKS)
			nb = VIRTIO_MEM_MAX_NB_BLOCKS;
		scnprintf(label, sizeof(label), "STATE of %llu blocks at 0x%llx after UNPLUG_ALL", nb, a);
		if (!vmc_expect_state(d, a, (u16)nb, VIRTIO_MEM_STATE_UNPLUGGED, label))
			return;
		a += nb * g->bs;
	}
}

void vmc_check_requests(struct vmc *d)
{
	struct geom g = {0};
	bool b0_plugged = false, filled = false;

	if (d->cfg_ok)
		geom(d, &g);

	if (vmc_begin_req(d, "STATE of an unplugged block is answered RESP_ACK with STATE_UNPLUGGED",
			  "STATE request: all blocks unplugged gives STATE_UNPLUGGED") &&
	    vmc_need(d, g.ublocks >= 1, "the usable region is empty (usable_region_size 0)"))
		vmc_expect_state(d, g.b0, 1, VIRTIO_MEM_STATE_UNPLUGGED, "STATE of B0");
	vmc_end(d);

	if (vmc_begin_req(d, "UNPLUG of an unplugged block is answered RESP_ERROR",
			  "UNPLUG request: a block already unplugged is rejected with RESP_ERROR") &&
	    vmc_need(d, g.ublocks >= 1, "the usable region is empty (usable_region_size 0)"))
		vmc_expect(d, UNPLUG, g.b0, 1, ERROR, "UNPLUG of B0");
	vmc_end(d);

	if (vmc_begin_req(
		d,
		"STATE of an unaligned address, of 0 blocks or outside the usable region is answered "
		"RESP_ERROR",
		"STATE request: rejected with RESP_ERROR when addr is unaligned, nb_blocks is 0 or a "
		"block lies outside the usable region"))
		bad_ranges(d, &g, STATE);
	vmc_end(d);

	if (vmc_begin_req(
		d,
		"UNPLUG of an unaligned address, of 0 blocks or outside the usable region is "
		"answered RESP_ERROR",
		"UNPLUG request: rejected with RESP_ERROR when addr is unaligned, nb_blocks is 0 or a "
		"block lies outside the usable region"))
		bad_ranges(d, &g, UNPLUG);
	vmc_end(d);

	if (vmc_begin_req(
		d,
		"PLUG of an unaligned address, of 0 blocks or outside the usable region is answered "
		"RESP_ERROR",
		"PLUG request: rejected with RESP_ERROR when addr is unaligned, nb_blocks is 0 or a "
		"block lies outside the usable region") &&
	    vmc_need(d, g.rblocks >= 2, need_two))
		bad_ranges(d, &g, PLUG);
	vmc_end(d);

	if (vmc_begin_req(
		d,
		"PLUG of an unplugged block inside the usable region is answered RESP_ACK, then STATE "
		"says STATE_PLUGGED",
		"PLUG request: RESP_ACK when the blocks were plugged; STATE request: STATE_PLUGGED when "
		"all are") &&
	    vmc_need(d, g.rblocks >= 1, "requested_size is 0: the device may refuse every PLUG") &&
	    vmc_expect(d, PLUG, g.b0, 1, ACK, "PLUG of B0") == ACK) {
		b0_plugged = true;
		vmc_expect_state(d, g.b0, 1, VIRTIO_MEM_STATE_PLUGGED, "STATE of B0 after its PLUG");
	}
	vmc_end(d);

	if (vmc_begin_req(d, "PLUG of a block already plugged is answered RESP_ERROR",
			  "PLUG request: a block already plugged is rejected with RESP_ERROR") &&
	    vmc_need(d, b0_plugged, "no block could be plugged") && vmc_need(d, g.rblocks >= 2, need_two))
		vmc_expect(d, PLUG, g.b0, 1, ERROR, "PLUG of B0 again");
	vmc_end(d);

	if (vmc_begin_req(d, "STATE of a plugged and an unplugged block is answered STATE_MIXED",
			  "STATE request: STATE_MIXED when some blocks are plugged and some not") &&
	    vmc_need(d, b0_plugged, "no block could be plugged") &&
	    vmc_need(d, g.ublocks >= 2, "the usable region holds fewer than 2 blocks"))
		vmc_expect_state(d, g.b0, 2, VIRTIO_MEM_STATE_MIXED, "STATE of B0-B1");
	vmc_end(d);

	if (vmc_begin_req(
		d, "UNPLUG of a plugged and an unplugged block is answered RESP_ERROR and changes nothing",
		"UNPLUG request: a block already unplugged is rejected with RESP_ERROR") &&
	    vmc_need(d, b0_plugged, "no block could be plugged") &&
	    vmc_need(d, g.ublocks >= 2, "the usable region holds fewer than 2 blocks") &&
	    vmc_expect(d, UNPLUG, g.b0, 2, ERROR, "UNPLUG of B0-B1") == ERROR)
		vmc_expect_state(d, g.b0, 1, VIRTIO_MEM_STATE_PLUGGED,
				 "STATE of B0 after the rejected UNPLUG");
	vmc_end(d);

	if (vmc_begin_req(
		d, "PLUG past requested_size is answered RESP_NACK",
		"Memory Device: once plugged_size reaches requested_size, PLUG requests are rejected "
		"(the description; RESP_NACK is the answer for 'not now')") &&
	    vmc_need(d, b0_plugged, "no block could be plugged") &&
	    vmc_need(d, g.b0 + d->cfg.requested_size + g.bs <= g.u,
		     "the usable region ends before requested_size + 1 block: no block past requested_size "
		     "lies inside it") &&
	    plug_all(d, &g, g.b0 + g.bs, g.b0 + d->cfg.requested_size)) {
		filled = true;
		vmc_expect(d, PLUG, g.b0 + d->cfg.requested_size, 1, NACK,
			   "PLUG of 1 block with plugged_size at requested_size");
	}
	vmc_end(d);

	if (vmc_begin_req(
		d,
		"PLUG of a block already plugged is answered RESP_ERROR also with plugged_size at "
		"requested_size",
		"PLUG request: a block already plugged is rejected with RESP_ERROR (the rule has no "
		"exception for a full device)") &&
	    vmc_need(d, filled, "plugged_size could not be brought to requested_size (see the check before)"))
		vmc_expect(d, PLUG, g.b0, 1, ERROR, "PLUG of B0 again with plugged_size at requested_size");
	vmc_end(d);

	if (vmc_begin_req(d,
			  "UNPLUG of a plugged block is answered RESP_ACK, then STATE says STATE_UNPLUGGED",
			  "UNPLUG request: RESP_ACK when the blocks were unplugged; STATE request: "
			  "STATE_UNPLUGGED when all are") &&
	    vmc_need(d, b0_plugged, "no block could be plugged") &&
	    vmc_expect(d, UNPLUG, g.b0, 1, ACK, "UNPLUG of B0") == ACK)
		vmc_expect_state(d, g.b0, 1, VIRTIO_MEM_STATE_UNPLUGGED, "STATE of B0 after its UNPLUG");
	vmc_end(d);

	if (vmc_begin_req(
		d,
		"UNPLUG_ALL is answered RESP_ACK and leaves plugged_size 0, every block unplugged "
		"and usable_region_size at least requested_size",
		"UNPLUG ALL request: RESP_ACK when all blocks were unplugged, plugged_size then 0") &&
	    vmc_expect(d, UNPLUG_ALL, 0, 0, ACK, "UNPLUG_ALL") == ACK) {
		if (d->cfg.plugged_size)
			vmc_fail(d, "plugged_size is 0x%llx after UNPLUG_ALL answered RESP_ACK",
				 d->cfg.plugged_size);
		else if (d->cfg.usable_region_size < d->cfg.requested_size)
			vmc_fail(d,
				 "usable_region_size 0x%llx is below requested_size 0x%llx after UNPLUG_ALL",
				 d->cfg.usable_region_size, d->cfg.requested_size);
		geom(d, &g);
		all_unplugged(d, &g);
	}
	vmc_end(d);

	/* ---- what the whole run showed ---- */
	if (vmc_begin_req(
		d, "plugged_size followed every answer",
		"Device configuration layout: plugged_size reflects the plugged blocks; PLUG and UNPLUG "
		"requests: the change shows in plugged_size") &&
	    d->plugged_drift[0])
		vmc_fail(d, "%s", d->plugged_drift);
	vmc_end(d);

	vmc_begin(d, "plugged_size stayed within usable_region_size",
		  "Device configuration layout: plugged_size is plugged memory within the usable region");
	d->skipped = false;
	if (d->plugged_over[0])
		vmc_fail(d, "%s", d->plugged_over);
	vmc_end(d);

	vmc_begin(d,
		  "block_size, node_id, addr and region_size never changed; usable_region_size shrank only "
		  "through UNPLUG_ALL",
		  "Device configuration layout: these fields do not change; usable_region_size shrinks only "
		  "through UNPLUG ALL");
	d->skipped = false; /* a device that broke still showed its configuration */
	if (d->fixed_drift[0])
		vmc_fail(d, "%s", d->fixed_drift);
	vmc_end(d);

	vmc_begin(d, "every request was answered within 5 s, with a 10-byte response to the request given",
		  "Device Operation: responses are 10 bytes; the device answers every request");
	d->skipped = false;
	if (d->stop)
		vmc_fail(d, "%s", d->stop_why);
	vmc_end(d);

	/* ---- the device left as it was found ---- */
	vmc_begin(d, "the device is left with nothing plugged",
		  "vmemcheck: the device is left as it was found");
	d->skipped = false;
	if (!d->stop && vmc_reread(d, -1) && d->cfg.plugged_size)
		vmc_ask(d, UNPLUG_ALL, 0, 0, "UNPLUG_ALL to clean up");
	if (d->cfg.plugged_size)
		vmc_fail(d, "plugged_size is %llu bytes at the end%s", d->cfg.plugged_size,
			 d->stop ? ": the device broke the protocol, nothing more could be sent" : "");
	vmc_end(d);
}

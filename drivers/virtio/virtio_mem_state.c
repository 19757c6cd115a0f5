/* virtio-mem: configuration checks, region layout, unit and memory block state, plug/unplug plans.
 * Pure bookkeeping: no device access and no mm calls (include/drivers/virtio_mem_state.h). */
#include "drivers/virtio_mem_state.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/slab.h"

/* ---- configuration ---- */

int vmem_config_check(const struct virtio_mem_config *c, const char **why)
{
	u64 bs = c->block_size;

	if (!IS_POWER_OF_2(bs) || bs < VMEM_MIN_BLOCK_SIZE)
		*why = "block_size is not a power of two of at least 4 KiB";
	else if (!IS_ALIGNED(c->addr, bs) || !IS_ALIGNED(c->region_size, bs))
		*why = "addr or region_size is not aligned to block_size";
	else if (c->region_size == 0)
		*why = "region_size is 0";
	else if (c->addr + c->region_size < c->addr || c->addr >= VMEM_PHYS_LIMIT ||
		 c->region_size > VMEM_PHYS_LIMIT - c->addr)
		*why = "the region is not inside the 46-bit physical address space";
	else if (c->usable_region_size > c->region_size)
		*why = "usable_region_size exceeds region_size";
	else if (c->plugged_size > c->usable_region_size)
		*why = "plugged_size exceeds usable_region_size";
	else if (c->requested_size > c->region_size)
		*why = "requested_size exceeds region_size";
	else if (!IS_ALIGNED(c->plugged_size, bs) || !IS_ALIGNED(c->requested_size, bs))
		*why = "plugged_size or requested_size is not a multiple of block_size";
	else
		return 0;
	return -EINVAL;
}

int vmem_config_check_update(const struct virtio_mem_config *first, const struct virtio_mem_config *now,
			     const char **why)
{
	if (now->block_size != first->block_size || now->addr != first->addr ||
	    now->region_size != first->region_size || now->node_id != first->node_id) {
		*why = "a fixed configuration field (block_size, node_id, addr, region_size) changed";
		return -EINVAL;
	}
	return vmem_config_check(now, why);
}

/* ---- layout ---- */

const char *vmem_mode_name(enum vmem_mode m)
{
	return m == VMEM_SBM ? "SBM" : "BBM";
}

const char *vmem_mb_state_name(enum vmem_mb_state s)
{
	static const char *const names[VMEM_MB_NR_STATES] = {"not-added", "offline", "online-movable",
							     "online-kernel"};
	return s < VMEM_MB_NR_STATES ? names[s] : "?";
}

int vmem_state_init(struct vmem_state *st, const char *name, const struct virtio_mem_config *c,
		    const char **why)
{
	u64 end = c->addr + c->region_size, first, last;

	*st = (struct vmem_state){
	    .name = name, .addr = c->addr, .region_size = c->region_size, .block_size = c->block_size};
	st->usable_end = c->addr + c->usable_region_size;
	if (c->block_size < VMEM_MEMORY_BLOCK_SIZE) {
		st->mode = VMEM_SBM;
		st->unit_size = max(c->block_size, VMEM_PAGEBLOCK_SIZE);
		st->units_per_mb = (unsigned)(VMEM_MEMORY_BLOCK_SIZE / st->unit_size);
		st->mbs_per_unit = 1;
		first = ALIGN_UP(c->addr, VMEM_MEMORY_BLOCK_SIZE);
		last = ALIGN_DOWN(end, VMEM_MEMORY_BLOCK_SIZE);
	} else {
		/* addr is aligned to the block size, which is a multiple of the memory block size */
		st->mode = VMEM_BBM;
		st->unit_size = c->block_size;
		st->units_per_mb = 1;
		st->mbs_per_unit = (unsigned)(c->block_size / VMEM_MEMORY_BLOCK_SIZE);
		first = c->addr;
		last = end;
	}
	if (last <= first) {
		*why = "the region holds no whole memory block (128 MiB)";
		return -EINVAL;
	}
	st->first_addr = first;
	st->mb_first = first / VMEM_MEMORY_BLOCK_SIZE;
	st->nr_mb = (unsigned long)((last - first) / VMEM_MEMORY_BLOCK_SIZE);
	st->nr_units = (unsigned long)((last - first) / st->unit_size);
	if (first != c->addr || last != end)
		pr_warn("%s: region [0x%llx-0x%llx] is not aligned to memory blocks (128 MiB): "
			"[0x%llx-0x%llx] and [0x%llx-0x%llx] unusable\n",
			name, c->addr, (end - 1), c->addr, first, last, end);
	st->mb_state = kcalloc(st->nr_mb, 1, GFP_KERNEL);
	st->plugged = kcalloc(BITS_TO_U64(st->nr_units), sizeof(u64), GFP_KERNEL);
	st->busy = kcalloc(BITS_TO_U64(st->nr_units), sizeof(u64), GFP_KERNEL);
	st->unusable = kcalloc(BITS_TO_U64(st->nr_units), sizeof(u64), GFP_KERNEL);
	st->mb_nr_plugged = kcalloc(st->nr_mb, 1, GFP_KERNEL);
	st->mb_any = kcalloc(BITS_TO_U64(st->nr_mb), sizeof(u64), GFP_KERNEL);
	st->mb_holes = kcalloc(BITS_TO_U64(st->nr_mb), sizeof(u64), GFP_KERNEL);
	if (!st->mb_state || !st->plugged || !st->busy || !st->unusable || !st->mb_nr_plugged ||
	    !st->mb_any || !st->mb_holes) {
		vmem_state_free(st);
		*why = "no memory for the block maps";
		return -ENOMEM;
	}
	return 0;
}

void vmem_state_free(struct vmem_state *st)
{
	kfree(st->mb_state);
	kfree(st->plugged);
	kfree(st->busy);
	kfree(st->unusable);
	kfree(st->mb_nr_plugged);
	kfree(st->mb_any);
	kfree(st->mb_holes);
	st->mb_state = st->mb_nr_plugged = NULL;
	st->plugged = st->busy = st->unusable = st->mb_any = st->mb_holes = NULL;
}

long vmem_mb_of_addr(const struct vmem_state *st, u64 pa)
{
	if (pa < st->first_addr)
		return -1;
	u64 mb = (pa - st->first_addr) / VMEM_MEMORY_BLOCK_SIZE;
	return mb < st->nr_mb ? (long)mb : -1;
}

/* ---- state ---- */

/* Memory block mb's bits in mb_any and mb_holes, from its plugged count and state. */
static void mb_index(struct vmem_state *st, unsigned long mb)
{
	unsigned n = st->mb_nr_plugged[mb];

	assign_bit64(st->mb_any, mb, n != 0);
	assign_bit64(st->mb_holes, mb, (n || vmem_mb_added(st, mb)) && n < vmem_mb_nr_units(st));
}

/* Counts delta units in (or, negative, out of) the plugged units of the memory blocks of the unit
 * at mb (SBM: mb alone; BBM: the unit's blocks). */
static void mb_count_units(struct vmem_state *st, unsigned long mb, long delta)
{
	for (unsigned long i = mb; i < mb + st->mbs_per_unit; i++) {
		unsigned old = st->mb_nr_plugged[i];
		st->mb_nr_plugged[i] = (u8)((long)old + delta);
		if (!old != !st->mb_nr_plugged[i] && st->mb_state[i] < VMEM_MB_NR_STATES)
			st->nr_mb_plugged_in[st->mb_state[i]] += old ? (unsigned long)-1 : 1;
		mb_index(st, i);
	}
}

/* Sets bits [s, e) of map, all in one word, to v; returns the bits that changed. */
static u64 assign_bits_in_word(u64 *map, unsigned long s, unsigned long e, bool v)
{
	u64 mask = (e - s == 64 ? ~0ULL : (1ULL << (e - s)) - 1) << (s % 64), *w = &map[s / 64];
	u64 changed = (v ? ~*w : *w) & mask;

	*w ^= changed;
	return changed;
}

/* Clears the bits of changed in word i of map; returns how many were set. */
static unsigned long clear_in_word(u64 *map, unsigned long i, u64 changed)
{
	unsigned long n = hweight64(map[i] & changed);

	map[i] &= ~changed;
	return n;
}

void vmem_set_mb_state(struct vmem_state *st, unsigned long mb, enum vmem_mb_state s)
{
	if (st->mb_nr_plugged[mb]) {
		if (st->mb_state[mb] < VMEM_MB_NR_STATES)
			st->nr_mb_plugged_in[st->mb_state[mb]]--;
		st->nr_mb_plugged_in[s]++;
	}
	st->mb_state[mb] = (u8)s;
	mb_index(st, mb);
}

/* A word of the bitmaps at a time, and each memory block's counts once per call: a 1 TiB plug
 * changes half a million units. */
void vmem_set_plugged(struct vmem_state *st, unsigned long first, unsigned long nr, bool plugged)
{
	unsigned long u = first, end = first + nr;

	while (u < end) {
		unsigned long mb = vmem_unit_mb(st, u), k = 0;
		unsigned long stop = min(end, st->mode == VMEM_SBM ? vmem_mb_first_unit(st, mb + 1) : u + 1);

		for (unsigned long we; u < stop; u = we) {
			we = min(stop, (u / 64 + 1) * 64);
			u64 changed = assign_bits_in_word(st->plugged, u, we, plugged);
			k += hweight64(changed);
			if (!plugged && changed) {
				st->nr_busy -= clear_in_word(st->busy, u / 64, changed);
				st->nr_unusable -= clear_in_word(st->unusable, u / 64, changed);
			}
		}
		if (!k)
			continue;
		st->nr_plugged += plugged ? k : (unsigned long)-k;
		mb_count_units(st, mb, plugged ? (long)k : -(long)k);
	}
}

void vmem_set_busy(struct vmem_state *st, unsigned long u)
{
	if (assign_bit64(st->busy, u, true))
		st->nr_busy++;
}

void vmem_clear_busy(struct vmem_state *st)
{
	if (!st->nr_busy)
		return;
	for (unsigned long i = 0; i < BITS_TO_U64(st->nr_units); i++)
		st->busy[i] = 0;
	st->nr_busy = 0;
}

void vmem_set_unusable(struct vmem_state *st, unsigned long first, unsigned long nr, bool unusable)
{
	for (unsigned long u = first; u < first + nr; u++)
		if (assign_bit64(st->unusable, u, unusable))
			st->nr_unusable += unusable ? 1 : (unsigned long)-1;
}

/* Word i of the units vmem_next_plugged_run looks for. */
static u64 plugged_word(const struct vmem_state *st, unsigned long i, bool skip_busy)
{
	return st->plugged[i] & (skip_busy ? ~st->busy[i] : ~0ULL);
}

unsigned long vmem_next_plugged_run(const struct vmem_state *st, unsigned long u, unsigned long end,
				    bool skip_busy, unsigned long *run_end)
{
	/* the first unit that is one of them */
	for (;; u = (u / 64 + 1) * 64) {
		if (u >= end) {
			*run_end = end;
			return end;
		}
		u64 w = plugged_word(st, u / 64, skip_busy) >> (u % 64);
		if (w) {
			u += (unsigned long)__builtin_ctzll(w);
			break;
		}
	}
	if (u >= end) {
		*run_end = end;
		return end;
	}
	/* the first after it that is not */
	unsigned long e = u;
	for (;; e = (e / 64 + 1) * 64) {
		if (e >= end)
			break;
		u64 w = ~plugged_word(st, e / 64, skip_busy) >> (e % 64);
		if (w) {
			e += (unsigned long)__builtin_ctzll(w);
			break;
		}
	}
	*run_end = min(e, end);
	return u;
}

bool vmem_all_plugged_settled(const struct vmem_state *st, bool want_online)
{
	for (unsigned long mb = find_next_bit64(st->mb_any, 0, st->nr_mb); mb < st->nr_mb;
	     mb = find_next_bit64(st->mb_any, mb + 1, st->nr_mb))
		if (want_online ? !vmem_mb_online(st, mb) : !vmem_mb_added(st, mb))
			return false;
	return true;
}

/* The indexes (mb_nr_plugged, mb_any, mb_holes, nr_mb_plugged_in) against the maps they follow. */
static unsigned check_indexes(const struct vmem_state *st)
{
	unsigned long in[VMEM_MB_NR_STATES] = {0};
	unsigned bad = 0;

	for (unsigned long mb = 0; mb < st->nr_mb; mb++) {
		unsigned long u0 = vmem_mb_first_unit(st, mb);
		unsigned n = 0;
		for (unsigned i = 0; i < vmem_mb_nr_units(st); i++)
			n += vmem_is_plugged(st, u0 + i);
		bool holes = (n || vmem_mb_added(st, mb)) && n < vmem_mb_nr_units(st);
		if ((n != st->mb_nr_plugged[mb] || test_bit64(st->mb_any, mb) != (n != 0) ||
		     test_bit64(st->mb_holes, mb) != holes) &&
		    bad++ < 8)
			pr_err(
			    "%s: state: memory block %lu holds %u plugged units but its index says %u%s%s\n",
			    st->name, mb, n, st->mb_nr_plugged[mb], test_bit64(st->mb_any, mb) ? ", any" : "",
			    test_bit64(st->mb_holes, mb) ? ", holes" : "");
		if (n && st->mb_state[mb] < VMEM_MB_NR_STATES)
			in[st->mb_state[mb]]++;
	}
	for (unsigned s = 0; s < VMEM_MB_NR_STATES; s++)
		if (in[s] != st->nr_mb_plugged_in[s] && bad++ < 8)
			pr_err("%s: state: %lu memory blocks %s hold plugged units, the counter says %lu\n",
			       st->name, in[s], vmem_mb_state_name((enum vmem_mb_state)s),
			       st->nr_mb_plugged_in[s]);
	return bad;
}

unsigned vmem_state_check(const struct vmem_state *st)
{
	unsigned long count = 0, busy = 0, unusable = 0;
	unsigned bad = 0;

	for (unsigned long u = 0; u < st->nr_units; u++) {
		count += vmem_is_plugged(st, u);
		busy += vmem_is_busy(st, u);
		unusable += vmem_is_unusable(st, u);
		if ((vmem_is_busy(st, u) || vmem_is_unusable(st, u)) && !vmem_is_plugged(st, u) && bad++ < 8)
			pr_err("%s: state: unit %lu is busy or unusable but not plugged\n", st->name, u);
	}
	if ((count != st->nr_plugged || busy != st->nr_busy || unusable != st->nr_unusable) && bad++ < 8)
		pr_err("%s: state: counters (plugged %lu, busy %lu, unusable %lu) but the maps hold %lu, "
		       "%lu, %lu\n",
		       st->name, st->nr_plugged, st->nr_busy, st->nr_unusable, count, busy, unusable);
	for (unsigned long mb = 0; mb < st->nr_mb; mb++) {
		if (st->mb_state[mb] >= VMEM_MB_NR_STATES && bad++ < 8)
			pr_err("%s: state: memory block %lu has state %u\n", st->name, mb, st->mb_state[mb]);
		if (st->mode == VMEM_BBM && mb % st->mbs_per_unit &&
		    vmem_mb_added(st, mb) != vmem_mb_added(st, mb - 1) && bad++ < 8)
			pr_err("%s: state: memory blocks %lu and %lu of one big block differ\n", st->name,
			       mb - 1, mb);
	}
	return bad + check_indexes(st);
}

/* ---- plans ---- */

/* The unplug class of a unit: 0 not added, 1 offline, 2 online movable, 3 online kernel (for a big
 * block, the costliest of its memory blocks). */
static unsigned unit_class(const struct vmem_state *st, unsigned long u)
{
	static const u8 cls[VMEM_MB_NR_STATES] = {0, 1, 2, 3};
	unsigned long mb = vmem_unit_mb(st, u);
	unsigned c = 0;

	for (unsigned i = 0; i < st->mbs_per_unit; i++)
		c = max(c, (unsigned)cls[st->mb_state[mb + i]]);
	return c;
}

/* Units per run: what one request can carry (VIRTIO_MEM_MAX_NB_BLOCKS device blocks), cut in SBM to
 * whole memory blocks when a run holds one. A run that ended inside a block would split it between
 * two runs: on unplug neither run covers the block, so its sub-blocks would be taken one by one
 * (their never-used struct pages written) instead of the block being removed whole; on plug the
 * block would be added with a hole that the next run fills. */
static unsigned long max_run_units(const struct vmem_state *st)
{
	unsigned long n = vmem_request_max_units(st);

	if (st->mode == VMEM_SBM && n >= st->units_per_mb)
		n -= n % st->units_per_mb;
	return n;
}

/* Appends units [first, first + nr) to the plan in the walk's direction (down: from the top unit
 * down; up: from the bottom up), growing the last run where they continue it and the run is not
 * sealed (runs of different classes stay apart), starting new runs at max_run units. Returns the
 * units taken: fewer than nr when the plan is full. */
static unsigned long plan_add_run(struct vmem_plan *p, unsigned long first, unsigned long nr, bool down,
				  unsigned long max_run)
{
	unsigned long taken = 0;

	while (taken < nr) {
		struct vmem_run *r = p->n > p->sealed ? &p->run[p->n - 1] : NULL;
		unsigned long left = nr - taken, k;

		if (r && r->nr < max_run &&
		    (down ? first + left == r->first : first + taken == r->first + r->nr)) {
			k = min(left, max_run - r->nr);
			if (down)
				r->first -= k;
			r->nr += k;
		} else {
			if (p->n == VMEM_PLAN_MAX)
				break;
			k = min(left, max_run);
			p->run[p->n++] = (struct vmem_run){down ? first + left - k : first + taken, k};
		}
		taken += k;
		p->units += k;
	}
	return taken;
}

/* One unit (the unplug lab's building block; the reference plans take runs, so it may go unused).
 * False when the plan is full. */
static inline __unused bool plan_add(struct vmem_plan *p, unsigned long u, bool down, unsigned long max_run)
{
	return plan_add_run(p, u, 1, down, max_run) == 1;
}

enum plug_class { PLUG_ONLINE_HOLES, PLUG_NOT_ADDED_HOLES, PLUG_UNUSED, PLUG_OFFLINE_HOLES, NR_PLUG_CLASSES };

static bool mb_plug_class(const struct vmem_state *st, unsigned long mb, enum plug_class c)
{
	unsigned plugged = vmem_mb_plugged(st, mb);

	switch (c) {
	case PLUG_ONLINE_HOLES:
		return vmem_mb_online(st, mb) && plugged < vmem_mb_nr_units(st);
	case PLUG_NOT_ADDED_HOLES:
		return !vmem_mb_added(st, mb) && plugged && plugged < vmem_mb_nr_units(st);
	case PLUG_UNUSED:
		return !vmem_mb_added(st, mb) && !plugged;
	case PLUG_OFFLINE_HOLES:
		return vmem_mb_state(st, mb) == VMEM_MB_OFFLINE && plugged < vmem_mb_nr_units(st);
	default:
		return false;
	}
}

/* The first memory block at or after mb (the first of a unit) whose bit in map is set (set) or clear,
 * as the first memory block of its unit; nr_mb when there is none. */
static unsigned long next_mb(const struct vmem_state *st, const u64 *map, bool set, unsigned long mb)
{
	mb = set ? find_next_bit64(map, mb, st->nr_mb) : find_next_zero_bit64(map, mb, st->nr_mb);
	return mb < st->nr_mb ? mb - mb % st->mbs_per_unit : mb;
}

/* The first unit that ends above usable_end (vmem_unit_usable is false from there on). */
static unsigned long first_unusable_unit(const struct vmem_state *st)
{
	if (st->usable_end <= st->first_addr)
		return 0;
	return (unsigned long)min((u64)st->nr_units, (st->usable_end - st->first_addr) / st->unit_size);
}

/* Units that an unplug may take: plugged, neither busy nor unusable; 64 of them from unit 64 * i. */
static u64 ready_word(const struct vmem_state *st, unsigned long i)
{
	return st->plugged[i] & ~st->busy[i] & ~st->unusable[i];
}

/* The highest ready unit in [lo, hi), or hi when there is none. */
static unsigned long prev_ready_unit(const struct vmem_state *st, unsigned long lo, unsigned long hi)
{
	for (unsigned long i = hi; i > lo;) {
		unsigned long top = (i - 1) % 64; /* highest bit of this word still below i */
		u64 w = ready_word(st, (i - 1) / 64) & (~0ULL >> (63 - top));
		if (w) {
			unsigned long b = (i - 1) / 64 * 64 + 63 - (unsigned long)__builtin_clzll(w);
			return b >= lo ? b : hi;
		}
		i = (i - 1) / 64 * 64;
	}
	return hi;
}

/* The lowest unit, not below lo, of the run of ready units that ends at the ready unit u. */
static unsigned long ready_run_start(const struct vmem_state *st, unsigned long lo, unsigned long u)
{
	for (;;) {
		unsigned long base = u - u % 64;
		u64 not_ready = ~ready_word(st, u / 64) & (~0ULL >> (63 - u % 64)); /* at or below u */
		if (not_ready)
			return max(lo, base + 64 - (unsigned long)__builtin_clzll(not_ready));
		if (base <= lo)
			return lo;
		u = base - 1;
	}
}

static void plan_start(struct vmem_plan *p)
{
	p->n = 0;
	p->sealed = 0;
	p->units = 0;
	p->steps = 0;
}

unsigned long vmem_plan_plug(const struct vmem_state *st, unsigned long want, struct vmem_plan *p)
{
	unsigned long max_run = max_run_units(st);

	plan_start(p);
	for (int c = 0; c < NR_PLUG_CLASSES; c++) {
		/* unused blocks have no plugged unit; the others' holes are in mb_holes */
		const u64 *map = c == PLUG_UNUSED ? st->mb_any : st->mb_holes;
		bool set = c != PLUG_UNUSED;

		p->sealed = p->n;
		for (unsigned long mb = next_mb(st, map, set, 0); mb < st->nr_mb;
		     mb = next_mb(st, map, set, mb + st->mbs_per_unit)) {
			p->steps++;
			if (!mb_plug_class(st, mb, (enum plug_class)c))
				continue;
			unsigned long u0 = vmem_mb_first_unit(st, mb), end = u0 + vmem_mb_nr_units(st);
			for (unsigned long u = find_next_zero_bit64(st->plugged, u0, end), e; u < end;
			     u = find_next_zero_bit64(st->plugged, e, end)) {
				p->steps++;
				if (p->units == want)
					return p->units;
				if (!vmem_unit_usable(st, u))
					goto next_class; /* every later unit is beyond usable_end too */
				/* a run of unplugged units, cut at usable_end and at what is still wanted */
				e = min(min(find_next_bit64(st->plugged, u, end), u + (want - p->units)),
					first_unusable_unit(st));
				if (plan_add_run(p, u, e - u, false, max_run) < e - u)
					return p->units;
			}
		}
	next_class:;
	}
	return p->units;
}

unsigned long vmem_plan_unplug(const struct vmem_state *st, unsigned long want, struct vmem_plan *p)
{
	/* LAB unplug BEGIN plan */
	unsigned long max_run = max_run_units(st);

	plan_start(p);
	for (unsigned c = 0; c < VMEM_MB_NR_STATES; c++) {
		p->sealed = p->n;
		/* a unit of class c has a memory block in state c, and that block holds a plugged unit */
		if (!st->nr_mb_plugged_in[c])
			continue;
		for (unsigned long top = st->nr_mb, mb; (mb = find_prev_bit64(st->mb_any, 0, top)) != top;
		     top = mb) {
			mb -= mb % st->mbs_per_unit;
			p->steps++;
			unsigned long u0 = vmem_mb_first_unit(st, mb), hi = u0 + vmem_mb_nr_units(st), u;
			if (unit_class(st, u0) != c)
				continue;
			/* runs of ready units (plugged, neither busy nor unusable), top down */
			for (unsigned long lo; (u = prev_ready_unit(st, u0, hi)) != hi; hi = lo) {
				p->steps++;
				if (p->units == want)
					return p->units;
				unsigned long need = want - p->units; /* the run's top units only */
				lo = max(ready_run_start(st, u0, u), u + 1 > need ? u + 1 - need : 0);
				if (plan_add_run(p, lo, u + 1 - lo, true, max_run) < u + 1 - lo)
					return p->units;
			}
		}
	}
	return p->units;
	/* LAB unplug END plan */
}

/* clang-format off */
/* host-srcs: drivers/virtio/virtio_mem_state.c tests/host/vmem_fake_alloc.c kernel/lib/errname.c */
/* clang-format on */
/* The virtio-mem driver's pure layer: configuration checks, SBM/BBM layout, unusable parts of a
 * misaligned region, plug and unplug plans (order, usable limit, request size limit, plan capacity),
 * the state checker, and seeded random states whose plans must obey every rule. */
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio_mem_state.h"
#include "host_test.h"
#include "kernel/errno.h"

#define G (1ULL << 30)
#define M (1ULL << 20)

static struct virtio_mem_config cfg(u64 bs, u64 addr, u64 region, u64 usable)
{
	struct virtio_mem_config c = {
	    .block_size = bs, .addr = addr, .region_size = region, .usable_region_size = usable};
	return c;
}

static void t_config_good(void)
{
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 4 * G, 4 * G, 4 * G);
	CHECK(vmem_config_check(&c, &why) == 0);
	c.block_size = 4096;
	CHECK(vmem_config_check(&c, &why) == 0);
	c = cfg(1 * G, 4 * G, 16 * G, 1 * G);
	c.requested_size = 1 * G;
	c.plugged_size = 1 * G;
	CHECK(vmem_config_check(&c, &why) == 0);
}

static void t_config_bad(void)
{
	struct {
		struct virtio_mem_config c;
		const char *needle;
	} bad[] = {
	    {cfg(3 * M, 4 * G, 3 * G, 0), "power of two"},
	    {cfg(2048, 4 * G, 4 * G, 0), "power of two"},
	    {cfg(0, 4 * G, 4 * G, 0), "power of two"},
	    {cfg(2 * M, 4 * G + 4096, 4 * G, 0), "aligned"},
	    {cfg(2 * M, 4 * G, 4 * G + 4096, 0), "aligned"},
	    {cfg(2 * M, 4 * G, 0, 0), "region_size is 0"},
	    {cfg(2 * M, (1ULL << 46) - 2 * M, 4 * M, 0), "46-bit"},
	    {cfg(2 * M, 0xffffffffffe00000ULL, 4 * M, 0), "46-bit"},
	    {cfg(2 * M, 4 * G, 4 * G, 5 * G), "usable_region_size"},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *why = NULL;
		CHECK(vmem_config_check(&bad[i].c, &why) == -EINVAL);
		CHECK(why && strstr(why, bad[i].needle));
	}
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 4 * G, 4 * G, 1 * G);
	c.plugged_size = 2 * G;
	CHECK(vmem_config_check(&c, &why) == -EINVAL && strstr(why, "plugged_size"));
	c.plugged_size = 3 * M;
	CHECK(vmem_config_check(&c, &why) == -EINVAL && strstr(why, "multiple"));
	c.plugged_size = 0;
	c.requested_size = 5 * G;
	CHECK(vmem_config_check(&c, &why) == -EINVAL && strstr(why, "requested_size"));

	struct virtio_mem_config a = cfg(2 * M, 4 * G, 4 * G, 1 * G), b = a;
	CHECK(vmem_config_check_update(&a, &b, &why) == 0);
	b.addr += 128 * M;
	CHECK(vmem_config_check_update(&a, &b, &why) == -EINVAL && strstr(why, "fixed"));
	b = a;
	b.block_size = 4 * M;
	CHECK(vmem_config_check_update(&a, &b, &why) == -EINVAL);
}

static void t_layout_sbm(void)
{
	struct vmem_state st;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 4 * G, 4 * G, 4 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	CHECK(st.mode == VMEM_SBM && st.unit_size == 2 * M && st.units_per_mb == 64);
	CHECK(st.nr_mb == 32 && st.nr_units == 2048 && st.mb_first == 32 && st.mbs_per_unit == 1);
	CHECK(vmem_mb_of_addr(&st, 4 * G) == 0 && vmem_mb_of_addr(&st, 8 * G - 1) == 31);
	CHECK(vmem_mb_of_addr(&st, 8 * G) == -1 && vmem_mb_of_addr(&st, 4 * G - 1) == -1);
	CHECK(vmem_unit_mb(&st, 64) == 1 && vmem_mb_first_unit(&st, 2) == 128);
	vmem_state_free(&st);

	c.block_size = 4096; /* sub-block is the pageblock */
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	CHECK(st.unit_size == 2 * M && vmem_unit_blocks(&st) == 512);
	vmem_state_free(&st);

	c.block_size = 64 * M;
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	CHECK(st.mode == VMEM_SBM && st.units_per_mb == 2 && st.nr_units == 64);
	vmem_state_free(&st);
}

static void t_layout_bbm(void)
{
	struct vmem_state st;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(128 * M, 4 * G, 4 * G, 4 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	CHECK(st.mode == VMEM_BBM && st.mbs_per_unit == 1 && st.nr_units == 32 && st.nr_mb == 32);
	vmem_state_free(&st);

	c = cfg(1 * G, 4 * G, 16 * G, 16 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	CHECK(st.mode == VMEM_BBM && st.mbs_per_unit == 8 && st.nr_units == 16 && st.nr_mb == 128);
	CHECK(vmem_unit_mb(&st, 1) == 8 && vmem_mb_first_unit(&st, 15) == 1);
	vmem_set_plugged(&st, 1, 1, true);
	CHECK(vmem_mb_plugged(&st, 8) == 1 && vmem_mb_plugged(&st, 15) == 1 && vmem_mb_plugged(&st, 16) == 0);
	vmem_state_free(&st);
}

static void t_layout_misaligned(void)
{
	struct vmem_state st;
	const char *why = NULL;
	host_log_clear();
	struct virtio_mem_config c = cfg(2 * M, 4 * G + 64 * M, 1 * G, 1 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem3", &c, &why) == 0);
	CHECK(st.first_addr == 4 * G + 128 * M && st.nr_mb == 7);
	CHECK(host_log_contains("virtio-mem3: region [0x104000000-0x143ffffff] is not aligned"));
	CHECK(host_log_contains("[0x104000000-0x108000000] and [0x140000000-0x144000000] unusable"));
	vmem_state_free(&st);

	host_log_clear();
	c = cfg(2 * M, 4 * G, 64 * M, 64 * M); /* smaller than a memory block */
	CHECK(vmem_state_init(&st, "virtio-mem3", &c, &why) == -EINVAL &&
	      strstr(why, "no whole memory block"));
}

static bool plan_has(const struct vmem_plan *p, unsigned i, unsigned long first, unsigned long nr)
{
	return i < p->n && p->run[i].first == first && p->run[i].nr == nr;
}

static void t_plan_plug_order(void)
{
	struct vmem_state st;
	struct vmem_plan p;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 4 * G, 4 * G, 4 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);

	CHECK(vmem_plan_plug(&st, 100, &p) == 100 && p.n == 1 && plan_has(&p, 0, 0, 100));

	/* mb 0 online with units 0..9, mb 2 not added with units 128..139, mb 5 offline with 320..329 */
	vmem_set_plugged(&st, 0, 10, true);
	vmem_set_mb_state(&st, 0, VMEM_MB_ONLINE_MOVABLE);
	vmem_set_plugged(&st, 128, 12, true);
	vmem_set_plugged(&st, 320, 10, true);
	vmem_set_mb_state(&st, 5, VMEM_MB_OFFLINE);
	CHECK(vmem_state_check(&st) == 0);
	vmem_plan_plug(&st, 54 + 52 + 64 + 3, &p);
	CHECK(plan_has(&p, 0, 10, 54));	 /* holes of the online block */
	CHECK(plan_has(&p, 1, 140, 52)); /* then the not-added block's */
	CHECK(plan_has(&p, 2, 64, 64));	 /* then unused blocks from the lowest */
	CHECK(plan_has(&p, 3, 192, 3));
	CHECK(p.n == 4 && p.units == 173);

	/* everything: the offline block's holes come last */
	vmem_plan_plug(&st, 100000, &p);
	CHECK(p.units == 2048 - 32 && plan_has(&p, p.n - 1, 330, 54));
	vmem_state_free(&st);
}

static void t_plan_plug_usable(void)
{
	struct vmem_state st;
	struct vmem_plan p;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 4 * G, 4 * G, 256 * M + 4 * M);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	CHECK(vmem_plan_plug(&st, 1000, &p) == 130 && p.n == 1);
	st.usable_end = st.addr + 1 * M; /* not even one unit */
	CHECK(vmem_plan_plug(&st, 1000, &p) == 0 && p.n == 0);
	vmem_state_free(&st);

	c = cfg(1 * G, 4 * G, 16 * G, 2 * G + 512 * M);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	CHECK(vmem_plan_plug(&st, 10, &p) == 2 && plan_has(&p, 0, 0, 2));
	vmem_state_free(&st);
}

static void t_plan_run_limit(void)
{
	struct vmem_state st;
	struct vmem_plan p;
	const char *why = NULL;
	/* 4 KiB device blocks: a 2 MiB unit is 512 blocks, so one request carries at most 127 units;
	 * runs are cut at whole memory blocks (64 units) below that */
	struct virtio_mem_config c = cfg(4096, 4 * G, 4 * G, 4 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	CHECK(vmem_plan_plug(&st, 300, &p) == 300 && p.n == 5);
	CHECK(plan_has(&p, 0, 0, 64) && plan_has(&p, 1, 64, 64) && plan_has(&p, 3, 192, 64) &&
	      plan_has(&p, 4, 256, 44));
	for (unsigned i = 0; i < p.n; i++)
		CHECK(p.run[i].nr * vmem_unit_blocks(&st) <= VIRTIO_MEM_MAX_NB_BLOCKS);
	vmem_state_free(&st);

	/* 2 MiB blocks: 16 GiB is 8192 blocks, one request */
	c = cfg(2 * M, 4 * G, 16 * G, 16 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	CHECK(vmem_plan_plug(&st, 8192, &p) == 8192 && p.n == 1);
	vmem_set_plugged(&st, 0, 8192, true);
	for (unsigned long mb = 0; mb < st.nr_mb; mb++)
		vmem_set_mb_state(&st, mb, VMEM_MB_ONLINE_MOVABLE);
	CHECK(vmem_plan_unplug(&st, 8192, &p) == 8192 && p.n == 1 && plan_has(&p, 0, 0, 8192));
	vmem_state_free(&st);
}

static void t_plan_capacity(void)
{
	struct vmem_state st;
	struct vmem_plan p;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 4 * G, 4 * G, 4 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	for (unsigned long u = 0; u < st.nr_units; u += 2)
		vmem_set_plugged(&st, u, 1, true);
	for (unsigned long mb = 0; mb < st.nr_mb; mb++)
		vmem_set_mb_state(&st, mb, VMEM_MB_ONLINE_MOVABLE);
	CHECK(vmem_plan_plug(&st, 100000, &p) == VMEM_PLAN_MAX && p.n == VMEM_PLAN_MAX);
	CHECK(vmem_plan_unplug(&st, 100000, &p) == VMEM_PLAN_MAX && plan_has(&p, 0, 2046, 1));
	vmem_state_free(&st);
}

static void t_plan_unplug_order(void)
{
	struct vmem_state st;
	struct vmem_plan p;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 4 * G, 1 * G, 1 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	/* mb0 kernel, mb1 movable, mb2 offline, mb3 not added (all fully plugged); mb4 movable partial */
	vmem_set_plugged(&st, 0, 4 * 64 + 10, true);
	vmem_set_mb_state(&st, 0, VMEM_MB_ONLINE_KERNEL);
	vmem_set_mb_state(&st, 1, VMEM_MB_ONLINE_MOVABLE);
	vmem_set_mb_state(&st, 2, VMEM_MB_OFFLINE);
	vmem_set_mb_state(&st, 4, VMEM_MB_ONLINE_MOVABLE);
	CHECK(vmem_plan_unplug(&st, 1000, &p) == 4 * 64 + 10);
	CHECK(p.n == 5);
	CHECK(plan_has(&p, 0, 192, 64)); /* not added */
	CHECK(plan_has(&p, 1, 128, 64)); /* offline */
	CHECK(plan_has(&p, 2, 256, 10)); /* movable, highest address first */
	CHECK(plan_has(&p, 3, 64, 64));
	CHECK(plan_has(&p, 4, 0, 64)); /* kernel last */
	/* a partial unplug takes the top of the first class */
	CHECK(vmem_plan_unplug(&st, 70, &p) == 70 && plan_has(&p, 0, 192, 64) && plan_has(&p, 1, 186, 6));
	vmem_state_free(&st);

	c = cfg(1 * G, 4 * G, 4 * G, 4 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	vmem_set_plugged(&st, 0, 3, true);
	for (unsigned long mb = 0; mb < 24; mb++)
		vmem_set_mb_state(&st, mb, VMEM_MB_ONLINE_MOVABLE);
	vmem_set_mb_state(&st, 3, VMEM_MB_ONLINE_KERNEL); /* big block 0 holds a kernel block */
	CHECK(vmem_plan_unplug(&st, 2, &p) == 2 && plan_has(&p, 0, 1, 2));
	CHECK(vmem_plan_unplug(&st, 3, &p) == 3 && plan_has(&p, 0, 1, 2) && plan_has(&p, 1, 0, 1));
	vmem_state_free(&st);
}

static void t_state_check(void)
{
	struct vmem_state st;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 4 * G, 1 * G, 1 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	vmem_set_plugged(&st, 5, 3, true);
	vmem_set_plugged(&st, 6, 3, true);
	CHECK(st.nr_plugged == 4 && vmem_state_check(&st) == 0);
	st.nr_plugged++;
	host_log_clear();
	CHECK(vmem_state_check(&st) == 1 &&
	      host_log_contains("(plugged 5, busy 0, unusable 0) but the maps hold 4, 0, 0"));
	st.nr_plugged--;
	vmem_set_unusable(&st, 7, 1, true);
	CHECK(vmem_state_check(&st) == 0);
	vmem_set_unusable(&st, 9, 1, true); /* not plugged */
	CHECK(vmem_state_check(&st) == 1 && host_log_contains("unit 9 is busy or unusable but not plugged"));
	vmem_set_unusable(&st, 9, 1, false);
	vmem_set_plugged(&st, 7, 1, false); /* unplugging forgets unusable */
	CHECK(st.nr_unusable == 0 && vmem_state_check(&st) == 0);
	vmem_set_plugged(&st, 7, 1, true);
	/* added with nothing plugged is allowed: a removal that failed (a veto) is retried later */
	vmem_set_mb_state(&st, 3, VMEM_MB_OFFLINE);
	CHECK(vmem_state_check(&st) == 0);
	st.mb_state[3] = VMEM_MB_NR_STATES; /* no such state */
	CHECK(vmem_state_check(&st) == 1);
	vmem_set_mb_state(&st, 3, VMEM_MB_NOT_ADDED);
	CHECK(!vmem_all_plugged_settled(&st, true));
	vmem_set_mb_state(&st, 0, VMEM_MB_OFFLINE);
	CHECK(vmem_all_plugged_settled(&st, false) && !vmem_all_plugged_settled(&st, true));
	vmem_set_mb_state(&st, 0, VMEM_MB_ONLINE_KERNEL);
	CHECK(vmem_all_plugged_settled(&st, true));
	vmem_state_free(&st);
}

/* Random states: every planned unit is in the right state, usable, planned once; runs respect the
 * request limit; unplug classes never go backwards. */
static unsigned cls_of(const struct vmem_state *st, unsigned long u)
{
	unsigned c = 0;
	for (unsigned i = 0; i < st->mbs_per_unit; i++) {
		unsigned s = st->mb_state[vmem_unit_mb(st, u) + i];
		c = s > c ? s : c;
	}
	return c;
}

/* The plans as a walk over every memory block and unit would make them (the first version of the
 * planners): the indexed planners must give the same runs. */
static bool ref_mb_holes(const struct vmem_state *st, unsigned long mb, unsigned c)
{
	unsigned n = vmem_mb_nr_units(st);
	unsigned long u0 = vmem_mb_first_unit(st, mb), plugged = 0;
	for (unsigned i = 0; i < n; i++)
		plugged += vmem_is_plugged(st, u0 + i);
	switch (c) {
	case 0:
		return vmem_mb_online(st, mb) && plugged < n;
	case 1:
		return !vmem_mb_added(st, mb) && plugged && plugged < n;
	case 2:
		return !vmem_mb_added(st, mb) && !plugged;
	default:
		return vmem_mb_state(st, mb) == VMEM_MB_OFFLINE && plugged < n;
	}
}

static void ref_plan(const struct vmem_state *st, unsigned long want, bool plug, struct vmem_plan *p)
{
	unsigned long max_run = VIRTIO_MEM_MAX_NB_BLOCKS / vmem_unit_blocks(st);
	max_run = max_run ? max_run : 1;
	memset(p, 0, sizeof(*p));
	for (unsigned c = 0; c < 4; c++) {
		p->sealed = p->n;
		for (unsigned long i = 0; i < st->nr_units; i++) {
			unsigned long u = plug ? i : st->nr_units - 1 - i;
			if (p->units == want)
				return;
			if (plug) {
				if (vmem_is_plugged(st, u) || !ref_mb_holes(st, vmem_unit_mb(st, u), c))
					continue;
				if (!vmem_unit_usable(st, u))
					break;
			} else if (!vmem_is_plugged(st, u) || vmem_is_busy(st, u) ||
				   vmem_is_unusable(st, u) || cls_of(st, u) != c) {
				continue;
			}
			struct vmem_run *r = p->n > p->sealed ? &p->run[p->n - 1] : NULL;
			if (r && r->nr < max_run && (plug ? u == r->first + r->nr : u + 1 == r->first)) {
				r->first = plug ? r->first : u;
				r->nr++;
			} else if (p->n == VMEM_PLAN_MAX) {
				return;
			} else {
				p->run[p->n++] = (struct vmem_run){u, 1};
			}
			p->units++;
		}
	}
}

static bool same_plan(const struct vmem_plan *a, const struct vmem_plan *b)
{
	if (a->n != b->n || a->units != b->units)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->run[i].first != b->run[i].first || a->run[i].nr != b->run[i].nr)
			return false;
	return true;
}

static void t_random(void)
{
	static const u64 bss[] = {4096, 1 * M, 2 * M, 8 * M, 64 * M, 128 * M, 256 * M, 1 * G};
	srand(6);
	for (int iter = 0; iter < 400 && test_ok(); iter++) {
		u64 bs = bss[rand() % ARRAY_SIZE(bss)];
		u64 region = ALIGN_UP((u64)(1 + rand() % 16) * G, bs);
		struct virtio_mem_config c =
		    cfg(bs, 4 * G, region, ALIGN_DOWN((u64)rand() % (region + 1), bs));
		struct vmem_state st;
		struct vmem_plan p;
		const char *why;
		REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
		for (unsigned long u = 0; u < st.nr_units; u++)
			if (rand() % 3 == 0 && vmem_unit_usable(&st, u))
				vmem_set_plugged(&st, u, 1, true);
		for (unsigned long mb = 0; mb < st.nr_mb; mb += st.mbs_per_unit) {
			/* an added block with nothing plugged: its removal failed */
			unsigned s = vmem_mb_plugged(&st, mb) || rand() % 8 == 0
					 ? (unsigned)(rand() % VMEM_MB_NR_STATES)
					 : 0;
			for (unsigned i = 0; i < st.mbs_per_unit; i++)
				vmem_set_mb_state(&st, mb + i, (enum vmem_mb_state)s);
		}
		CHECK(vmem_state_check(&st) == 0);
		unsigned long want = (unsigned long)rand() % (st.nr_units + 1);
		unsigned char *seen = calloc(st.nr_units, 1);

		for (unsigned long u = 0; u < st.nr_units; u++)
			if (vmem_is_plugged(&st, u) && rand() % 16 == 0)
				vmem_set_busy(&st, u);
		unsigned long got = vmem_plan_plug(&st, want, &p), sum = 0;
		struct vmem_plan ref;
		ref_plan(&st, want, true, &ref);
		CHECK(same_plan(&p, &ref));
		CHECK(got <= want && got == p.units);
		for (unsigned i = 0; i < p.n; i++) {
			CHECK(p.run[i].nr >= 1 &&
			      p.run[i].nr * vmem_unit_blocks(&st) <= VIRTIO_MEM_MAX_NB_BLOCKS);
			for (unsigned long u = p.run[i].first; u < p.run[i].first + p.run[i].nr; u++) {
				CHECK(u < st.nr_units && !vmem_is_plugged(&st, u) &&
				      vmem_unit_usable(&st, u) && !seen[u]);
				seen[u] = 1;
			}
			sum += p.run[i].nr;
		}
		CHECK(sum == got);
		memset(seen, 0, st.nr_units);
		got = vmem_plan_unplug(&st, want, &p);
		ref_plan(&st, want, false, &ref);
		CHECK(same_plan(&p, &ref));
		sum = 0;
		unsigned last_cls = 0;
		for (unsigned i = 0; i < p.n; i++) {
			for (unsigned long u = p.run[i].first; u < p.run[i].first + p.run[i].nr; u++) {
				CHECK(vmem_is_plugged(&st, u) && !seen[u]);
				seen[u] = 1;
				CHECK(cls_of(&st, u) >= last_cls);
			}
			last_cls = cls_of(&st, p.run[i].first);
			sum += p.run[i].nr;
		}
		CHECK(sum == got && got <= want);
		if (p.n < VMEM_PLAN_MAX)
			CHECK(got == min(want, st.nr_plugged - st.nr_busy));
		free(seen);
		vmem_state_free(&st);
	}
}

/* A 1 TiB region (8192 memory blocks, 524288 units of 2 MiB): a plan looks at the units it takes and
 * the blocks holding them, plus a few, however large the region and wherever the plugged part ends. */
static void t_plan_steps_1t(void)
{
	struct vmem_state st;
	struct vmem_plan p;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 1024 * G, 1024 * G, 1024 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	REQUIRE(st.nr_units == 524288 && st.nr_mb == 8192);

	/* 0 -> 1 GiB: 512 units in 8 unused blocks */
	CHECK(vmem_plan_plug(&st, 512, &p) == 512 && plan_has(&p, 0, 0, 512));
	CHECK(p.steps <= 512 + 8 + 4);
	/* 63 GiB plugged and online, 1 GiB more: starts where the plugged part ends */
	vmem_set_plugged(&st, 0, 63 * 512, true);
	for (unsigned long mb = 0; mb < 63 * 8; mb++)
		vmem_set_mb_state(&st, mb, VMEM_MB_ONLINE_MOVABLE);
	CHECK(vmem_plan_plug(&st, 512, &p) == 512 && plan_has(&p, 0, 63 * 512, 512));
	CHECK(p.steps <= 512 + 8 + 4);
	/* a hole in an online block at the top of the region comes first */
	vmem_set_plugged(&st, st.nr_units - 64, 60, true);
	vmem_set_mb_state(&st, st.nr_mb - 1, VMEM_MB_ONLINE_MOVABLE);
	CHECK(vmem_plan_plug(&st, 6, &p) == 6 && plan_has(&p, 0, st.nr_units - 4, 4) &&
	      plan_has(&p, 1, 63 * 512, 2));
	CHECK(p.steps <= 6 + 2 + 4);
	/* unplug 1 GiB: the top of the movable blocks; the not-added and offline classes are empty */
	CHECK(vmem_plan_unplug(&st, 512, &p) == 512 && plan_has(&p, 0, st.nr_units - 64, 60) &&
	      plan_has(&p, 1, 63 * 512 - 452, 452));
	CHECK(p.steps <= 512 + 8 + 4);
	/* everything: the whole 63 GiB, still no walk over the 961 GiB left unplugged */
	CHECK(vmem_plan_unplug(&st, st.nr_plugged, &p) == st.nr_plugged);
	CHECK(p.steps <= st.nr_plugged + 63 * 8 + 1 + 4);
	CHECK(vmem_state_check(&st) == 0);
	vmem_set_plugged(&st, 0, st.nr_units, false);
	CHECK(st.nr_plugged == 0 && vmem_state_check(&st) == 0);
	vmem_state_free(&st);
}

/* The whole 1 TiB at once, both ways: a plan takes runs of units a bitmap word at a time, so it looks
 * at each memory block and each run piece once, not at each of the 524288 units. Plans are cut at
 * whole memory blocks under 65535 device blocks per run (9 runs of 2 MiB units for 1 TiB). */
static void t_plan_steps_1t_whole(void)
{
	struct vmem_state st;
	struct vmem_plan p;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 1024 * G, 1024 * G, 1024 * G);
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);

	/* runs of 65472 units: the most whole memory blocks (1023) under 65535 device blocks, so no
	 * block is split between two runs (it would be unplugged sub-block by sub-block, not whole) */
	CHECK(vmem_plan_plug(&st, st.nr_units, &p) == st.nr_units);
	CHECK(p.n == 9 && plan_has(&p, 0, 0, 65472) && plan_has(&p, 8, 8 * 65472, st.nr_units - 8 * 65472));
	CHECK(p.steps <= 2 * st.nr_mb + 4);
	vmem_set_plugged(&st, 0, st.nr_units, true);
	CHECK(st.nr_plugged == st.nr_units && vmem_state_check(&st) == 0);
	for (unsigned long mb = 0; mb < st.nr_mb; mb++)
		vmem_set_mb_state(&st, mb, VMEM_MB_ONLINE_MOVABLE);
	/* a busy unit and an unusable one stay out; the runs go around them */
	vmem_set_busy(&st, 1000);
	vmem_set_unusable(&st, 2000, 1, true);
	CHECK(vmem_plan_unplug(&st, st.nr_units, &p) == st.nr_units - 2);
	CHECK(p.steps <= 2 * st.nr_mb + 8);
	unsigned long sum = 0;
	for (unsigned i = 0; i < p.n; i++) {
		sum += p.run[i].nr;
		CHECK(p.run[i].nr <= 65535);
		CHECK(!(p.run[i].first <= 1000 && 1000 < p.run[i].first + p.run[i].nr));
		CHECK(!(p.run[i].first <= 2000 && 2000 < p.run[i].first + p.run[i].nr));
		if (i)
			CHECK(p.run[i].first + p.run[i].nr <= p.run[i - 1].first); /* top down */
	}
	CHECK(sum == st.nr_units - 2 && p.run[0].first + p.run[0].nr == st.nr_units);
	for (unsigned i = 0; i + 1 < p.n; i++) /* the first runs from the top: whole blocks only */
		if (p.run[i].first >= 2048)    /* above the busy and unusable units */
			CHECK(p.run[i].first % 64 == 0 && (p.run[i].first + p.run[i].nr) % 64 == 0);
	vmem_set_plugged(&st, 0, st.nr_units, false);
	CHECK(st.nr_plugged == 0 && st.nr_busy == 0 && st.nr_unusable == 0 && vmem_state_check(&st) == 0);
	vmem_state_free(&st);
}

/* vmem_next_plugged_run against a unit-by-unit walk, on random plugged and busy maps, from every
 * start to a few ends that cut words and runs. */
static void t_next_plugged_run(void)
{
	struct vmem_state st;
	const char *why = NULL;
	struct virtio_mem_config c = cfg(2 * M, 2 * G, 2 * G, 2 * G); /* 1024 units */
	unsigned long seed = 12345;
	REQUIRE(vmem_state_init(&st, "virtio-mem0", &c, &why) == 0);
	for (int round = 0; round < 40; round++) {
		vmem_set_plugged(&st, 0, st.nr_units, false);
		for (unsigned long u = 0; u < st.nr_units; u++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			unsigned r = (unsigned)(seed >> 33) % 8;
			/* long runs in some rounds, single units in others */
			if (round % 2 ? r < 6 : r < 3)
				vmem_set_plugged(&st, u, 1, true);
			if (vmem_is_plugged(&st, u) && r == 0)
				vmem_set_busy(&st, u);
		}
		for (unsigned long start = 0; start < st.nr_units; start += 7) {
			unsigned long ends[] = {st.nr_units, st.nr_units - 1, start + 1, start + 64,
						start + 65};
			for (unsigned i = 0; i < ARRAY_SIZE(ends); i++) {
				unsigned long end = min(ends[i], st.nr_units), e, want_s, want_e;
				for (int skip = 0; skip < 2; skip++) {
					want_s = start;
					while (want_s < end && !(vmem_is_plugged(&st, want_s) &&
								 !(skip && vmem_is_busy(&st, want_s))))
						want_s++;
					want_e = want_s;
					while (want_e < end && vmem_is_plugged(&st, want_e) &&
					       !(skip && vmem_is_busy(&st, want_e)))
						want_e++;
					unsigned long s = vmem_next_plugged_run(&st, start, end, skip, &e);
					CHECK(s == want_s && e == want_e);
				}
			}
		}
	}
	vmem_set_plugged(&st, 0, st.nr_units, false);
	CHECK(vmem_state_check(&st) == 0);
	vmem_state_free(&st);
}

/* hweight64 against a bit-by-bit count: the edges and a spread of words. */
static void t_hweight64(void)
{
	static const u64 words[] = {0,
				    1,
				    ~0ULL,
				    1ULL << 63,
				    0x5555555555555555ULL,
				    0x8000000000000001ULL,
				    0x00ff00ff00ff00ffULL,
				    0x123456789abcdef0ULL};
	u64 x = 0x9e3779b97f4a7c15ULL;

	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]) + 1000; i++) {
		u64 w =
		    i < sizeof(words) / sizeof(words[0]) ? words[i] : (x = x * 6364136223846793005ULL + 1);
		unsigned long n = 0;
		for (int b = 0; b < 64; b++)
			n += (w >> b) & 1;
		CHECK(hweight64(w) == n);
	}
}

int main(void)
{
	host_log_echo = false;
	RUN("virtio-mem", "hweight64 counts the set bits", t_hweight64);
	RUN("virtio-mem", "config accepted", t_config_good);
	RUN("virtio-mem", "config rejected with a reason", t_config_bad);
	RUN("virtio-mem", "layout SBM", t_layout_sbm);
	RUN("virtio-mem", "layout BBM", t_layout_bbm);
	RUN("virtio-mem", "layout misaligned region warns", t_layout_misaligned);
	RUN("virtio-mem", "plan plug order", t_plan_plug_order);
	RUN("virtio-mem", "plan plug below usable_region_size", t_plan_plug_usable);
	RUN("virtio-mem", "plan runs within 65535 blocks", t_plan_run_limit);
	RUN("virtio-mem", "plan capacity", t_plan_capacity);
	RUN("virtio-mem", "plan unplug order", t_plan_unplug_order);
	RUN("virtio-mem", "plans of a whole 1 TiB look at blocks, not units", t_plan_steps_1t_whole);
	RUN("virtio-mem", "next plugged run, a word at a time", t_next_plugged_run);
	RUN("virtio-mem", "state check", t_state_check);
	RUN("virtio-mem", "random states and plans", t_random);
	RUN("virtio-mem", "plans in a 1 TiB region visit what they change", t_plan_steps_1t);
	return test_summary();
}

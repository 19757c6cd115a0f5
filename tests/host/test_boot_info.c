/* host-srcs: kernel/boot_info.c kernel/boot_memmap.c kernel/lib/strutil.c tests/host/boot_blob.c */
/* struct boot_info from PVH and multiboot2 data: hand-made maps shaped like QEMU's and OVMF's, the
 * blobs QEMU really hands over (captured by scripts/capture-boot-info), malformed data that must fail
 * with a clear reason (ASan watches every read), and the normalization rules against a brute-force
 * reference on random maps (TEST_SEED=N repeats a run). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boot_blob.h"
#include "boot_info_captured.h"
#include "host_test.h"
#include "kernel/errno.h"

#define MB2_MAGIC 0x36d76289u
#define MB2_PHYS  0x10000ULL
#define KSTART	  0x100000ULL
#define KEND	  0x140000ULL
#define MiB	  (1ULL << 20)
#define GiB	  (1ULL << 30)

static struct boot_info bi;
static char why[256];

static void fresh(void)
{
	phys_reset();
	memset(&bi, 0x5a, sizeof(bi)); /* the parsers must not depend on a zeroed struct */
	bi.kernel_start = KSTART;
	bi.kernel_end = KEND;
	why[0] = 0;
}

static int parse_pvh(u64 info)
{
	return boot_info_from_pvh(&bi, info, phys_read, why, sizeof(why));
}

static int parse_mb2(u64 info)
{
	return boot_info_from_multiboot2(&bi, info, phys_read, why, sizeof(why));
}

#define N(a) ((u32)(sizeof(a) / sizeof((a)[0])))

/* ---- QEMU-shaped maps (SeaBIOS e820 on q35): low RAM, VGA/BIOS holes, MMCONFIG, BIOS flash ---- */
static void q35_map(u64 mem, struct e820 *m, u32 *n)
{
	u64 low = mem >= 2816 * MiB ? 2 * GiB : mem; /* q35 keeps 2 GiB low from -m 2.75G on */
	u32 k = 0;

	m[k++] = (struct e820){0, 0x9fc00, 1};
	m[k++] = (struct e820){0x9fc00, 0x400, 2};
	m[k++] = (struct e820){0xf0000, 0x10000, 2};
	m[k++] = (struct e820){MiB, low - MiB, 1};
	m[k++] = (struct e820){0xb0000000, 0x10000000, 2};
	m[k++] = (struct e820){0xfeffc000, 0x4000, 2};
	m[k++] = (struct e820){0xfffc0000, 0x40000, 2};
	if (mem > low)
		m[k++] = (struct e820){4 * GiB, mem - low, 1};
	*n = k;
}

static void check_q35(u64 mem, bool multiboot, bool reversed)
{
	struct e820 m[8], in[8];
	u32 n;
	int r;

	fresh();
	q35_map(mem, m, &n);
	for (u32 i = 0; i < n; i++)
		in[i] = m[reversed ? n - 1 - i : i];
	if (multiboot) {
		static struct mb2 mb;

		mb2_begin(&mb);
		mb2_string_tag(&mb, 1, "selftest loglevel=7");
		mb2_string_tag(&mb, 2, "GRUB 2.06");
		mb2_mmap_tag(&mb, in, n, 24);
		mb2_finish(&mb);
		r = parse_mb2(mb2_place(&mb, MB2_PHYS, 0));
	} else {
		r = parse_pvh(pvh_build(1, in, n, "selftest loglevel=7", 0xf59e0));
	}
	if (r)
		printf("INFO: boot_info: %s\n", why);
	REQUIRE(r == 0);
	CHECK(map_equals(&bi, m, n));
	CHECK(boot_info_usable_bytes(&bi) == mem - 0x400 - 0x60000); /* minus the holes below 1 MiB */
	CHECK(!strcmp(bi.cmdline, "selftest loglevel=7"));
	CHECK(!strcmp(bi.loader, multiboot ? "GRUB 2.06" : "PVH"));
	CHECK(multiboot || bi.rsdp == 0xf59e0);
	CHECK(bi.kernel_start == KSTART && bi.kernel_end == KEND);
}

#define Q35(fn, mem, mb, rev)                                                                                \
	static void fn(void)                                                                                 \
	{                                                                                                    \
		check_q35(mem, mb, rev);                                                                     \
	}
Q35(t_pvh_128m, 128 * MiB, false, false)
Q35(t_pvh_3g, 3 * GiB, false, false)
Q35(t_pvh_6g, 6 * GiB, false, true)
Q35(t_mb2_128m, 128 * MiB, true, true)
Q35(t_mb2_3g, 3 * GiB, true, false)
Q35(t_mb2_6g, 6 * GiB, true, false)

/* OVMF through GRUB: many runs of usable memory split by EFI allocations, ACPI NVS and data, and
 * types from beyond E820 (20 and others) that must count as reserved. */
static void t_ovmf_like(void)
{
	static const struct e820 in[] = {
	    {0, 0xa0000, 1},
	    {0x100000, 0x700000, 1},
	    {0x800000, 0x8000, 4},
	    {0x808000, 0x8000, 1},
	    {0x810000, 0xf0000, 4},
	    {0x900000, 0x100000, 1},
	    {0xa00000, 0x1000000, 1},
	    {0x1a00000, 0x1d000000, 1},
	    {0x1ea00000, 0x2000, 20},
	    {0x1ea02000, 0x1000, 20},
	    {0x1ea03000, 0x3fd000, 1},
	    {0x1ee00000, 0x100000, 2},
	    {0x1ef00000, 0x80000, 3},
	    {0x1ef80000, 0x80000, 4},
	    {0x1f000000, 0x1000, 12},
	    {0x1f001000, 0xfff000, 1},
	    {0xb0000000, 0x10000000, 2},
	    {0xffc00000, 0x400000, 2},
	    {0x100000000, 0x40000000, 1},
	    {0xe000000000, 0x800000000, 0},
	};
	static const struct e820 want[] = {
	    {0, 0xa0000, 1},
	    {0x100000, 0x700000, 1},
	    {0x800000, 0x8000, 4},
	    {0x808000, 0x8000, 1},
	    {0x810000, 0xf0000, 4},
	    {0x900000, 0x1e100000, 1},
	    {0x1ea00000, 0x3000, 2},
	    {0x1ea03000, 0x3fd000, 1},
	    {0x1ee00000, 0x100000, 2},
	    {0x1ef00000, 0x80000, 3},
	    {0x1ef80000, 0x80000, 4},
	    {0x1f000000, 0x1000, 2},
	    {0x1f001000, 0xfff000, 1},
	    {0xb0000000, 0x10000000, 2},
	    {0xffc00000, 0x400000, 2},
	    {0x100000000, 0x40000000, 1},
	    {0xe000000000, 0x800000000, 2},
	};
	static struct mb2 mb;

	fresh();
	mb2_begin(&mb);
	mb2_string_tag(&mb, 2, "GRUB 2.06-13+deb12u2");
	mb2_mmap_tag(&mb, in, N(in), 24);
	mb2_finish(&mb);
	REQUIRE(parse_mb2(mb2_place(&mb, MB2_PHYS, 0)) == 0);
	CHECK(map_equals(&bi, want, N(want)));
	CHECK(!strcmp(bi.cmdline, ""));
}

/* Overlapping and unsorted entries: the more restrictive type wins piece by piece. */
static void t_overlaps(void)
{
	static const struct e820 in[] = {
	    {0x200000, 0x100000, 2},   /* reserved inside RAM */
	    {0, 0x1000000, 1},	       /* RAM 0-16M */
	    {0x800000, 0x1000000, 3},  /* ACPI data across the end of RAM */
	    {0x900000, 0x1000, 5},     /* bad inside ACPI data */
	    {0x900000, 0x1000, 2},     /* and reserved on the same page: bad wins */
	    {0x2000000, 0x1000000, 1}, /* RAM 32-48M */
	    {0x2000000, 0x1000000, 1}, /* the same again */
	    {0x3000000, 0x1000000, 1}, /* adjacent RAM: merges */
	    {0x2800000, 0, 2},	       /* empty: dropped */
	    {0x5000000, 0x1000000, 4}, /* NVS over RAM 80-96M ... */
	    {0x4800000, 0x2000000, 1}, /* ... RAM 72-104M */
	};
	static const struct e820 want[] = {
	    {0, 0x200000, 1},	       {0x200000, 0x100000, 2},	 {0x300000, 0x500000, 1},
	    {0x800000, 0x100000, 3},   {0x900000, 0x1000, 5},	 {0x901000, 0xeff000, 3},
	    {0x2000000, 0x2000000, 1}, {0x4800000, 0x800000, 1}, {0x5000000, 0x1000000, 4},
	    {0x6000000, 0x800000, 1},
	};

	fresh();
	REQUIRE(parse_pvh(pvh_build(1, in, N(in), NULL, 0)) == 0);
	CHECK(map_equals(&bi, want, N(want)));
	CHECK(!strcmp(bi.cmdline, ""));
	CHECK(bi.rsdp == 0);
}

/* ---- QEMU's own blobs ---- */
static void t_captured(void)
{
	for (u32 k = 0; k < N(captured_boots); k++) {
		const struct captured_boot *c = &captured_boots[k];
		int r;

		fresh();
		for (u32 i = 0; i < c->nr_chunks; i++)
			phys_add(c->chunks[i].phys, c->chunks[i].bytes, c->chunks[i].len);
		bi.kernel_start = CAPTURED_KERNEL_START;
		bi.kernel_end = CAPTURED_KERNEL_END;
		r = c->magic == MB2_MAGIC ? parse_mb2(c->info) : parse_pvh(c->info);
		printf("INFO: boot_info: %s (%s): %s, loader \"%s\", cmdline \"%s\", %u regions, %llu MiB "
		       "usable, "
		       "RSDP at 0x%llx\n",
		       c->name, c->desc, r ? why : "ok", bi.loader_name, bi.cmdline, bi.nr_regions,
		       (boot_info_usable_bytes(&bi) >> 20), bi.rsdp);
		CHECK(r == 0);
		if (r)
			continue;
		CHECK(bi.rsdp != 0);
		/* Sorted, disjoint, merged, and the -m size shows up (minus firmware's share). */
		for (u32 i = 0; i + 1 < bi.nr_regions; i++) {
			CHECK(bi.regions[i].start + bi.regions[i].size <= bi.regions[i + 1].start);
			CHECK(bi.regions[i].type != bi.regions[i + 1].type ||
			      bi.regions[i].start + bi.regions[i].size != bi.regions[i + 1].start);
		}
		u64 mem = strstr(c->desc, "-m 6G")     ? 6 * GiB
			  : strstr(c->desc, "-m 3G")   ? 3 * GiB
			  : strstr(c->desc, "-m 128M") ? 128 * MiB
						       : 512 * MiB;
		u64 usable = boot_info_usable_bytes(&bi);
		CHECK(usable <= mem && usable >= mem - 64 * MiB);
	}
}

/* ---- the normalization rules against a brute-force reference ---- */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	return test_splitmix64(&rng_state);
}

#define UNITS 256 /* the random maps live in [0, 256 pages) */
#define UNIT  0x1000ULL

static int rank(u32 type)
{
	static const int r[] = {[1] = 0, [3] = 1, [4] = 2, [2] = 3, [5] = 4};

	return type >= 1 && type <= 5 ? r[type] : 3;
}

/* Random maps of up to 40 entries with random (also unknown) types; every page of the result must
 * carry the most restrictive type of the entries covering it, and the regions must be sorted, disjoint,
 * non-empty and merged. */
static void t_random(void)
{
	static const u32 types[] = {1, 1, 1, 2, 3, 4, 5, 20, 0, 7};
	const char *env = getenv("TEST_SEED");
	unsigned long long seed = env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL);
	int rounds = 3000;

	printf("INFO: boot_info: random: seed %llu (TEST_SEED=%llu repeats it), %d maps\n", seed, seed,
	       rounds);
	rng_state = seed;
	for (int round = 0; round < rounds && test_ok(); round++) {
		int want[UNITS];
		u32 n = 1 + (u32)(rnd() % 40);
		bool any_usable = false;
		int r;

		for (u32 u = 0; u < UNITS; u++)
			want[u] = -1;
		bi.nr_regions = n;
		for (u32 i = 0; i < n; i++) {
			u32 a = (u32)(rnd() % UNITS), len = (u32)(rnd() % 48);
			u32 t = types[rnd() % N(types)];

			if (a + len > UNITS)
				len = UNITS - a;
			bi.regions[i] = (struct mem_region){a * UNIT, len * UNIT, t};
			for (u32 u = a; u < a + len; u++)
				if (rank(t) > want[u])
					want[u] = rank(t);
		}
		for (u32 u = 0; u < UNITS; u++)
			any_usable |= want[u] == 0;
		r = boot_info_normalize(&bi, why, sizeof(why));
		if (!any_usable) {
			CHECK(r == -EINVAL && strstr(why, "no usable RAM"));
			continue;
		}
		CHECK(r == 0);
		int got[UNITS];

		for (u32 u = 0; u < UNITS; u++)
			got[u] = -1;
		for (u32 i = 0; i < bi.nr_regions; i++) {
			const struct mem_region *m = &bi.regions[i];

			CHECK(m->size && m->start % UNIT == 0 && m->size % UNIT == 0);
			CHECK(m->type >= 1 && m->type <= 5);
			if (i) {
				const struct mem_region *p = &bi.regions[i - 1];

				CHECK(p->start + p->size <= m->start);
				CHECK(p->start + p->size < m->start || p->type != m->type);
			}
			for (u64 u = m->start / UNIT; u < (m->start + m->size) / UNIT && u < UNITS; u++)
				got[u] = rank(m->type);
		}
		for (u32 u = 0; u < UNITS; u++)
			if (got[u] != want[u]) {
				printf("INFO: boot_info: random: map %d: page %u has rank %d, want %d\n",
				       round, u, got[u], want[u]);
				CHECK(got[u] == want[u]);
				break;
			}
	}
}

int main(void)
{
	RUN("boot_info", "PVH q35 -m 128M", t_pvh_128m);
	RUN("boot_info", "PVH q35 -m 3G", t_pvh_3g);
	RUN("boot_info", "PVH q35 -m 6G (entries reversed)", t_pvh_6g);
	RUN("boot_info", "multiboot2 q35 -m 128M (entries reversed)", t_mb2_128m);
	RUN("boot_info", "multiboot2 q35 -m 3G", t_mb2_3g);
	RUN("boot_info", "multiboot2 q35 -m 6G", t_mb2_6g);
	RUN("boot_info", "multiboot2 OVMF-like map with type 20", t_ovmf_like);
	RUN("boot_info", "overlapping, unsorted, empty entries", t_overlaps);
	RUN("boot_info", "captured QEMU blobs", t_captured);
	RUN("boot_info", "normalize random maps vs reference", t_random);
	return test_summary();
}

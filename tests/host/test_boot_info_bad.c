/* host-srcs: kernel/boot_info.c kernel/boot_memmap.c kernel/lib/strutil.c tests/host/boot_blob.c */
/* Malformed PVH and multiboot2 data: each case must fail with the expected errno and a reason that
 * names the problem, never read outside what the loader handed over (every chunk of fake physical
 * memory is an exact-size malloc under ASan), and never loop. */
#include <stdio.h>
#include <string.h>

#include "boot_blob.h"
#include "host_test.h"
#include "kernel/errno.h"

#define MB2_PHYS 0x10000ULL
#define MiB	 (1ULL << 20)

static struct boot_info bi;
static char why[256];
static struct mb2 mb;

static const struct e820 good_map[] = {
    {0, 0x9fc00, 1},
    {0x9fc00, 0x400, 2},
    {0x100000, 127 * MiB, 1},
};
#define N(a) ((u32)(sizeof(a) / sizeof((a)[0])))

static void fresh(void)
{
	phys_reset();
	memset(&bi, 0, sizeof(bi));
	bi.kernel_start = 0x100000;
	bi.kernel_end = 0x140000;
	why[0] = 0;
}

static int pvh(u64 info)
{
	return boot_info_from_pvh(&bi, info, phys_read, why, sizeof(why));
}

static int mb2(u64 info)
{
	return boot_info_from_multiboot2(&bi, info, phys_read, why, sizeof(why));
}

#define EXPECT_FAIL(call, err, needle)                                                                       \
	do {                                                                                                 \
		int r_ = (call);                                                                             \
		printf("INFO: boot_info: -> %d: %s\n", r_, why);                                             \
		CHECK(r_ == (err));                                                                          \
		CHECK(strstr(why, (needle)) != NULL);                                                        \
	} while (0)

static void put32(void *p, u32 v)
{
	memcpy(p, &v, 4);
}

static void put64(void *p, u64 v)
{
	memcpy(p, &v, 8);
}

/* ---- PVH ---- */
static void t_pvh_unreadable(void)
{
	fresh();
	EXPECT_FAIL(pvh(0x123000), -EFAULT, "cannot be read");
}

static void t_pvh_magic(void)
{
	fresh();
	u64 info = pvh_build(1, good_map, N(good_map), NULL, 0);
	put32(pvh_info(), 0x12345678);
	EXPECT_FAIL(pvh(info), -EINVAL, "magic 0x12345678");
}

static void t_pvh_v0(void)
{
	fresh();
	EXPECT_FAIL(pvh(pvh_build(0, NULL, 0, "x", 0)), -EINVAL, "no memory map");
}

static void t_pvh_v1_truncated(void)
{
	/* Version 1 claimed, but only the 40 bytes of version 0 are there. */
	fresh();
	u64 info = pvh_build(0, NULL, 0, NULL, 0);
	put32((u8 *)pvh_info() + 4, 1);
	EXPECT_FAIL(pvh(info), -EFAULT, "version 1");
}

static void t_pvh_no_entries(void)
{
	fresh();
	EXPECT_FAIL(pvh(pvh_build(1, good_map, 0, NULL, 0)), -EINVAL, "no memory map");
}

static void t_pvh_map_unreadable(void)
{
	fresh();
	u64 info = pvh_build(1, good_map, N(good_map), NULL, 0);
	put32((u8 *)pvh_info() + 48, N(good_map) + 1); /* one entry more than is there */
	EXPECT_FAIL(pvh(info), -EFAULT, "memory map");
}

static void t_pvh_too_many_entries(void)
{
	fresh();
	u64 info = pvh_build(1, good_map, N(good_map), NULL, 0);
	put32((u8 *)pvh_info() + 48, 0x10000000); /* would be 6 GiB of entries */
	EXPECT_FAIL(pvh(info), -E2BIG, "entries");
}

static void t_pvh_wrap(void)
{
	const struct e820 map[] = {{0x100000, 127 * MiB, 1}, {0xfffffffffffff000ULL, 0x2000, 2}};

	fresh();
	EXPECT_FAIL(pvh(pvh_build(1, map, N(map), NULL, 0)), -EINVAL, "past the end of the address space");
}

static void t_pvh_wrap_exact(void)
{
	/* Ending exactly at 2^64 is refused too: an end address must fit in 64 bits. */
	const struct e820 map[] = {{0x100000, 127 * MiB, 1}, {0xfffffffffffff000ULL, 0x1000, 2}};

	fresh();
	EXPECT_FAIL(pvh(pvh_build(1, map, N(map), NULL, 0)), -EINVAL, "0xfffffffffffff000");
}

static void t_pvh_no_usable(void)
{
	const struct e820 map[] = {{0, 0x9fc00, 2}, {0x100000, 127 * MiB, 3}, {0x8000000, MiB, 20}};

	fresh();
	bi.kernel_start = bi.kernel_end = 0;
	EXPECT_FAIL(pvh(pvh_build(1, map, N(map), NULL, 0)), -EINVAL, "no usable RAM");
}

static void t_pvh_too_many_regions(void)
{
	/* 130 alternating pages of RAM and reserved: no merging helps. */
	static struct e820 map[130];

	for (u32 i = 0; i < N(map); i++)
		map[i] = (struct e820){0x100000 + i * 0x1000ULL, 0x1000, i % 2 ? 2 : 1};
	fresh();
	bi.kernel_start = bi.kernel_end = 0;
	EXPECT_FAIL(pvh(pvh_build(1, map, N(map), NULL, 0)), -E2BIG, "more than 128 regions");
}

static void t_pvh_many_entries_merge(void)
{
	/* 500 entries that merge into one region are fine. */
	static struct e820 map[500];

	for (u32 i = 0; i < N(map); i++)
		map[N(map) - 1 - i] = (struct e820){0x100000 + i * 0x100000ULL, 0x100000, 1};
	fresh();
	CHECK(pvh(pvh_build(1, map, N(map), NULL, 0)) == 0);
	CHECK(bi.nr_regions == 1 && bi.regions[0].size == 500 * MiB);
}

static void t_pvh_cmdline_unterminated(void)
{
	fresh();
	u64 info = pvh_build(1, good_map, N(good_map), NULL, 0);
	put64((u8 *)pvh_info() + 24, 0x9000);
	phys_add(0x9000, "no terminator", 13); /* the chunk ends before a NUL */
	EXPECT_FAIL(pvh(info), -EFAULT, "command line at 0x9000 cannot be read (byte 13)");
}

static void t_pvh_cmdline_too_long(void)
{
	char line[BOOT_CMDLINE_MAX + 1];

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	fresh();
	EXPECT_FAIL(pvh(pvh_build(1, good_map, N(good_map), line, 0)), -E2BIG, "longer than 1023 bytes");
	line[BOOT_CMDLINE_MAX - 1] = 0; /* 1023 characters fit */
	fresh();
	CHECK(pvh(pvh_build(1, good_map, N(good_map), line, 0)) == 0);
	CHECK(strlen(bi.cmdline) == BOOT_CMDLINE_MAX - 1);
}

/* ---- the kernel image ---- */
static void t_kernel_in_hole(void)
{
	const struct e820 map[] = {{0, 0x9fc00, 1}, {0x200000, 126 * MiB, 1}};

	fresh();
	EXPECT_FAIL(pvh(pvh_build(1, map, N(map), NULL, 0)), -EINVAL,
		    "kernel image [0x100000-0x140000) is not in usable RAM: the map has a hole at "
		    "[0x100000-0x140000)");
}

static void t_kernel_over_reserved(void)
{
	const struct e820 map[] = {{0, 0x9fc00, 1}, {0x100000, 127 * MiB, 1}, {0x13f000, 0x1000, 2}};

	fresh();
	EXPECT_FAIL(pvh(pvh_build(1, map, N(map), NULL, 0)), -EINVAL,
		    "kernel image [0x100000-0x140000) is not in usable RAM: it overlaps reserved "
		    "[0x13f000-0x140000)");
}

static void t_kernel_past_map(void)
{
	const struct e820 map[] = {{0, 0x9fc00, 1}, {0x100000, 0x20000, 1}};

	fresh();
	EXPECT_FAIL(pvh(pvh_build(1, map, N(map), NULL, 0)), -EINVAL, "the map ends before 0x120000");
}

static void t_kernel_inverted(void)
{
	fresh();
	bi.kernel_start = 0x140000;
	bi.kernel_end = 0x100000;
	EXPECT_FAIL(pvh(pvh_build(1, good_map, N(good_map), NULL, 0)), -EINVAL, "empty or inverted");
}

/* ---- multiboot2 ---- */
static void good_mb2(void)
{
	mb2_begin(&mb);
	mb2_string_tag(&mb, 1, "loglevel=7");
	mb2_mmap_tag(&mb, good_map, N(good_map), 24);
}

static void t_mb2_misaligned(void)
{
	fresh();
	good_mb2();
	mb2_finish(&mb);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS + 4, 0)), -EINVAL, "not 8-byte aligned");
}

static void t_mb2_unreadable(void)
{
	fresh();
	EXPECT_FAIL(mb2(MB2_PHYS), -EFAULT, "cannot be read");
}

static void t_mb2_total_size(void)
{
	fresh();
	good_mb2();
	mb2_finish(&mb);
	put32(mb.buf, 8); /* room for no tag at all */
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "total_size 8 is absurd");

	fresh();
	put32(mb.buf, 0x7fffffff);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "total_size 2147483647 is absurd");

	fresh();
	put32(mb.buf, mb.len + 64); /* claims more than the loader handed over */
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EFAULT, "cannot be read");
}

static void t_mb2_tag_size_small(void)
{
	for (u32 size = 0; size < 8; size += 4) {
		fresh();
		mb2_begin(&mb);
		u32 off = mb2_string_tag(&mb, 2, "GRUB");
		mb2_mmap_tag(&mb, good_map, N(good_map), 24);
		mb2_finish(&mb);
		put32(mb.buf + off + 4, size); /* a zero size would loop forever in a naive walk */
		EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "(< 8)");
	}
}

static void t_mb2_tag_past_end(void)
{
	fresh();
	good_mb2();
	u32 off = mb2_string_tag(&mb, 2, "GRUB");
	mb2_finish(&mb);
	put32(mb.buf + off + 4, 4096);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "runs past total_size");
}

static void t_mb2_no_end(void)
{
	fresh();
	good_mb2();
	put32(mb.buf, mb.len); /* tags fill total_size exactly, but none is the end tag */
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "no end tag");
}

static void t_mb2_no_mmap(void)
{
	fresh();
	mb2_begin(&mb);
	mb2_string_tag(&mb, 1, "x");
	mb2_finish(&mb);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "no memory map");
}

static void t_mb2_entry_size(void)
{
	static const u32 bad[] = {0, 8, 16, 20, 28};

	for (u32 i = 0; i < N(bad); i++) {
		fresh();
		mb2_begin(&mb);
		u32 off = mb2_mmap_tag(&mb, good_map, N(good_map), 24);
		mb2_finish(&mb);
		put32(mb.buf + off + 8, bad[i]);
		EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "entry_size");
	}
	/* Larger entries (a newer entry_version) are read by their first 24 bytes. */
	fresh();
	mb2_begin(&mb);
	mb2_mmap_tag(&mb, good_map, N(good_map), 40);
	mb2_finish(&mb);
	CHECK(mb2(mb2_place(&mb, MB2_PHYS, 0)) == 0);
	CHECK(bi.nr_regions == 3 && bi.regions[2].size == 127 * MiB);
}

static void t_mb2_mmap_size(void)
{
	fresh();
	mb2_begin(&mb);
	u32 off = mb2_mmap_tag(&mb, good_map, N(good_map), 24);
	mb2_finish(&mb);
	put32(mb.buf + off + 4, 16 + 24 * 3 - 8); /* the last entry cut in half */
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "not 16 + a multiple of entry_size 24");

	fresh();
	put32(mb.buf + off + 4, 12); /* shorter than the tag's own header */
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "has no header");
}

static void t_mb2_duplicate_mmap(void)
{
	fresh();
	good_mb2();
	mb2_mmap_tag(&mb, good_map, N(good_map), 24);
	mb2_finish(&mb);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "two memory map tags");
}

static void t_mb2_strings(void)
{
	char line[BOOT_CMDLINE_MAX + 1];

	fresh();
	mb2_begin(&mb);
	mb2_tag(&mb, 1, "abc", 3); /* no NUL inside the tag */
	mb2_mmap_tag(&mb, good_map, N(good_map), 24);
	mb2_finish(&mb);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "command line tag is not NUL-terminated");

	memset(line, 'b', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	fresh();
	mb2_begin(&mb);
	mb2_string_tag(&mb, 1, line);
	mb2_mmap_tag(&mb, good_map, N(good_map), 24);
	mb2_finish(&mb);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -E2BIG, "longer than 1023 bytes");

	/* A long boot loader name is only cut. */
	fresh();
	mb2_begin(&mb);
	mb2_string_tag(&mb, 2, line);
	mb2_mmap_tag(&mb, good_map, N(good_map), 24);
	mb2_finish(&mb);
	CHECK(mb2(mb2_place(&mb, MB2_PHYS, 0)) == 0);
	CHECK(strlen(bi.loader) == BOOT_LOADER_MAX - 1);

	fresh();
	mb2_begin(&mb);
	mb2_string_tag(&mb, 1, "a");
	mb2_string_tag(&mb, 1, "b");
	mb2_mmap_tag(&mb, good_map, N(good_map), 24);
	mb2_finish(&mb);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "two command line tags");
}

static void t_mb2_rsdp(void)
{
	u8 rsdp[36] = "RSD PTR ";
	u32 off_old, off_new;

	/* The RSDP is the copy inside the tag: its address is the tag's payload. */
	fresh();
	good_mb2();
	off_old = mb2_tag(&mb, 14, rsdp, 20);
	mb2_finish(&mb);
	CHECK(mb2(mb2_place(&mb, MB2_PHYS, 0)) == 0);
	CHECK(bi.rsdp == MB2_PHYS + off_old + 8);

	fresh();
	good_mb2();
	off_new = mb2_tag(&mb, 15, rsdp, 36);
	off_old = mb2_tag(&mb, 14, rsdp, 20);
	mb2_finish(&mb);
	CHECK(mb2(mb2_place(&mb, MB2_PHYS, 0)) == 0);
	CHECK(bi.rsdp == MB2_PHYS + off_new + 8); /* the ACPI 2.0 copy wins */
	(void)off_old;

	fresh();
	good_mb2();
	mb2_tag(&mb, 15, rsdp, 20);
	mb2_finish(&mb);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "new RSDP tag holds 20 bytes, less than 36");

	fresh();
	good_mb2();
	mb2_tag(&mb, 14, "RSD PTX 0123456789012", 20);
	mb2_finish(&mb);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -EINVAL, "does not hold an RSDP");
}

static void t_mb2_too_many_entries(void)
{
	static struct e820 map[513];

	for (u32 i = 0; i < N(map); i++)
		map[i] = (struct e820){0x100000 + i * 0x100000ULL, 0x100000, 1};
	fresh();
	mb2_begin(&mb);
	mb2_mmap_tag(&mb, map, N(map), 24);
	mb2_finish(&mb);
	EXPECT_FAIL(mb2(mb2_place(&mb, MB2_PHYS, 0)), -E2BIG, "more than 512 entries");
}

/* Every truncation of a good structure (total_size kept, fewer bytes readable) fails cleanly, and every
 * corruption of one byte of its tag headers either parses or fails with a reason: never a crash. */
static void t_mb2_fuzz_headers(void)
{
	static struct mb2 good;
	u32 len;

	mb2_begin(&good);
	mb2_string_tag(&good, 1, "selftest");
	mb2_string_tag(&good, 2, "GRUB 2.06");
	mb2_mmap_tag(&good, good_map, N(good_map), 24);
	mb2_tag(&good, 14, "RSD PTR 012345678901", 20);
	mb2_finish(&good);
	len = good.len;
	for (u32 cut = 8; cut < len; cut += 8) {
		fresh();
		CHECK(mb2(mb2_place(&good, MB2_PHYS, cut)) == -EFAULT);
	}
	for (u32 at = 0; at < len; at++)
		for (u32 v = 0; v < 256; v += 17) {
			fresh();
			memcpy(&mb, &good, sizeof(mb));
			mb.buf[at] = (u8)v;
			int r = mb2(mb2_place(&mb, MB2_PHYS, len));
			CHECK(r == 0 || (r < 0 && why[0]));
			if (!test_ok()) {
				printf("INFO: boot_info: byte %u = 0x%x: %d\n", at, v, r);
				return;
			}
		}
}

int main(void)
{
	host_log_echo = false;
	RUN("boot_info_bad", "PVH info unreadable", t_pvh_unreadable);
	RUN("boot_info_bad", "PVH bad magic", t_pvh_magic);
	RUN("boot_info_bad", "PVH version 0 has no memory map", t_pvh_v0);
	RUN("boot_info_bad", "PVH version 1 info truncated", t_pvh_v1_truncated);
	RUN("boot_info_bad", "PVH zero map entries", t_pvh_no_entries);
	RUN("boot_info_bad", "PVH map shorter than its count", t_pvh_map_unreadable);
	RUN("boot_info_bad", "PVH absurd entry count", t_pvh_too_many_entries);
	RUN("boot_info_bad", "PVH entry wraps past 2^64", t_pvh_wrap);
	RUN("boot_info_bad", "PVH entry ends at 2^64", t_pvh_wrap_exact);
	RUN("boot_info_bad", "PVH no usable RAM", t_pvh_no_usable);
	RUN("boot_info_bad", "PVH more than 128 regions", t_pvh_too_many_regions);
	RUN("boot_info_bad", "PVH 500 entries that merge are fine", t_pvh_many_entries_merge);
	RUN("boot_info_bad", "PVH command line unterminated", t_pvh_cmdline_unterminated);
	RUN("boot_info_bad", "PVH command line too long", t_pvh_cmdline_too_long);
	RUN("boot_info_bad", "kernel image in a hole", t_kernel_in_hole);
	RUN("boot_info_bad", "kernel image over reserved", t_kernel_over_reserved);
	RUN("boot_info_bad", "kernel image past the map", t_kernel_past_map);
	RUN("boot_info_bad", "kernel image inverted", t_kernel_inverted);
	RUN("boot_info_bad", "multiboot2 misaligned", t_mb2_misaligned);
	RUN("boot_info_bad", "multiboot2 unreadable", t_mb2_unreadable);
	RUN("boot_info_bad", "multiboot2 absurd total_size", t_mb2_total_size);
	RUN("boot_info_bad", "multiboot2 tag size < 8", t_mb2_tag_size_small);
	RUN("boot_info_bad", "multiboot2 tag past total_size", t_mb2_tag_past_end);
	RUN("boot_info_bad", "multiboot2 no end tag", t_mb2_no_end);
	RUN("boot_info_bad", "multiboot2 no memory map", t_mb2_no_mmap);
	RUN("boot_info_bad", "multiboot2 memory map entry_size", t_mb2_entry_size);
	RUN("boot_info_bad", "multiboot2 memory map tag size", t_mb2_mmap_size);
	RUN("boot_info_bad", "multiboot2 two memory maps", t_mb2_duplicate_mmap);
	RUN("boot_info_bad", "multiboot2 strings", t_mb2_strings);
	RUN("boot_info_bad", "multiboot2 ACPI RSDP tags", t_mb2_rsdp);
	RUN("boot_info_bad", "multiboot2 more than 512 entries", t_mb2_too_many_entries);
	RUN("boot_info_bad", "multiboot2 truncations and corrupted bytes", t_mb2_fuzz_headers);
	return test_summary();
}

/* host-srcs: boot/efi/convert.c kernel/boot_info.c kernel/boot_memmap.c kernel/lib/strutil.c tests/host/boot_blob.c */
/* hotmem.efi's firmware-free half (boot/efi/convert.c): the UEFI memory map OVMF really handed over
 * (tests/host/efi_map_captured.h) converted to E820 and through the multiboot2 information into the
 * kernel's own parser, so the EFI path gives the struct boot_info the GRUB path gives; malformed maps,
 * kernels that are not ELF, for another machine, cut short or with overlapping segments; load
 * options that are and are not a command line. ASan watches every read. */
#include <stdlib.h>
#include <string.h>

#include "../../boot/efi/efi_boot.h"
#include "boot_blob.h"
#include "host_test.h"

#include "efi_map_captured.h"

#define NCAP (sizeof(ovmf_512m_map) / sizeof(ovmf_512m_map[0]))

static char why[256];
static struct efi_e820 out[512];

/* A map of n descriptors of desc_size bytes (the rest of each descriptor filled with 0xee), in its
 * own malloc of exactly that size. */
static u8 *map_of(const struct efi_mem_desc *d, size_t n, size_t desc_size)
{
	u8 *m = malloc(n * desc_size + 1);

	memset(m, 0xee, n * desc_size);
	for (size_t i = 0; i < n; i++)
		memcpy(m + i * desc_size, &d[i], sizeof(d[i]));
	return m;
}

/* The kernel's E820 map for the captured map: what hotmem printed when booted by hotmem.efi. */
static const struct efi_e820 want_512m[] = {
    {0x0, 0xa0000, 1, 0},	  {0x100000, 0x706000, 1, 0},	{0x806000, 0x2000, 4, 0},
    {0x808000, 0x8000, 1, 0},	  {0x810000, 0xf0000, 4, 0},	{0x900000, 0x1e1a0000, 1, 0},
    {0x1eaa0000, 0x102000, 2, 0}, {0x1eba2000, 0x94a000, 1, 0}, {0x1f4ec000, 0x280000, 2, 0},
    {0x1f76c000, 0x12000, 3, 0},  {0x1f77e000, 0x80000, 4, 0},	{0x1f7fe000, 0x6f6000, 1, 0},
    {0x1fef4000, 0x84000, 2, 0},  {0x1ff78000, 0x88000, 4, 0},	{0xb0000000, 0x10000000, 2, 0},
    {0xffc00000, 0x400000, 2, 0},
};

static void t_captured(void)
{
	u8 *m = map_of(ovmf_512m_map, NCAP, 48);
	int n = efi_memmap_to_e820(m, NCAP * 48, 48, out, 512, why, sizeof(why));

	REQUIRE(n == (int)(sizeof(want_512m) / sizeof(want_512m[0])));
	for (int i = 0; i < n; i++) {
		CHECK(out[i].addr == want_512m[i].addr);
		CHECK(out[i].len == want_512m[i].len);
		CHECK(out[i].type == want_512m[i].type);
		CHECK(out[i].zero == 0);
	}
	/* The same map in reverse order converts to the same entries. */
	struct efi_mem_desc rev[NCAP];
	for (size_t i = 0; i < NCAP; i++)
		rev[i] = ovmf_512m_map[NCAP - 1 - i];
	u8 *r = map_of(rev, NCAP, 40);
	struct efi_e820 out2[64];
	CHECK(efi_memmap_to_e820(r, NCAP * 40, 40, out2, 64, why, sizeof(why)) == n);
	CHECK(!memcmp(out2, out, (size_t)n * sizeof(out[0])));
	free(m);
	free(r);
}

/* The converted map, the command line, the loader name and the RSDP reach struct boot_info through
 * the kernel's multiboot2 parser as they would through GRUB. */
static void t_through_kernel_parser(void)
{
	static u8 buf[16384] __attribute__((aligned(8)));
	u8 *m = map_of(ovmf_512m_map, NCAP, 48);
	int n = efi_memmap_to_e820(m, NCAP * 48, 48, out, 512, why, sizeof(why));
	u8 rsdp[36] = "RSD PTR ";
	struct boot_info bi;
	u64 size;

	REQUIRE(n > 0);
	rsdp[15] = 2;
	rsdp[20] = 36;
	CHECK(efi_mb2_build(buf, 64, "x", "GNU-EFI 3.0.15", out, (u32)n, rsdp) == 0); /* too small */
	size = efi_mb2_build(buf, sizeof(buf), "loglevel=8 movablecore=64M", "GNU-EFI 3.0.15", out, (u32)n,
			     rsdp);
	REQUIRE(size > 0 && size <= efi_mb2_size((u32)n, strlen("loglevel=8 movablecore=64M")));
	phys_reset();
	phys_add(0x10000, buf, size);
	memset(&bi, 0x5a, sizeof(bi));
	bi.kernel_start = 0x100000;
	bi.kernel_end = 0x300000;
	REQUIRE(boot_info_from_multiboot2(&bi, 0x10000, phys_read, why, sizeof(why)) == 0);
	CHECK(!strcmp(bi.loader, "GNU-EFI 3.0.15"));
	CHECK(!strcmp(bi.cmdline, "loglevel=8 movablecore=64M"));
	CHECK(bi.rsdp != 0 && bi.rsdp > 0x10000 && bi.rsdp < 0x10000 + size);
	REQUIRE(bi.nr_regions == (u32)n);
	for (int i = 0; i < n; i++) {
		CHECK(bi.regions[i].start == want_512m[i].addr);
		CHECK(bi.regions[i].size == want_512m[i].len);
	}
	CHECK(boot_info_usable_bytes(&bi) == 530112512ULL); /* what the kernel printed under OVMF */
	/* A revision 0 RSDP goes into tag 14 (20 bytes) and is found the same way. */
	rsdp[15] = 0;
	size = efi_mb2_build(buf, sizeof(buf), "", "GNU-EFI 3.0.15", out, (u32)n, rsdp);
	phys_reset();
	phys_add(0x10000, buf, size);
	REQUIRE(boot_info_from_multiboot2(&bi, 0x10000, phys_read, why, sizeof(why)) == 0);
	CHECK(bi.rsdp > 0x10000 && bi.cmdline[0] == '\0');
	phys_reset();
	free(m);
}

static int conv(const struct efi_mem_desc *d, size_t n)
{
	u8 *m = map_of(d, n, 40);
	int r = efi_memmap_to_e820(m, n * 40, 40, out, 512, why, sizeof(why));

	free(m);
	return r;
}

static void t_types(void)
{
	/* Every memory type: 0..15 and beyond. */
	static const u32 want[] = {2, 1, 1, 1, 1, 2, 2, 1, 5, 3, 4, 2, 2, 2, 2, 2, 2};
	for (u32 t = 0; t < sizeof(want) / sizeof(want[0]); t++)
		CHECK(efi_mem_type_to_e820(t, 0xf) == want[t]);
	CHECK(efi_mem_type_to_e820(0x80000000u, 0) == 2); /* OEM range */
	CHECK(efi_mem_type_to_e820(7, 0x40000) == 2);	  /* specific-purpose memory is not for general use */
	/* Neighbours of one E820 type merge even when their UEFI types differ; empty ones vanish. */
	struct efi_mem_desc d[] = {{7, 0, 0x0, 0, 16, 0},
				   {4, 0, 0x10000, 0, 16, 0},
				   {3, 0, 0x30000, 0, 0, 0},
				   {1, 0, 0x20000, 0, 16, 0},
				   {6, 0, 0x30000, 0, 1, 0}};
	REQUIRE(conv(d, 5) == 2);
	CHECK(out[0].addr == 0 && out[0].len == 0x30000 && out[0].type == 1);
	CHECK(out[1].addr == 0x30000 && out[1].len == 0x1000 && out[1].type == 2);
	/* The top page of the address space is fine. */
	struct efi_mem_desc top[] = {{7, 0, 0x100000, 0, 1, 0}, {0, 0, 0xfffffffffffff000ULL, 0, 1, 0}};
	CHECK(conv(top, 2) == 2);
}

static void t_malformed(void)
{
	struct efi_mem_desc ok[] = {{7, 0, 0x100000, 0, 256, 0}};
	u8 *m = map_of(ok, 1, 40);

	CHECK(efi_memmap_to_e820(m, 40, 32, out, 8, why, sizeof(why)) < 0 &&
	      strstr(why, "descriptor size 32"));
	CHECK(efi_memmap_to_e820(m, 40, 44, out, 8, why, sizeof(why)) < 0 && strstr(why, "multiple of 8"));
	CHECK(efi_memmap_to_e820(m, 0, 40, out, 8, why, sizeof(why)) < 0 && strstr(why, "map size 0"));
	CHECK(efi_memmap_to_e820(m, 36, 40, out, 8, why, sizeof(why)) < 0 && strstr(why, "map size 36"));
	CHECK(efi_memmap_to_e820(m, 40, 40, out, 8, why, sizeof(why)) == 1);
	free(m);

	struct efi_mem_desc unaligned[] = {{7, 0, 0x100800, 0, 1, 0}};
	CHECK(conv(unaligned, 1) < 0 && strstr(why, "not 4 KiB aligned"));
	struct efi_mem_desc wrap[] = {{7, 0, 0xfffffffffff00000ULL, 0, 0x101, 0}};
	CHECK(conv(wrap, 1) < 0 && strstr(why, "past 2^64"));
	struct efi_mem_desc huge[] = {{7, 0, 0x1000, 0, 0xffffffffffffffffULL, 0}};
	CHECK(conv(huge, 1) < 0 && strstr(why, "past 2^64"));
	struct efi_mem_desc overlap[] = {{7, 0, 0x100000, 0, 16, 0}, {0, 0, 0x10f000, 0, 4, 0}};
	CHECK(conv(overlap, 2) < 0 && strstr(why, "overlaps"));
	struct efi_mem_desc inside[] = {{7, 0, 0x100000, 0, 16, 0}, {7, 0, 0x104000, 0, 1, 0}};
	CHECK(conv(inside, 2) < 0 && strstr(why, "overlaps"));
	struct efi_mem_desc before[] = {{7, 0, 0x200000, 0, 16, 0}, {2, 0, 0x1ff000, 0, 2, 0}};
	CHECK(conv(before, 2) < 0 && strstr(why, "overlaps"));
	struct efi_mem_desc none[] = {{0, 0, 0x0, 0, 16, 0}, {5, 0, 0x10000, 0, 16, 0}};
	CHECK(conv(none, 2) < 0 && strstr(why, "no usable memory"));
	/* More entries than the output holds: alternating types cannot merge. */
	struct efi_mem_desc many[10];
	for (u32 i = 0; i < 10; i++)
		many[i] = (struct efi_mem_desc){i % 2 ? 0 : 7, 0, (u64)i << 12, 0, 1, 0};
	u8 *mm = map_of(many, 10, 40);
	CHECK(efi_memmap_to_e820(mm, 400, 40, out, 9, why, sizeof(why)) < 0 && strstr(why, "more than 9"));
	CHECK(efi_memmap_to_e820(mm, 400, 40, out, 10, why, sizeof(why)) == 10);
	free(mm);
}

/* ---- the kernel ELF ---- */
struct test_elf {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
	struct {
		u32 type, flags;
		u64 offset, vaddr, paddr, filesz, memsz, align;
	} ph[3];
	u8 data[0x100];
};

static struct test_elf good_elf(void)
{
	struct test_elf e;

	memset(&e, 0, sizeof(e));
	memcpy(e.ident,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	e.type = 2;
	e.machine = 62;
	e.version = 1;
	e.entry = 0xffffffff80100010ULL;
	e.phoff = 64;
	e.ehsize = 64;
	e.phentsize = 56;
	e.phnum = 3;
	/* text (executable), data (bss after it), a note that is not loaded */
	e.ph[0].type = 1;
	e.ph[0].flags = 5;
	e.ph[0].offset = offsetof(struct test_elf, data);
	e.ph[0].vaddr = 0xffffffff80100000ULL;
	e.ph[0].paddr = 0x100000;
	e.ph[0].filesz = e.ph[0].memsz = 0x80;
	e.ph[1].type = 1;
	e.ph[1].flags = 6;
	e.ph[1].offset = offsetof(struct test_elf, data) + 0x80;
	e.ph[1].vaddr = 0xffffffff80101000ULL;
	e.ph[1].paddr = 0x101000;
	e.ph[1].filesz = 0x80;
	e.ph[1].memsz = 0x10000;
	e.ph[2].type = 4;
	return e;
}

static int check_elf(const struct test_elf *e, size_t len, struct efi_elf *out_elf)
{
	u8 *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, e, len);
	r = efi_elf_check(copy, len, out_elf, why, sizeof(why));
	free(copy);
	return r;
}

static void t_elf(void)
{
	struct test_elf e = good_elf();
	struct efi_elf elf;

	REQUIRE(check_elf(&e, sizeof(e), &elf) == 0);
	CHECK(elf.entry == 0x100010 && elf.nr_segs == 2);
	CHECK(elf.segs[0].paddr == 0x100000 && elf.segs[1].memsz == 0x10000);
	/* Segments listed out of order come out sorted. */
	struct test_elf sw = e;
	sw.ph[0] = e.ph[1];
	sw.ph[1] = e.ph[0];
	REQUIRE(check_elf(&sw, sizeof(sw), &elf) == 0);
	CHECK(elf.segs[0].paddr == 0x100000 && elf.segs[1].paddr == 0x101000);

	CHECK(check_elf(&e, 10, &elf) < 0 && strstr(why, "10 bytes, less than an ELF header"));
	struct test_elf b = e;
	memcpy(b.ident, "MZ", 2);
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "not an ELF file"));
	b = e;
	b.ident[4] = 1;
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "64-bit little-endian"));
	b = e;
	b.machine = 183; /* AArch64 */
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "machine 183, not x86_64"));
	b = e;
	b.type = 3;
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "not an executable"));
	b = e;
	b.phoff = 0x10000;
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "program headers"));
	b = e;
	b.phnum = 60000;
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "program headers"));
	/* Cut short: the data segment's bytes are past the end. */
	CHECK(check_elf(&e, offsetof(struct test_elf, data) + 0x90, &elf) < 0 && strstr(why, "cut short"));
	b = e;
	b.ph[1].filesz = 0x20000;
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "larger than memory size"));
	b = e;
	b.ph[1].paddr = 0x100040; /* inside the text segment */
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "overlaps the segment before"));
	b = e;
	b.ph[0].paddr = 0x101000 + 0xff00; /* text placed over the end of data, listed first */
	b.ph[0].vaddr = 0xffffffff80110f00ULL;
	b.entry = 0xffffffff80110f10ULL;
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 &&
	      strstr(why, "segment 1 at 0x101000 overlaps the segment after"));
	b = e;
	b.ph[1].paddr = 0x0ff000; /* data below text, reaching into it */
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "overlaps the segment after"));
	b = e;
	b.ph[1].paddr = 0xfffff000;
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "above 4 GiB"));
	b = e;
	b.ph[1].paddr = 0xfffffffffffff000ULL; /* would wrap */
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "above 4 GiB"));
	b = e;
	b.entry = 0xffffffff80101010ULL; /* in the data segment, not executable */
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "in no executable segment"));
	b = e;
	b.ph[0].type = b.ph[1].type = 6;
	CHECK(check_elf(&b, sizeof(b), &elf) < 0 && strstr(why, "no loadable segment"));
}

/* ---- load options ---- */
static int opts(const char *ascii, size_t extra_bytes, char *dst, size_t dst_size)
{
	size_t n = strlen(ascii);
	u16 *w = malloc((n + 1) * 2 + extra_bytes);
	int r;

	for (size_t i = 0; i < n; i++)
		w[i] = (u8)ascii[i];
	w[n] = 0;
	r = efi_cmdline_from_ucs2(w, n * 2 + extra_bytes, dst, dst_size, why, sizeof(why));
	free(w);
	return r;
}

static void t_cmdline(void)
{
	char line[32];

	CHECK(opts("loglevel=8 movablecore=1G", 2, line, sizeof(line)) == 1 &&
	      !strcmp(line, "loglevel=8 movablecore=1G"));
	CHECK(opts("  spaced  ", 0, line, sizeof(line)) == 1 && !strcmp(line, "spaced")); /* no NUL */
	CHECK(opts("", 2, line, sizeof(line)) == 1 && !strcmp(line, ""));
	CHECK(opts("x", 1, line, sizeof(line)) == 0 && line[0] == '\0'); /* odd size */
	CHECK(efi_cmdline_from_ucs2(NULL, 0, line, sizeof(line), why, sizeof(why)) == 0);
	/* A boot manager's binary data (a GUID) is not a command line. */
	static const u16 guid[8] = {0x8be4, 0xdf61, 0x93ca, 0x11d2, 0xe0aa, 0x0098, 0x2b03, 0x8c1c};
	CHECK(efi_cmdline_from_ucs2(guid, sizeof(guid), line, sizeof(line), why, sizeof(why)) == 0);
	CHECK(opts("0123456789012345678901234567890", 2, line, sizeof(line)) == 1);
	CHECK(opts("01234567890123456789012345678901", 2, line, sizeof(line)) < 0 &&
	      strstr(why, "32 characters, more than 31"));
}

int main(void)
{
	RUN("efi", "OVMF's captured map to E820", t_captured);
	RUN("efi", "multiboot2 information through the kernel's parser", t_through_kernel_parser);
	RUN("efi", "memory types and merging", t_types);
	RUN("efi", "malformed memory maps", t_malformed);
	RUN("efi", "kernel ELF checks", t_elf);
	RUN("efi", "load options", t_cmdline);
	return test_summary();
}

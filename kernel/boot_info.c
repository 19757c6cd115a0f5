/* struct boot_info from the loader's data: a PVH hvm_start_info or a multiboot2 information structure.
 * Every byte of loader data is read through the caller's boot_phys_reader and every length is checked
 * against its container before use; the host tests (tests/host/test_boot_info.c) feed malformed blobs
 * under ASan. The raw memory map then goes through boot_info_normalize's rules (boot_memmap.c). */
#include "kernel/boot_info.h"
#include "kernel/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

/* ---- PVH: Xen's public/arch-x86/hvm/start_info.h, which QEMU implements ---- */
#define PVH_START_MAGIC 0x336ec578u

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	/* version 1 and later */
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
};
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");
#define PVH_V0_SIZE offsetof(struct hvm_start_info, memmap_paddr)
_Static_assert(PVH_V0_SIZE == 40, "hvm_start_info version 0 size");

struct hvm_memmap_table_entry {
	u64 addr;
	u64 size;
	u32 type; /* E820 types */
	u32 reserved;
};
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry layout");

/* ---- multiboot2: the Multiboot2 specification, section 3.6 ---- */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_INFO_MAX (1u << 20) /* no loader hands over a megabyte of tags: a larger size is corrupt */

struct mb2_info_header {
	u32 total_size;
	u32 reserved;
};

struct mb2_tag {
	u32 type;
	u32 size; /* header included, padding to 8 bytes excluded */
};

struct mb2_mmap_tag {
	u32 type;
	u32 size;
	u32 entry_size;
	u32 entry_version;
};

struct mb2_mmap_entry {
	u64 base;
	u64 len;
	u32 type; /* E820 types */
	u32 zero;
};
_Static_assert(sizeof(struct mb2_info_header) == 8 && sizeof(struct mb2_tag) == 8, "multiboot2 layout");
_Static_assert(sizeof(struct mb2_mmap_tag) == 16 && sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap layout");

/* The ACPI RSDP is 20 bytes (revision 0) or 36 (revision 2, with the XSDT address). */
#define RSDP_V1_SIZE 20
#define RSDP_V2_SIZE 36

/* Writes the reason for a failure into why and returns err. */
static __printf(4, 5) int fail(char *why, size_t why_len, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

#define HEX(x) ((unsigned long long)(x))

/* Copies len bytes of loader data at phys into dst, so nothing depends on the data's alignment. */
static bool read_phys(boot_phys_reader rd, u64 phys, void *dst, u64 len)
{
	const void *p = rd(phys, len);

	if (!p)
		return false;
	memcpy(dst, p, len);
	return true;
}

/* Clears what the parsers fill; the caller's kernel_start/kernel_end stay. */
static void reset(struct boot_info *bi, const char *loader)
{
	u64 ks = bi->kernel_start, ke = bi->kernel_end;

	memset(bi, 0, sizeof(*bi));
	bi->kernel_start = ks;
	bi->kernel_end = ke;
	strlcpy(bi->loader_name, loader, sizeof(bi->loader_name));
	bi->loader = bi->loader_name;
}

/* ---- the raw memory map, before normalization ---- */

/* Maps have more raw entries than normalized regions (OVMF lists many adjacent runs of one type). */
#define BOOT_MAX_RAW 512
static struct mem_region raw_map[BOOT_MAX_RAW];
static u32 nr_raw;

static u32 mem_type_from_e820(u32 t)
{
	return t >= MEM_USABLE && t <= MEM_BAD ? t : MEM_RESERVED;
}

/* Appends one loader entry. Empty entries are dropped; an entry that runs past 2^64 is an error. */
static int add_raw(u64 start, u64 size, u32 e820_type, char *why, size_t why_len)
{
	if (!size)
		return 0;
	if (size > UINT64_MAX - start)
		return fail(why, why_len, -EINVAL,
			    "memory map entry at 0x%llx of size 0x%llx runs past the end of the address space",
			    HEX(start), HEX(size));
	if (nr_raw == BOOT_MAX_RAW)
		return fail(why, why_len, -E2BIG, "memory map has more than %u entries", BOOT_MAX_RAW);
	raw_map[nr_raw++] = (struct mem_region){ start, size, mem_type_from_e820(e820_type) };
	return 0;
}

/* ---- PVH ---- */

/* Copies the NUL-terminated command line at phys (it has no length field): byte by byte, so a line
 * that ends just before unreadable memory is fine. phys 0 means no command line. */
static int read_cmdline_at(struct boot_info *bi, boot_phys_reader rd, u64 phys, char *why, size_t why_len)
{
	if (!phys)
		return 0;
	for (u32 i = 0; i < BOOT_CMDLINE_MAX; i++) {
		const char *c = phys + i >= phys ? rd(phys + i, 1) : NULL;

		if (!c)
			return fail(why, why_len, -EFAULT, "command line at 0x%llx cannot be read (byte %u)",
				    HEX(phys), i);
		bi->cmdline[i] = *c;
		if (!*c)
			return 0;
	}
	bi->cmdline[0] = '\0';
	return fail(why, why_len, -E2BIG, "command line at 0x%llx is longer than %u bytes", HEX(phys),
		    BOOT_CMDLINE_MAX - 1);
}

/* Normalizes the raw map into bi and checks it can carry the kernel (boot_info_normalize). */
static int finish(struct boot_info *bi, char *why, size_t why_len);

int boot_info_from_pvh(struct boot_info *bi, u64 info, boot_phys_reader rd, char *why, size_t why_len)
{
	struct hvm_start_info si;
	int err;

	reset(bi, "PVH");
	nr_raw = 0;
	if (!read_phys(rd, info, &si, PVH_V0_SIZE))
		return fail(why, why_len, -EFAULT, "PVH: start info at 0x%llx cannot be read", HEX(info));
	if (si.magic != PVH_START_MAGIC)
		return fail(why, why_len, -EINVAL, "PVH: start info at 0x%llx has magic 0x%x, not 0x%x",
			    HEX(info), si.magic, PVH_START_MAGIC);
	/* Later versions only append fields, so anything from version 1 on has the memory map. */
	if (si.version == 0)
		return fail(why, why_len, -EINVAL,
			    "PVH: no memory map: start info version 0 has none (Xen gives it by hypercall)");
	if (!read_phys(rd, info, &si, sizeof(si)))
		return fail(why, why_len, -EFAULT, "PVH: start info version %u at 0x%llx cannot be read",
			    si.version, HEX(info));
	if (!si.memmap_entries || !si.memmap_paddr)
		return fail(why, why_len, -EINVAL, "PVH: no memory map (%u entries at 0x%llx)", si.memmap_entries,
			    HEX(si.memmap_paddr));
	if (si.memmap_entries > BOOT_MAX_RAW)
		return fail(why, why_len, -E2BIG, "PVH: memory map has %u entries, more than %u", si.memmap_entries,
			    BOOT_MAX_RAW);

	const struct hvm_memmap_table_entry *map =
		rd(si.memmap_paddr, (u64)si.memmap_entries * sizeof(struct hvm_memmap_table_entry));
	if (!map)
		return fail(why, why_len, -EFAULT, "PVH: memory map (%u entries at 0x%llx) cannot be read",
			    si.memmap_entries, HEX(si.memmap_paddr));
	for (u32 i = 0; i < si.memmap_entries; i++) {
		struct hvm_memmap_table_entry e;

		memcpy(&e, &map[i], sizeof(e));
		err = add_raw(e.addr, e.size, e.type, why, why_len);
		if (err)
			return err;
	}

	err = read_cmdline_at(bi, rd, si.cmdline_paddr, why, why_len);
	if (err)
		return err;
	bi->rsdp = si.rsdp_paddr;
	return finish(bi, why, why_len);
}

/* ---- multiboot2 ---- */

/* Copies the NUL-terminated string in a tag's payload (len bytes at p) into dst. An unterminated
 * string is malformed; one longer than dst is an error when must_fit, else cut. */
static int copy_tag_string(char *dst, size_t dst_size, const u8 *p, u32 len, bool must_fit, const char *what,
			   char *why, size_t why_len)
{
	size_t n = strnlen((const char *)p, len);

	if (n == len)
		return fail(why, why_len, -EINVAL, "multiboot2: %s tag is not NUL-terminated", what);
	if (n >= dst_size && must_fit)
		return fail(why, why_len, -E2BIG, "multiboot2: %s is longer than %zu bytes", what, dst_size - 1);
	strlcpy(dst, (const char *)p, dst_size);
	return 0;
}

/* The memory map tag at tag (size bytes, already checked to lie inside the information). */
static int parse_mb2_mmap(const u8 *tag, u32 size, char *why, size_t why_len)
{
	struct mb2_mmap_tag h;

	if (size < sizeof(h))
		return fail(why, why_len, -EINVAL, "multiboot2: memory map tag of %u bytes has no header", size);
	memcpy(&h, tag, sizeof(h));
	if (h.entry_size < sizeof(struct mb2_mmap_entry) || h.entry_size % 8)
		return fail(why, why_len, -EINVAL,
			    "multiboot2: memory map entry_size %u (must be a multiple of 8, at least 24)",
			    h.entry_size);
	if ((size - sizeof(h)) % h.entry_size)
		return fail(why, why_len, -EINVAL,
			    "multiboot2: memory map tag size %u is not 16 + a multiple of entry_size %u", size,
			    h.entry_size);
	for (u32 off = sizeof(h); off < size; off += h.entry_size) {
		struct mb2_mmap_entry e;
		int err;

		memcpy(&e, tag + off, sizeof(e));
		err = add_raw(e.base, e.len, e.type, why, why_len);
		if (err)
			return err;
	}
	return 0;
}

/* An ACPI RSDP tag holds a copy of the RSDP; we want the physical address of that copy. */
static int parse_mb2_rsdp(struct boot_info *bi, u64 payload_phys, const u8 *payload, u32 len, bool v2,
			  char *why, size_t why_len)
{
	u32 need = v2 ? RSDP_V2_SIZE : RSDP_V1_SIZE;

	if (len < need)
		return fail(why, why_len, -EINVAL, "multiboot2: ACPI %s RSDP tag holds %u bytes, less than %u",
			    v2 ? "new" : "old", len, need);
	if (memcmp(payload, "RSD PTR ", 8))
		return fail(why, why_len, -EINVAL, "multiboot2: ACPI %s RSDP tag does not hold an RSDP",
			    v2 ? "new" : "old");
	if (v2 || !bi->rsdp) /* the ACPI 2.0 copy wins: it leads to the XSDT */
		bi->rsdp = payload_phys;
	return 0;
}

int boot_info_from_multiboot2(struct boot_info *bi, u64 info, boot_phys_reader rd, char *why, size_t why_len)
{
	struct mb2_info_header hdr;
	const u8 *base;
	bool seen_mmap = false, seen_end = false, seen_cmdline = false, seen_name = false;
	u32 off;
	int err;

	reset(bi, "multiboot2");
	nr_raw = 0;
	if (info % 8)
		return fail(why, why_len, -EINVAL, "multiboot2: information at 0x%llx is not 8-byte aligned",
			    HEX(info));
	if (!read_phys(rd, info, &hdr, sizeof(hdr)))
		return fail(why, why_len, -EFAULT, "multiboot2: information at 0x%llx cannot be read", HEX(info));
	if (hdr.total_size < sizeof(hdr) + sizeof(struct mb2_tag) || hdr.total_size > MB2_INFO_MAX)
		return fail(why, why_len, -EINVAL, "multiboot2: total_size %u is absurd (16 to %u bytes expected)",
			    hdr.total_size, MB2_INFO_MAX);
	base = rd(info, hdr.total_size);
	if (!base)
		return fail(why, why_len, -EFAULT, "multiboot2: information at 0x%llx (%u bytes) cannot be read",
			    HEX(info), hdr.total_size);

	/* Each tag advances the walk by at least 8 bytes, so it ends within total_size / 8 steps. */
	for (off = sizeof(hdr); off + sizeof(struct mb2_tag) <= hdr.total_size;) {
		struct mb2_tag tag;
		const u8 *payload = base + off + sizeof(tag);
		u32 len;

		memcpy(&tag, base + off, sizeof(tag));
		if (tag.size < sizeof(tag))
			return fail(why, why_len, -EINVAL, "multiboot2: tag type %u at offset %u has size %u (< 8)",
				    tag.type, off, tag.size);
		if (tag.size > hdr.total_size - off)
			return fail(why, why_len, -EINVAL,
				    "multiboot2: tag type %u at offset %u (size %u) runs past total_size %u",
				    tag.type, off, tag.size, hdr.total_size);
		len = tag.size - (u32)sizeof(tag);
		err = 0;
		switch (tag.type) {
		case MB2_TAG_END:
			seen_end = true;
			break;
		case MB2_TAG_CMDLINE:
			if (seen_cmdline)
				return fail(why, why_len, -EINVAL, "multiboot2: two command line tags");
			seen_cmdline = true;
			err = copy_tag_string(bi->cmdline, sizeof(bi->cmdline), payload, len, true, "command line",
					      why, why_len);
			break;
		case MB2_TAG_LOADER_NAME:
			if (seen_name)
				return fail(why, why_len, -EINVAL, "multiboot2: two boot loader name tags");
			seen_name = true;
			/* Only shown to people: a long name is cut, not refused. */
			err = copy_tag_string(bi->loader_name, sizeof(bi->loader_name), payload, len, false,
					      "boot loader name", why, why_len);
			break;
		case MB2_TAG_MMAP:
			if (seen_mmap)
				return fail(why, why_len, -EINVAL, "multiboot2: two memory map tags");
			seen_mmap = true;
			err = parse_mb2_mmap(base + off, tag.size, why, why_len);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			err = parse_mb2_rsdp(bi, info + off + sizeof(tag), payload, len,
					     tag.type == MB2_TAG_ACPI_NEW, why, why_len);
			break;
		default:
			break; /* tags we do not need */
		}
		if (err)
			return err;
		if (seen_end)
			break;
		off += ALIGN_UP(tag.size, 8u);
	}
	if (!seen_end)
		return fail(why, why_len, -EINVAL, "multiboot2: no end tag within total_size %u", hdr.total_size);
	if (!seen_mmap)
		return fail(why, why_len, -EINVAL, "multiboot2: no memory map (tag 6 missing)");
	return finish(bi, why, why_len);
}

/* ---- normalization ---- */

/* How restrictive a type is: where entries overlap the highest rank wins, so RAM that is also listed
 * as anything else is not RAM. */
static int type_rank(u32 type)
{
	switch (type) {
	case MEM_USABLE:
		return 0;
	case MEM_ACPI_RECLAIM:
		return 1;
	case MEM_ACPI_NVS:
		return 2;
	case MEM_RESERVED:
		return 3;
	default: /* MEM_BAD */
		return 4;
	}
}

static void sort_u64(u64 *a, u32 n)
{
	/* Shell sort: no recursion, no allocation, fast enough for a thousand boundaries. */
	for (u32 gap = n / 2; gap; gap /= 2)
		for (u32 i = gap; i < n; i++)
			for (u32 j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
				u64 t = a[j];

				a[j] = a[j - gap];
				a[j - gap] = t;
			}
}

/* Rebuilds bi->regions from raw_map[0..nr_raw): every boundary of every entry cuts the address space
 * into pieces; each piece takes the most restrictive type of the entries covering it (none: a hole);
 * neighbouring pieces of one type merge. Needs each entry non-empty and not wrapping (add_raw). */
static int normalize_raw(struct boot_info *bi, char *why, size_t why_len)
{
	static u64 cut[2 * BOOT_MAX_RAW];
	u32 nr_cut = 0, n = 0;

	for (u32 i = 0; i < nr_raw; i++) {
		cut[nr_cut++] = raw_map[i].start;
		cut[nr_cut++] = raw_map[i].start + raw_map[i].size;
	}
	sort_u64(cut, nr_cut);

	for (u32 c = 0; c + 1 < nr_cut; c++) {
		u64 a = cut[c], b = cut[c + 1];
		int best = -1;
		u32 type = 0;

		if (a == b)
			continue;
		for (u32 i = 0; i < nr_raw; i++) {
			const struct mem_region *r = &raw_map[i];

			if (r->start <= a && a < r->start + r->size && type_rank(r->type) > best) {
				best = type_rank(r->type);
				type = r->type;
			}
		}
		if (best < 0)
			continue; /* a hole */
		if (n && bi->regions[n - 1].type == type && bi->regions[n - 1].start + bi->regions[n - 1].size == a) {
			bi->regions[n - 1].size += b - a;
			continue;
		}
		if (n == BOOT_MAX_REGIONS)
			return fail(why, why_len, -E2BIG,
				    "memory map has more than %u regions after merging (the %u-th starts at 0x%llx)",
				    BOOT_MAX_REGIONS, BOOT_MAX_REGIONS + 1, HEX(a));
		bi->regions[n++] = (struct mem_region){ a, b - a, type };
	}
	bi->nr_regions = n;
	return 0;
}

int boot_info_normalize(struct boot_info *bi, char *why, size_t why_len)
{
	int err;

	nr_raw = 0;
	for (u32 i = 0; i < bi->nr_regions && i < BOOT_MAX_REGIONS; i++) {
		const struct mem_region *r = &bi->regions[i];

		err = add_raw(r->start, r->size, r->type, why, why_len);
		if (err)
			return err;
	}
	err = normalize_raw(bi, why, why_len);
	if (err)
		return err;
	if (!boot_info_usable_bytes(bi))
		return fail(why, why_len, -EINVAL, "memory map has no usable RAM (%u regions)", bi->nr_regions);
	return 0;
}

/* Checks that [kernel_start, kernel_end) lies in one usable region (it is skipped while both are 0). */
static int check_kernel_image(const struct boot_info *bi, char *why, size_t why_len)
{
	u64 ks = bi->kernel_start, ke = bi->kernel_end, at = ks;

	if (!ks && !ke)
		return 0;
	if (ke <= ks)
		return fail(why, why_len, -EINVAL, "kernel image [0x%llx-0x%llx) is empty or inverted", HEX(ks),
			    HEX(ke));
	for (u32 i = 0; i < bi->nr_regions; i++) {
		const struct mem_region *r = &bi->regions[i];
		u64 end = r->start + r->size;

		if (end <= at)
			continue;
		if (r->start > at) /* a hole below r */
			return fail(why, why_len, -EINVAL,
				    "kernel image [0x%llx-0x%llx) is not in usable RAM: the map has a hole at "
				    "[0x%llx-0x%llx)",
				    HEX(ks), HEX(ke), HEX(at), HEX(min(r->start, ke)));
		if (r->type != MEM_USABLE)
			return fail(why, why_len, -EINVAL,
				    "kernel image [0x%llx-0x%llx) is not in usable RAM: it overlaps [0x%llx-0x%llx) "
				    "(type %u)",
				    HEX(ks), HEX(ke), HEX(r->start), HEX(end), r->type);
		if (end >= ke)
			return 0;
		at = end;
	}
	return fail(why, why_len, -EINVAL,
		    "kernel image [0x%llx-0x%llx) is not in usable RAM: the map ends before 0x%llx", HEX(ks),
		    HEX(ke), HEX(at));
}

static int finish(struct boot_info *bi, char *why, size_t why_len)
{
	int err = normalize_raw(bi, why, why_len);

	if (err)
		return err;
	if (!boot_info_usable_bytes(bi))
		return fail(why, why_len, -EINVAL, "memory map has no usable RAM (%u entries, %u regions)", nr_raw,
			    bi->nr_regions);
	return check_kernel_image(bi, why, why_len);
}

u64 boot_info_usable_bytes(const struct boot_info *bi)
{
	u64 sum = 0;

	for (u32 i = 0; i < bi->nr_regions; i++)
		if (bi->regions[i].type == MEM_USABLE)
			sum += bi->regions[i].size;
	return sum;
}

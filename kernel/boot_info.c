/* struct boot_info from the loader's data: a PVH hvm_start_info or a multiboot2 information structure.
 * Every byte of loader data is read through the caller's boot_phys_reader and every length is checked
 * against its container before use; the host tests (tests/host/test_boot_info.c) feed malformed blobs
 * under ASan. The raw memory map then goes through the rules of boot_memmap.c. */
#include "kernel/boot_info.h"
#include "kernel/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "boot_memmap.h"

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
#define MB2_TAG_END	    0
#define MB2_TAG_CMDLINE	    1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MMAP	    6
#define MB2_TAG_ACPI_OLD    14
#define MB2_TAG_ACPI_NEW    15
#define MB2_INFO_MAX	    (1u << 20) /* no loader hands over a megabyte of tags: a larger size is corrupt */

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

#define HEX(x) ((x))

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

/* ---- PVH ---- */

/* Copies the NUL-terminated command line at phys (it has no length field): byte by byte, so a line
 * that ends just before unreadable memory is fine. phys 0 means no command line. */
static int read_cmdline_at(struct boot_info *bi, boot_phys_reader rd, u64 phys, char *why, size_t why_len)
{
	if (!phys)
		return 0;
	for (u32 i = 0; i < BOOT_CMDLINE_MAX; i++) {
		const char *c = phys + i >= phys ? rd(phys + i, 1) : NULL;

		if (!c) {
			bi->cmdline[0] = '\0';
			return boot_fail(why, why_len, -EFAULT,
					 "command line at 0x%llx cannot be read (byte %u)", HEX(phys), i);
		}
		bi->cmdline[i] = *c;
		if (!*c)
			return 0;
	}
	bi->cmdline[0] = '\0';
	return boot_fail(why, why_len, -E2BIG, "command line at 0x%llx is longer than %u bytes", HEX(phys),
			 BOOT_CMDLINE_MAX - 1);
}

int boot_info_from_pvh(struct boot_info *bi, u64 info, boot_phys_reader rd, char *why, size_t why_len)
{
	struct hvm_start_info si;
	int err;

	reset(bi, "PVH");
	boot_memmap_begin();
	if (!read_phys(rd, info, &si, PVH_V0_SIZE))
		return boot_fail(why, why_len, -EFAULT, "PVH: start info at 0x%llx cannot be read",
				 HEX(info));
	if (si.magic != PVH_START_MAGIC)
		return boot_fail(why, why_len, -EINVAL, "PVH: start info at 0x%llx has magic 0x%x, not 0x%x",
				 HEX(info), si.magic, PVH_START_MAGIC);
	/* Later versions only append fields, so anything from version 1 on has the memory map. */
	if (si.version == 0)
		return boot_fail(
		    why, why_len, -EINVAL,
		    "PVH: no memory map: start info version 0 has none (Xen gives it by hypercall)");
	if (!read_phys(rd, info, &si, sizeof(si)))
		return boot_fail(why, why_len, -EFAULT, "PVH: start info version %u at 0x%llx cannot be read",
				 si.version, HEX(info));
	if (!si.memmap_entries || !si.memmap_paddr)
		return boot_fail(why, why_len, -EINVAL, "PVH: no memory map (%u entries at 0x%llx)",
				 si.memmap_entries, HEX(si.memmap_paddr));
	if (si.memmap_entries > BOOT_MAX_RAW)
		return boot_fail(why, why_len, -E2BIG, "PVH: memory map has %u entries, more than %u",
				 si.memmap_entries, BOOT_MAX_RAW);

	const struct hvm_memmap_table_entry *map =
	    rd(si.memmap_paddr, (u64)si.memmap_entries * sizeof(struct hvm_memmap_table_entry));
	if (!map)
		return boot_fail(why, why_len, -EFAULT,
				 "PVH: memory map (%u entries at 0x%llx) cannot be read", si.memmap_entries,
				 HEX(si.memmap_paddr));
	for (u32 i = 0; i < si.memmap_entries; i++) {
		struct hvm_memmap_table_entry e;

		memcpy(&e, &map[i], sizeof(e));
		err = boot_memmap_add(e.addr, e.size, e.type, why, why_len);
		if (err)
			return err;
	}

	err = read_cmdline_at(bi, rd, si.cmdline_paddr, why, why_len);
	if (err)
		return err;
	bi->rsdp = si.rsdp_paddr;
	return boot_memmap_finish(bi, why, why_len);
}

/* ---- multiboot2 ---- */

/* Copies the NUL-terminated string in a tag's payload (len bytes at p) into dst. An unterminated
 * string is malformed; one longer than dst is an error when must_fit, else cut. */
static int copy_tag_string(char *dst, size_t dst_size, const u8 *p, u32 len, bool must_fit, const char *what,
			   char *why, size_t why_len)
{
	size_t n = strnlen((const char *)p, len);

	if (n == len)
		return boot_fail(why, why_len, -EINVAL, "multiboot2: %s tag is not NUL-terminated", what);
	if (n >= dst_size && must_fit)
		return boot_fail(why, why_len, -E2BIG, "multiboot2: %s is longer than %zu bytes", what,
				 dst_size - 1);
	strlcpy(dst, (const char *)p, dst_size);
	return 0;
}

/* The memory map tag at tag (size bytes, already checked to lie inside the information). */
static int parse_mb2_mmap(const u8 *tag, u32 size, char *why, size_t why_len)
{
	struct mb2_mmap_tag h;

	if (size < sizeof(h))
		return boot_fail(why, why_len, -EINVAL,
				 "multiboot2: memory map tag of %u bytes has no header", size);
	memcpy(&h, tag, sizeof(h));
	if (h.entry_size < sizeof(struct mb2_mmap_entry) || h.entry_size % 8)
		return boot_fail(
		    why, why_len, -EINVAL,
		    "multiboot2: memory map entry_size %u (must be a multiple of 8, at least 24)",
		    h.entry_size);
	if ((size - sizeof(h)) % h.entry_size)
		return boot_fail(why, why_len, -EINVAL,
				 "multiboot2: memory map tag size %u is not 16 + a multiple of entry_size %u",
				 size, h.entry_size);
	for (u32 off = sizeof(h); off < size; off += h.entry_size) {
		struct mb2_mmap_entry e;
		int err;

		memcpy(&e, tag + off, sizeof(e));
		err = boot_memmap_add(e.base, e.len, e.type, why, why_len);
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
		return boot_fail(why, why_len, -EINVAL,
				 "multiboot2: ACPI %s RSDP tag holds %u bytes, less than %u",
				 v2 ? "new" : "old", len, need);
	if (memcmp(payload, "RSD PTR ", 8))
		return boot_fail(why, why_len, -EINVAL, "multiboot2: ACPI %s RSDP tag does not hold an RSDP",
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
	boot_memmap_begin();
	if (info % 8)
		return boot_fail(why, why_len, -EINVAL,
				 "multiboot2: information at 0x%llx is not 8-byte aligned", HEX(info));
	if (!read_phys(rd, info, &hdr, sizeof(hdr)))
		return boot_fail(why, why_len, -EFAULT, "multiboot2: information at 0x%llx cannot be read",
				 HEX(info));
	if (hdr.total_size < sizeof(hdr) + sizeof(struct mb2_tag) || hdr.total_size > MB2_INFO_MAX)
		return boot_fail(why, why_len, -EINVAL,
				 "multiboot2: total_size %u is absurd (16 to %u bytes expected)",
				 hdr.total_size, MB2_INFO_MAX);
	base = rd(info, hdr.total_size);
	if (!base)
		return boot_fail(why, why_len, -EFAULT,
				 "multiboot2: information at 0x%llx (%u bytes) cannot be read", HEX(info),
				 hdr.total_size);

	/* Each tag advances the walk by at least 8 bytes, so it ends within total_size / 8 steps. */
	for (off = sizeof(hdr); off + sizeof(struct mb2_tag) <= hdr.total_size;) {
		struct mb2_tag tag;
		const u8 *payload = base + off + sizeof(tag);
		u32 len;

		memcpy(&tag, base + off, sizeof(tag));
		if (tag.size < sizeof(tag))
			return boot_fail(why, why_len, -EINVAL,
					 "multiboot2: tag type %u at offset %u has size %u (< 8)", tag.type,
					 off, tag.size);
		if (tag.size > hdr.total_size - off)
			return boot_fail(
			    why, why_len, -EINVAL,
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
				return boot_fail(why, why_len, -EINVAL, "multiboot2: two command line tags");
			seen_cmdline = true;
			err = copy_tag_string(bi->cmdline, sizeof(bi->cmdline), payload, len, true,
					      "command line", why, why_len);
			break;
		case MB2_TAG_LOADER_NAME:
			if (seen_name)
				return boot_fail(why, why_len, -EINVAL,
						 "multiboot2: two boot loader name tags");
			seen_name = true;
			/* Only shown to people: a long name is cut, not refused. */
			err = copy_tag_string(bi->loader_name, sizeof(bi->loader_name), payload, len, false,
					      "boot loader name", why, why_len);
			break;
		case MB2_TAG_MMAP:
			if (seen_mmap)
				return boot_fail(why, why_len, -EINVAL, "multiboot2: two memory map tags");
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
		return boot_fail(why, why_len, -EINVAL, "multiboot2: no end tag within total_size %u",
				 hdr.total_size);
	if (!seen_mmap)
		return boot_fail(why, why_len, -EINVAL, "multiboot2: no memory map (tag 6 missing)");
	return boot_memmap_finish(bi, why, why_len);
}

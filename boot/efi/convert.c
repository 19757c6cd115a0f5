/* hotmem.efi's checks and conversions that need no firmware (efi_boot.h): they run in the loader and,
 * unchanged, in the host tests. No libc: the loader has none, so the few string helpers are here. */
#include "efi_boot.h"

/* ---- reasons: "text", numbers in hex and decimal, appended into why ---- */
struct why {
	char *buf;
	size_t len, used;
};

static void w_str(struct why *w, const char *s)
{
	while (*s && w->used + 1 < w->len)
		w->buf[w->used++] = *s++;
	if (w->len)
		w->buf[w->used] = '\0';
}

static void w_num(struct why *w, u64 v, unsigned base)
{
	char tmp[24];
	int n = 0;

	if (base == 16)
		w_str(w, "0x");
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n) {
		char c[2] = {tmp[--n], '\0'};
		w_str(w, c);
	}
}

/* Up to three pieces of text with a hex number after the first two ("segment ", 2, " at ", 0x1000, ...);
 * enough for every reason here. */
static int fail(char *buf, size_t len, const char *a, u64 x, const char *b, u64 y, const char *c)
{
	struct why w = {buf, len, 0};

	if (len)
		buf[0] = '\0';
	w_str(&w, a);
	if (b) {
		w_num(&w, x, x < 4096 ? 10 : 16);
		w_str(&w, b);
		if (c) {
			w_num(&w, y, y < 4096 ? 10 : 16);
			w_str(&w, c);
		}
	}
	return -1;
}

static void copy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
}

static void zero(void *dst, size_t n)
{
	u8 *d = dst;

	while (n--)
		*d++ = 0;
}

/* ---- the kernel ELF (the System V gABI and the x86_64 psABI: field layouts) ---- */
struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr layout");

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr layout");

#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define ET_EXEC	    2
#define EM_X86_64   62
#define PT_LOAD	    1
#define PF_X	    1
#define LIMIT_32BIT (1ULL << 32)

int efi_elf_check(const void *img, u64 len, struct efi_elf *elf, char *why, size_t why_len)
{
	struct elf64_ehdr eh;
	const u8 *file = img;
	bool entry_found = false;

	zero(elf, sizeof(*elf));
	if (len < sizeof(eh))
		return fail(why, why_len, "the file has ", len, " bytes, less than an ELF header (64)", 0,
			    NULL);
	copy(&eh, img, sizeof(eh));
	if (eh.ident[0] != 0x7f || eh.ident[1] != 'E' || eh.ident[2] != 'L' || eh.ident[3] != 'F')
		return fail(why, why_len, "not an ELF file (no \\x7fELF magic)", 0, NULL, 0, NULL);
	if (eh.ident[4] != ELFCLASS64 || eh.ident[5] != ELFDATA2LSB)
		return fail(why, why_len, "not a 64-bit little-endian ELF (class ", eh.ident[4], ", data ",
			    eh.ident[5], ")");
	if (eh.machine != EM_X86_64)
		return fail(why, why_len, "an ELF for machine ", eh.machine, ", not x86_64 (62)", 0, NULL);
	if (eh.type != ET_EXEC)
		return fail(why, why_len, "ELF type ", eh.type, ", not an executable (2)", 0, NULL);
	if (eh.phentsize != sizeof(struct elf64_phdr))
		return fail(why, why_len, "program header size ", eh.phentsize, ", not 56", 0, NULL);
	if (eh.phnum == 0 || eh.phoff > len || (u64)eh.phnum * sizeof(struct elf64_phdr) > len - eh.phoff)
		return fail(why, why_len, "the program headers (", eh.phnum, " at offset ", eh.phoff,
			    ") are not inside the file");

	for (u32 i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		struct efi_elf_seg *s;

		copy(&ph, file + eh.phoff + (u64)i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (elf->nr_segs == EFI_ELF_MAX_SEGS)
			return fail(why, why_len, "more than ", EFI_ELF_MAX_SEGS, " loadable segments", 0,
				    NULL);
		if (ph.filesz > ph.memsz)
			return fail(why, why_len, "segment ", i, ": file size larger than memory size", 0,
				    NULL);
		if (ph.offset > len || ph.filesz > len - ph.offset)
			return fail(why, why_len, "segment ", i,
				    ": its bytes end past the end of the file (at ", len,
				    "): the file is cut short");
		if (ph.paddr >= LIMIT_32BIT || ph.memsz > LIMIT_32BIT - ph.paddr)
			return fail(why, why_len, "segment ", i, " at ", ph.paddr,
				    " reaches above 4 GiB (the kernel is entered in 32-bit mode)");
		if (eh.entry - ph.vaddr < ph.memsz && (ph.flags & PF_X)) {
			elf->entry = ph.paddr + (eh.entry - ph.vaddr);
			entry_found = true;
		}
		/* Insert sorted by paddr, refusing overlaps with either neighbour. */
		u32 at = elf->nr_segs;
		while (at && elf->segs[at - 1].paddr > ph.paddr)
			at--;
		if (at && elf->segs[at - 1].paddr + elf->segs[at - 1].memsz > ph.paddr)
			return fail(why, why_len, "segment ", i, " at ", ph.paddr,
				    " overlaps the segment before it in memory");
		if (at < elf->nr_segs && ph.paddr + ph.memsz > elf->segs[at].paddr)
			return fail(why, why_len, "segment ", i, " at ", ph.paddr,
				    " overlaps the segment after it in memory");
		for (u32 j = elf->nr_segs; j > at; j--)
			elf->segs[j] = elf->segs[j - 1];
		s = &elf->segs[at];
		s->offset = ph.offset;
		s->paddr = ph.paddr;
		s->filesz = ph.filesz;
		s->memsz = ph.memsz;
		elf->nr_segs++;
	}
	if (!elf->nr_segs)
		return fail(why, why_len, "no loadable segment", 0, NULL, 0, NULL);
	if (!entry_found)
		return fail(why, why_len, "the entry point ", eh.entry, " is in no executable segment", 0,
			    NULL);
	return 0;
}

/* ---- the memory map ---- */
/* UEFI 2.10 table 7.10, EFI_MEMORY_TYPE */
enum {
	EFI_RESERVED = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_CODE = 3,
	EFI_BOOT_DATA = 4,
	EFI_CONVENTIONAL = 7,
	EFI_UNUSABLE = 8,
	EFI_ACPI_RECLAIM = 9,
	EFI_ACPI_NVS = 10,
};
#define EFI_MEMORY_SP 0x40000ULL /* specific-purpose memory: not for general use */

u32 efi_mem_type_to_e820(u32 efi_type, u64 attribute)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_CODE:
	case EFI_BOOT_DATA:
	case EFI_CONVENTIONAL:
		return attribute & EFI_MEMORY_SP ? 2 : 1;
	case EFI_UNUSABLE:
		return 5;
	case EFI_ACPI_RECLAIM:
		return 3;
	case EFI_ACPI_NVS:
		return 4;
	default:
		return 2;
	}
}

int efi_memmap_to_e820(const void *map, u64 map_size, u64 desc_size, struct efi_e820 *out, u32 max, char *why,
		       size_t why_len)
{
	u32 n = 0;
	bool usable = false;

	if (desc_size < sizeof(struct efi_mem_desc) || desc_size % 8)
		return fail(why, why_len, "memory map descriptor size ", desc_size,
			    " (at least 40, a multiple of 8)", 0, NULL);
	if (map_size == 0 || map_size % desc_size)
		return fail(why, why_len, "memory map size ", map_size, " is not a positive multiple of ",
			    desc_size, " (the descriptor size)");
	for (u64 off = 0; off < map_size; off += desc_size) {
		struct efi_mem_desc d;
		struct efi_e820 e;
		u64 i = off / desc_size;

		copy(&d, (const u8 *)map + off, sizeof(d));
		if (d.phys_start % 4096)
			return fail(why, why_len, "memory map entry ", i, " starts at ", d.phys_start,
				    ", not 4 KiB aligned");
		if (d.nr_pages > (~0ULL - d.phys_start) / 4096 + 1)
			return fail(why, why_len, "memory map entry ", i, " at ", d.phys_start,
				    " reaches past 2^64");
		if (!d.nr_pages)
			continue;
		e.addr = d.phys_start;
		e.len = d.nr_pages * 4096;
		e.type = efi_mem_type_to_e820(d.type, d.attribute);
		e.zero = 0;
		usable |= e.type == 1;

		/* Insert sorted by address; overlapping descriptors mean a broken map. */
		u32 at = n;
		while (at && out[at - 1].addr > e.addr)
			at--;
		if ((at && out[at - 1].addr + (out[at - 1].len - 1) >= e.addr) ||
		    (at < n && e.addr + (e.len - 1) >= out[at].addr))
			return fail(why, why_len, "memory map entry ", i, " at ", e.addr,
				    " overlaps another entry");
		if (at && out[at - 1].type == e.type && out[at - 1].addr + out[at - 1].len == e.addr) {
			out[at - 1].len += e.len;
			/* The grown entry may now touch the next one. */
			if (at < n && out[at].type == e.type &&
			    out[at - 1].addr + out[at - 1].len == out[at].addr) {
				out[at - 1].len += out[at].len;
				for (u32 j = at; j + 1 < n; j++)
					out[j] = out[j + 1];
				n--;
			}
			continue;
		}
		if (at < n && out[at].type == e.type && e.addr + e.len == out[at].addr) {
			out[at].addr = e.addr;
			out[at].len += e.len;
			continue;
		}
		if (n == max)
			return fail(why, why_len, "the memory map has more than ", max,
				    " entries after merging neighbours", 0, NULL);
		for (u32 j = n; j > at; j--)
			out[j] = out[j - 1];
		out[at] = e;
		n++;
	}
	if (!usable)
		return fail(why, why_len, "the memory map has no usable memory", 0, NULL, 0, NULL);
	return (int)n;
}

/* ---- the command line ---- */
int efi_cmdline_from_ucs2(const u16 *opts, u64 size, char *dst, size_t dst_size, char *why, size_t why_len)
{
	u64 n = size / 2, first = 0, end;

	if (dst_size)
		dst[0] = '\0';
	if (!opts || size == 0 || size % 2)
		return 0;
	for (end = 0; end < n; end++) {
		u16 c;

		copy(&c, &opts[end], sizeof(c));
		if (!c)
			break;
		if (c < 0x20 || c > 0x7e)
			return 0;
	}
	while (first < end && opts[first] == ' ')
		first++;
	while (end > first && opts[end - 1] == ' ')
		end--;
	if (end - first >= dst_size)
		return fail(why, why_len, "the command line has ", end - first, " characters, more than ",
			    dst_size ? dst_size - 1 : 0, "");
	for (u64 i = first; i < end; i++)
		dst[i - first] = (char)opts[i];
	dst[end - first] = '\0';
	return 1;
}

/* ---- the multiboot2 information (the Multiboot2 specification, 3.6) ---- */
#define ALIGN8(x) (((x) + 7) & ~7ULL)

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

u64 efi_mb2_size(u32 nr_e820, size_t cmdline_len)
{
	return 8 + ALIGN8(8 + cmdline_len + 1) + ALIGN8(8 + 64) + 16 +
	       (u64)nr_e820 * sizeof(struct efi_e820) + ALIGN8(8 + 64) + 8;
}

/* Appends a tag (type, payload of len bytes) at *off; the payload is copied from src when not NULL. */
static u8 *tag(u8 *buf, u64 *off, u32 type, u32 len, const void *src)
{
	u8 *t = buf + *off;
	u32 size = 8 + len;

	copy(t, &type, 4);
	copy(t + 4, &size, 4);
	if (src)
		copy(t + 8, src, len);
	zero(t + size, ALIGN8(size) - size);
	*off += ALIGN8(size);
	return t + 8;
}

u64 efi_mb2_build(void *buf, u64 buf_size, const char *cmdline, const char *loader,
		  const struct efi_e820 *map, u32 nr_e820, const void *rsdp)
{
	size_t cl = str_len(cmdline), ll = str_len(loader);
	u64 off = 8;
	u32 total, reserved = 0;
	u8 *b = buf;

	if (ll > 63 || buf_size < efi_mb2_size(nr_e820, cl))
		return 0;
	tag(b, &off, 1, (u32)cl + 1, cmdline);
	tag(b, &off, 2, (u32)ll + 1, loader);
	{
		u32 hdr[2] = {sizeof(struct efi_e820), 0}; /* entry_size, entry_version */
		u8 *p = tag(b, &off, 6, 8 + nr_e820 * (u32)sizeof(struct efi_e820), NULL);

		copy(p, hdr, sizeof(hdr));
		copy(p + 8, map, (size_t)nr_e820 * sizeof(struct efi_e820));
	}
	if (rsdp) {
		const u8 *r = rsdp;
		u32 rlen = 20;

		/* Revision 2 and later: the length field at byte 20 covers the XSDT address too. */
		if (r[15] >= 2) {
			copy(&rlen, r + 20, 4);
			if (rlen < 36 || rlen > 64)
				rlen = 36;
		}
		tag(b, &off, rlen > 20 ? 15 : 14, rlen, rsdp);
	}
	tag(b, &off, 0, 0, NULL);
	total = (u32)off;
	copy(b, &total, 4);
	copy(b + 4, &reserved, 4);
	return off;
}

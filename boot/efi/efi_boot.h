/* The parts of hotmem.efi that do not call the firmware, so the host tests run them on captured and
 * malformed data (tests/host/test_efi_boot.c): the kernel ELF's checks, the UEFI memory map turned
 * into E820 entries, the load options turned into a command line, and the multiboot2 information the
 * kernel is entered with. Every function writes a one-line reason into `why` when it refuses. */
#ifndef BOOT_EFI_EFI_BOOT_H
#define BOOT_EFI_EFI_BOOT_H

#include "kernel/types.h"

/* ---- the kernel ELF ---- */
#define EFI_ELF_MAX_SEGS 16

struct efi_elf_seg {
	u64 offset; /* in the file */
	u64 paddr;  /* where it is loaded */
	u64 filesz; /* bytes copied from the file */
	u64 memsz;  /* bytes of memory (the rest zeroed) */
};

struct efi_elf {
	u64 entry; /* physical 32-bit entry: e_entry moved by its segment's vaddr - paddr */
	u32 nr_segs;
	struct efi_elf_seg segs[EFI_ELF_MAX_SEGS]; /* PT_LOAD segments, sorted by paddr */
};

/* Checks the ELF image (len bytes at img) and fills *elf. Refuses (-1, with why): a file shorter than
 * the ELF header, no ELF magic, not ELF64 little-endian x86_64 executable, program headers outside the
 * file, no PT_LOAD or more than EFI_ELF_MAX_SEGS, a segment whose bytes are outside the file, whose
 * filesz exceeds memsz or which reaches above 4 GiB (the entry is 32-bit, as for multiboot2),
 * segments that overlap, an entry outside every executable segment. */
int efi_elf_check(const void *img, u64 len, struct efi_elf *elf, char *why, size_t why_len);

/* ---- the memory map ---- */
/* EFI_MEMORY_DESCRIPTOR (UEFI 2.10, 7.2 GetMemoryMap); the firmware's descriptor size may be larger. */
struct efi_mem_desc {
	u32 type;
	u32 pad;
	u64 phys_start;
	u64 virt_start;
	u64 nr_pages; /* 4 KiB pages */
	u64 attribute;
};
_Static_assert(sizeof(struct efi_mem_desc) == 40, "EFI_MEMORY_DESCRIPTOR layout");

/* The entry of a multiboot2 memory map tag, as an E820 entry. */
struct efi_e820 {
	u64 addr;
	u64 len;
	u32 type; /* 1 usable, 2 reserved, 3 ACPI data, 4 ACPI NVS, 5 unusable */
	u32 zero;
};
_Static_assert(sizeof(struct efi_e820) == 24, "multiboot2 memory map entry layout");

/* The E820 type of one UEFI memory type after ExitBootServices: loader and boot services memory and
 * free memory are usable (unless the attribute says specific-purpose memory), ACPI reclaim is ACPI
 * data, ACPI NVS stays, unusable stays, everything else (runtime services, MMIO, reserved, persistent,
 * unaccepted, unknown types) is reserved. */
u32 efi_mem_type_to_e820(u32 efi_type, u64 attribute);

/* Converts the firmware's map (map_size bytes of desc_size descriptors) into at most max E820 entries,
 * sorted by address, neighbours of one type merged. Returns the number of entries, or -1 (why): a
 * descriptor size below 40 or not a multiple of 8, a map size that is not a multiple of it, an empty
 * map, a descriptor that is not 4 KiB aligned or reaches past 2^64, descriptors that overlap, more
 * entries than max, or no usable memory. */
int efi_memmap_to_e820(const void *map, u64 map_size, u64 desc_size, struct efi_e820 *out, u32 max, char *why,
		       size_t why_len);

/* ---- the command line ---- */
/* Turns UCS-2 load options (size bytes) into an ASCII command line in dst (dst_size bytes). Returns
 * 1 with the line, 0 when the options are not text (none, an odd size, a character outside printable
 * ASCII before the first NUL: a boot manager's binary data, which carries no command line), or -1
 * (why) for a text line that does not fit in dst. Leading and trailing spaces are dropped. */
int efi_cmdline_from_ucs2(const u16 *opts, u64 size, char *dst, size_t dst_size, char *why, size_t why_len);

/* ---- the multiboot2 information ---- */
#define EFI_MB2_MAGIC 0x36d76289u /* eax at the kernel's entry */

/* Bytes efi_mb2_build needs at most for nr_e820 entries and a command line of cmdline_len bytes. */
u64 efi_mb2_size(u32 nr_e820, size_t cmdline_len);

/* Writes a multiboot2 information structure at buf (buf_size bytes, 8-byte aligned; the firmware
 * maps memory 1:1, so buf is also its physical address): the command line, the boot loader name, the
 * memory map and, when rsdp is not
 * NULL, a copy of the ACPI RSDP (tag 15 for revision 2 and later, else tag 14). Returns the total size,
 * or 0 when buf_size is too small. */
u64 efi_mb2_build(void *buf, u64 buf_size, const char *cmdline, const char *loader,
		  const struct efi_e820 *map, u32 nr_e820, const void *rsdp);

#endif

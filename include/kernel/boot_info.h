/* What every boot path (PVH, multiboot2) hands to kmain. Nothing after early boot knows which loader
 * ran. Filled by boot_info_from_pvh() / boot_info_from_multiboot2() (kernel/boot_info.c), which read
 * the loader's structures through a caller-supplied physical-to-virtual function so the same code runs
 * on the host against captured blobs. */
#ifndef KERNEL_BOOT_INFO_H
#define KERNEL_BOOT_INFO_H

#include "kernel/types.h"

#define BOOT_MAX_REGIONS 128
#define BOOT_CMDLINE_MAX 1024
#define BOOT_LOADER_MAX	 64

enum mem_type {
	MEM_USABLE = 1,	      /* E820 type 1 */
	MEM_RESERVED = 2,     /* type 2, and every type we do not know */
	MEM_ACPI_RECLAIM = 3, /* type 3 */
	MEM_ACPI_NVS = 4,     /* type 4 */
	MEM_BAD = 5,	      /* type 5 */
};

struct mem_region {
	u64 start; /* physical, bytes */
	u64 size;
	u32 type; /* enum mem_type */
};

struct boot_info {
	const char *loader; /* "PVH" or the multiboot2 boot loader name tag */
	char loader_name[BOOT_LOADER_MAX];
	char cmdline[BOOT_CMDLINE_MAX];
	u64 rsdp; /* physical address of the ACPI RSDP, 0 when unknown */
	u32 nr_regions;
	struct mem_region regions[BOOT_MAX_REGIONS]; /* sorted by start, non-overlapping */
	u64 kernel_start, kernel_end; /* physical extent of the kernel image: set by the caller before
				       * parsing (both 0: not checked); the parsers keep them */
};

/* Translates a physical address of boot data to a pointer, or NULL when it cannot be read. */
typedef const void *(*boot_phys_reader)(u64 phys, u64 len);

/* Fill *bi from a PVH hvm_start_info (version 1 or later; version 0 carries no memory map and is
 * refused) at physical address `info`. Returns 0, or a negative errno with a one-line reason written
 * into `why` (size `why_len`): -EFAULT when rd cannot read something, -EINVAL for malformed data (bad
 * magic, no memory map, no usable RAM, a region past 2^64, the kernel image outside usable RAM),
 * -E2BIG for too many map entries (> 512 raw or > BOOT_MAX_REGIONS after merging) or a command line
 * of BOOT_CMDLINE_MAX bytes or more. The memory map is normalized (boot_info_normalize) and the kernel
 * image [kernel_start, kernel_end) must lie inside one usable region. Not reentrant (static scratch). */
int boot_info_from_pvh(struct boot_info *bi, u64 info, boot_phys_reader rd, char *why, size_t why_len);
/* The same for a multiboot2 information structure (8-byte aligned, total_size <= 1 MiB): tags 1
 * (cmdline), 2 (loader name, cut to BOOT_LOADER_MAX - 1), 6 (memory map, required), 14/15 (ACPI RSDP:
 * bi->rsdp is the physical address of the copy inside the tag; 15 wins over 14). */
int boot_info_from_multiboot2(struct boot_info *bi, u64 info, boot_phys_reader rd, char *why, size_t why_len);
/* Sort regions, resolve overlaps (the more restrictive type wins: usable < ACPI data < ACPI NVS <
 * reserved < unusable; unknown types count as reserved), merge neighbours of one type, drop empty ones.
 * Returns 0, -EINVAL (with why) for no usable RAM or a region past 2^64, -E2BIG for more than
 * BOOT_MAX_REGIONS regions. The parsers apply the same rules to the loader's raw map. */
int boot_info_normalize(struct boot_info *bi, char *why, size_t why_len);
/* "usable", "reserved", "ACPI data", "ACPI NVS" or "unusable". */
const char *boot_mem_type_name(u32 type);
/* Total bytes of MEM_USABLE. */
u64 boot_info_usable_bytes(const struct boot_info *bi);

#endif

/* Private to the boot_info code: the loader parsers (boot_info.c) feed raw memory map entries to the
 * rules in boot_memmap.c. Not thread-safe: one boot, one parse at a time. */
#ifndef KERNEL_BOOT_MEMMAP_H
#define KERNEL_BOOT_MEMMAP_H

#include "kernel/boot_info.h"
#include "kernel/compiler.h"

/* Raw entries a map may have: more than the normalized regions, since firmware (OVMF) lists many
 * adjacent runs of one type. */
#define BOOT_MAX_RAW 512

/* Formats the reason for a failure into why (when why_len > 0) and returns err. */
int boot_fail(char *why, size_t why_len, int err, const char *fmt, ...) __printf(4, 5);

/* Starts a new raw map. */
void boot_memmap_begin(void);
/* Appends one loader entry (E820 type; unknown types become MEM_RESERVED). Empty entries are dropped;
 * an entry reaching past 2^64 - 1 is -EINVAL, more than BOOT_MAX_RAW entries -E2BIG. */
int boot_memmap_add(u64 start, u64 size, u32 e820_type, char *why, size_t why_len);
/* Normalizes the raw map into bi->regions and checks it: some usable RAM, and the kernel image
 * [kernel_start, kernel_end) inside one usable region (skipped while both are 0). */
int boot_memmap_finish(struct boot_info *bi, char *why, size_t why_len);

#endif

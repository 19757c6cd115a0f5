/* Fake physical memory and loader-data builders for tests/host/test_boot_info.c.
 * Each chunk of "physical memory" lives in its own malloc of exactly its size, so ASan reports any
 * read of the parser past what the loader handed over. */
#ifndef TESTS_HOST_BOOT_BLOB_H
#define TESTS_HOST_BOOT_BLOB_H

#include "kernel/boot_info.h"

/* Drops every chunk. */
void phys_reset(void);
/* Copies len bytes to physical address phys; returns the copy (tests may patch it). */
void *phys_add(u64 phys, const void *bytes, size_t len);
/* The boot_phys_reader: a pointer when [phys, phys+len) lies inside one chunk, else NULL. */
const void *phys_read(u64 phys, u64 len);

/* One memory map entry as loaders write it (E820 type numbers). */
struct e820 {
	u64 addr, size;
	u32 type;
};

/* Places a PVH hvm_start_info of `version` (40 bytes for 0, 56 otherwise) at PVH_INFO_PHYS, its map
 * at PVH_MAP_PHYS and the command line (when not NULL) at PVH_CMDLINE_PHYS. Returns the info's
 * address; the info bytes stay patchable through pvh_info(). */
#define PVH_INFO_PHYS	 0x2000ULL
#define PVH_MAP_PHYS	 0x3000ULL
#define PVH_CMDLINE_PHYS 0x7000ULL
u64 pvh_build(u32 version, const struct e820 *map, u32 n, const char *cmdline, u64 rsdp);
void *pvh_info(void);

/* A multiboot2 information structure under construction. */
struct mb2 {
	u8 buf[64 * 1024];
	u32 len;
};
void mb2_begin(struct mb2 *m);
/* Appends a tag with `len` payload bytes (size = 8 + len), padded to 8 bytes. Returns its offset. */
u32 mb2_tag(struct mb2 *m, u32 type, const void *payload, u32 len);
u32 mb2_string_tag(struct mb2 *m, u32 type, const char *s);
/* A memory map tag (type 6) with entries of entry_size bytes (>= 24; the rest zero). */
u32 mb2_mmap_tag(struct mb2 *m, const struct e820 *map, u32 n, u32 entry_size);
/* Appends the end tag and sets total_size. */
void mb2_finish(struct mb2 *m);
/* Copies the first `len` bytes (0: all of it) to phys. Returns phys. */
u64 mb2_place(const struct mb2 *m, u64 phys, u32 len);

/* Compares bi's regions with want[0..n); prints the difference as INFO lines. */
bool map_equals(const struct boot_info *bi, const struct e820 *want, u32 n);
void print_map(const char *name, const struct boot_info *bi);

/* Captured from QEMU by scripts/capture-boot-info (tests/host/boot_info_captured.h). */
struct captured_chunk {
	u64 phys;
	u32 len;
	const u8 *bytes;
};
struct captured_boot {
	const char *name, *desc;
	u32 magic; /* eax at entry: the multiboot2 magic, or whatever PVH left there */
	u64 info;  /* ebx at entry */
	u32 nr_chunks;
	struct captured_chunk chunks[4];
};

#endif

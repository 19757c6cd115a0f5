/* A fake physical memory for the ACPI host tests: an arena for phys 0..FAKE_MEM_SIZE where tests
 * build tables, and a boot_phys_reader that hands out an exact-sized heap copy of each range, so
 * ASan reports any read past the length the parser asked for. */
#ifndef ACPI_FAKE_H
#define ACPI_FAKE_H

#include "kernel/types.h"

#define FAKE_MEM_SIZE 0x200000u /* 2 MiB */

/* Zero the arena and free every copy handed out so far. */
void fake_mem_reset(void);
/* Where the test writes phys (inside the arena). */
u8 *fake_mem(u64 phys);
/* The boot_phys_reader: NULL for ranges outside the arena. */
const void *fake_rd(u64 phys, u64 len);

void put16(u8 *p, u16 v);
void put32(u8 *p, u32 v);
void put64(u8 *p, u64 v);
/* Set the byte at p[csum_off] so that p[0..len) sums to 0. */
void fake_fix_checksum(u8 *p, u32 len, u32 csum_off);
/* Write a table with signature sig, revision rev and `body` after the 36-byte header, checksummed.
 * Returns its total length. */
u32 fake_sdt(u64 phys, const char *sig, u8 rev, const void *body, u32 body_len);
/* Write an RSDP (revision 0: 20 bytes; 2: 36 bytes), both checksums valid. */
void fake_rsdp(u64 phys, u8 rev, u32 rsdt, u64 xsdt);

#endif

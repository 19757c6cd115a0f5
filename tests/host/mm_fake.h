/* Fake physical memory for host tests of kernel/mm (tests/host/mm_fake.c).
 *
 * A PROT_NONE reservation of MM_FAKE_PHYS_SIZE bytes stands for physical addresses 0..; the direct map
 * is that reservation (page_offset_base = its base). arch_direct_map_init/arch_add_memory make ranges
 * readable and writable, arch_remove_memory discards them and makes them PROT_NONE again, so touching
 * memory that is not added crashes the test. */
#ifndef MM_FAKE_H
#define MM_FAKE_H

#include "kernel/boot_info.h"
#include "kernel/types.h"

#define MM_FAKE_PHYS_SIZE (64ULL << 30) /* 64 GiB of fake physical address space */

/* Starts the memory manager over on a fresh reservation: a boot_info with the given regions
 * (usable RAM and holes), the kernel image at [1 MiB, 1 MiB + kernel_bytes), then mm_init. */
void mm_fake_boot(const struct mem_region *regions, unsigned int n, u64 kernel_bytes);
/* The common case: one usable range [0, 640 KiB) and [1 MiB, ram_bytes), a 2 MiB kernel. */
void mm_fake_boot_simple(u64 ram_bytes);
/* Failure injection: the call after N more calls of arch_add_memory (arch_remove_memory) fails with
 * -ENOMEM and changes nothing, as a page-table allocation (a large-page split) that fails does in the
 * kernel; -1 (the default) is off, and a knob goes back to -1 once it fired. */
extern int mm_fake_map_fail_after, mm_fake_unmap_fail_after;
/* Pages currently mapped by the fake (arch_add_memory minus arch_remove_memory). */
u64 mm_fake_mapped_pages(void);
/* The boot_info of the last boot. */
extern struct boot_info mm_fake_bi;
/* Pages of [start, start + size) currently mapped by the fake. */
u64 mm_fake_mapped_in(phys_addr_t start, u64 size);
/* When set, called after every range the fake makes accessible (arch_add_memory; not the boot direct
 * map): a fuzz harness checks that a driver maps only memory its device plugged. */
extern void (*mm_fake_map_hook)(phys_addr_t start, u64 size);
/* Before mm_fake_boot: back the fake physical memory with a memfd (MAP_SHARED) instead of anonymous
 * memory, so tests/host/vmap_fake.c can map its pages a second time at other addresses (the vmap
 * area). mm_fake_memfd: that memfd, or -1 when the fake is anonymous memory. */
void mm_fake_use_memfd(bool on);
int mm_fake_memfd(void);
/* Quiet printer for the mm printers (counts lines), and a printf-like one that echoes. */
void mm_fake_print_quiet(const char *fmt, ...);
void mm_fake_print(const char *fmt, ...);

/* The kB value of `meminfo` line `name` (with its colon, e.g. "MemFree:"), or -1 when it is missing. */
long mm_fake_meminfo_kb(const char *name);

#endif

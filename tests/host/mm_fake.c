/* Fake physical memory and the arch seam of kernel/mm for host tests (mm_fake.h, include/mm/arch.h). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kernel/errno.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/init.h"
#include "mm/memblock.h"
#include "mm/page.h"
#include "mm/sparse.h"
#include "mm_fake.h"

unsigned long page_offset_base;
struct boot_info mm_fake_bi;

void (*mm_fake_map_hook)(phys_addr_t start, u64 size);

static unsigned char *mapped_bits; /* one bit per 4 KiB page of the fake */
static u64 mapped_pages;

#define FAKE_PAGES (MM_FAKE_PHYS_SIZE >> PAGE_SHIFT)

static bool test_bit_(u64 i)
{
	return mapped_bits[i >> 3] & (1u << (i & 7));
}

static void set_range(u64 pfn, u64 n, bool on)
{
	for (u64 i = pfn; i < pfn + n; i++) {
		if (test_bit_(i) == on)
			continue;
		mapped_bits[i >> 3] ^= (unsigned char)(1u << (i & 7));
		mapped_pages += on ? 1 : (u64)-1;
	}
}

static bool use_memfd;
static int memfd = -1;

void mm_fake_use_memfd(bool on)
{
	use_memfd = on;
}

int mm_fake_memfd(void)
{
	return use_memfd ? memfd : -1;
}

/* The memfd's content is dropped (a fresh boot, or removed memory reads zero again). */
static void memfd_discard(u64 start, u64 size)
{
	if (fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)start, (off_t)size)) {
		perror("mm_fake: fallocate");
		exit(2);
	}
}

static void fake_reserve(void)
{
	if (page_offset_base)
		munmap((void *)page_offset_base, MM_FAKE_PHYS_SIZE);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, fd = -1;
	if (use_memfd) {
		if (memfd < 0) {
			memfd = memfd_create("mm_fake", 0);
			if (memfd < 0 || ftruncate(memfd, (off_t)MM_FAKE_PHYS_SIZE)) {
				perror("mm_fake: memfd");
				exit(2);
			}
		}
		memfd_discard(0, MM_FAKE_PHYS_SIZE);
		flags = MAP_SHARED | MAP_NORESERVE;
		fd = memfd;
	}
	void *p = mmap(NULL, MM_FAKE_PHYS_SIZE, PROT_NONE, flags, fd, 0);
	if (p == MAP_FAILED) {
		perror("mm_fake: mmap");
		exit(2);
	}
	page_offset_base = (unsigned long)p;
	if (!mapped_bits)
		mapped_bits = calloc(FAKE_PAGES / 8, 1);
	else
		memset(mapped_bits, 0, FAKE_PAGES / 8);
	mapped_pages = 0;
}

static int fake_map(phys_addr_t start, u64 size)
{
	if ((start | size) & (PAGE_SIZE - 1) || start + size > MM_FAKE_PHYS_SIZE)
		return -EINVAL;
	if (mprotect(phys_to_virt(start), size, PROT_READ | PROT_WRITE)) {
		perror("mm_fake: mprotect");
		return -ENOMEM;
	}
	set_range(start >> PAGE_SHIFT, size >> PAGE_SHIFT, true);
	return 0;
}

int arch_direct_map_init(void)
{
	const struct memblock_region *m;

	for_each_memblock(memory, m) {
		int err = fake_map(m->base, m->size);
		if (err)
			return err;
	}
	return 0;
}

int mm_fake_map_fail_after = -1, mm_fake_unmap_fail_after = -1;

/* Counts a call down; true when this one is to fail (the knob then stays at -1: off). */
static bool inject(int *knob)
{
	if (*knob < 0)
		return false;
	return (*knob)-- == 0;
}

int arch_add_memory(phys_addr_t start, u64 size)
{
	if (inject(&mm_fake_map_fail_after))
		return -ENOMEM; /* as the kernel's: no page for a table, nothing mapped */
	int err = fake_map(start, size);
	if (!err && mm_fake_map_hook)
		mm_fake_map_hook(start, size);
	return err;
}

int arch_remove_memory(phys_addr_t start, u64 size)
{
	if ((start | size) & (PAGE_SIZE - 1) || start + size < start ||
	    start + size > (1ULL << MAX_PHYSMEM_BITS))
		return -EINVAL; /* as the kernel's */
	/* past the fake's space nothing can have been mapped: unmapping there is harmless */
	if (start >= MM_FAKE_PHYS_SIZE)
		return 0;
	if (start + size > MM_FAKE_PHYS_SIZE)
		size = MM_FAKE_PHYS_SIZE - start;
	if (inject(&mm_fake_unmap_fail_after))
		return -ENOMEM; /* as the kernel's: a large page could not be split, nothing unmapped */
	if (use_memfd)
		memfd_discard(start, size);
	else
		madvise(phys_to_virt(start), size, MADV_DONTNEED);
	mprotect(phys_to_virt(start), size, PROT_NONE);
	set_range(start >> PAGE_SHIFT, size >> PAGE_SHIFT, false);
	return 0;
}

bool arch_is_mapped(phys_addr_t phys)
{
	return phys < MM_FAKE_PHYS_SIZE && test_bit_(phys >> PAGE_SHIFT);
}

u64 arch_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

u64 mm_fake_mapped_pages(void)
{
	return mapped_pages;
}

u64 mm_fake_mapped_in(phys_addr_t start, u64 size)
{
	u64 n = 0, first = start >> PAGE_SHIFT, end = (start + size + PAGE_SIZE - 1) >> PAGE_SHIFT;

	if (end > FAKE_PAGES || end < first)
		end = FAKE_PAGES;
	for (u64 i = first; i < end; i++) {
		if ((i & 7) == 0 && i + 8 <= end && !mapped_bits[i >> 3]) {
			i += 7; /* a whole byte of the bitmap unmapped */
			continue;
		}
		n += test_bit_(i);
	}
	return n;
}

void mm_fake_boot(const struct mem_region *regions, unsigned int n, u64 kernel_bytes)
{
	fake_reserve();
	memset(&mm_fake_bi, 0, sizeof(mm_fake_bi));
	mm_fake_bi.loader = "host";
	for (unsigned int i = 0; i < n && i < BOOT_MAX_REGIONS; i++)
		mm_fake_bi.regions[mm_fake_bi.nr_regions++] = regions[i];
	mm_fake_bi.kernel_start = 0x100000;
	mm_fake_bi.kernel_end = 0x100000 + kernel_bytes;
	mm_init(&mm_fake_bi);
}

void mm_fake_boot_simple(u64 ram_bytes)
{
	struct mem_region r[] = {
	    {0, 0x9fc00, MEM_USABLE},
	    {0x9fc00, 0x60400, MEM_RESERVED},
	    {0x100000, ram_bytes - 0x100000, MEM_USABLE},
	};
	mm_fake_boot(r, 3, 2 << 20);
}

void mm_fake_print_quiet(const char *fmt, ...)
{
	(void)fmt;
}

void mm_fake_print(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static char meminfo_buf[4096];
static size_t meminfo_len;

static void meminfo_capture(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(meminfo_buf + meminfo_len, sizeof(meminfo_buf) - meminfo_len, fmt, ap);
	va_end(ap);
	if (n > 0 && meminfo_len + (size_t)n < sizeof(meminfo_buf))
		meminfo_len += (size_t)n;
}

long mm_fake_meminfo_kb(const char *name)
{
	size_t n = strlen(name);

	meminfo_len = 0;
	meminfo_buf[0] = 0;
	show_meminfo(meminfo_capture, NULL, 0);
	for (const char *l = meminfo_buf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
		if (!strncmp(l, name, n) && l[n] == ' ')
			return strtol(l + n, NULL, 10);
	return -1;
}

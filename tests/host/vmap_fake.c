/* The vmap area of include/mm/arch.h for host tests: a PROT_NONE reservation whose pages are mapped
 * onto the fake physical memory's memfd (mm_fake_use_memfd), so an address of the area and the direct
 * map address of its frame are the same memory, as in the kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/errno.h"
#include "mm/arch.h"
#include "mm/page.h"
#include "mm_fake.h"
#include "vmap_fake.h"

#define VMAP_FAKE_PAGES (VMAP_FAKE_SIZE >> PAGE_SHIFT)

static unsigned long area;
static phys_addr_t *frame; /* per page of the area: its frame, or -1 */

int vmap_fake_fail_after = -1;
unsigned long vmap_fake_remaps;

static void area_init(void)
{
	if (area)
		return;
	void *p = mmap(NULL, VMAP_FAKE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	frame = malloc(VMAP_FAKE_PAGES * sizeof(*frame));
	if (p == MAP_FAILED || !frame) {
		perror("vmap_fake: reserve");
		exit(2);
	}
	memset(frame, 0xff, VMAP_FAKE_PAGES * sizeof(*frame));
	area = (unsigned long)p;
}

/* The page index of va in the area, or -1 when outside or misaligned. */
static long index_of(unsigned long va)
{
	area_init();
	if (va < area || va - area >= VMAP_FAKE_SIZE || (va & (PAGE_SIZE - 1)))
		return -1;
	return (long)((va - area) >> PAGE_SHIFT);
}

static void map_at(unsigned long va, phys_addr_t pa)
{
	if (mm_fake_memfd() < 0) {
		fprintf(stderr, "vmap_fake: call mm_fake_use_memfd(true) before booting the fake\n");
		exit(2);
	}
	if (mmap((void *)va, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mm_fake_memfd(),
		 (off_t)pa) == MAP_FAILED) {
		perror("vmap_fake: mmap");
		exit(2);
	}
}

void arch_vmap_area(unsigned long *start, unsigned long *size)
{
	area_init();
	*start = area;
	*size = VMAP_FAKE_SIZE;
}

int arch_vmap_page(unsigned long va, phys_addr_t pa)
{
	long i = index_of(va);
	if (i < 0 || (pa & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (frame[i] != (phys_addr_t)-1)
		return -EEXIST;
	if (vmap_fake_fail_after >= 0 && vmap_fake_fail_after-- == 0)
		return -ENOMEM; /* as the kernel's: no page for a table */
	map_at(va, pa);
	frame[i] = pa;
	return 0;
}

int arch_vmap_remap(unsigned long va, phys_addr_t pa)
{
	long i = index_of(va);
	if (i < 0 || frame[i] == (phys_addr_t)-1 || (pa & (PAGE_SIZE - 1)))
		return -EINVAL;
	map_at(va, pa);
	frame[i] = pa;
	vmap_fake_remaps++;
	return 0;
}

void arch_vunmap_page(unsigned long va)
{
	long i = index_of(va);
	if (i < 0 || frame[i] == (phys_addr_t)-1)
		return;
	mmap((void *)va, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1,
	     0);
	frame[i] = (phys_addr_t)-1;
}

phys_addr_t arch_vmap_phys(unsigned long va)
{
	long i = index_of(va);
	return i < 0 ? (phys_addr_t)-1 : frame[i];
}

unsigned long vmap_fake_mapped(void)
{
	unsigned long n = 0;
	area_init();
	for (unsigned long i = 0; i < VMAP_FAKE_PAGES; i++)
		n += frame[i] != (phys_addr_t)-1;
	return n;
}

/* The section table and per-section memmaps (sparse.h). */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/gfp.h"
#include "mm/init.h"
#include "mm/memblock.h"
#include "internal.h"

struct mem_section *mem_section[NR_SECTION_ROOTS];

#define ROOT_BYTES   (SECTIONS_PER_ROOT * sizeof(struct mem_section))
#define MEMMAP_ORDER 8 /* 1 MiB = 2^8 pages */
_Static_assert((PAGE_SIZE << MEMMAP_ORDER) == MEMMAP_BYTES_PER_SECTION, "memmap of a section is order 8");

void sparse_reset(void)
{
	memset(mem_section, 0, sizeof(mem_section));
}

static unsigned int order_for(unsigned long bytes)
{
	unsigned int order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* Boot: memblock. Later: the page allocator. Zeroed when asked. */
static void *sparse_alloc(unsigned long bytes, bool zero, const char *what)
{
	if (!mm_ready) {
		phys_addr_t pa = memblock_phys_alloc(bytes, PAGE_SIZE, what);
		if (!pa)
			return NULL;
		if (zero)
			memset(phys_to_virt(pa), 0, bytes);
		return phys_to_virt(pa);
	}
	return __get_free_pages(GFP_KERNEL | (zero ? __GFP_ZERO : 0), order_for(bytes));
}

int sparse_add_section(unsigned long nr, struct page *memmap, unsigned long nr_present)
{
	struct mem_section **root, *ms;

	if (nr >= NR_MEM_SECTIONS || nr_present > PAGES_PER_SECTION)
		return -EINVAL;
	root = &mem_section[nr / SECTIONS_PER_ROOT];
	if (!*root) {
		*root = sparse_alloc(ROOT_BYTES, true, "section roots");
		if (!*root)
			return -ENOMEM;
	}
	ms = &(*root)[nr % SECTIONS_PER_ROOT];
	if (present_section(ms))
		return -EEXIST;
	memset(ms, 0, sizeof(*ms));
	if (memmap) {
		ms->flags |= SECTION_MEMMAP_EXTERNAL;
	} else {
		memmap = sparse_alloc(MEMMAP_BYTES_PER_SECTION, false, "memmap");
		if (!memmap)
			return -ENOMEM;
		mm_stat_mod(NR_MEMMAP_PAGES, MEMMAP_BYTES_PER_SECTION / PAGE_SIZE);
		if (!mm_ready)
			mm_stat_mod(NR_MEMMAP_BOOT_PAGES, MEMMAP_BYTES_PER_SECTION / PAGE_SIZE);
	}
	ms->memmap = memmap;
	ms->nr_present_pages = (u32)nr_present;
	ms->flags |= SECTION_MARKED_PRESENT | (mm_ready ? 0 : SECTION_IS_EARLY);
	return 0;
}

int sparse_remove_section(unsigned long nr)
{
	struct mem_section *ms = __nr_to_section(nr);

	if (!present_section(ms))
		return -EINVAL;
	if (online_section(ms))
		return -EBUSY;
	if (ms->flags & SECTION_MEMMAP_INIT)
		mm_stat_mod(NR_OFFLINE_PAGES,
			    -memmap_count_offline(section_nr_to_pfn(nr), PAGES_PER_SECTION));
	if (!(ms->flags & SECTION_MEMMAP_EXTERNAL)) {
		if (ms->flags & SECTION_IS_EARLY) {
			/* Boot memmap came from memblock and stays reserved: it cannot go back (as with
			 * Linux's bootmem memmap without free_bootmem_page). Counted as leaked. */
			pr_warn("mm: section %lu: boot memmap (1 MiB) is not reusable after removal\n", nr);
		} else {
			free_pages_addr(ms->memmap, MEMMAP_ORDER);
			mm_stat_mod(NR_MEMMAP_PAGES, -(long)(MEMMAP_BYTES_PER_SECTION / PAGE_SIZE));
		}
	}
	ms->memmap = NULL;
	ms->flags = 0;
	ms->nr_present_pages = 0;
	return 0;
}

void sparse_mark_memmap_init(unsigned long start_pfn, unsigned long nr_pages, unsigned int zid)
{
	for (unsigned long nr = pfn_to_section_nr(start_pfn);
	     nr <= pfn_to_section_nr(start_pfn + nr_pages - 1); nr++) {
		struct mem_section *ms = __nr_to_section(nr);
		ms->flags =
		    (ms->flags & ~SECTION_ZONE_MASK) | SECTION_MEMMAP_INIT | (zid << SECTION_ZONE_SHIFT);
	}
}

static void set_online(unsigned long start_pfn, unsigned long end_pfn, bool online)
{
	for (unsigned long nr = pfn_to_section_nr(start_pfn);
	     nr < pfn_to_section_nr(end_pfn + PAGES_PER_SECTION - 1); nr++) {
		struct mem_section *ms = __nr_to_section(nr);
		if (!present_section(ms))
			continue;
		if (online)
			ms->flags |= SECTION_IS_ONLINE;
		else
			ms->flags &= ~SECTION_IS_ONLINE;
	}
}

void online_mem_sections(unsigned long start_pfn, unsigned long end_pfn)
{
	set_online(start_pfn, end_pfn, true);
}

void offline_mem_sections(unsigned long start_pfn, unsigned long end_pfn)
{
	set_online(start_pfn, end_pfn, false);
}

unsigned long next_present_section_nr(unsigned long nr)
{
	while (nr < NR_MEM_SECTIONS) {
		struct mem_section *root = mem_section[nr / SECTIONS_PER_ROOT];
		if (!root) {
			nr = (nr / SECTIONS_PER_ROOT + 1) * SECTIONS_PER_ROOT;
			continue;
		}
		if (root[nr % SECTIONS_PER_ROOT].flags & SECTION_MARKED_PRESENT)
			return nr;
		nr++;
	}
	return NR_MEM_SECTIONS;
}

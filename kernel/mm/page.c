/* Small things about struct page: type names, the movable owner registry, the global counters. */
#include "kernel/errno.h"
#include "mm/page.h"
#include "mm/sparse.h"
#include "internal.h"

long mm_stat[NR_MM_STAT_ITEMS];

static const struct movable_operations *movable_owners[MAX_MOVABLE_OWNERS];

const char *page_type_name(unsigned int type)
{
	static const char *const names[NR_PAGE_TYPES] = {
	    [PGTY_NONE] = "none",	[PGTY_BUDDY] = "buddy", [PGTY_PCP] = "pcp",
	    [PGTY_OFFLINE] = "offline", [PGTY_SLAB] = "slab",	[PGTY_LARGE_KMALLOC] = "large_kmalloc",
	    [PGTY_TABLE] = "table",
	};
	return type < NR_PAGE_TYPES ? names[type] : "?";
}

int register_movable_ops(const struct movable_operations *ops)
{
	for (unsigned int id = 1; id < MAX_MOVABLE_OWNERS; id++)
		if (movable_owners[id] == ops)
			return (int)id;
	for (unsigned int id = 1; id < MAX_MOVABLE_OWNERS; id++) {
		if (!movable_owners[id]) {
			movable_owners[id] = ops;
			return (int)id;
		}
	}
	return -ENOSPC;
}

const struct movable_operations *movable_ops_by_id(unsigned int id)
{
	return id < MAX_MOVABLE_OWNERS ? movable_owners[id] : NULL;
}

/* ---- finding the pfn of a struct page pointer that may be bad (internal.h) ---- */

bool page_in_memmap(const struct page *page, unsigned long *pfn)
{
	unsigned long nr;
	struct mem_section *ms;

	if (!page || ((unsigned long)page % _Alignof(struct page)))
		return false;
	nr = page_to_section(page);
	ms = __nr_to_section(nr);
	if (!present_section(ms) || page < ms->memmap || page >= ms->memmap + PAGES_PER_SECTION)
		return false;
	*pfn = section_nr_to_pfn(nr) + (unsigned long)(page - ms->memmap);
	return true;
}

bool page_to_pfn_safe(const struct page *page, unsigned long *pfn)
{
	unsigned long nr;

	if (page_in_memmap(page, pfn))
		return true;
	if (!page || ((unsigned long)page % _Alignof(struct page)))
		return false;
	for_each_present_section_nr(0, nr) {
		const struct mem_section *ms = __nr_to_section(nr);
		if (page >= ms->memmap && page < ms->memmap + PAGES_PER_SECTION) {
			*pfn = section_nr_to_pfn(nr) + (unsigned long)(page - ms->memmap);
			return true;
		}
	}
	return false;
}

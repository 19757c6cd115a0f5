/* Small things about struct page: type names, the movable owner registry, the global counters. */
#include "kernel/errno.h"
#include "mm/page.h"

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

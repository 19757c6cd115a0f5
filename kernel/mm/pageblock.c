/* Pageblock flags (mmzone.h): each pageblock's byte in its section (sparse.h) holds its own migrate
 * type, the isolate bit and the lazy- and deferred-memmap bits. Only the flags: moving free pages when a type
 * changes is the buddy's (page_alloc.c). */
#include "internal.h"

bool pageblock_memmap_lazy(unsigned long pfn)
{
	return *pageblock_byte(pfn) & PB_MEMMAP_LAZY;
}

bool pageblock_memmap_deferred(unsigned long pfn)
{
	return *pageblock_byte(pfn) & PB_MEMMAP_DEFERRED;
}

bool pageblock_memmap_on_memory(unsigned long pfn)
{
	return *pageblock_byte(pfn) & PB_MEMMAP_ON_MEMORY;
}

int get_pfnblock_migratetype(unsigned long pfn)
{
	return pageblock_flags_migratetype(*pageblock_byte(pfn));
}

int get_pfnblock_own_migratetype(unsigned long pfn)
{
	return *pageblock_byte(pfn) & PB_MIGRATETYPE_MASK;
}

void set_pfnblock_migratetype(unsigned long pfn, int migratetype)
{
	u8 *b = pageblock_byte(pfn);

	if (is_migrate_isolate(migratetype))
		*b |= PB_MIGRATE_ISOLATE;
	else
		*b = (u8)((*b & ~(PB_MIGRATETYPE_MASK | PB_MIGRATE_ISOLATE)) | (unsigned int)migratetype);
}

/* Memmap init: the pageblock's own type and isolate bit, whatever they were before. */
void init_pageblock_migratetype(unsigned long pfn, int migratetype, bool isolate)
{
	u8 *b = pageblock_byte(pfn);

	*b = (u8)((*b & ~(PB_MIGRATETYPE_MASK | PB_MIGRATE_ISOLATE)) | (unsigned int)migratetype |
		  (isolate ? PB_MIGRATE_ISOLATE : 0));
}

/* Pageblock flags (mmzone.h): each pageblock's byte in its section (sparse.h) holds its own migrate
 * type, the isolate bit and the lazy- and deferred-memmap bits. Only the flags: moving free pages when a type
 * changes is the buddy's (page_alloc.c). */
#include "lib/string.h"
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

/* ---- runs ---- */

#define BYTES_x8(b) (0x0101010101010101ULL * (u8)(b))

static u64 load8(const u8 *p)
{
	u64 w;

	memcpy(&w, p, sizeof(w));
	return w;
}

static unsigned long section_end_pfn(unsigned long pfn)
{
	return section_nr_to_pfn(pfn_to_section_nr(pfn) + 1);
}

unsigned long pageblock_same_run_end(unsigned long pfn, unsigned long end)
{
	const u8 *bytes = __pfn_to_section(pfn)->pageblock_flags;
	unsigned long stop = min(end, section_end_pfn(pfn));
	unsigned int i = (unsigned int)((pfn & ~PAGE_SECTION_MASK) >> pageblock_order);
	unsigned int n = (unsigned int)((stop - 1 - (pfn & PAGE_SECTION_MASK)) >> pageblock_order) + 1;
	u8 b = bytes[i];

	while (i < n && i % 8 && bytes[i] == b)
		i++;
	while (i + 8 <= n && load8(&bytes[i]) == BYTES_x8(b))
		i += 8;
	while (i < n && bytes[i] == b)
		i++;
	return min(end, (pfn & PAGE_SECTION_MASK) + ((unsigned long)i << pageblock_order));
}

void pageblock_set_run(unsigned long pfn, unsigned long end, u8 b)
{
	memset(pageblock_byte(pfn), b, (end - pfn + pageblock_nr_pages - 1) >> pageblock_order);
}

/* Bytes of w (eight flags bytes) that hold PB_MEMMAP_ON_MEMORY, as 0xff each, the others 0. */
static u64 memmap_bytes(u64 w)
{
	return ((w >> __builtin_ctz(PB_MEMMAP_ON_MEMORY)) & BYTES_x8(1)) * 0xff;
}

static bool byte_in_run(u8 b, u8 mask, u8 value, bool past_memmap)
{
	return (b & mask) == value || (past_memmap && (b & PB_MEMMAP_ON_MEMORY));
}

/* Are all the bytes of a section in the run? Eight words and one test: a walk over never-used
 * memory passes a section in a few dozen instructions. A memmap byte anywhere but first is left to
 * the exact loop below. */
static bool section_in_run(const u8 *bytes, u8 mask, u8 value, bool past_memmap)
{
	u64 m = BYTES_x8(mask), v = BYTES_x8(value), w = load8(bytes), off = (w & m) ^ v;

	if (past_memmap)
		off &= ~memmap_bytes(w);
	for (unsigned int k = 8; k < PAGEBLOCKS_PER_SECTION; k += 8)
		off |= (load8(bytes + k) & m) ^ v;
	return !off;
}

static unsigned long masked_run_end(unsigned long pfn, unsigned long end, u8 mask, u8 value, bool past_memmap)
{
	while (pfn < end) {
		const u8 *bytes = __pfn_to_section(pfn)->pageblock_flags;
		unsigned long base = pfn & PAGE_SECTION_MASK, stop = min(end, section_end_pfn(pfn));
		unsigned int i = (unsigned int)((pfn - base) >> pageblock_order);
		unsigned int n = (unsigned int)((stop - 1 - base) >> pageblock_order) + 1;

		if (i == 0 && n == PAGEBLOCKS_PER_SECTION &&
		    section_in_run(bytes, mask, value, past_memmap)) {
			pfn = stop;
			continue;
		}
		while (i < n && i % 8 && byte_in_run(bytes[i], mask, value, past_memmap))
			i++;
		while (i + 8 <= n) {
			u64 w = load8(&bytes[i]), off = (w & BYTES_x8(mask)) ^ BYTES_x8(value);
			if (off && past_memmap) /* rare: a block's first word */
				off &= ~memmap_bytes(w);
			if (off)
				break;
			i += 8;
		}
		while (i < n && byte_in_run(bytes[i], mask, value, past_memmap))
			i++;
		if (i < n)
			return base + ((unsigned long)i << pageblock_order);
		pfn = stop;
	}
	return end;
}

bool pageblock_section_unused(const struct mem_section *ms)
{
	return section_in_run(ms->pageblock_flags, PB_MEMMAP_DEFERRED, PB_MEMMAP_DEFERRED, true);
}

unsigned long pageblock_masked_run_end(unsigned long pfn, unsigned long end, u8 mask, u8 value)
{
	return masked_run_end(pfn, end, mask, value, false);
}

unsigned long pageblock_online_run_end(unsigned long pfn, unsigned long end, u8 mask, u8 value,
				       unsigned long *memmap)
{
	const struct mem_section *first = __pfn_to_section(pfn);
	unsigned long start = pfn;

	if (!online_section(first)) /* absent too: it has no zone to read */
		return pfn;
	while (pfn < end && online_section(__pfn_to_section(pfn)) &&
	       section_zonenum(__pfn_to_section(pfn)) == section_zonenum(first)) {
		unsigned long stop = min(end, section_end_pfn(pfn));
		unsigned long run = masked_run_end(pfn, stop, mask, value, memmap != NULL);
		/* a memmap pageblock is the first of its section (memory_hotplug.h) */
		if (memmap && run > pfn && !(pfn & ~PAGE_SECTION_MASK) &&
		    (*pageblock_byte(pfn) & PB_MEMMAP_ON_MEMORY))
			(*memmap)++;
		if (run < stop)
			return run;
		pfn = stop;
	}
	return max(start, pfn);
}

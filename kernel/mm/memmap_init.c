/* Memmap init (mmzone.h): writing the struct pages of a range as it joins a zone, in full, lazily
 * (one struct page per pageblock, the rest when the chunk first leaves the free lists) or not at all
 * (deferred: deferred.c), and counting PageOffline pages in a memmap that may be lazy or deferred
 * (docs/mm-core.md, "Lazy memmap", "Deferred memmap"). */
#include "lib/string.h"
#include "internal.h"

bool memmap_lazy_init = true;

/* A struct page as memmap init leaves it: reserved, refcount 1, in its zone and section. */
static void init_single_page(struct page *page, unsigned long pfn, unsigned int zid)
{
	memset(page, 0, sizeof(*page));
	page->flags = 1u << PG_reserved;
	set_page_zone_section(page, zid, pfn_to_section_nr(pfn));
	init_page_count(page);
}

void memmap_init_pageblock(unsigned long pfn)
{
	unsigned long start = pageblock_start_pfn(pfn);
	u8 *b = pageblock_byte(start);

	if (*b & PB_MEMMAP_DEFERRED) {
		unsigned int zid = section_zonenum(__pfn_to_section(start));
		for (unsigned long i = 0; i < pageblock_nr_pages; i++)
			init_single_page(pfn_to_page(start + i), start + i, zid);
		*b &= (u8)~PB_MEMMAP_DEFERRED;
		return;
	}
	if (!(*b & PB_MEMMAP_LAZY))
		return;
	struct page *head = pfn_to_page(start);
	bool free = PageBuddy(head) || (!PageReserved(head) && page_ref_count(head) == 0);
	unsigned int zid = page_zonenum(head);
	for (unsigned long i = 1; i < pageblock_nr_pages; i++) {
		init_single_page(head + i, start + i, zid);
		if (free) {
			__ClearPageReserved(head + i);
			set_page_count(head + i, 0);
		}
	}
	*b &= (u8)~PB_MEMMAP_LAZY;
}

void memmap_init_free_head(unsigned long pfn, unsigned int zid)
{
	struct page *head = pfn_to_page(pfn);
	u8 *b = pageblock_byte(pfn);

	init_single_page(head, pfn, zid);
	__ClearPageReserved(head);
	set_page_count(head, 0);
	*b = (u8)((*b & ~PB_MEMMAP_DEFERRED) | PB_MEMMAP_LAZY);
}

long memmap_count_offline(unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long pfn = start_pfn, end = start_pfn + nr_pages;
	long n = 0;

	while (pfn < end) {
		struct mem_section *ms = __pfn_to_section(pfn);
		/* a section never written (never used, or its memmap): no PageOffline page */
		if (!present_section(ms) || !(ms->flags & SECTION_MEMMAP_INIT) ||
		    (!(pfn & ~PAGE_SECTION_MASK) && pageblock_section_unused(ms))) {
			pfn = section_nr_to_pfn(pfn_to_section_nr(pfn) + 1);
			continue;
		}
		if (pageblock_aligned(pfn) && pageblock_memmap_deferred(pfn)) {
			pfn = deferred_run_end(pfn, end); /* never written: no PageOffline page */
			continue;
		}
		if (pageblock_aligned(pfn) && pageblock_memmap_on_memory(pfn)) {
			pfn += pageblock_nr_pages; /* memmap: no PageOffline page */
			continue;
		}
		n += PageOffline(pfn_to_page(pfn));
		if (pageblock_aligned(pfn) && pageblock_memmap_lazy(pfn))
			pfn += pageblock_nr_pages;
		else
			pfn++;
	}
	return n;
}

void memmap_init_range(unsigned long start_pfn, unsigned long nr_pages, enum zone_type zid, int migratetype,
		       bool isolate_pageblock)
{
	unsigned long end = start_pfn + nr_pages;

	for (unsigned long pfn = start_pfn; pfn < end; pfn++)
		init_single_page(pfn_to_page(pfn), pfn, zid);
	for (unsigned long pfn = pageblock_start_pfn(start_pfn); pfn < end; pfn += pageblock_nr_pages) {
		/* A lazy block only partly written here gets the rest of its memmap first. */
		if (pageblock_memmap_lazy(pfn) && (pfn < start_pfn || pfn + pageblock_nr_pages > end))
			memmap_init_pageblock(pfn);
		*pageblock_byte(pfn) &= (u8) ~(PB_MEMMAP_LAZY | PB_MEMMAP_DEFERRED);
		init_pageblock_migratetype(pfn, migratetype, isolate_pageblock);
	}
	sparse_mark_memmap_init(start_pfn, nr_pages, zid);
}

void memmap_init_range_lazy(unsigned long start_pfn, unsigned long nr_pages, enum zone_type zid,
			    int migratetype, bool isolate_pageblock)
{
	for (unsigned long pfn = start_pfn; pfn < start_pfn + nr_pages; pfn += pageblock_nr_pages) {
		init_single_page(pfn_to_page(pfn), pfn, zid);
		*pageblock_byte(pfn) = (u8)((*pageblock_byte(pfn) & ~PB_MEMMAP_DEFERRED) | PB_MEMMAP_LAZY);
		init_pageblock_migratetype(pfn, migratetype, isolate_pageblock);
	}
	sparse_mark_memmap_init(start_pfn, nr_pages, zid);
}

void memmap_init_range_deferred(unsigned long start_pfn, unsigned long nr_pages, enum zone_type zid,
				int migratetype, bool isolate_pageblock)
{
	unsigned long end = start_pfn + nr_pages;
	u8 b = (u8)(PB_MEMMAP_DEFERRED | (unsigned int)migratetype |
		    (isolate_pageblock ? PB_MIGRATE_ISOLATE : 0));

	/* Whatever the pageblocks were, they become b: a section's worth of bytes at a time, stepping
	 * over a pageblock that holds memmap (the first of its section: it keeps its byte). */
	for (unsigned long pfn = start_pfn; pfn < end;) {
		unsigned long stop = min(end, section_nr_to_pfn(pfn_to_section_nr(pfn) + 1));

		if (*pageblock_byte(pfn) & PB_MEMMAP_ON_MEMORY)
			pfn += pageblock_nr_pages;
		if (pfn < stop)
			pageblock_set_run(pfn, stop, b);
		pfn = stop;
	}
	sparse_mark_memmap_init(start_pfn, nr_pages, zid);
}

/* walk_readable_pages (mm/walk.h): the memory walker of a crash dump, which honours PageOffline. */
#include "mm/gfp.h"
#include "mm/mmzone.h"
#include "mm/sparse.h"
#include "mm/walk.h"

void walk_readable_pages(void (*fn)(unsigned long pfn, unsigned long nr, void *arg), void *arg,
			 struct readable_walk *w)
{
	unsigned long nr;

	*w = (struct readable_walk){0};
	for_each_present_section_nr(0, nr) {
		struct mem_section *ms = __nr_to_section(nr);
		if (!online_section(ms))
			continue;
		unsigned long base = section_nr_to_pfn(nr);
		for (unsigned long i = 0; i < PAGES_PER_SECTION; i++) {
			const struct page *page = ms->memmap + i;
			/* A lazy-memmap pageblock is one free chunk whose struct pages are not written yet,
			 * a deferred one free memory with none written (mmzone.h): all readable. */
			if (i % pageblock_nr_pages == 0 && pageblock_memmap_on_memory(base + i)) {
				w->reserved += pageblock_nr_pages; /* memmap on memory: not data */
				i += pageblock_nr_pages - 1;
				continue;
			}
			if (i % pageblock_nr_pages == 0 &&
			    (pageblock_memmap_lazy(base + i) || pageblock_memmap_deferred(base + i))) {
				fn(base + i, pageblock_nr_pages, arg);
				w->read += pageblock_nr_pages;
				i += pageblock_nr_pages - 1;
				continue;
			}
			if (PageOffline(page)) {
				w->offline++;
				continue;
			}
			if (PageReserved(page)) {
				w->reserved++;
				continue;
			}
			fn(base + i, 1, arg);
			w->read++;
		}
	}
}

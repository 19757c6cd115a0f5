/* PageOffline ranges: fake offlining and onlining for drivers that hold memory out of the buddy
 * (include/mm/page_offline.h). */
#include "kernel/errno.h"
#include "mm/arch.h"
#include "mm/contig.h"
#include "mm/gfp.h"
#include "mm/vmstat.h"
#include "mm/memory_hotplug.h"
#include "mm/mmzone.h"
#include "mm/page_offline.h"
#include "mm/sparse.h"

static bool whole_pageblocks(unsigned long pfn, unsigned long nr)
{
	return nr && IS_ALIGNED(pfn, pageblock_nr_pages) && IS_ALIGNED(nr, pageblock_nr_pages) &&
	       pfn + nr <= MAX_PFN && pfn + nr > pfn;
}

/* Every memory block of the range present, and online (want_online) or not. */
static bool blocks_are(unsigned long pfn, unsigned long nr, bool want_online)
{
	for (unsigned long p = ALIGN_DOWN(pfn, PAGES_PER_SECTION); p < pfn + nr; p += PAGES_PER_SECTION) {
		unsigned long s = pfn_to_section_nr(p);
		if (!present_section_nr(s) || online_section_nr(s) != want_online)
			return false;
	}
	return true;
}

int fake_offline_range(unsigned long pfn, unsigned long nr, struct busy_pfn *busy)
{
	if (!whole_pageblocks(pfn, nr) || !blocks_are(pfn, nr, true))
		return -EINVAL;
	int err = alloc_contig_range(pfn, pfn + nr, busy);
	if (err)
		return err;
	err = arch_remove_memory(PFN_PHYS(pfn), (u64)nr << PAGE_SHIFT);
	if (err) {
		/* still mapped: the pages go back, nothing changed */
		free_contig_range(pfn, nr);
		busy_pfn_set(busy, pfn, "no page to split a large mapping");
		return err;
	}
	for (unsigned long i = 0; i < nr; i++)
		__SetPageOffline(pfn_to_page(pfn + i));
	adjust_managed_page_count(pfn_to_page(pfn), -(long)nr);
	return 0;
}

int fake_online_range(unsigned long pfn, unsigned long nr)
{
	if (!whole_pageblocks(pfn, nr) || !blocks_are(pfn, nr, true))
		return -EINVAL;
	int err = arch_add_memory(PFN_PHYS(pfn), (u64)nr << PAGE_SHIFT);
	if (err)
		return err;
	for (unsigned long i = 0; i < nr; i++)
		__ClearPageOffline(pfn_to_page(pfn + i)); /* keeps the Offline count */
	/* As onlining hands memory over: counted managed, freed to the tail of the free lists. */
	generic_online_page(pfn, nr);
	return 0;
}

void fake_offline_pages(unsigned long pfn, unsigned long nr)
{
	for (unsigned long p = pfn; p < pfn + nr; p += pageblock_nr_pages) {
		struct page *page = pfn_to_page(p);
		if (pageblock_memmap_on_memory(p))
			continue;	  /* memmap: not the caller's to keep, and never written */
		memmap_init_pageblock(p); /* lazy memmap: write the pageblock's struct pages first */
		for (unsigned long i = 0; i < pageblock_nr_pages; i++) {
			__ClearPageReserved(page + i);
			set_page_count(page + i, 1);
			__SetPageOffline(page + i);
		}
	}
}

unsigned long fake_offline_drop_refs(unsigned long pfn, unsigned long nr)
{
	unsigned long n = 0;

	for (unsigned long p = pfn; p < pfn + nr; p++) {
		struct page *page = pfn_to_page(p);
		if (PageOffline(page) && page_ref_count(page) == 1) {
			page_ref_dec(page);
			n++;
		}
	}
	return n;
}

unsigned long fake_offline_restore_refs(unsigned long pfn, unsigned long nr)
{
	unsigned long n = 0;

	for (unsigned long p = pfn; p < pfn + nr; p++) {
		struct page *page = pfn_to_page(p);
		if (PageOffline(page) && page_ref_count(page) == 0) {
			page_ref_inc(page);
			n++;
		}
	}
	return n;
}

struct page *offline_page_take(int movable_owner)
{
	gfp_t gfp = (movable_owner > 0 ? GFP_MOVABLE : GFP_KERNEL) | __GFP_NORETRY;
	struct page *page = alloc_page(gfp);

	if (!page)
		return NULL;
	__SetPageOffline(page);
	if (movable_owner > 0)
		__SetPageMovable(page, (unsigned int)movable_owner);
	adjust_managed_page_count(page, -1);
	mm_stat_mod(NR_BALLOON_PAGES, 1);
	return page;
}

void offline_page_return(struct page *page)
{
	__ClearPageOffline(page);
	__ClearPageMovable(page);
	adjust_managed_page_count(page, 1);
	mm_stat_mod(NR_BALLOON_PAGES, -1);
	free_pages(page, 0);
}

void offline_page_migrate(struct page *dst, struct page *src, int movable_owner)
{
	__SetPageOffline(dst);
	__SetPageMovable(dst, (unsigned int)movable_owner);
	adjust_managed_page_count(dst, -1); /* the managed counts follow the page to its zone */
	__ClearPageOffline(src);
	adjust_managed_page_count(src, 1);
}

int mhp_map_range(unsigned long pfn, unsigned long nr)
{
	if (!nr || pfn + nr > MAX_PFN || !blocks_are(pfn, nr, false))
		return -EINVAL;
	return arch_add_memory(PFN_PHYS(pfn), (u64)nr << PAGE_SHIFT);
}

int mhp_unmap_range(unsigned long pfn, unsigned long nr)
{
	if (!nr || pfn + nr > MAX_PFN || !blocks_are(pfn, nr, false))
		return -EINVAL;
	return arch_remove_memory(PFN_PHYS(pfn), (u64)nr << PAGE_SHIFT);
}

bool pfn_is_mapped(unsigned long pfn)
{
	return arch_is_mapped(PFN_PHYS(pfn));
}

/* Sections and the memmap (Linux's SPARSEMEM; docs/mm-core.md).
 *
 * Physical memory is cut into 128 MiB sections (SECTION_SIZE_BITS 27). A section is *present* when it
 * has a memmap (the array of its 32768 struct pages, 1 MiB) and *online* when its pages belong to a
 * zone and the buddy. The section table covers MAX_PHYSMEM_BITS (46 bits, 64 TiB) through a two-level
 * table: a static array of root pointers; a root (SECTIONS_PER_ROOT sections) is allocated only when a
 * section inside it is added, so absent memory costs one NULL pointer per 32 GiB.
 *
 * A memory block (the unit of online/offline and hot(un)plug) is one section.
 * pfn_valid / pfn_to_page / page_to_pfn are O(1): pfn_to_page indexes the section's memmap,
 * page_to_pfn reads the section number kept in page->flags. */
#ifndef MM_SPARSE_H
#define MM_SPARSE_H

#include "kernel/types.h"
#include "mm/page.h"

#define SECTION_SIZE_BITS	 27
#define MAX_PHYSMEM_BITS	 46
#define SECTION_SIZE		 (1UL << SECTION_SIZE_BITS)
#define PFN_SECTION_SHIFT	 (SECTION_SIZE_BITS - PAGE_SHIFT)
#define PAGES_PER_SECTION	 (1UL << PFN_SECTION_SHIFT)
#define PAGE_SECTION_MASK	 (~(PAGES_PER_SECTION - 1))
#define NR_MEM_SECTIONS		 (1UL << (MAX_PHYSMEM_BITS - SECTION_SIZE_BITS))
#define SECTIONS_PER_ROOT	 256UL /* one root covers 32 GiB */
#define NR_SECTION_ROOTS	 (NR_MEM_SECTIONS / SECTIONS_PER_ROOT)
#define MAX_PFN			 (1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT))
#define PAGEBLOCKS_PER_SECTION	 (PAGES_PER_SECTION >> 9) /* pageblock_order, mmzone.h */
#define MEMMAP_BYTES_PER_SECTION (PAGES_PER_SECTION * sizeof(struct page))

#define MEMORY_BLOCK_SIZE      SECTION_SIZE /* memory block = 1 section */
#define PAGES_PER_MEMORY_BLOCK PAGES_PER_SECTION

_Static_assert(SECTIONS_WIDTH == MAX_PHYSMEM_BITS - SECTION_SIZE_BITS, "page->flags holds the section");

/* mem_section.flags */
#define SECTION_MARKED_PRESENT	(1u << 0) /* has a memmap */
#define SECTION_IS_ONLINE	(1u << 1) /* pages are in a zone and the buddy */
#define SECTION_IS_EARLY	(1u << 2) /* added at boot (memmap from memblock) */
#define SECTION_MEMMAP_EXTERNAL (1u << 3) /* memmap storage supplied by the caller, not freed here */
/* bits 4-7: mm's own (kernel/mm/internal.h). Bits 8-9: the zone the section last joined (set by memmap
 * init, kept while offline), so nobody reads a struct page to learn it (deferred memmap). */
#define SECTION_ZONE_SHIFT 8
#define SECTION_ZONE_MASK  (3u << SECTION_ZONE_SHIFT)

/* Per-pageblock byte in mem_section.pageblock_flags. Isolation is a bit of its own, so the pageblock
 * keeps its migrate type while isolated and gets it back when the isolation ends (mmzone.h). */
#define PB_MIGRATETYPE_MASK 0x3u /* the pageblock's migrate type: MIGRATE_UNMOVABLE or MIGRATE_MOVABLE */
#define PB_MEMMAP_LAZY	    0x4u /* only the first struct page is initialized (mmzone.h, lazy memmap) */
#define PB_MIGRATE_ISOLATE  0x8u /* isolated: free pages on the MIGRATE_ISOLATE lists */
#define PB_MEMMAP_DEFERRED                                                                                   \
	0x10u /* no struct page written (mmzone.h, deferred memmap); in an online                            \
	       * section a free pageblock outside the buddy */

/* The pageblock holds the memmap of its own block (MHP_MEMMAP_ON_MEMORY, memory_hotplug.h): never free,
 * managed or isolated, and no struct page of it is ever written; walkers skip it whole. */
#define PB_MEMMAP_ON_MEMORY 0x20u

struct mem_section {
	struct page *memmap; /* PAGES_PER_SECTION struct pages, or NULL */
	u32 flags;
	u32 nr_present_pages; /* RAM pages of this section reported at add time (boot: minus holes) */
	u8 pageblock_flags[PAGEBLOCKS_PER_SECTION];
};

extern struct mem_section *mem_section[NR_SECTION_ROOTS];

static inline unsigned long pfn_to_section_nr(unsigned long pfn)
{
	return pfn >> PFN_SECTION_SHIFT;
}
static inline unsigned long section_nr_to_pfn(unsigned long nr)
{
	return nr << PFN_SECTION_SHIFT;
}
static inline struct mem_section *__nr_to_section(unsigned long nr)
{
	struct mem_section *root;

	if (nr >= NR_MEM_SECTIONS)
		return NULL;
	root = mem_section[nr / SECTIONS_PER_ROOT];
	return root ? &root[nr % SECTIONS_PER_ROOT] : NULL;
}
static inline struct mem_section *__pfn_to_section(unsigned long pfn)
{
	return __nr_to_section(pfn_to_section_nr(pfn));
}
static inline bool present_section(const struct mem_section *ms)
{
	return ms && (ms->flags & SECTION_MARKED_PRESENT);
}
static inline bool online_section(const struct mem_section *ms)
{
	return ms && (ms->flags & SECTION_IS_ONLINE);
}
static inline bool present_section_nr(unsigned long nr)
{
	return present_section(__nr_to_section(nr));
}
static inline bool online_section_nr(unsigned long nr)
{
	return online_section(__nr_to_section(nr));
}

/* The zone (enum zone_type of mmzone.h) an online section's pages are in; for an offline section whose
 * memmap was initialized, the zone it had. */
static inline unsigned int section_zonenum(const struct mem_section *ms)
{
	return (ms->flags & SECTION_ZONE_MASK) >> SECTION_ZONE_SHIFT;
}

/* True when pfn has a struct page (its section is present). Online or not. */
static inline bool pfn_valid(unsigned long pfn)
{
	return present_section(__pfn_to_section(pfn));
}
/* The struct page of a valid pfn (check pfn_valid first). */
static inline struct page *pfn_to_page(unsigned long pfn)
{
	return __pfn_to_section(pfn)->memmap + (pfn & ~PAGE_SECTION_MASK);
}
/* The pfn of a struct page inside an initialized memmap. */
static inline unsigned long page_to_pfn(const struct page *page)
{
	unsigned long nr = page_to_section(page);
	return section_nr_to_pfn(nr) + (unsigned long)(page - __nr_to_section(nr)->memmap);
}
/* The struct page of pfn if its section is online, else NULL (Linux's pfn_to_online_page). Offline
 * memmap may be stale: walkers use this. */
static inline struct page *pfn_to_online_page(unsigned long pfn)
{
	struct mem_section *ms = __pfn_to_section(pfn);
	return online_section(ms) ? ms->memmap + (pfn & ~PAGE_SECTION_MASK) : NULL;
}
static inline phys_addr_t page_to_phys(const struct page *page)
{
	return PFN_PHYS(page_to_pfn(page));
}

/* Makes section nr present: allocates its root if needed and its memmap, unless `memmap` supplies the
 * storage (PAGES_PER_SECTION struct pages: MHP_MEMMAP_ON_MEMORY passes the block's first page). Before the
 * buddy runs the memmap and roots come from memblock, afterwards from the page allocator (GFP_KERNEL). The
 * memmap is not initialized (memmap_init_range does that when pages join a zone). nr_present: pages of RAM in
 * it. Returns 0, -EEXIST if already present, -EINVAL out of range, -ENOMEM. Caller serializes
 * (hotplug lock). */
int sparse_add_section(unsigned long nr, struct page *memmap, unsigned long nr_present);
/* Makes an offline section absent again and frees its memmap (unless external). PageOffline pages
 * still in it leave the Offline count. Returns 0, -EINVAL (not present) or -EBUSY (online). */
int sparse_remove_section(unsigned long nr);
/* Marks the sections covering [start_pfn, end_pfn) online / offline (section aligned). */
void online_mem_sections(unsigned long start_pfn, unsigned long end_pfn);
void offline_mem_sections(unsigned long start_pfn, unsigned long end_pfn);

/* Present sections from `nr` on: first present section number >= nr, or NR_MEM_SECTIONS. Skips
 * absent roots in one step. */
unsigned long next_present_section_nr(unsigned long nr);
#define for_each_present_section_nr(start, nr)                                                               \
	for ((nr) = next_present_section_nr(start); (nr) < NR_MEM_SECTIONS;                                  \
	     (nr) = next_present_section_nr((nr) + 1))

#endif

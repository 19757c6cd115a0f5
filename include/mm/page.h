/* struct page: one per 4 KiB page frame, 32 bytes (Linux spends 64), and what can be asked of it.
 *
 * A page is in exactly one of these states, told apart by page_type and _refcount:
 *   free in the buddy     PGTY_BUDDY on the first page of a free chunk (order in ->order), refcount 0;
 *                         the other pages of the chunk are PGTY_NONE with refcount 0 and are never
 *                         looked at (so a free max-order chunk can one day be represented by its head
 *                         alone: the lazy memmap of mmzone.h);
 *   free in the pcp cache PGTY_PCP (order 0, refcount 0), on a zone's order-0 cache list;
 *   allocated             PGTY_NONE (or a type the owner set: SLAB, TABLE, OFFLINE…), refcount >= 1 on
 *                         the first page, ->order = the order it was allocated with;
 *   reserved              PG_reserved: never in the buddy (holes, kernel image, memblock allocations);
 *   PageOffline           logically offline (virtio-mem unplugged, ballooned): never read or written.
 *
 * `lru` links the page into the buddy's free lists while free; once allocated it belongs to whoever
 * allocated it (slab partial lists, a balloon list, the workload's buffers...).
 *
 * Single CPU (docs/ARCHITECTURE.md): the non-atomic helpers here are called with the zone lock held or on
 * pages the caller owns. */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include "kernel/compiler.h"
#include "kernel/types.h"
#include "lib/list.h"
#include "mm/vmstat.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define PFN_DOWN(x)   ((unsigned long)((x) >> PAGE_SHIFT))
#define PFN_UP(x)     ((unsigned long)(((x) + PAGE_SIZE - 1) >> PAGE_SHIFT))
#define PFN_PHYS(pfn) ((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PHYS_PFN(x)   PFN_DOWN(x)

/* ---- page->flags: PG_* bits at the bottom, then the zone, then the section number at the top ---- */
enum pageflags {
	PG_reserved, /* not managed by the buddy: holes, kernel, memblock allocations, memmap */
	PG_isolated, /* a movable page its owner has taken aside for migration (see movable_operations) */
	PG_poisoned, /* page_poison=1 filled this free page with PAGE_POISON; checked when allocated */
	NR_PAGEFLAGS
};

#define ZONES_PGSHIFT	 11 /* bits 11..12: enum zone_type */
#define ZONES_WIDTH	 2
#define SECTIONS_PGSHIFT 13 /* bits 13..31: section number (19 bits = 46 physical bits) */
#define SECTIONS_WIDTH	 19
_Static_assert(NR_PAGEFLAGS <= ZONES_PGSHIFT, "page flags overlap the zone bits");
_Static_assert(SECTIONS_PGSHIFT + SECTIONS_WIDTH == 32, "page->flags is 32 bits");

/* ---- page types (Linux's page_type): what the page is used for; one at a time ---- */
enum page_type {
	PGTY_NONE = 0,	    /* an ordinary allocated page, a tail of a free chunk, or reserved */
	PGTY_BUDDY,	    /* head of a free chunk in free_area[order][migratetype] */
	PGTY_PCP,	    /* free order-0 page in a zone's per-cpu-style cache */
	PGTY_OFFLINE,	    /* PageOffline: logically offline, its content must never be touched */
	PGTY_SLAB,	    /* a kmalloc slab page (private = size class) */
	PGTY_LARGE_KMALLOC, /* head of a kmalloc allocation larger than the biggest size class */
	PGTY_TABLE,	    /* a page table page of the direct map */
	NR_PAGE_TYPES
};

struct page {
	u32 flags;	      /* PG_* | zone << ZONES_PGSHIFT | section << SECTIONS_PGSHIFT */
	u8 page_type;	      /* enum page_type */
	u8 order;	      /* free chunk order (PageBuddy) or allocation order (first page) */
	u16 owner;	      /* movable owner id from register_movable_ops(); 0 = none (unmovable) */
	s32 _refcount;	      /* 0 while free; use the page_ref_* helpers */
	u32 private;	      /* the owner's (or slab's) word */
	struct list_head lru; /* buddy free lists while free, the owner's lists while allocated */
};
_Static_assert(sizeof(struct page) <= 32, "struct page must stay at most 32 bytes (docs/mm-core.md)");

/* ---- flags ---- */
static inline bool PageReserved(const struct page *p)
{
	return p->flags & (1u << PG_reserved);
}
static inline void __SetPageReserved(struct page *p)
{
	p->flags |= 1u << PG_reserved;
}
static inline void __ClearPageReserved(struct page *p)
{
	p->flags &= ~(1u << PG_reserved);
}
static inline bool PageIsolated(const struct page *p)
{
	return p->flags & (1u << PG_isolated);
}
static inline void SetPageIsolated(struct page *p)
{
	p->flags |= 1u << PG_isolated;
}
static inline void ClearPageIsolated(struct page *p)
{
	p->flags &= ~(1u << PG_isolated);
}

/* Zone index and section number kept in flags (set by memmap init; see mmzone.h page_zone()). */
static inline unsigned int page_zonenum(const struct page *p)
{
	return (p->flags >> ZONES_PGSHIFT) & ((1u << ZONES_WIDTH) - 1);
}
static inline unsigned long page_to_section(const struct page *p)
{
	return p->flags >> SECTIONS_PGSHIFT;
}
static inline void set_page_zone_section(struct page *p, unsigned int zone, unsigned long section)
{
	p->flags = (p->flags & ((1u << ZONES_PGSHIFT) - 1)) | (zone << ZONES_PGSHIFT) |
		   ((u32)section << SECTIONS_PGSHIFT);
}

/* ---- page types ---- */
static inline bool PageBuddy(const struct page *p)
{
	return p->page_type == PGTY_BUDDY;
}
/* Order of a free chunk; only meaningful when PageBuddy(p). Walkers skip 1 << buddy_order(p) pfns. */
static inline unsigned int buddy_order(const struct page *p)
{
	return p->order;
}
static inline bool PagePcp(const struct page *p)
{
	return p->page_type == PGTY_PCP;
}
static inline bool PageSlab(const struct page *p)
{
	return p->page_type == PGTY_SLAB;
}
static inline bool PageLargeKmalloc(const struct page *p)
{
	return p->page_type == PGTY_LARGE_KMALLOC;
}
static inline bool PageTable(const struct page *p)
{
	return p->page_type == PGTY_TABLE;
}
static inline bool PageOffline(const struct page *p)
{
	return p->page_type == PGTY_OFFLINE;
}
/* Marks an allocated (or reserved, not-yet-onlined) page logically offline. Counted in meminfo's
 * Offline. The page must not be PageBuddy/PagePcp. Its refcount is the owner's business. */
static inline void __SetPageOffline(struct page *p)
{
	p->page_type = PGTY_OFFLINE;
	mm_stat_mod(NR_OFFLINE_PAGES, 1);
}
static inline void __ClearPageOffline(struct page *p)
{
	p->page_type = PGTY_NONE;
	mm_stat_mod(NR_OFFLINE_PAGES, -1);
}
const char *page_type_name(unsigned int type);

/* ---- reference count ---- */
static inline int page_ref_count(const struct page *p)
{
	return p->_refcount;
}
static inline void set_page_count(struct page *p, int v)
{
	p->_refcount = v;
}
static inline void init_page_count(struct page *p)
{
	p->_refcount = 1;
}
static inline void page_ref_inc(struct page *p)
{
	p->_refcount++;
}
static inline void page_ref_dec(struct page *p)
{
	p->_refcount--;
}
static inline void page_ref_add(struct page *p, int n)
{
	p->_refcount += n;
}
/* Drops one reference; true when it was the last one. */
static inline bool page_ref_dec_and_test(struct page *p)
{
	return --p->_refcount == 0;
}
/* Takes a reference unless the page is free (refcount 0); true when taken (migration uses it). */
static inline bool get_page_unless_zero(struct page *p)
{
	if (p->_refcount <= 0)
		return false;
	p->_refcount++;
	return true;
}
static inline void get_page(struct page *p)
{
	p->_refcount++;
}
/* Drops a reference (page_alloc.c). At zero the allocation (order page->order) returns to the
 * allocator, except a PageOffline page, which only reaches refcount 0 (the offlining protocol relies on
 * that, docs/HOTPLUG.md). A put on a page whose refcount is already 0 prints one `mm:` line and does
 * nothing. */
void put_page(struct page *p);

/* ---- movable owners (docs/HOTPLUG.md, "Migration") ----
 * An owner of movable pages registers its operations once and stamps each of its pages with the id.
 * The migration code (kernel/mm/migrate.c) defines the calling protocol; the rule the allocator
 * keeps is only that page->owner and page->private belong to the owner while the page is allocated. */
struct movable_operations {
	const char *name; /* "workload", "balloon": shown by dump_page */
	/* Take a page (the caller holds a reference) aside for migration; false if it cannot move now. */
	bool (*isolate_page)(struct page *page, int mode);
	/* Move src to dst (freshly allocated, refcount 1): copy or not, repoint the owner's records.
	 * 0 on success (the owner then drops its reference to src), or a negative errno. */
	int (*migrate_page)(struct page *dst, struct page *src, int mode);
	/* Give back a page that was isolated but not migrated. */
	void (*putback_page)(struct page *page);
};

#define MAX_MOVABLE_OWNERS 16
/* Registers ops; returns the owner id (1..MAX_MOVABLE_OWNERS-1) or -ENOSPC. Registering the same ops
 * twice returns the same id. */
int register_movable_ops(const struct movable_operations *ops);
/* The ops of an owner id, or NULL. */
const struct movable_operations *movable_ops_by_id(unsigned int id);

static inline void __SetPageMovable(struct page *p, unsigned int owner_id)
{
	p->owner = (u16)owner_id;
}
static inline void __ClearPageMovable(struct page *p)
{
	p->owner = 0;
}
static inline bool PageMovable(const struct page *p)
{
	return p->owner != 0;
}
static inline const struct movable_operations *page_movable_ops(const struct page *p)
{
	return p->owner ? movable_ops_by_id(p->owner) : NULL;
}

#endif

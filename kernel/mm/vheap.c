/* vheap (vheap.h): movable pages mapped one by one at fixed virtual addresses, and their movable
 * operations (migration copies the page and remaps the address).
 *
 * A page's `private` names where it is mapped: the heap's slot in the top bits, the page's index in
 * the heap below. A page the heap released while migration held it (isolated, or with migration's
 * reference taken and the isolation under way) cannot be freed by the heap: it is unmapped and marked
 * VHEAP_ORPHAN, and migration's putback hands it back to the allocator. */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/migrate.h"
#include "mm/sparse.h"
#include "mm/vheap.h"

#define SLOT_SHIFT   28
#define INDEX_MASK   ((1u << SLOT_SHIFT) - 1)
#define VHEAP_ORPHAN 0xffffffffu

struct vheap {
	bool used;
	unsigned slot;
	unsigned long base;	 /* first virtual address */
	unsigned long max_pages; /* pages the range holds */
	unsigned long size;	 /* the break, from base */
	unsigned long nr_pages;	 /* [base, base + nr_pages pages) is mapped */
	unsigned long migrated;
	spinlock_t lock; /* the mappings and the pages' private words, against migration */
};

static struct vheap heaps[VHEAP_MAX];
struct page *(*vheap_oom_retry)(void);
static spinlock_t heaps_lock = SPINLOCK_INIT;
static int vheap_owner = -1;

static unsigned long slot_size(void)
{
	unsigned long start, size;
	arch_vmap_area(&start, &size);
	return ALIGN_DOWN(size / VHEAP_MAX, PAGE_SIZE);
}

u64 vheap_max_bytes(void)
{
	u64 by_index = (u64)INDEX_MASK << PAGE_SHIFT;
	return min((u64)slot_size(), by_index);
}

static unsigned long page_va(const struct vheap *h, unsigned long i)
{
	return h->base + i * PAGE_SIZE;
}

/* The heap a page's private word names, or NULL (an orphan, or not a heap page any more). */
static struct vheap *heap_of(u32 priv)
{
	if (priv == VHEAP_ORPHAN || (priv >> SLOT_SHIFT) >= VHEAP_MAX)
		return NULL;
	struct vheap *h = &heaps[priv >> SLOT_SHIFT];
	return h->used && (priv & INDEX_MASK) < h->nr_pages ? h : NULL;
}

/* True when page is what h maps at the address its private word names. Heap lock held. */
static bool page_is_mapped_there(const struct vheap *h, const struct page *page)
{
	unsigned long va = page_va(h, page->private & INDEX_MASK);
	return arch_vmap_phys(va) == page_to_phys(page);
}

/* ---- movable operations ---- */

static bool vheap_isolate(struct page *page, int mode)
{
	unsigned long fl;
	bool ok = true;
	struct vheap *h = heap_of(page->private);

	if (h) {
		spin_lock_irqsave(&h->lock, fl);
		ok = page_is_mapped_there(h, page);
		spin_unlock_irqrestore(&h->lock, fl);
	} else if (page->private != VHEAP_ORPHAN) {
		ok = false;
	}
	return ok; /* an orphan is isolated too: its putback frees it */
}

/* Copies src to dst and points the address at dst, with interrupts off: on one CPU nothing can
 * write the page between the copy and the remap, and the next access after it reaches dst. */
static int vheap_migrate(struct page *dst, struct page *src, int mode)
{
	unsigned long fl;
	struct vheap *h = heap_of(src->private);

	if (!h)
		return -EAGAIN; /* released meanwhile: putback frees it */
	spin_lock_irqsave(&h->lock, fl);
	unsigned long va = page_va(h, src->private & INDEX_MASK);
	int err = page_is_mapped_there(h, src) ? 0 : -EAGAIN;
	if (!err) {
		memcpy(page_address(dst), page_address(src), PAGE_SIZE);
		err = arch_vmap_remap(va, page_to_phys(dst));
	}
	if (!err) {
		dst->private = src->private;
		__SetPageMovable(dst, (unsigned)vheap_owner);
		h->migrated++;
	}
	spin_unlock_irqrestore(&h->lock, fl);
	return err;
}

static void vheap_putback(struct page *page)
{
	if (page->private != VHEAP_ORPHAN)
		return; /* still mapped where it was */
	__ClearPageMovable(page);
	page_ref_dec(page); /* the heap's reference; migration drops its own and the page is freed */
}

static const struct movable_operations vheap_ops = {
    .name = "vheap",
    .isolate_page = vheap_isolate,
    .migrate_page = vheap_migrate,
    .putback_page = vheap_putback,
};

static void verify_print(const char *fmt, ...)
{
	(void)fmt;
}

static unsigned verify_hook_check(mm_print_fn pr)
{
	return vheap_verify(pr);
}

static struct mm_verify_hook verify_hook = {.name = "vheap", .check = verify_hook_check};

/* ---- the heap ---- */

struct vheap *vheap_create(u64 max_bytes)
{
	unsigned long fl;
	struct vheap *h = NULL;
	unsigned long start, size;

	if (!max_bytes || max_bytes > vheap_max_bytes()) {
		pr_err("vheap: cannot create a heap of %llu bytes: 1 to %llu bytes\n", max_bytes,
		       vheap_max_bytes());
		return NULL;
	}
	if (vheap_owner < 0) {
		/* the same id for the same ops, also after mm_init started over (host tests) */
		vheap_owner = register_movable_ops(&vheap_ops);
		if (vheap_owner < 0) {
			pr_err("vheap: no movable owner id left\n");
			return NULL;
		}
		mm_register_verify_hook(&verify_hook);
	}
	arch_vmap_area(&start, &size);
	spin_lock_irqsave(&heaps_lock, fl);
	for (unsigned i = 0; i < VHEAP_MAX; i++)
		if (!heaps[i].used) {
			h = &heaps[i];
			*h = (struct vheap){.used = true, .slot = i, .base = start + i * slot_size()};
			h->max_pages = PFN_UP(max_bytes);
			spin_lock_init(&h->lock);
			break;
		}
	spin_unlock_irqrestore(&heaps_lock, fl);
	if (!h)
		pr_err("vheap: cannot create a heap: all %u are in use\n", VHEAP_MAX);
	return h;
}

/* Unmaps and frees the pages from index `to` up. A page migration holds becomes an orphan. */
static void release_pages(struct vheap *h, unsigned long to)
{
	unsigned long fl;

	while (h->nr_pages > to) {
		unsigned long va = page_va(h, h->nr_pages - 1);
		bool orphan;

		spin_lock_irqsave(&h->lock, fl); /* migration may have moved it until now */
		struct page *page = pfn_to_page(PHYS_PFN(arch_vmap_phys(va)));
		arch_vunmap_page(va);
		h->nr_pages--;
		orphan = PageIsolated(page) || page_ref_count(page) != 1;
		if (orphan)
			page->private = VHEAP_ORPHAN;
		else
			__ClearPageMovable(page);
		spin_unlock_irqrestore(&h->lock, fl);
		if (!orphan)
			put_page(page);
	}
}

/* Asking the OOM notifiers for memory (a balloon deflating) is left to the caller's retry hook, so that
 * a thread outside the kernel lock never runs a driver's OOM path beside the driver's own work. */
static struct page *alloc_vheap_page(void)
{
	struct page *page = alloc_page(GFP_MOVABLE | __GFP_ZERO | __GFP_NORETRY);
	if (!page && vheap_oom_retry)
		page = vheap_oom_retry();
	return page;
}

long vheap_grow(struct vheap *h, long delta)
{
	unsigned long fl;
	long want = (long)h->size + delta;

	if (want < 0)
		return -EINVAL;
	if ((unsigned long)want > h->max_pages * PAGE_SIZE)
		return -ENOMEM;
	unsigned long old_pages = h->nr_pages, want_pages = PFN_UP((unsigned long)want);
	while (h->nr_pages < want_pages) {
		struct page *page = alloc_vheap_page();
		int err = page ? 0 : -ENOMEM;
		if (!err) {
			spin_lock_irqsave(&h->lock, fl);
			err = arch_vmap_page(page_va(h, h->nr_pages), page_to_phys(page));
			if (!err) {
				page->private = (u32)(h->slot << SLOT_SHIFT | h->nr_pages);
				__SetPageMovable(page, (unsigned)vheap_owner);
				h->nr_pages++;
			}
			spin_unlock_irqrestore(&h->lock, fl);
			if (err)
				free_pages(page, 0);
		}
		if (err) {
			release_pages(h, old_pages); /* all or nothing */
			return err;
		}
	}
	release_pages(h, want_pages);
	h->size = (unsigned long)want;
	return want;
}

void vheap_destroy(struct vheap *h)
{
	unsigned long fl;

	release_pages(h, 0);
	spin_lock_irqsave(&heaps_lock, fl);
	h->used = false;
	spin_unlock_irqrestore(&heaps_lock, fl);
}

void *vheap_base(const struct vheap *h)
{
	return (void *)h->base;
}

unsigned long vheap_size(const struct vheap *h)
{
	return h->size;
}

unsigned long vheap_nr_pages(const struct vheap *h)
{
	return h->nr_pages;
}

unsigned long vheap_nr_migrated(const struct vheap *h)
{
	return h->migrated;
}

unsigned vheap_verify(void (*pr)(const char *fmt, ...))
{
	unsigned bad = 0;

	if (!pr)
		pr = verify_print;
	for (unsigned s = 0; s < VHEAP_MAX; s++) {
		struct vheap *h = &heaps[s];
		if (!h->used)
			continue;
		for (unsigned long i = 0; i < h->nr_pages; i++) {
			unsigned long va = page_va(h, i);
			phys_addr_t pa = arch_vmap_phys(va);
			struct page *page = pa == (phys_addr_t)-1 ? NULL : pfn_to_online_page(PHYS_PFN(pa));
			if (!page) {
				pr("verify: vheap %u page %lu (0x%lx): not mapped to an online page\n", s, i,
				   va);
				bad++;
			} else if (page_ref_count(page) < 1 || PageBuddy(page) ||
				   page->owner != (unsigned)vheap_owner ||
				   page->private != (u32)(s << SLOT_SHIFT | i)) {
				pr("verify: vheap %u page %lu (0x%lx): pfn 0x%lx refcount %d owner %u "
				   "private 0x%x\n",
				   s, i, va, page_to_pfn(page), page_ref_count(page), page->owner,
				   page->private);
				bad++;
			}
		}
		if (h->nr_pages < h->max_pages &&
		    arch_vmap_phys(page_va(h, h->nr_pages)) != (phys_addr_t)-1) {
			pr("verify: vheap %u: a page is mapped past its %lu pages\n", s, h->nr_pages);
			bad++;
		}
	}
	return bad;
}

/* kmalloc size classes on order-0 slab pages, and page-backed large allocations (slab.h).
 *
 * A slab page keeps its state in its struct page: lru on the class's partial list, private =
 * class | in-use count << 4 | first free object index << 16. A free object holds the index of the next
 * free one in its first 4 bytes and FREE_MAGIC ^ its address at offset 8, so that a second kfree of the
 * same pointer is caught (confirmed by walking the slab's free chain). */
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "internal.h"

#define NR_KMALLOC_CLASSES 8 /* 16 .. 2048 */
#define FREE_NONE	   0xfffu
#define FREE_MAGIC	   0x6b6b5a5a3c3cf00dULL

struct kmem_cache {
	const char *name;
	u32 size;
	u32 objs_per_slab;
	struct list_head partial; /* slabs with at least one free object */
	unsigned long nr_slabs, inuse;
};

static struct kmem_cache caches[NR_KMALLOC_CLASSES];
static spinlock_t slab_lock = SPINLOCK_INIT;

void kmalloc_reset(void)
{
	static const char *const names[NR_KMALLOC_CLASSES] = {"kmalloc-16",  "kmalloc-32",  "kmalloc-64",
							      "kmalloc-128", "kmalloc-256", "kmalloc-512",
							      "kmalloc-1k",  "kmalloc-2k"};
	for (unsigned int i = 0; i < NR_KMALLOC_CLASSES; i++) {
		caches[i] = (struct kmem_cache){names[i],
						KMALLOC_MIN_SIZE << i,
						(u32)(PAGE_SIZE / (KMALLOC_MIN_SIZE << i)),
						LIST_HEAD_INIT(caches[i].partial),
						0,
						0};
	}
}

static unsigned int slab_class(const struct page *p)
{
	return p->private & 0xf;
}
static unsigned int slab_inuse(const struct page *p)
{
	return (p->private >> 4) & 0xfff;
}
static unsigned int slab_free(const struct page *p)
{
	return (p->private >> 16) & 0xfff;
}
static void slab_set(struct page *p, unsigned int cls, unsigned int inuse, unsigned int free)
{
	p->private = cls | inuse << 4 | free << 16;
}

static void obj_mark_free(void *obj, unsigned int next)
{
	*(u32 *)obj = next;
	*(u64 *)((char *)obj + 8) = FREE_MAGIC ^ (u64)(unsigned long)obj;
}

static struct page *new_slab(unsigned int cls)
{
	struct kmem_cache *c = &caches[cls];
	struct page *page = alloc_page(GFP_KERNEL);

	if (!page)
		return NULL;
	char *base = page_address(page);
	for (unsigned int i = 0; i < c->objs_per_slab; i++)
		obj_mark_free(base + i * c->size, i + 1 < c->objs_per_slab ? i + 1 : FREE_NONE);
	page->page_type = PGTY_SLAB;
	slab_set(page, cls, 0, 0);
	list_add(&page->lru, &c->partial);
	c->nr_slabs++;
	mm_stat_mod(NR_SLAB_PAGES, 1);
	return page;
}

static unsigned int size_class(size_t size)
{
	unsigned int cls = 0;
	while ((size_t)(KMALLOC_MIN_SIZE << cls) < size)
		cls++;
	return cls;
}

static void *kmalloc_large(size_t size, gfp_t gfp)
{
	unsigned int order = 0;
	while ((PAGE_SIZE << order) < size)
		order++;
	struct page *page = alloc_pages(GFP_KERNEL | (gfp & __GFP_ZERO), order);
	if (!page)
		return NULL;
	page->page_type = PGTY_LARGE_KMALLOC;
	mm_stat_mod(NR_KMALLOC_LARGE, 1L << order);
	return page_address(page);
}

void *kmalloc(size_t size, gfp_t gfp)
{
	unsigned long flags;
	void *obj = NULL;

	if (size == 0 || size > KMALLOC_MAX_SIZE)
		return NULL;
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_large(size, gfp);

	unsigned int cls = size_class(size);
	struct kmem_cache *c = &caches[cls];
	spin_lock_irqsave(&slab_lock, flags);
	struct page *page =
	    list_empty(&c->partial) ? new_slab(cls) : list_first_entry(&c->partial, struct page, lru);
	if (page) {
		unsigned int idx = slab_free(page);
		obj = (char *)page_address(page) + idx * c->size;
		unsigned int next = *(u32 *)obj;
		*(u64 *)((char *)obj + 8) = 0;
		slab_set(page, cls, slab_inuse(page) + 1, next);
		if (next == FREE_NONE)
			list_del_init(&page->lru);
		c->inuse++;
	}
	spin_unlock_irqrestore(&slab_lock, flags);
	if (obj && (gfp & __GFP_ZERO))
		memset(obj, 0, c->size);
	return obj;
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kmalloc(n * size, gfp | __GFP_ZERO);
}

/* The slab or large-kmalloc page of p, or NULL after one error line. */
static struct page *kmalloc_page(const void *p, const char *who)
{
	struct page *page = virt_to_page(p);

	if (page && online_section_nr(pfn_to_section_nr(page_to_pfn(page)))) {
		if (PageSlab(page) &&
		    ((const char *)p - (const char *)page_address(page)) % caches[slab_class(page)].size == 0)
			return page;
		if (PageLargeKmalloc(page) && p == page_address(page))
			return page;
	}
	pr_err("mm: %s(%p): not a kmalloc'd object\n", who, p);
	return NULL;
}

static bool on_free_chain(struct page *page, const void *p)
{
	struct kmem_cache *c = &caches[slab_class(page)];
	char *base = page_address(page);
	unsigned int i = slab_free(page);

	for (unsigned int steps = 0; i != FREE_NONE && steps < c->objs_per_slab; steps++) {
		if (base + i * c->size == p)
			return true;
		i = *(u32 *)(base + i * c->size);
	}
	return false;
}

void kfree(const void *p)
{
	unsigned long flags;

	if (!p)
		return;
	struct page *page = kmalloc_page(p, "kfree");
	if (!page)
		return;
	if (PageLargeKmalloc(page)) {
		page->page_type = PGTY_NONE;
		mm_stat_mod(NR_KMALLOC_LARGE, -(1L << page->order));
		free_pages(page, page->order);
		return;
	}
	spin_lock_irqsave(&slab_lock, flags);
	unsigned int cls = slab_class(page);
	struct kmem_cache *c = &caches[cls];
	if (*(const u64 *)((const char *)p + 8) == (FREE_MAGIC ^ (u64)(unsigned long)p) &&
	    on_free_chain(page, p)) {
		spin_unlock_irqrestore(&slab_lock, flags);
		pr_err("mm: kfree(%p): double free (%s)\n", p, c->name);
		return;
	}
	unsigned int idx = (unsigned int)(((const char *)p - (char *)page_address(page)) / c->size);
	unsigned int was_free = slab_free(page), inuse = slab_inuse(page) - 1;
	obj_mark_free((void *)p, was_free);
	slab_set(page, cls, inuse, idx);
	c->inuse--;
	if (was_free == FREE_NONE)
		list_add(&page->lru, &c->partial);
	/* An empty slab goes back to the buddy unless it is the class's only one. */
	if (inuse == 0 && !(c->partial.next == &page->lru && c->partial.prev == &page->lru)) {
		list_del(&page->lru);
		page->page_type = PGTY_NONE;
		page->private = 0;
		c->nr_slabs--;
		mm_stat_mod(NR_SLAB_PAGES, -1);
		spin_unlock_irqrestore(&slab_lock, flags);
		free_pages(page, 0);
		return;
	}
	spin_unlock_irqrestore(&slab_lock, flags);
}

size_t ksize(const void *p)
{
	struct page *page = p ? kmalloc_page(p, "ksize") : NULL;

	if (!page)
		return 0;
	if (PageLargeKmalloc(page))
		return PAGE_SIZE << page->order;
	return caches[slab_class(page)].size;
}

void kmalloc_show(void (*pr)(const char *fmt, ...))
{
	pr("%-12s %6s %8s %6s\n", "# name", "size", "objects", "slabs");
	for (unsigned int i = 0; i < NR_KMALLOC_CLASSES; i++)
		pr("%-12s %6u %8lu %6lu\n", caches[i].name, caches[i].size, caches[i].inuse,
		   caches[i].nr_slabs);
	pr("%-12s %6s %8s %6ld\n", "large", "-", "-", mm_stat_read(NR_KMALLOC_LARGE));
}

/* The workload (workload.h): movable checksummed pages standing for user memory, and their movable
 * operations (migration copies the data and repoints the list). */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/gfp.h"
#include "mm/migrate.h"
#include "mmtest/workload.h"

static LIST_HEAD(wl_pages); /* every workload page not isolated for migration */
static unsigned long wl_nr; /* pages owned, isolated ones included */
static u64 wl_seq;	    /* data seed of the next page */
static int wl_owner = -1;

/* A 32-bit checksum of order-0 page content (the one kept in page->private). */
static u32 workload_checksum(const void *data)
{
	const u64 *w = data;
	u64 a = 1, b = 0;

	/* Fletcher-like over 64-bit words: position-sensitive, so a lost, zeroed or shuffled page shows. */
	for (unsigned long i = 0; i < PAGE_SIZE / 8; i++) {
		a += w[i];
		b += a;
	}
	u64 h = a ^ (b * 0x9e3779b97f4a7c15ULL);
	return (u32)(h ^ (h >> 32));
}

static void fill(struct page *page)
{
	u64 *w = page_address(page), x = ++wl_seq * 0x9e3779b97f4a7c15ULL;

	w[0] = wl_seq;
	for (unsigned long i = 1; i < PAGE_SIZE / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w[i] = x;
	}
	page->private = workload_checksum(w);
}

static bool wl_isolate(struct page *page, int mode)
{
	list_del(&page->lru);
	return true;
}

static int wl_migrate(struct page *dst, struct page *src, int mode)
{
	memcpy(page_address(dst), page_address(src), PAGE_SIZE);
	dst->private = src->private;
	__SetPageMovable(dst, (unsigned int)wl_owner);
	list_add(&dst->lru, &wl_pages);
	return 0;
}

static void wl_putback(struct page *page)
{
	list_add(&page->lru, &wl_pages);
}

static const struct movable_operations workload_ops = {
    .name = "workload",
    .isolate_page = wl_isolate,
    .migrate_page = wl_migrate,
    .putback_page = wl_putback,
};

static int owner_id(void)
{
	/* register_movable_ops returns the same id for the same ops, also after mm_init started over. */
	wl_owner = register_movable_ops(&workload_ops);
	return wl_owner;
}

static void free_one(struct page *page)
{
	list_del(&page->lru);
	wl_nr--;
	free_pages(page, 0);
}

int workload_alloc(u64 bytes)
{
	unsigned long n = PFN_UP(bytes), done;
	LIST_HEAD(batch);
	int id = owner_id();

	if (id < 0)
		return id;
	for (done = 0; done < n; done++) {
		struct page *page = alloc_page(GFP_MOVABLE);
		if (!page)
			break;
		__SetPageMovable(page, (unsigned int)id);
		fill(page);
		list_add_tail(&page->lru, &batch);
		wl_nr++;
	}
	struct page *page, *next;
	list_for_each_entry_safe(page, next, &batch, lru) {
		if (done < n)
			free_one(page);
		else
			list_move_tail(&page->lru, &wl_pages);
	}
	return done < n ? -ENOMEM : 0;
}

void workload_free(void)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &wl_pages, lru)
		free_one(page);
}

unsigned long workload_nr_pages(void)
{
	return wl_nr;
}

int workload_verify(struct workload_check *out)
{
	struct workload_check c = {0, 0, 0};
	struct page *page;

	list_for_each_entry(page, &wl_pages, lru) {
		c.pages++;
		if (workload_checksum(page_address(page)) != page->private) {
			if (!c.bad++)
				c.bad_pfn = page_to_pfn(page);
		}
	}
	if (out)
		*out = c;
	return c.bad ? -EIO : 0;
}

void workload_reset(void)
{
	INIT_LIST_HEAD(&wl_pages);
	wl_nr = 0;
}

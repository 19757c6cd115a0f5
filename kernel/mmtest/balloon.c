/* Two balloons (balloon.h): PageOffline pages taken from the system. The unmovable one ignores the
 * memory notifiers (offlining its blocks fails); the movable one has movable operations (balloon
 * compaction: migration hands it a new page and never reads the old one). */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/contig.h"
#include "mm/gfp.h"
#include "mm/memory.h"
#include "mm/migrate.h"
#include "mm/page_offline.h"
#include "mmtest/balloon.h"

struct balloon {
	struct list_head pages; /* PageOffline pages, through lru */
	unsigned long nr;
};

static struct balloon balloons[2] = {
    {LIST_HEAD_INIT(balloons[0].pages), 0},
    {LIST_HEAD_INIT(balloons[1].pages), 0},
};
static int movable_owner = -1;

static struct balloon *balloon_of(bool movable)
{
	return &balloons[movable ? 1 : 0];
}

static bool bl_isolate(struct page *page, int mode)
{
	list_del(&page->lru);
	return true;
}

/* Never reads or writes either page: dst becomes the balloon's PageOffline page, src an ordinary
 * allocated page that migration frees. The managed counts follow the page to its zone. */
static int bl_migrate(struct page *dst, struct page *src, int mode)
{
	offline_page_migrate(dst, src, movable_owner);
	list_add(&dst->lru, &balloon_of(true)->pages);
	return 0;
}

static void bl_putback(struct page *page)
{
	list_add(&page->lru, &balloon_of(true)->pages);
}

static const struct movable_operations balloon_ops = {
    .name = "balloon",
    .isolate_page = bl_isolate,
    .migrate_page = bl_migrate,
    .putback_page = bl_putback,
};

void balloon_reset(void)
{
	movable_owner = register_movable_ops(&balloon_ops);
	for (int i = 0; i < 2; i++) {
		INIT_LIST_HEAD(&balloons[i].pages);
		balloons[i].nr = 0;
	}
}

static void take(struct balloon *b, struct page *page, bool movable)
{
	__SetPageOffline(page);
	if (movable)
		__SetPageMovable(page, (unsigned int)movable_owner);
	adjust_managed_page_count(page, -1);
	list_add_tail(&page->lru, &b->pages);
	b->nr++;
}

static void give_back(struct balloon *b, struct page *page)
{
	list_del(&page->lru);
	b->nr--;
	__ClearPageOffline(page);
	__ClearPageMovable(page);
	adjust_managed_page_count(page, 1);
	free_pages(page, 0);
}

int balloon_inflate(u64 bytes, bool movable, unsigned long block)
{
	struct balloon *b = balloon_of(movable);
	unsigned long n = PFN_UP(bytes), got = 0;
	struct page *page, *next;
	LIST_HEAD(batch);
	int ret = 0;

	if (movable_owner < 0)
		balloon_reset();
	if (block != BALLOON_ANY_BLOCK) {
		if (!online_section_nr(block))
			return -EINVAL;
		ret = alloc_contig_pages_in_block(block, n, &batch);
	} else {
		for (; got < n; got++) {
			page = alloc_page(movable ? GFP_MOVABLE : GFP_KERNEL);
			if (!page) {
				ret = -ENOMEM;
				break;
			}
			list_add_tail(&page->lru, &batch);
		}
	}
	list_for_each_entry_safe(page, next, &batch, lru) {
		list_del(&page->lru);
		if (ret)
			free_pages(page, 0);
		else
			take(b, page, movable);
	}
	return ret;
}

unsigned long balloon_deflate(bool movable)
{
	struct balloon *b = balloon_of(movable);
	unsigned long n = b->nr;
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &b->pages, lru)
		give_back(b, page);
	return n;
}

unsigned long balloon_nr_pages(bool movable)
{
	return balloon_of(movable)->nr;
}

unsigned long balloon_pages_in_block(bool movable, unsigned long id)
{
	struct page *page;
	unsigned long n = 0;

	list_for_each_entry(page, &balloon_of(movable)->pages, lru)
		n += pfn_to_block_id(page_to_pfn(page)) == id;
	return n;
}

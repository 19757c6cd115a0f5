/* pin (pin.h): unmovable kernel allocations that show what migration cannot move. */
#include "kernel/errno.h"
#include "mm/contig.h"
#include "mm/gfp.h"
#include "mmtest/pin.h"

static LIST_HEAD(pinned);
static unsigned long nr_pinned;

static void unpin(struct page *page)
{
	list_del(&page->lru);
	nr_pinned--;
	free_pages(page, 0);
}

int pin_alloc_block(u64 bytes, unsigned long id)
{
	LIST_HEAD(batch);
	struct page *page, *next;
	int ret = alloc_contig_pages_in_block(id, PFN_UP(bytes), &batch);

	if (ret)
		return ret;
	list_for_each_entry_safe(page, next, &batch, lru) {
		list_move_tail(&page->lru, &pinned);
		nr_pinned++;
	}
	return 0;
}

int pin_alloc(u64 bytes)
{
	unsigned long n = PFN_UP(bytes), done;
	LIST_HEAD(batch);
	struct page *page, *next;

	for (done = 0; done < n; done++) {
		page = alloc_page(GFP_KERNEL);
		if (!page)
			break;
		list_add_tail(&page->lru, &batch);
		nr_pinned++;
	}
	list_for_each_entry_safe(page, next, &batch, lru) {
		if (done < n)
			unpin(page);
		else
			list_move_tail(&page->lru, &pinned);
	}
	return done < n ? -ENOMEM : 0;
}

void pin_free(void)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &pinned, lru)
		unpin(page);
}

unsigned long pin_nr_pages(void)
{
	return nr_pinned;
}

void pin_reset(void)
{
	INIT_LIST_HEAD(&pinned);
	nr_pinned = 0;
}

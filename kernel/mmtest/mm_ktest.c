/* In-kernel tests of the memory manager (`selftest`). */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/slab.h"

static void quiet(const char *fmt, ...)
{
	(void)fmt;
}

/* Allocates order-0 pages of gfp until none is left, chaining them through lru; returns the count. */
static unsigned long drain_into(struct list_head *list, gfp_t gfp)
{
	unsigned long n = 0;
	struct page *p;

	while ((p = alloc_page(gfp))) {
		list_add(&p->lru, list);
		n++;
	}
	return n;
}

static void free_list_pages(struct list_head *list)
{
	struct page *p, *tmp;

	list_for_each_entry_safe(p, tmp, list, lru) {
		list_del(&p->lru);
		__free_page(p);
	}
}

KTEST(mm, exhaust_and_free_all)
{
	LIST_HEAD(pages);
	unsigned long before = nr_free_pages();
	unsigned long movable = drain_into(&pages, GFP_MOVABLE);
	unsigned long kernel = drain_into(&pages, GFP_KERNEL);

	ktest_info("mm: allocated %lu movable + %lu kernel pages of %lu free", movable, kernel, before);
	KT_EXPECT(movable + kernel == before);
	KT_EXPECT(nr_free_pages() == 0);
	KT_EXPECT(mm_verify(NULL) == 0);
	free_list_pages(&pages);
	KT_EXPECT(nr_free_pages() == before);
	KT_EXPECT(mm_verify(NULL) == 0);
}

KTEST(mm, every_order)
{
	unsigned long before = nr_free_pages();
	struct page *p[MAX_ORDER + 1];

	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		p[o] = alloc_pages(GFP_KERNEL | __GFP_ZERO, o);
		KT_ASSERT(p[o]);
		KT_EXPECT((page_to_pfn(p[o]) & ((1UL << o) - 1)) == 0);
		const u64 *w = page_address(p[o]);
		KT_EXPECT(w[0] == 0 && w[(PAGE_SIZE << o) / 8 - 1] == 0);
		memset(page_address(p[o]), 0x5a, PAGE_SIZE << o);
	}
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		free_pages(p[o], o);
	KT_EXPECT(nr_free_pages() == before);
	KT_EXPECT(mm_verify(quiet) == 0);
}

KTEST(mm, bad_frees_refused)
{
	struct page *p = alloc_pages(GFP_KERNEL, 1);
	KT_ASSERT(p);
	unsigned long bad = mm_bad_frees;
	free_pages(p, 0); /* wrong order */
	free_pages(p, 1);
	free_pages(p, 1);	       /* double free */
	free_pages(pfn_to_page(0), 0); /* reserved */
	KT_EXPECT(mm_bad_frees == bad + 3);
	KT_EXPECT(mm_verify(quiet) == 0);
}

KTEST(mm, kmalloc_classes)
{
	void *v[12];
	size_t sizes[12] = {1, 16, 17, 64, 100, 256, 512, 1000, 2048, 2049, 4096, 100000};
	long slab_before = mm_stat_read(NR_SLAB_PAGES);

	for (int i = 0; i < 12; i++) {
		v[i] = kmalloc(sizes[i], GFP_KERNEL);
		KT_ASSERT(v[i]);
		KT_EXPECT(ksize(v[i]) >= sizes[i]);
		memset(v[i], 0x11, sizes[i]);
	}
	kfree(v[3]);
	kfree(v[3]); /* refused: double free */
	for (int i = 0; i < 12; i++)
		if (i != 3)
			kfree(v[i]);
	KT_EXPECT(kmalloc(0, GFP_KERNEL) == NULL);
	KT_EXPECT(mm_stat_read(NR_SLAB_PAGES) <= slab_before + 8);
	KT_EXPECT(mm_verify(quiet) == 0);
}

KTEST(mm, direct_map_remove_add)
{
	struct page *p = alloc_pages(GFP_KERNEL, MAX_ORDER);
	KT_ASSERT(p);
	phys_addr_t pa = page_to_phys(p);
	KT_EXPECT(arch_is_mapped(pa));
	arch_remove_memory(pa + SZ_4K, SZ_4K); /* splits a large page */
	KT_EXPECT(arch_is_mapped(pa) && !arch_is_mapped(pa + SZ_4K) && arch_is_mapped(pa + 2 * SZ_4K));
	KT_EXPECT(arch_add_memory(pa + SZ_4K, SZ_4K) == 0);
	KT_EXPECT(arch_add_memory(pa, SZ_4K) < 0); /* already mapped */
	arch_remove_memory(pa, SZ_2M);
	KT_EXPECT(!arch_is_mapped(pa) && !arch_is_mapped(pa + SZ_2M - SZ_4K));
	/* A map across a mapped page fails and leaves both sides of it as they were. */
	KT_EXPECT(arch_add_memory(pa + 2 * SZ_4K, SZ_4K) == 0);
	KT_EXPECT(arch_add_memory(pa, 4 * SZ_4K) == -EEXIST);
	KT_EXPECT(!arch_is_mapped(pa) && !arch_is_mapped(pa + SZ_4K) && arch_is_mapped(pa + 2 * SZ_4K) &&
		  !arch_is_mapped(pa + 3 * SZ_4K));
	arch_remove_memory(pa + 2 * SZ_4K, SZ_4K);
	KT_EXPECT(arch_add_memory(pa, SZ_2M) == 0);
	KT_EXPECT(arch_is_mapped(pa + SZ_2M - SZ_4K));
	memset(page_address(p), 0, SZ_2M);
	free_pages(p, MAX_ORDER);
	KT_EXPECT(mm_verify(quiet) == 0);
}

KTEST(mm, verify_clean)
{
	KT_EXPECT(mm_verify(NULL) == 0);
}

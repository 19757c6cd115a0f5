/* host-srcs: @mm-core tests/host/mm_fake.c */
/* The buddy allocator, zones, pageblocks and the checks that refuse bad frees, on fake memory. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_test.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/init.h"
#include "mm/memblock.h"
#include "mm/mmzone.h"
#include "mm/sparse.h"
#include "mm_fake.h"

#define MiB (1ULL << 20)

static int verify_quiet(void)
{
	return mm_verify(mm_fake_print);
}

/* Allocates order-0 pages of gfp until none is left; returns them in a malloc'd array. */
static struct page **alloc_all(gfp_t gfp, unsigned long *n)
{
	unsigned long cap = 1024, cnt = 0;
	struct page **v = malloc(cap * sizeof(*v)), *p;

	while ((p = alloc_page(gfp))) {
		if (cnt == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		v[cnt++] = p;
	}
	*n = cnt;
	return v;
}

static void test_boot_totals(void)
{
	mm_fake_boot_simple(256 * MiB);
	u64 ram = memblock_phys_mem_size(), reserved = memblock_reserved_size();
	CHECK(ram == 0x9f000 + 255 * MiB);
	CHECK(memblock_reserved_named("kernel") == 2 * MiB);
	CHECK(memblock_reserved_named("first MiB") == 0x9f000);
	CHECK(memblock_reserved_named("memmap") == 2 * MiB); /* two sections */
	CHECK(totalram_pages() == (ram - reserved) >> PAGE_SHIFT);
	CHECK(nr_free_pages() == totalram_pages());
	CHECK(zones[ZONE_NORMAL].present_pages == ram >> PAGE_SHIFT);
	CHECK(zones[ZONE_NORMAL].spanned_pages == 2 * PAGES_PER_SECTION);
	CHECK(zones[ZONE_MOVABLE].present_pages == 0);
	CHECK(mm_stat_read(NR_MEMMAP_PAGES) == 512);
	CHECK(verify_quiet() == 0);
	CHECK(mm_fake_mapped_pages() == ram >> PAGE_SHIFT);
	CHECK(!arch_is_mapped(0xa0000));
}

static void test_pfn_page_roundtrip(void)
{
	mm_fake_boot_simple(256 * MiB);
	for (unsigned long pfn = 0; pfn < (256 * MiB >> PAGE_SHIFT); pfn += 4097) {
		REQUIRE(pfn_valid(pfn));
		CHECK(page_to_pfn(pfn_to_page(pfn)) == pfn);
		CHECK(page_to_pfn(virt_to_page(phys_to_virt(PFN_PHYS(pfn)))) == pfn);
	}
	CHECK(!pfn_valid(256 * MiB >> PAGE_SHIFT));
	CHECK(!pfn_valid(MAX_PFN - 1));
	CHECK(!pfn_valid(MAX_PFN + 5));
	CHECK(PageReserved(pfn_to_page(0)));
	CHECK(PageReserved(pfn_to_page(0x100))); /* kernel */
}

static void test_exhaust_and_return(void)
{
	mm_fake_boot_simple(128 * MiB);
	unsigned long before = nr_free_pages(), n;
	struct page **v = alloc_all(GFP_KERNEL, &n);
	CHECK(n == before);
	CHECK(nr_free_pages() == 0);
	CHECK(alloc_pages(GFP_KERNEL, 0) == NULL);
	CHECK(verify_quiet() == 0);
	/* Each page is distinct and writable. */
	for (unsigned long i = 0; i < n; i++)
		*(unsigned long *)page_address(v[i]) = i;
	for (unsigned long i = 0; i < n; i++)
		CHECK(*(unsigned long *)page_address(v[i]) == i);
	for (unsigned long i = n; i-- > 0;)
		__free_page(v[i]);
	free(v);
	CHECK(nr_free_pages() == before);
	drain_all_pages(NULL);
	CHECK(verify_quiet() == 0);
	/* Everything merged back: only max-order chunks except around the reservations. */
	unsigned long chunks9 = 0;
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		chunks9 += zones[ZONE_NORMAL].free_area[MAX_ORDER].nr_free[mt];
	CHECK(chunks9 >= (before >> MAX_ORDER) - 4);
}

static void test_orders_alignment_merge(void)
{
	mm_fake_boot_simple(128 * MiB);
	unsigned long before = nr_free_pages();
	struct page *p[NR_PAGE_ORDERS];
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		p[o] = alloc_pages(GFP_KERNEL, o);
		REQUIRE(p[o]);
		CHECK((page_to_pfn(p[o]) & ((1UL << o) - 1)) == 0);
		CHECK(page_ref_count(p[o]) == 1 && p[o]->order == o);
		memset(page_address(p[o]), 0x5a, PAGE_SIZE << o);
	}
	CHECK(alloc_pages(GFP_KERNEL, MAX_ORDER + 1) == NULL);
	CHECK(verify_quiet() == 0);
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		free_pages(p[o], o);
	CHECK(nr_free_pages() == before);
	CHECK(verify_quiet() == 0);
	struct page *z = alloc_pages(GFP_KERNEL | __GFP_ZERO, 3);
	REQUIRE(z);
	const unsigned char *b = page_address(z);
	bool zero = true;
	for (unsigned long i = 0; i < (PAGE_SIZE << 3); i++)
		zero &= b[i] == 0;
	CHECK(zero);
	free_pages(z, 3);
}

static void test_double_free_refused(void)
{
	mm_fake_boot_simple(128 * MiB);
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	REQUIRE(p);
	free_pages(p, 2);
	unsigned long free_before = nr_free_pages(), bad = mm_bad_frees;
	host_log_clear();
	free_pages(p, 2);
	CHECK(mm_bad_frees == bad + 1);
	CHECK(host_log_contains("double free"));
	CHECK(nr_free_pages() == free_before);
	struct page *q = alloc_page(GFP_KERNEL);
	__free_page(q);
	__free_page(q); /* now in the pcp cache */
	CHECK(host_log_contains("double free"));
	CHECK(verify_quiet() == 0);
}

static void test_bad_frees_refused(void)
{
	mm_fake_boot_simple(128 * MiB);
	struct page *p = alloc_pages(GFP_KERNEL, 3);
	REQUIRE(p);
	unsigned long bad = mm_bad_frees, free_before = nr_free_pages();
	host_log_clear();
	free_pages(p, 2); /* wrong order */
	CHECK(host_log_contains("order differs"));
	free_pages(p + 1, 0); /* a tail: refcount 0 */
	CHECK(host_log_contains("refcount 0"));
	free_pages(pfn_to_page(0x100), 0); /* kernel image */
	CHECK(host_log_contains("reserved page"));
	static struct page fake;
	memset(&fake, 0, sizeof(fake));
	free_pages(&fake, 0);
	CHECK(host_log_contains("not a struct page"));
	free_pages((struct page *)((char *)p + 4), 0);
	free_pages_addr((char *)page_address(p) + 8, 0);
	put_page(p + 2);
	CHECK(mm_bad_frees == bad + 7);
	CHECK(nr_free_pages() == free_before);
	CHECK(verify_quiet() == 0);
	free_pages(p, 3);
	CHECK(verify_quiet() == 0);
}

static void test_refcount_put_page(void)
{
	mm_fake_boot_simple(128 * MiB);
	unsigned long before = nr_free_pages();
	struct page *p = alloc_pages(GFP_KERNEL, 1);
	REQUIRE(p);
	get_page(p);
	CHECK(page_ref_count(p) == 2);
	free_pages(p, 1); /* drops the caller's reference only */
	CHECK(page_ref_count(p) == 1 && nr_free_pages() == before - 2);
	put_page(p); /* last: frees order 1 */
	CHECK(nr_free_pages() == before);
	/* split_page: each page its own allocation. */
	p = alloc_pages(GFP_KERNEL, 2);
	split_page(p, 2);
	for (int i = 0; i < 4; i++)
		CHECK(page_ref_count(p + i) == 1 && p[i].order == 0);
	for (int i = 0; i < 4; i++)
		put_page(p + i);
	CHECK(nr_free_pages() == before);
	/* A PageOffline page whose refcount reaches 0 stays offline, outside the buddy. */
	p = alloc_page(GFP_KERNEL);
	__SetPageOffline(p);
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == 1);
	put_page(p);
	CHECK(page_ref_count(p) == 0 && PageOffline(p) && nr_free_pages() == before - 1);
	__ClearPageOffline(p);
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == 0);
	set_page_count(p, 1);
	__free_page(p);
	CHECK(nr_free_pages() == before);
	CHECK(verify_quiet() == 0);
}

static void boot_movablecore(u64 ram, u64 movable)
{
	movablecore_bytes = movable;
	mm_fake_boot_simple(ram);
	movablecore_bytes = 0;
}

static void test_zones_movablecore(void)
{
	boot_movablecore(512 * MiB, 128 * MiB);
	struct zone *n = &zones[ZONE_NORMAL], *m = &zones[ZONE_MOVABLE];
	CHECK(m->zone_start_pfn == (384 * MiB >> PAGE_SHIFT));
	CHECK(m->managed_pages == PAGES_PER_SECTION && m->present_pages == PAGES_PER_SECTION);
	CHECK(zone_end_pfn(n) == m->zone_start_pfn);
	CHECK(verify_quiet() == 0);
	/* Movable requests prefer ZONE_MOVABLE. */
	struct page *p = alloc_page(GFP_MOVABLE);
	CHECK(page_zonenum(p) == ZONE_MOVABLE);
	__free_page(p);
	/* Unmovable requests never get ZONE_MOVABLE, even when NORMAL is empty. */
	unsigned long nk, nmov;
	struct page **k = alloc_all(GFP_KERNEL, &nk);
	for (unsigned long i = 0; i < nk; i++)
		CHECK(page_zonenum(k[i]) == ZONE_NORMAL);
	CHECK(zone_free_pages(n) == 0 && zone_free_pages(m) == PAGES_PER_SECTION);
	/* Movable requests fall back to NORMAL once MOVABLE is dry. */
	for (unsigned long i = 0; i < 100; i++)
		__free_page(k[--nk]);
	struct page **mv = alloc_all(GFP_MOVABLE, &nmov);
	CHECK(nmov == PAGES_PER_SECTION + 100);
	CHECK(page_zonenum(mv[nmov - 1]) == ZONE_NORMAL);
	CHECK(verify_quiet() == 0);
	for (unsigned long i = 0; i < nmov; i++)
		__free_page(mv[i]);
	for (unsigned long i = 0; i < nk; i++)
		__free_page(k[i]);
	free(k);
	free(mv);
	CHECK(verify_quiet() == 0);
	CHECK(nr_free_pages() == totalram_pages());
	/* The boundary goes to the nearest memory block; at least one block. */
	boot_movablecore(512 * MiB, 100 * MiB);
	CHECK(zones[ZONE_MOVABLE].zone_start_pfn == (384 * MiB >> PAGE_SHIFT));
	boot_movablecore(512 * MiB, 10 * MiB);
	CHECK(zones[ZONE_MOVABLE].present_pages == PAGES_PER_SECTION);
	boot_movablecore(512 * MiB, 200 * MiB);
	CHECK(zones[ZONE_MOVABLE].present_pages == 2 * PAGES_PER_SECTION);
	CHECK(verify_quiet() == 0);
}

static unsigned long count_blocks(struct zone *z, int mt)
{
	unsigned long n = 0;
	for (unsigned long pfn = z->zone_start_pfn; pfn < zone_end_pfn(z); pfn += pageblock_nr_pages)
		n += get_pfnblock_migratetype(pfn) == mt;
	return n;
}

static void test_pageblock_stealing(void)
{
	mm_fake_boot_simple(128 * MiB);
	struct zone *z = &zones[ZONE_NORMAL];
	/* Boot pageblocks are MOVABLE (as in Linux); kernel allocations claim whole blocks. */
	CHECK(count_blocks(z, MIGRATE_UNMOVABLE) == 0);
	struct page *k = alloc_page(GFP_KERNEL);
	REQUIRE(k);
	CHECK(get_pageblock_migratetype(k) == MIGRATE_UNMOVABLE);
	CHECK(count_blocks(z, MIGRATE_UNMOVABLE) == 1);
	struct page *m = alloc_page(GFP_MOVABLE);
	CHECK(get_pageblock_migratetype(m) == MIGRATE_MOVABLE);
	/* Many unmovable pages come from few pageblocks. */
	struct page *v[2048];
	for (int i = 0; i < 2048; i++)
		v[i] = alloc_page(GFP_KERNEL);
	CHECK(count_blocks(z, MIGRATE_UNMOVABLE) <= 6);
	CHECK(verify_quiet() == 0);
	for (int i = 0; i < 2048; i++)
		__free_page(v[i]);
	__free_page(k);
	__free_page(m);
	/* Exhaust with movable: it steals unmovable blocks back. */
	unsigned long n;
	struct page **all = alloc_all(GFP_MOVABLE, &n);
	CHECK(n == totalram_pages());
	for (unsigned long i = 0; i < n; i++)
		__free_page(all[i]);
	free(all);
	CHECK(verify_quiet() == 0);
}

static void test_isolation_primitives(void)
{
	mm_fake_boot_simple(128 * MiB);
	struct zone *z = &zones[ZONE_NORMAL];
	unsigned long pfn = 32 * 1024 / 4 * 2; /* 64 MiB: pageblock aligned, all free */
	struct page *head = pfn_to_page(pfn);
	unsigned long before = nr_free_pages(), flags;
	/* A page of the block in the pcp cache, to see it pulled out. */
	REQUIRE(take_page_off_buddy(head + 7));
	set_page_count(head + 7, 1);
	__free_page(head + 7);
	CHECK(PagePcp(head + 7));

	spin_lock_irqsave(&z->lock, flags);
	unsigned long moved = move_freepages_block(z, head, MIGRATE_ISOLATE);
	spin_unlock_irqrestore(&z->lock, flags);
	CHECK(moved == pageblock_nr_pages);
	CHECK(z->nr_isolate_pageblock == 1);
	CHECK(get_pfnblock_migratetype(pfn) == MIGRATE_ISOLATE);
	CHECK(get_pfnblock_own_migratetype(pfn) == MIGRATE_MOVABLE); /* kept, to return to */
	CHECK(nr_free_pages() == before - pageblock_nr_pages);
	CHECK(PageBuddy(head) && head->order == MAX_ORDER);
	CHECK(verify_quiet() == 0);
	/* Nothing is allocated from an isolated block. */
	unsigned long n;
	struct page **all = alloc_all(GFP_MOVABLE, &n);
	CHECK(n == before - pageblock_nr_pages);
	for (unsigned long i = 0; i < n; i++)
		CHECK(pageblock_start_pfn(page_to_pfn(all[i])) != pfn);
	/* take one page off the isolated free chunk, free it: it goes back to ISOLATE, merged. */
	CHECK(take_page_off_buddy(head + 100));
	CHECK(head->order != MAX_ORDER && z->free_pages[MIGRATE_ISOLATE] == pageblock_nr_pages - 1);
	CHECK(verify_quiet() == 0);
	set_page_count(head + 100, 1);
	__free_page(head + 100);
	CHECK(PageBuddy(head) && head->order == MAX_ORDER);
	/* __isolate_free_page takes the whole chunk. */
	spin_lock_irqsave(&z->lock, flags);
	CHECK(!__isolate_free_page(head, 3));
	CHECK(__isolate_free_page(head, MAX_ORDER));
	spin_unlock_irqrestore(&z->lock, flags);
	CHECK(z->free_pages[MIGRATE_ISOLATE] == 0);
	CHECK(verify_quiet() == 0);
	head->order = 0;
	split_page(head, 0);
	set_page_count(head, 1);
	head->order = MAX_ORDER;
	free_pages(head, MAX_ORDER);
	CHECK(z->free_pages[MIGRATE_ISOLATE] == pageblock_nr_pages);
	/* Undo. */
	spin_lock_irqsave(&z->lock, flags);
	move_freepages_block(z, head, MIGRATE_MOVABLE);
	spin_unlock_irqrestore(&z->lock, flags);
	CHECK(z->nr_isolate_pageblock == 0);
	for (unsigned long i = 0; i < n; i++)
		__free_page(all[i]);
	free(all);
	CHECK(nr_free_pages() == before);
	CHECK(verify_quiet() == 0);
}

static void test_poison(void)
{
	mm_fake_boot_simple(128 * MiB);
	page_poison_enabled = true;
	zone_pcp_disable(&zones[ZONE_NORMAL]);
	struct page *p = alloc_page(GFP_KERNEL);
	REQUIRE(p);
	unsigned char *va = page_address(p);
	__free_page(p);
	CHECK(va[0] == PAGE_POISON && va[PAGE_SIZE - 1] == PAGE_POISON);
	va[123] = 1; /* use after free */
	host_log_clear();
	struct page *q = alloc_page(GFP_KERNEL);
	CHECK(q == p);
	CHECK(host_log_contains("written after free"));
	host_log_clear();
	__free_page(q);
	q = alloc_page(GFP_KERNEL);
	CHECK(!host_log_contains("written after free"));
	__free_page(q);
	page_poison_enabled = false;
	zone_pcp_enable(&zones[ZONE_NORMAL]);
	CHECK(verify_quiet() == 0);
}

static void test_verify_catches_corruption(void)
{
	mm_fake_boot_simple(128 * MiB);
	struct page *p = alloc_pages(GFP_KERNEL, 4);
	free_pages(p, 4);
	drain_all_pages(NULL);
	REQUIRE(PageBuddy(p) || true);
	/* Free boot pageblocks have a lazy memmap (tails not written, so not checked): write the one
	 * whose chunk this test corrupts. */
	memmap_init_pageblock(0x1000);
	struct page *q = NULL;
	for (unsigned long pfn = 0x1000; pfn < 0x8000; pfn++)
		if (PageBuddy(pfn_to_page(pfn))) {
			q = pfn_to_page(pfn);
			break;
		}
	REQUIRE(q);
	host_log_echo = false;
	q->_refcount = 3;
	CHECK(mm_verify(mm_fake_print_quiet) >= 1);
	q->_refcount = 0;
	q->order ^= 1;
	CHECK(mm_verify(mm_fake_print_quiet) >= 1);
	q->order ^= 1;
	zones[ZONE_NORMAL].free_pages[MIGRATE_MOVABLE]++;
	CHECK(mm_verify(mm_fake_print_quiet) == 1);
	zones[ZONE_NORMAL].free_pages[MIGRATE_MOVABLE]--;
	pfn_to_page(page_to_pfn(q) + 1)->page_type = PGTY_BUDDY;
	CHECK(mm_verify(mm_fake_print_quiet) >= 1);
	pfn_to_page(page_to_pfn(q) + 1)->page_type = PGTY_NONE;
	/* A pageblock's own type is UNMOVABLE or MOVABLE; ISOLATE is a bit of its own. */
	u8 *pb = &__pfn_to_section(0x1000)->pageblock_flags[(0x1000 & ~PAGE_SECTION_MASK) >> pageblock_order];
	u8 saved = *pb;
	*pb = (u8)((*pb & ~PB_MIGRATETYPE_MASK) | MIGRATE_ISOLATE);
	CHECK(mm_verify(mm_fake_print_quiet) >= 1);
	*pb = saved;
	host_log_echo = true;
	CHECK(verify_quiet() == 0);
}

static char verify_out[2048];
static void verify_capture(const char *fmt, ...)
{
	size_t n = strlen(verify_out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(verify_out + n, sizeof(verify_out) - n, fmt, ap);
	va_end(ap);
}

/* Two free buddies of one order left side by side, as a free path that skips merging would leave
 * them: verify names the pair, in an ordinary and in an isolated pageblock (merging does not depend
 * on the migrate type: both halves share one pageblock). */
static void unmerged_pair_caught(struct zone *z, struct page *pair)
{
	int mt = get_pageblock_migratetype(pair);

	/* pair[1] goes back through the allocator: order 0, since pair[0] is still allocated. */
	__free_page(pair + 1);
	drain_all_pages(NULL);
	REQUIRE(PageBuddy(pair + 1) && buddy_order(pair + 1) == 0);
	/* pair[0] onto the order-0 list by hand, without merging. */
	set_page_count(pair, 0);
	pair->page_type = PGTY_BUDDY;
	pair->order = 0;
	list_add(&pair->lru, &z->free_area[0].free_list[mt]);
	z->free_area[0].nr_free[mt]++;
	z->free_pages[mt]++;
	verify_out[0] = 0;
	CHECK(mm_verify(verify_capture) == 1);
	char want[96];
	snprintf(want, sizeof(want), "verify: free buddies of order 0 at pfn 0x%lx and 0x%lx are not merged",
		 page_to_pfn(pair), page_to_pfn(pair) + 1);
	CHECK(strstr(verify_out, want));
	/* Taken off by hand again and freed properly: the pair merges. */
	list_del(&pair->lru);
	z->free_area[0].nr_free[mt]--;
	z->free_pages[mt]--;
	pair->page_type = PGTY_NONE;
	set_page_count(pair, 1);
	__free_page(pair);
	drain_all_pages(NULL);
	CHECK(!PageBuddy(pair + 1) && PageBuddy(pair) && buddy_order(pair) >= 1);
	CHECK(verify_quiet() == 0);
}

static void test_verify_catches_unmerged_buddies(void)
{
	mm_fake_boot_simple(128 * MiB);
	struct zone *z = &zones[ZONE_NORMAL];
	unsigned long flags;
	struct page *pair = alloc_pages(GFP_KERNEL, 1);
	REQUIRE(pair);
	split_page(pair, 1);
	unmerged_pair_caught(z, pair);

	/* The same in an isolated pageblock. */
	pair = alloc_pages(GFP_KERNEL, 1);
	REQUIRE(pair);
	split_page(pair, 1);
	spin_lock_irqsave(&z->lock, flags);
	move_freepages_block(z, pair, MIGRATE_ISOLATE);
	spin_unlock_irqrestore(&z->lock, flags);
	REQUIRE(get_pageblock_migratetype(pair) == MIGRATE_ISOLATE);
	unmerged_pair_caught(z, pair);
	spin_lock_irqsave(&z->lock, flags);
	move_freepages_block(z, pair, MIGRATE_UNMOVABLE);
	spin_unlock_irqrestore(&z->lock, flags);
	CHECK(verify_quiet() == 0);
}

static void test_printers(void)
{
	boot_movablecore(512 * MiB, 128 * MiB);
	show_meminfo(mm_fake_print, NULL, 0);
	show_buddyinfo(mm_fake_print);
	show_pagetypeinfo(mm_fake_print);
	dump_page_to(mm_fake_print, pfn_to_page(0x12345), "test");
	memblock_print_breakdown(mm_fake_print);
}

int main(void)
{
	RUN("mm", "boot totals: MemTotal = RAM - reserved", test_boot_totals);
	RUN("mm", "pfn_to_page/page_to_pfn round trip, pfn_valid", test_pfn_page_roundtrip);
	RUN("mm", "allocate until empty, free all back", test_exhaust_and_return);
	RUN("mm", "every order: alignment, merge, zeroing", test_orders_alignment_merge);
	RUN("mm", "double free refused", test_double_free_refused);
	RUN("mm", "bad frees refused", test_bad_frees_refused);
	RUN("mm", "refcounts, put_page, split_page, PageOffline", test_refcount_put_page);
	RUN("mm", "zones: movablecore, movable prefers MOVABLE, kernel never", test_zones_movablecore);
	RUN("mm", "pageblock stealing", test_pageblock_stealing);
	RUN("mm", "isolation primitives", test_isolation_primitives);
	RUN("mm", "page_poison catches use after free", test_poison);
	RUN("mm", "verify catches corruption", test_verify_catches_corruption);
	RUN("mm", "verify catches free buddies left unmerged", test_verify_catches_unmerged_buddies);
	RUN("mm", "printers", test_printers);
	return test_summary();
}

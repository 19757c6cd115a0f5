/* host-srcs: @mm-core tests/host/mm_fake.c */
/* Sections, memmap and the core steps a hot(un)plug goes through (the way hotplug builds on them):
 * add a section far up, map it, move it to a zone, hand its max-order chunks to the buddy, isolate,
 * take the free pages out again, unmap, remove. Also kmalloc. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_test.h"
#include "kernel/errno.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/init.h"
#include "mm/memblock.h"
#include "mm/mmzone.h"
#include "mm/slab.h"
#include "mm/sparse.h"
#include "mm_fake.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static void test_section_table(void)
{
	mm_fake_boot_simple(256 * MiB);
	CHECK(present_section_nr(0) && present_section_nr(1) && !present_section_nr(2));
	CHECK(online_section_nr(1));
	CHECK(next_present_section_nr(2) == NR_MEM_SECTIONS);
	/* The top section of 64 TiB: one more root, no memmap until asked (storage supplied here). */
	static struct page top_memmap[PAGES_PER_SECTION];
	unsigned long top = NR_MEM_SECTIONS - 1;
	CHECK(sparse_add_section(top, top_memmap, PAGES_PER_SECTION) == 0);
	CHECK(sparse_add_section(top, top_memmap, 0) == -EEXIST);
	CHECK(sparse_add_section(NR_MEM_SECTIONS, NULL, 0) == -EINVAL);
	CHECK(pfn_valid(MAX_PFN - 1) && !pfn_valid(MAX_PFN - PAGES_PER_SECTION - 1));
	CHECK(pfn_to_page(MAX_PFN - 1) == &top_memmap[PAGES_PER_SECTION - 1]);
	CHECK(pfn_to_online_page(MAX_PFN - 1) == NULL);
	CHECK(next_present_section_nr(2) == top);
	CHECK(sparse_remove_section(top) == 0 && !pfn_valid(MAX_PFN - 1));
	CHECK(sparse_remove_section(top) == -EINVAL);
	CHECK(sparse_remove_section(1) == -EBUSY); /* online */
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* Hot-adds [start, start + size) the way a hotplug add + online does, into `zone`. */
static int add_and_online(phys_addr_t start, u64 size, struct zone *zone)
{
	unsigned long pfn = PHYS_PFN(start), nr = size >> PAGE_SHIFT;
	for (unsigned long s = pfn_to_section_nr(pfn); s < pfn_to_section_nr(pfn + nr); s++) {
		int err = sparse_add_section(s, NULL, PAGES_PER_SECTION);
		if (err)
			return err;
	}
	int err = arch_add_memory(start, size);
	if (err)
		return err;
	move_pfn_range_to_zone(zone, pfn, nr, MIGRATE_MOVABLE, false);
	zone->present_pages += nr;
	online_mem_sections(pfn, pfn + nr);
	free_online_range(pfn, nr);
	return 0;
}

/* Offlines and removes a range whose pages are all free (isolate, take out, unmap, remove). */
static unsigned long offline_and_remove(phys_addr_t start, u64 size)
{
	unsigned long pfn = PHYS_PFN(start), nr = size >> PAGE_SHIFT, flags;
	struct zone *zone = pfn_zone(pfn);

	spin_lock_irqsave(&zone->lock, flags);
	for (unsigned long p = pfn; p < pfn + nr; p += pageblock_nr_pages)
		move_freepages_block_pfn(zone, p, MIGRATE_ISOLATE);
	spin_unlock_irqrestore(&zone->lock, flags);
	drain_all_pages(zone);
	unsigned long taken = __offline_isolated_pages(pfn, pfn + nr);
	spin_lock_irqsave(&zone->lock, flags);
	zone->managed_pages -= taken;
	zone->present_pages -= nr;
	spin_unlock_irqrestore(&zone->lock, flags);
	remove_pfn_range_from_zone(zone, pfn, nr);
	offline_mem_sections(pfn, pfn + nr);
	arch_remove_memory(start, size);
	for (unsigned long s = pfn_to_section_nr(pfn); s < pfn_to_section_nr(pfn + nr); s++)
		sparse_remove_section(s);
	return taken;
}

static void test_hotplug_core_steps(void)
{
	mm_fake_boot_simple(256 * MiB);
	struct zone *movable = &zones[ZONE_MOVABLE];
	unsigned long free0 = nr_free_pages(), memmap0 = (unsigned long)mm_stat_read(NR_MEMMAP_PAGES);
	phys_addr_t base = 4 * GiB;

	CHECK(!arch_is_mapped(base));
	REQUIRE(add_and_online(base, 2 * SECTION_SIZE, movable) == 0);
	CHECK(arch_is_mapped(base) && arch_is_mapped(base + 2 * SECTION_SIZE - PAGE_SIZE));
	CHECK(movable->managed_pages == 2 * PAGES_PER_SECTION && movable->zone_start_pfn == PHYS_PFN(base));
	CHECK(nr_free_pages() == free0 + 2 * PAGES_PER_SECTION - 512); /* minus the two memmaps */
	/* memmap of hot-added sections comes from the buddy (ZONE_NORMAL) */
	CHECK((unsigned long)mm_stat_read(NR_MEMMAP_PAGES) == memmap0 + 512);
	CHECK(mm_verify(mm_fake_print) == 0);

	struct page *p = alloc_page(GFP_MOVABLE);
	CHECK(page_zonenum(p) == ZONE_MOVABLE && page_to_phys(p) >= base);
	memset(page_address(p), 1, PAGE_SIZE);
	__free_page(p);

	/* The top section goes: the zone shrinks to the other one. */
	unsigned long taken = offline_and_remove(base + SECTION_SIZE, SECTION_SIZE);
	CHECK(taken == PAGES_PER_SECTION);
	CHECK(!arch_is_mapped(base + SECTION_SIZE) && arch_is_mapped(base));
	CHECK(!pfn_valid(PHYS_PFN(base + SECTION_SIZE)));
	CHECK(movable->spanned_pages == PAGES_PER_SECTION && movable->managed_pages == PAGES_PER_SECTION);
	CHECK(mm_verify(mm_fake_print) == 0);
	offline_and_remove(base, SECTION_SIZE);
	CHECK(zone_is_empty(movable) && movable->managed_pages == 0 && movable->present_pages == 0);
	CHECK(nr_free_pages() == free0);
	CHECK((unsigned long)mm_stat_read(NR_MEMMAP_PAGES) == memmap0);
	CHECK(mm_verify(mm_fake_print) == 0);
	CHECK(alloc_page(GFP_MOVABLE) != NULL); /* falls back to NORMAL */
}

/* meminfo says where the memmap lives: boot memory (memblock, at boot) or the page allocator
 * (ZONE_NORMAL, for hot-added sections); Memmap is their sum. */
static void test_meminfo_memmap_lines(void)
{
	mm_fake_boot_simple(256 * MiB);
	CHECK(mm_fake_meminfo_kb("Memmap:") == 2 * 1024);
	CHECK(mm_fake_meminfo_kb("MemmapBoot:") == 2 * 1024);
	CHECK(mm_fake_meminfo_kb("MemmapKernel:") == 0);
	REQUIRE(add_and_online(4 * GiB, 2 * SECTION_SIZE, &zones[ZONE_MOVABLE]) == 0);
	CHECK(mm_fake_meminfo_kb("Memmap:") == 4 * 1024);
	CHECK(mm_fake_meminfo_kb("MemmapBoot:") == 2 * 1024);
	CHECK(mm_fake_meminfo_kb("MemmapKernel:") == 2 * 1024);
	offline_and_remove(4 * GiB, 2 * SECTION_SIZE);
	CHECK(mm_fake_meminfo_kb("MemmapKernel:") == 0 && mm_fake_meminfo_kb("Memmap:") == 2 * 1024);
	CHECK(mm_verify(mm_fake_print) == 0);
}

static void test_hotplug_core_steps_full_memmap(void)
{
	bool was_lazy = memmap_lazy_init;
	memmap_lazy_init = false;
	test_hotplug_core_steps();
	memmap_lazy_init = was_lazy;
}

static void test_offline_skips_pageoffline(void)
{
	mm_fake_boot_simple(256 * MiB);
	phys_addr_t base = 8 * GiB;
	REQUIRE(add_and_online(base, SECTION_SIZE, &zones[ZONE_MOVABLE]) == 0);
	/* A driver takes a 2 MiB sub-block out (PageOffline, refcount 0 later), then unmaps it. */
	struct page *head = alloc_pages(GFP_MOVABLE, MAX_ORDER);
	REQUIRE(head && page_to_phys(head) >= base && page_to_phys(head) < base + SECTION_SIZE);
	for (unsigned long i = 0; i < pageblock_nr_pages; i++) {
		__SetPageOffline(head + i);
		set_page_count(head + i, 0);
	}
	adjust_managed_page_count(head, -(long)pageblock_nr_pages);
	arch_remove_memory(page_to_phys(head), SZ_2M);
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == (long)pageblock_nr_pages);
	CHECK(mm_verify(mm_fake_print) == 0);
	host_log_clear();
	unsigned long taken = offline_and_remove(base, SECTION_SIZE);
	CHECK(taken == PAGES_PER_SECTION - pageblock_nr_pages);
	CHECK(!host_log_contains("neither free nor offline"));
	CHECK(mm_stat_read(NR_OFFLINE_PAGES) == 0);
	CHECK(zones[ZONE_MOVABLE].managed_pages == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

/* Deferred and lazy memmap: onlining writes no struct page; an allocation that finds the free lists
 * empty carves one pageblock (its head written, lazy), whose other struct pages are written when the
 * chunk is used. */
static void test_lazy_memmap(void)
{
	mm_fake_boot_simple(256 * MiB);
	bool was_lazy = memmap_lazy_init;
	memmap_lazy_init = true;
	phys_addr_t base = 4 * GiB;
	unsigned long pfn0 = PHYS_PFN(base), free0 = nr_free_pages();
	REQUIRE(sparse_add_section(pfn_to_section_nr(pfn0), NULL, PAGES_PER_SECTION) == 0);
	struct page *memmap = pfn_to_page(pfn0);
	memset(memmap, 0xee, MEMMAP_BYTES_PER_SECTION); /* canary: what onlining must not write */
	REQUIRE(arch_add_memory(base, SECTION_SIZE) == 0);
	struct zone *z = &zones[ZONE_MOVABLE];
	move_pfn_range_to_zone(z, pfn0, PAGES_PER_SECTION, MIGRATE_MOVABLE, false);
	z->present_pages += PAGES_PER_SECTION;
	online_mem_sections(pfn0, pfn0 + PAGES_PER_SECTION);
	free_online_range(pfn0, PAGES_PER_SECTION);
	CHECK(nr_free_pages() == free0 - 256 + PAGES_PER_SECTION);
	CHECK(zones[ZONE_MOVABLE].nr_deferred == PAGES_PER_SECTION);
	CHECK(mm_fake_meminfo_kb("Deferred:") == (long)SECTION_SIZE / 1024);
	/* Nothing was written: count struct pages that lost the canary. */
	unsigned long written = 0;
	for (unsigned long i = 0; i < PAGES_PER_SECTION; i++)
		written += memmap[i].flags != 0xeeeeeeee;
	CHECK(written == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
	host_log_clear();
	dump_page(pfn_to_page(pfn0 + 5), "deferred");
	CHECK(host_log_contains("deferred pageblock at pfn 0x100000"));

	/* Using a block writes its memmap; the others stay lazy. */
	struct page *p = alloc_page(GFP_MOVABLE);
	REQUIRE(p);
	unsigned long pfn = page_to_pfn(p);
	CHECK(pfn == pfn0 && !pageblock_memmap_lazy(pfn) && !pageblock_memmap_deferred(pfn));
	CHECK(zones[ZONE_MOVABLE].nr_deferred == PAGES_PER_SECTION - pageblock_nr_pages);
	CHECK(mm_fake_meminfo_kb("Deferred:") == (long)(SECTION_SIZE - SZ_2M) / 1024);
	for (unsigned long i = 0; i < pageblock_nr_pages; i++) {
		struct page *q = pfn_to_page(pageblock_start_pfn(pfn) + i);
		CHECK(page_to_pfn(q) == pageblock_start_pfn(pfn) + i && page_zonenum(q) == ZONE_MOVABLE);
	}
	written = 0;
	for (unsigned long i = 0; i < PAGES_PER_SECTION; i++)
		written += memmap[i].flags != 0xeeeeeeee;
	CHECK(written == pageblock_nr_pages); /* the carved pageblock only */
	CHECK(mm_verify(mm_fake_print) == 0);
	/* take_page_off_buddy on a page of a deferred block, found by address. */
	unsigned long lazy_pfn = pfn0 + 7 * pageblock_nr_pages + 33;
	REQUIRE(pageblock_memmap_deferred(lazy_pfn));
	CHECK(take_page_off_buddy(pfn_to_page(lazy_pfn)));
	CHECK(!pageblock_memmap_lazy(lazy_pfn) && page_to_pfn(pfn_to_page(lazy_pfn)) == lazy_pfn);
	CHECK(mm_verify(mm_fake_print) == 0);
	set_page_count(pfn_to_page(lazy_pfn), 1);
	__free_page(pfn_to_page(lazy_pfn));
	__free_page(p);
	/* An order-9 allocation carves a deferred block and gets a written memmap. */
	struct page *big = alloc_pages(GFP_MOVABLE, MAX_ORDER);
	REQUIRE(big);
	CHECK(page_to_pfn(big + 511) == page_to_pfn(big) + 511 && page_ref_count(big + 511) == 0);
	free_pages(big, MAX_ORDER);
	unsigned long taken = offline_and_remove(base, SECTION_SIZE);
	CHECK(taken == PAGES_PER_SECTION);
	CHECK(nr_free_pages() == free0);
	CHECK(mm_verify(mm_fake_print) == 0);
	memmap_lazy_init = was_lazy;
}

/* The pageblocks of [pfn, pfn + nr) with a lazy memmap. */
static unsigned long lazy_pageblocks(unsigned long pfn, unsigned long nr)
{
	unsigned long n = 0;

	for (unsigned long p = pfn; p < pfn + nr; p += pageblock_nr_pages)
		n += pageblock_memmap_lazy(p);
	return n;
}

/* Boot memory's memmap is lazy where a pageblock is wholly free RAM, and written in full where it holds
 * a hole or a reservation (their pages must read PageReserved). */
static void test_boot_memmap_lazy(void)
{
	/* 512 MiB with a hole [300 MiB + 64 KiB, 300 MiB + 128 KiB) inside one pageblock. */
	const u64 hole = 300 * MiB + 64 * 1024;
	struct mem_region r[] = {
	    {0, 0x9fc00, MEM_USABLE},
	    {0x100000, hole - 0x100000, MEM_USABLE},
	    {hole, 64 * 1024, MEM_RESERVED},
	    {hole + 64 * 1024, 512 * MiB - hole - 64 * 1024, MEM_USABLE},
	};
	bool was_lazy = memmap_lazy_init;
	memmap_lazy_init = true;
	mm_fake_boot(r, 4, 2 << 20);
	unsigned long nr_pb = (512 * MiB) >> (PAGE_SHIFT + pageblock_order);
	/* The first pageblock (first MiB, kernel), the memmap's, the hole's: written in full. */
	CHECK(!pageblock_memmap_lazy(0));
	CHECK(!pageblock_memmap_lazy(PHYS_PFN(hole)));
	CHECK(PageReserved(pfn_to_page(PHYS_PFN(hole))));
	CHECK(!PageReserved(pfn_to_page(PHYS_PFN(hole) - 1)) &&
	      !PageReserved(pfn_to_page(PHYS_PFN(hole) + 16)));
	CHECK(!pageblock_memmap_lazy(PHYS_PFN(virt_to_phys(pfn_to_page(0)))));
	CHECK(PageReserved(pfn_to_page(PHYS_PFN(virt_to_phys(pfn_to_page(0))))));
	/* Everything else is lazy: a head each. */
	unsigned long lazy = lazy_pageblocks(0, nr_pb * pageblock_nr_pages);
	CHECK(lazy >= nr_pb - 8 && lazy < nr_pb);
	CHECK(PageBuddy(pfn_to_page(PHYS_PFN(400 * MiB))) &&
	      buddy_order(pfn_to_page(PHYS_PFN(400 * MiB))) == MAX_ORDER);
	unsigned long free0 = nr_free_pages();
	CHECK(free0 == totalram_pages());
	CHECK(mm_verify(mm_fake_print) == 0);

	/* All of it can be allocated page by page (each lazy block written as it is first used) and given
	 * back. */
	struct page **held = malloc(free0 * sizeof(*held));
	REQUIRE(held);
	unsigned long n = 0;
	while (n < free0 && (held[n] = alloc_page(GFP_MOVABLE)) != NULL)
		n++;
	CHECK(n == free0);
	CHECK(lazy_pageblocks(0, nr_pb * pageblock_nr_pages) == 0);
	CHECK(mm_verify(mm_fake_print) == 0);
	while (n)
		__free_page(held[--n]);
	free(held);
	CHECK(nr_free_pages() == free0);
	CHECK(mm_verify(mm_fake_print) == 0);

	/* memmap_lazy_init off: the same boot writes every struct page. */
	memmap_lazy_init = false;
	mm_fake_boot(r, 4, 2 << 20);
	CHECK(lazy_pageblocks(0, nr_pb * pageblock_nr_pages) == 0);
	CHECK(nr_free_pages() == free0);
	CHECK(mm_verify(mm_fake_print) == 0);
	memmap_lazy_init = was_lazy;
}

static void test_removed_memory_faults(void)
{
	mm_fake_boot_simple(256 * MiB);
	phys_addr_t base = 4 * GiB;
	REQUIRE(add_and_online(base, SECTION_SIZE, &zones[ZONE_MOVABLE]) == 0);
	offline_and_remove(base, SECTION_SIZE);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile char *)phys_to_virt(base + 12345) = 1;
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

static void test_kmalloc(void)
{
	mm_fake_boot_simple(256 * MiB);
	unsigned long free0 = nr_free_pages();
	enum { N = 3000 };
	static void *v[N];
	for (int i = 0; i < N; i++) {
		size_t size = 1 + (size_t)(i * 37) % 3000;
		v[i] = kmalloc(size, GFP_KERNEL);
		REQUIRE(v[i]);
		CHECK(ksize(v[i]) >= size);
		CHECK(((unsigned long)v[i] & 15) == 0);
		memset(v[i], i & 0xff, size);
	}
	for (int i = 0; i < N; i++) {
		size_t size = 1 + (size_t)(i * 37) % 3000;
		const unsigned char *b = v[i];
		CHECK(b[0] == (i & 0xff) && b[size - 1] == (i & 0xff));
	}
	CHECK(mm_stat_read(NR_SLAB_PAGES) > 0 && mm_stat_read(NR_KMALLOC_LARGE) > 0);
	host_log_clear();
	kfree(v[10]);
	kfree(v[10]);
	CHECK(host_log_contains("double free"));
	v[10] = NULL;
	host_log_clear();
	kfree((char *)v[11] + 1);
	CHECK(host_log_contains("not a kmalloc'd object"));
	int stack_obj;
	kfree(&stack_obj);
	kfree(page_address(pfn_to_page(0x100))); /* kernel image page */
	for (int i = 0; i < N; i++)
		kfree(v[i]);
	CHECK(kzalloc(0, GFP_KERNEL) == NULL && kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL) == NULL);
	CHECK(kcalloc((size_t)1 << 40, (size_t)1 << 40, GFP_KERNEL) == NULL);
	unsigned char *z = kzalloc(700, GFP_KERNEL);
	REQUIRE(z);
	CHECK(z[0] == 0 && z[699] == 0);
	kfree(z);
	kmalloc_show(mm_fake_print);
	CHECK(mm_stat_read(NR_KMALLOC_LARGE) == 0);
	CHECK(nr_free_pages() + (unsigned long)mm_stat_read(NR_SLAB_PAGES) == free0);
	CHECK(mm_verify(mm_fake_print) == 0);
}

static void test_memblock(void)
{
	mm_fake_boot_simple(256 * MiB);
	/* After retiring, memblock refuses. */
	host_log_clear();
	CHECK(memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE, "late") == 0);
	CHECK(host_log_contains("after memblock retired"));
	/* A fresh memblock: overlapping reservations keep the first name; allocations skip them. */
	memblock_reset();
	CHECK(memblock_add(0x1000, 0x9e000) == 0);
	CHECK(memblock_add(0x100000, 0x1000000) == 0);
	CHECK(memblock_add(0x500000, 0x100) == 0); /* inside: nothing new */
	CHECK(memblock.memory.cnt == 2);
	CHECK(memblock_reserve(0x200000, 0x100000, "a") == 0);
	CHECK(memblock_reserve(0x280000, 0x100000, "b") == 0);
	CHECK(memblock_reserved_named("a") == 0x100000 && memblock_reserved_named("b") == 0x80000);
	phys_addr_t pa = memblock_phys_alloc(0x100000, 0x200000, "c");
	CHECK(pa == 0x400000);
	CHECK(memblock_phys_alloc(0x100000, PAGE_SIZE, "d") == 0x100000);
	CHECK(memblock_phys_alloc(0x10000000, PAGE_SIZE, "e") == 0);
	CHECK(memblock_reserved_size() == 0x300000 + 0x80000);
	memblock_print_breakdown(mm_fake_print);
}

int main(void)
{
	RUN("mm-sparse", "section table: 64 TiB, roots on demand", test_section_table);
	RUN("mm-sparse", "add, online, isolate, offline, remove", test_hotplug_core_steps);
	RUN("mm-sparse", "add, online, isolate, offline, remove (full memmap init)",
	    test_hotplug_core_steps_full_memmap);
	RUN("mm-sparse", "offlining skips PageOffline pages with refcount 0", test_offline_skips_pageoffline);
	RUN("mm-sparse", "deferred memmap: onlining writes no struct page, a carve one pageblock",
	    test_lazy_memmap);
	RUN("mm-sparse", "boot memmap: lazy where a pageblock is free RAM", test_boot_memmap_lazy);
	RUN("mm-sparse", "meminfo: MemmapBoot and MemmapKernel say where memmap lives",
	    test_meminfo_memmap_lines);
	RUN("mm-sparse", "removed memory faults", test_removed_memory_faults);
	RUN("mm-slab", "kmalloc classes, large, double free, bad pointers", test_kmalloc);
	RUN("mm-memblock", "reserve, allocate, retire", test_memblock);
	return test_summary();
}

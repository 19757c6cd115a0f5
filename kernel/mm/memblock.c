/* memblock: RAM ranges and named reservations at boot, a bottom-up allocator, and retirement into
 * the buddy (memblock.h). Regions are kept sorted and non-overlapping. */
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/memblock.h"
#include "mm/mmzone.h"
#include "internal.h"

struct memblock memblock;

#define LOW_RESERVED_END 0x100000ULL /* allocations stay above the first MiB */

void memblock_reset(void)
{
	memset(&memblock, 0, sizeof(memblock));
	memblock.current_limit = ~0ULL;
}

static int insert_region(struct memblock_type *t, unsigned long i, phys_addr_t base, u64 size,
			 const char *name)
{
	if (t->cnt >= MEMBLOCK_MAX_REGIONS) {
		pr_err("mm: memblock: more than %d regions, [0x%llx-0x%llx) dropped\n", MEMBLOCK_MAX_REGIONS,
		       base, (base + size));
		return -ENOSPC;
	}
	memmove(&t->regions[i + 1], &t->regions[i], (t->cnt - i) * sizeof(t->regions[0]));
	t->regions[i] = (struct memblock_region){base, size, name};
	t->cnt++;
	return 0;
}

static void remove_region(struct memblock_type *t, unsigned long i)
{
	memmove(&t->regions[i], &t->regions[i + 1], (t->cnt - i - 1) * sizeof(t->regions[0]));
	t->cnt--;
}

/* Merges neighbours that touch (and, for reservations, share a name). */
static void merge_regions(struct memblock_type *t)
{
	for (unsigned long i = 0; i + 1 < t->cnt;) {
		struct memblock_region *a = &t->regions[i], *b = &t->regions[i + 1];
		if (a->base + a->size == b->base && a->name == b->name) {
			a->size += b->size;
			remove_region(t, i + 1);
		} else {
			i++;
		}
	}
}

/* Adds the parts of [base, end) no region covers yet, under name. */
static int add_uncovered(struct memblock_type *t, phys_addr_t base, phys_addr_t end, const char *name)
{
	unsigned long i = 0;

	while (base < end) {
		while (i < t->cnt && t->regions[i].base + t->regions[i].size <= base)
			i++;
		if (i == t->cnt || t->regions[i].base >= end)
			return insert_region(t, i, base, end - base, name);
		if (t->regions[i].base > base) {
			int err = insert_region(t, i, base, t->regions[i].base - base, name);
			if (err)
				return err;
			i++;
		}
		base = t->regions[i].base + t->regions[i].size;
	}
	return 0;
}

int memblock_add(phys_addr_t base, u64 size)
{
	phys_addr_t start = ALIGN_UP(base, PAGE_SIZE), end = ALIGN_DOWN(base + size, PAGE_SIZE);
	int err;

	if (end <= start)
		return 0;
	err = add_uncovered(&memblock.memory, start, end, NULL);
	merge_regions(&memblock.memory);
	return err;
}

int memblock_reserve(phys_addr_t base, u64 size, const char *name)
{
	phys_addr_t start = ALIGN_DOWN(base, PAGE_SIZE), end = ALIGN_UP(base + size, PAGE_SIZE);
	int err;

	if (end <= start)
		return 0;
	err = add_uncovered(&memblock.reserved, start, end, name);
	merge_regions(&memblock.reserved);
	return err;
}

void memblock_set_current_limit(phys_addr_t limit)
{
	memblock.current_limit = limit;
}

/* First reservation overlapping [base, end), or NULL. */
static const struct memblock_region *reserved_overlap(phys_addr_t base, phys_addr_t end)
{
	const struct memblock_region *r;

	for_each_memblock(reserved, r)
		if (r->base < end && base < r->base + r->size)
			return r;
	return NULL;
}

phys_addr_t memblock_phys_alloc(u64 size, u64 align, const char *name)
{
	const struct memblock_region *m;

	if (memblock.retired) {
		pr_err("mm: memblock_phys_alloc(%s) after memblock retired\n", name);
		return 0;
	}
	size = ALIGN_UP(size, PAGE_SIZE);
	align = max(align, (u64)PAGE_SIZE);
	/* Bottom-up, like Linux with movable_node: boot allocations stay low, next to the kernel, and
	 * out of the top of RAM that movablecore= may make ZONE_MOVABLE. */
	for_each_memblock(memory, m) {
		phys_addr_t end = min(m->base + m->size, memblock.current_limit);
		phys_addr_t base = ALIGN_UP(max(m->base, (phys_addr_t)LOW_RESERVED_END), align);

		while (base + size <= end) {
			const struct memblock_region *r = reserved_overlap(base, base + size);
			if (!r) {
				if (memblock_reserve(base, size, name))
					return 0;
				return base;
			}
			base = ALIGN_UP(r->base + r->size, align);
		}
	}
	return 0;
}

u64 memblock_phys_mem_size(void)
{
	const struct memblock_region *m;
	u64 n = 0;

	for_each_memblock(memory, m)
		n += m->size;
	return n;
}

static u64 reserved_in_memory(const char *name, bool any_name)
{
	const struct memblock_region *m, *r;
	u64 n = 0;

	for_each_memblock(reserved, r) {
		if (!any_name && r->name != name && (!r->name || !name || strcmp(r->name, name)))
			continue;
		for_each_memblock(memory, m) {
			phys_addr_t s = max(r->base, m->base), e = min(r->base + r->size, m->base + m->size);
			if (s < e)
				n += e - s;
		}
	}
	return n;
}

u64 memblock_reserved_size(void)
{
	return reserved_in_memory(NULL, true);
}

u64 memblock_reserved_named(const char *name)
{
	return reserved_in_memory(name, false);
}

bool memblock_is_free_memory(phys_addr_t base, u64 size)
{
	const struct memblock_region *r;

	if (!memblock_is_memory(base, size))
		return false;
	for_each_memblock(reserved, r)
		if (r->base < base + size && base < r->base + r->size)
			return false;
	return true;
}

bool memblock_is_memory(phys_addr_t base, u64 size)
{
	const struct memblock_region *m;

	for_each_memblock(memory, m)
		if (base >= m->base && base + size <= m->base + m->size)
			return true;
	return false;
}

void memblock_print_breakdown(void (*pr)(const char *fmt, ...))
{
	const struct memblock_region *r, *q;

	pr("mm: RAM %llu kB in %lu ranges, reserved %llu kB:\n", (memblock_phys_mem_size() >> 10),
	   memblock.memory.cnt, (memblock_reserved_size() >> 10));
	for_each_memblock(reserved, r) {
		bool seen = false;
		for (q = memblock.reserved.regions; q < r; q++)
			if (q->name == r->name || (q->name && r->name && !strcmp(q->name, r->name)))
				seen = true;
		if (!seen)
			pr("mm:   reserved %-16s %8llu kB\n", r->name ? r->name : "(unnamed)",
			   (memblock_reserved_named(r->name) >> 10));
	}
}

/* Frees [start, end) (pfns, all RAM, not reserved) in the largest aligned chunks. */
static unsigned long free_pfn_range(unsigned long start, unsigned long end)
{
	unsigned long n = 0;

	while (start < end) {
		unsigned int order =
		    start ? min((unsigned int)__builtin_ctzl(start), (unsigned int)MAX_ORDER) : MAX_ORDER;
		while (start + (1UL << order) > end)
			order--;
		__free_pages_core(pfn_to_page(start), order);
		start += 1UL << order;
		n += 1UL << order;
	}
	return n;
}

unsigned long memblock_free_all(void)
{
	const struct memblock_region *m;
	unsigned long freed = 0;

	for_each_memblock(memory, m) {
		unsigned long pfn = PFN_DOWN(m->base), end = PFN_DOWN(m->base + m->size);
		const struct memblock_region *r;

		/* Reservations are sorted: free the gaps between those that touch this range. */
		for_each_memblock(reserved, r) {
			unsigned long rs = PFN_DOWN(r->base), re = PFN_UP(r->base + r->size);
			if (re <= pfn || rs >= end)
				continue;
			if (rs > pfn)
				freed += free_pfn_range(pfn, rs);
			pfn = max(pfn, re);
		}
		if (pfn < end)
			freed += free_pfn_range(pfn, end);
	}
	memblock.retired = true;
	return freed;
}

/* Adding and removing memory (memory_hotplug.h): add_memory, remove_memory,
 * offline_and_remove_memory, the memhp_default_state policy, and what the fault report says about an
 * address in removed memory. */
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/memory_hotplug.h"
#include "hotplug_internal.h"
#include "internal.h"

/* ---- policy: memhp_default_state= ---- */

static int default_online_type = MMOP_ONLINE_MOVABLE;

int mhp_get_default_online_type(void)
{
	return default_online_type;
}

void mhp_set_default_online_type(int online_type)
{
	if (online_type >= MMOP_OFFLINE && online_type <= MMOP_ONLINE_MOVABLE)
		default_online_type = online_type;
}

static int set_memhp_default_state(const char *val)
{
	int t = val ? mmop_from_string(val) : -EINVAL;

	if (t < 0)
		return t;
	default_online_type = t;
	return 0;
}
CMDLINE_PARAM_VALID(memhp_default_state, "memhp_default_state", set_memhp_default_state,
		    "online|online_kernel|online_movable|offline");

enum zone_type mhp_default_zone(unsigned long id)
{
	struct mem_section *ms = __nr_to_section(id);

	if (present_section(ms) && (ms->flags & SECTION_MEMMAP_INIT))
		return (enum zone_type)section_zonenum(ms); /* the zone it last had */
	return default_online_type == MMOP_ONLINE_MOVABLE ? ZONE_MOVABLE : ZONE_NORMAL;
}

/* ---- policy: memory_hotplug.memmap_on_memory= ---- */

bool mhp_memmap_on_memory;

static int set_memmap_on_memory(const char *val)
{
	return parse_01(val, &mhp_memmap_on_memory);
}
CMDLINE_PARAM_VALID(memory_hotplug_memmap_on_memory, "memory_hotplug.memmap_on_memory", set_memmap_on_memory,
		    "0 or 1");

/* ---- removed ranges, for the fault report ---- */

#define MAX_REMOVED 32
static struct {
	phys_addr_t start, end;
} removed[MAX_REMOVED];
static unsigned int nr_removed;

static void removed_forget(phys_addr_t start, phys_addr_t end)
{
	for (unsigned int i = 0; i < nr_removed;) {
		if (removed[i].start >= start && removed[i].end <= end) {
			removed[i] = removed[--nr_removed];
			continue;
		}
		/* Blocks are added and removed whole: a partial overlap keeps the part outside. */
		if (removed[i].start < start && removed[i].end > start)
			removed[i].end = start;
		else if (removed[i].start < end && removed[i].end > end)
			removed[i].start = end;
		i++;
	}
}

static void removed_note(phys_addr_t start, phys_addr_t end)
{
	for (unsigned int i = 0; i < nr_removed; i++) {
		if (removed[i].end == start) {
			removed[i].end = end;
			return;
		}
		if (removed[i].start == end) {
			removed[i].start = start;
			return;
		}
	}
	if (nr_removed == MAX_REMOVED) /* forget the oldest: the report then says "not present" */
		removed[0] = removed[--nr_removed];
	removed[nr_removed].start = start;
	removed[nr_removed++].end = end;
}

bool mhp_is_removed(phys_addr_t pa)
{
	for (unsigned int i = 0; i < nr_removed; i++)
		if (pa >= removed[i].start && pa < removed[i].end)
			return true;
	return false;
}

const char *mm_describe_fault_address(u64 addr, char *buf, size_t len)
{
	if (!page_offset_base || addr < page_offset_base ||
	    addr - page_offset_base >= (1ULL << MAX_PHYSMEM_BITS))
		return NULL;
	phys_addr_t pa = addr - page_offset_base;
	unsigned long pfn = PHYS_PFN(pa), id = phys_to_block_id(pa);

	if (mhp_is_removed(pa))
		snprintf(buf, len, "removed memory (block %lu, phys 0x%llx)", id, pa);
	else if (!pfn_valid(pfn))
		snprintf(buf, len, "memory that is not present (block %lu, phys 0x%llx)", id, pa);
	else if (pfn_to_online_page(pfn) && !pageblock_memmap_deferred(pfn) &&
		 !pageblock_memmap_on_memory(pfn) &&
		 !(pageblock_memmap_lazy(pfn) && !pageblock_aligned(pfn)) && PageOffline(pfn_to_page(pfn)))
		snprintf(buf, len, "a PageOffline page (pfn 0x%lx, block %lu): logically offline, unmapped",
			 pfn, id);
	else if (!online_section_nr(pfn_to_section_nr(pfn)))
		snprintf(buf, len, "offline memory (block %lu, phys 0x%llx)", id, pa);
	else
		return NULL;
	return buf;
}

/* ---- add ---- */

/* sparse_remove_section, taking a memmap that lived in the block out of MemmapOnMemory: nothing to
 * free, it goes with the block. Such a memmap may be unmapped already (remove_memory): its PageOffline
 * pages left the Offline count before (offline_in_memmap_on_memory), so it is not read. */
static void remove_section(unsigned long nr)
{
	struct mem_section *ms = __nr_to_section(nr);

	if (present_section(ms) && (ms->flags & SECTION_MEMMAP_ON_MEMORY)) {
		mm_stat_mod(NR_MEMMAP_ON_MEMORY_PAGES, -(long)MHP_MEMMAP_ON_MEMORY_PAGES);
		mm_stat_mod(NR_MEMMAP_PAGES, -(long)MHP_MEMMAP_ON_MEMORY_PAGES);
		ms->flags &= ~SECTION_MEMMAP_INIT;
	}
	sparse_remove_section(nr);
}

/* PageOffline pages left in the memmaps that live in blocks [first, last], counted while they are
 * still mapped. */
static long offline_in_memmap_on_memory(unsigned long first, unsigned long last)
{
	long n = 0;

	for (unsigned long nr = first; nr <= last; nr++) {
		struct mem_section *ms = __nr_to_section(nr);
		if ((ms->flags & SECTION_MEMMAP_ON_MEMORY) && (ms->flags & SECTION_MEMMAP_INIT))
			n += memmap_count_offline(section_nr_to_pfn(nr), PAGES_PER_SECTION);
	}
	return n;
}

static int check_add_range(phys_addr_t start, u64 size, const char *op)
{
	if (!size || !IS_ALIGNED(start, MEMORY_BLOCK_SIZE) || !IS_ALIGNED(size, MEMORY_BLOCK_SIZE) ||
	    start + size > (1ULL << MAX_PHYSMEM_BITS) || start + size < start) {
		mhp_fail(op, "-EINVAL: [mem 0x%llx, +0x%llx) is not whole memory blocks below 2^%d", start,
			 size, MAX_PHYSMEM_BITS);
		return -EINVAL;
	}
	return 0;
}

/* Maps the memmap pageblock of each block of [start, start + size) (MHP_MEMMAP_ON_MEMORY without the
 * rest of the direct map). 0 or the errno of arch_add_memory, with nothing left mapped. */
static int map_memmap_pageblocks(phys_addr_t start, u64 size)
{
	for (phys_addr_t a = start; a < start + size; a += MEMORY_BLOCK_SIZE) {
		int ret = arch_add_memory(a, MHP_MEMMAP_ON_MEMORY_PAGES * PAGE_SIZE);
		if (ret) {
			if (a > start)
				arch_remove_memory(start, a - start);
			return ret;
		}
	}
	return 0;
}

/* Sections of [first, last] present, each with its memmap at the start of its own block or from the
 * page allocator. On failure the sections added are absent again. */
static int add_sections(unsigned long first, unsigned long last, bool on_memory)
{
	unsigned long nr;
	int ret = 0;

	for (nr = first; nr <= last; nr++) {
		struct page *memmap = on_memory ? phys_to_virt(PFN_PHYS(section_nr_to_pfn(nr))) : NULL;
		ret = sparse_add_section(nr, memmap, PAGES_PER_SECTION);
		if (ret) {
			mhp_fail("add_memory", "%s: no memmap for memory block %lu", errname(ret), nr);
			break;
		}
		if (on_memory) {
			struct mem_section *ms = __nr_to_section(nr);
			ms->flags |= SECTION_MEMMAP_ON_MEMORY;
			ms->pageblock_flags[0] = PB_MEMMAP_ON_MEMORY;
			mm_stat_mod(NR_MEMMAP_ON_MEMORY_PAGES, MHP_MEMMAP_ON_MEMORY_PAGES);
			mm_stat_mod(NR_MEMMAP_PAGES, MHP_MEMMAP_ON_MEMORY_PAGES);
		}
	}
	if (ret)
		while (nr-- > first)
			remove_section(nr);
	return ret;
}

static int __add_memory(phys_addr_t start, u64 size, mhp_t flags, bool driver_managed)
{
	unsigned long first = phys_to_block_id(start), last = phys_to_block_id(start + size - 1), nr;
	bool on_memory = flags & MHP_MEMMAP_ON_MEMORY;
	int ret = check_add_range(start, size, "add_memory");

	if (ret)
		return ret;
	for (nr = first; nr <= last; nr++) {
		if (present_section_nr(nr)) {
			mhp_fail("add_memory", "-EEXIST: memory block %lu is already present", nr);
			return -EEXIST;
		}
	}
	/* The memmap is written through the direct map: with it on memory, map before adding sections. */
	if (!(flags & MHP_NO_DIRECT_MAP))
		ret = arch_add_memory(start, size);
	else if (on_memory)
		ret = map_memmap_pageblocks(start, size);
	if (ret) {
		mhp_fail("add_memory", "%s: cannot map [mem 0x%llx-0x%llx]", errname(ret), start,
			 (start + size - 1));
		return ret;
	}
	ret = add_sections(first, last, on_memory);
	if (ret) {
		if (!(flags & MHP_NO_DIRECT_MAP) || on_memory)
			arch_remove_memory(start, size);
		return ret;
	}
	if (driver_managed)
		for (nr = first; nr <= last; nr++)
			__nr_to_section(nr)->flags |= SECTION_DRIVER_MANAGED;
	removed_forget(start, start + size);
	pr_notice("hotplug: added [mem 0x%016llx-0x%016llx] (blocks %lu-%lu)%s, offline\n", start,
		  (start + size - 1), first, last, on_memory ? ", memmap on memory" : "");
	return 0;
}

static int add_memory_locked(phys_addr_t start, u64 size, mhp_t flags, bool driver_managed)
{
	int ret = mem_hotplug_begin("add_memory");

	if (ret)
		return ret;
	ret = __add_memory(start, size, flags, driver_managed);
	mem_hotplug_done();
	return ret;
}

int add_memory_driver_managed(phys_addr_t start, u64 size, mhp_t flags)
{
	return add_memory_locked(start, size, flags, true);
}

int add_memory(phys_addr_t start, u64 size)
{
	return add_memory_locked(start, size, mhp_memmap_on_memory ? MHP_MEMMAP_ON_MEMORY : MHP_NONE, false);
}

bool memory_block_memmap_on_memory(unsigned long id)
{
	struct mem_section *ms = id < NR_MEM_SECTIONS ? __nr_to_section(id) : NULL;

	return present_section(ms) && (ms->flags & SECTION_MEMMAP_ON_MEMORY);
}

bool memory_block_driver_managed(unsigned long id)
{
	struct mem_section *ms = id < NR_MEM_SECTIONS ? __nr_to_section(id) : NULL;

	return present_section(ms) && (ms->flags & SECTION_DRIVER_MANAGED);
}

/* ---- remove ---- */

static int __remove_memory(phys_addr_t start, u64 size)
{
	unsigned long first = phys_to_block_id(start), last = phys_to_block_id(start + size - 1), nr;
	int ret = check_add_range(start, size, "remove_memory");

	if (ret)
		return ret;
	for (nr = first; nr <= last; nr++) {
		if (!present_section_nr(nr)) {
			mhp_fail("remove_memory", "-EINVAL: memory block %lu is not present", nr);
			return -EINVAL;
		}
		if (online_section_nr(nr)) {
			mhp_fail("remove_memory", "-EBUSY: memory block %lu is online", nr);
			return -EBUSY;
		}
	}
	long stale_offline = offline_in_memmap_on_memory(first, last);
	ret = arch_remove_memory(start, size);
	if (ret) {
		mhp_fail("remove_memory", "%s: cannot unmap [mem 0x%016llx-0x%016llx]", errname(ret), start,
			 (start + size - 1));
		return ret;
	}
	mm_stat_mod(NR_OFFLINE_PAGES, -stale_offline);
	for (nr = first; nr <= last; nr++)
		remove_section(nr);
	removed_note(start, start + size);
	pr_notice("hotplug: removed [mem 0x%016llx-0x%016llx] (blocks %lu-%lu)\n", start, (start + size - 1),
		  first, last);
	return 0;
}

int remove_memory(phys_addr_t start, u64 size)
{
	int ret = mem_hotplug_begin("remove_memory");

	if (ret)
		return ret;
	ret = __remove_memory(start, size);
	mem_hotplug_done();
	return ret;
}

/* The blocks this call offlines are marked in their sections (SECTION_OFFLINED_FOR_REMOVAL) rather
 * than in an allocated bitmap: a kernel allocation made here could land in the very blocks being
 * removed (an entirely free ZONE_NORMAL block) and make them unmovable. */
int offline_and_remove_memory(phys_addr_t start, u64 size)
{
	unsigned long first = phys_to_block_id(start), nblocks = size / MEMORY_BLOCK_SIZE, i;
	char name[48];
	int ret = check_add_range(start, size, "offline_and_remove_memory");

	if (ret)
		return ret;
	ret = mem_hotplug_begin("offline_and_remove_memory");
	if (ret)
		return ret;
	for (i = 0; i < nblocks; i++) {
		if (!present_section_nr(first + i)) {
			mhp_fail("offline_and_remove_memory", "-EINVAL: memory block %lu is not present",
				 first + i);
			ret = -EINVAL;
			goto out_unlock;
		}
	}
	for (i = 0; i < nblocks; i++) {
		struct mem_section *ms = __nr_to_section(first + i);
		if (!online_section(ms))
			continue;
		snprintf(name, sizeof(name), "memory%lu", first + i);
		ret = __offline_pages(block_id_to_pfn(first + i), PAGES_PER_MEMORY_BLOCK, name);
		if (ret)
			break;
		ms->flags |= SECTION_OFFLINED_FOR_REMOVAL;
	}
	if (ret) {
		/* Bring back what this call took offline, each to the zone it had. */
		while (i-- > 0) {
			unsigned long id = first + i;
			struct mem_section *ms = __nr_to_section(id);
			if (!(ms->flags & SECTION_OFFLINED_FOR_REMOVAL))
				continue;
			ms->flags &= ~SECTION_OFFLINED_FOR_REMOVAL;
			snprintf(name, sizeof(name), "memory%lu", id);
			if (__online_pages(block_id_to_pfn(id), PAGES_PER_MEMORY_BLOCK, mhp_default_zone(id),
					   name))
				pr_err("hotplug: %s: could not be onlined again after a failed removal\n",
				       name);
		}
		goto out_unlock;
	}
	ret = __remove_memory(start, size); /* refuses only absent or online blocks: none is left */
out_unlock:
	mem_hotplug_done();
	return ret;
}

/* Memory blocks (memory.h): their state read from the sections, valid_zones, onlining and offlining a
 * block with the `hotplug: memory<B>: ...` timing line, and lsmem. */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/memory.h"
#include "mm/memory_hotplug.h"
#include "mm/page_isolation.h"
#include "hotplug_internal.h"
#include "internal.h"

static const char *const mmop_names[] = {
    [MMOP_OFFLINE] = "offline",
    [MMOP_ONLINE] = "online",
    [MMOP_ONLINE_KERNEL] = "online_kernel",
    [MMOP_ONLINE_MOVABLE] = "online_movable",
};

int mmop_from_string(const char *s)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(mmop_names); i++)
		if (!strcmp(s, mmop_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *memory_block_state_name(enum memory_block_state s)
{
	switch (s) {
	case MEMORY_BLOCK_ONLINE:
		return "online";
	case MEMORY_BLOCK_GOING_OFFLINE:
		return "going-offline";
	case MEMORY_BLOCK_OFFLINE:
		return "offline";
	default:
		return "absent";
	}
}

unsigned long memory_block_next(unsigned long id)
{
	return next_present_section_nr(id);
}

/* Nothing in the block stops offlining it: no hole, nothing unmovable (PageOffline pages count as
 * movable, as they do for offline_pages). Walks the block, skipping free chunks. */
static bool block_removable(unsigned long id)
{
	struct mem_section *ms = __nr_to_section(id);
	unsigned long pfn = block_id_to_pfn(id);

	if (ms->nr_present_pages < PAGES_PER_SECTION)
		return false;
	return has_unmovable_pages(pfn, pfn + PAGES_PER_MEMORY_BLOCK, MEMORY_OFFLINE, NULL) == 0;
}

int memory_block_get(unsigned long id, struct memory_block_info *info)
{
	struct mem_section *ms = __nr_to_section(id);
	unsigned long pfn = block_id_to_pfn(id);

	if (!present_section(ms))
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	info->id = id;
	info->start = PFN_PHYS(pfn);
	info->boot = ms->flags & SECTION_IS_EARLY;
	info->nr_present_pages = ms->nr_present_pages;
	if (online_section(ms)) {
		info->zone = (enum zone_type)section_zonenum(ms);
		if (pfn >= mhp_going_offline_start && pfn < mhp_going_offline_end)
			info->state = MEMORY_BLOCK_GOING_OFFLINE;
		else
			info->state = MEMORY_BLOCK_ONLINE;
		info->removable = block_removable(id);
	} else {
		info->zone = mhp_default_zone(id);
		info->state = MEMORY_BLOCK_OFFLINE;
		info->removable = true;
	}
	return 0;
}

const char *memory_block_valid_zones(unsigned long id, char *buf, size_t len)
{
	struct memory_block_info info;

	if (memory_block_get(id, &info)) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	if (info.state != MEMORY_BLOCK_OFFLINE) {
		snprintf(buf, len, "%s", zones[info.zone].name);
		return buf;
	}
	/* Offline: either zone, the one plain `online` picks first (Linux's order). */
	enum zone_type other = info.zone == ZONE_MOVABLE ? ZONE_NORMAL : ZONE_MOVABLE;
	snprintf(buf, len, "%s %s", zones[info.zone].name, zones[other].name);
	return buf;
}

int memory_block_online(unsigned long id, int online_type)
{
	unsigned long pfn = block_id_to_pfn(id);
	enum zone_type zid;
	char name[24];
	int ret;

	snprintf(name, sizeof(name), "memory%lu", id);
	if (!present_section_nr(id)) {
		mhp_fail(name, "online failed: -ENOENT: no memory block %lu", id);
		return -ENOENT;
	}
	switch (online_type) {
	case MMOP_ONLINE:
		zid = mhp_default_zone(id);
		break;
	case MMOP_ONLINE_KERNEL:
		zid = ZONE_NORMAL;
		break;
	case MMOP_ONLINE_MOVABLE:
		zid = ZONE_MOVABLE;
		break;
	default:
		mhp_fail(name, "online failed: -EINVAL: online type %d", online_type);
		return -EINVAL;
	}
	ret = mem_hotplug_begin(name);
	if (ret)
		return ret;
	ret = __online_pages(pfn, PAGES_PER_MEMORY_BLOCK, zid, name);
	mem_hotplug_done();
	return ret;
}

int memory_block_offline(unsigned long id)
{
	unsigned long pfn = block_id_to_pfn(id);
	char name[24];
	int ret;

	snprintf(name, sizeof(name), "memory%lu", id);
	if (!present_section_nr(id)) {
		mhp_fail(name, "offline failed: -ENOENT: no memory block %lu", id);
		return -ENOENT;
	}
	ret = mem_hotplug_begin(name);
	if (ret)
		return ret;
	ret = __offline_pages(pfn, PAGES_PER_MEMORY_BLOCK, name);
	mem_hotplug_done();
	return ret;
}

/* ---- lsmem ---- */

static bool same_row(const struct memory_block_info *a, const struct memory_block_info *b)
{
	return a->state == b->state && a->removable == b->removable &&
	       (a->state == MEMORY_BLOCK_OFFLINE || a->zone == b->zone);
}

static void size_str(char *buf, size_t len, u64 bytes)
{
	if (bytes >= (1ULL << 30) && !(bytes % (1ULL << 30)))
		snprintf(buf, len, "%lluG", (bytes >> 30));
	else if (bytes >= (1ULL << 30))
		snprintf(buf, len, "%llu.%lluG", (bytes >> 30), ((bytes % (1ULL << 30)) * 10 >> 30));
	else
		snprintf(buf, len, "%lluM", (bytes >> 20));
}

static void print_row(mm_print_fn pr, const struct memory_block_info *first, unsigned long last_id)
{
	u64 bytes = (u64)(last_id - first->id + 1) * MEMORY_BLOCK_SIZE;
	char size[16], blocks[32];

	size_str(size, sizeof(size), bytes);
	if (last_id == first->id)
		snprintf(blocks, sizeof(blocks), "%lu", first->id);
	else
		snprintf(blocks, sizeof(blocks), "%lu-%lu", first->id, last_id);
	pr("0x%016llx-0x%016llx %5s %-13s %-9s %-8s %s\n", first->start, (first->start + bytes - 1), size,
	   memory_block_state_name(first->state), first->removable ? "yes" : "no", blocks,
	   first->state == MEMORY_BLOCK_OFFLINE ? "" : zones[first->zone].name);
}

void lsmem_show(mm_print_fn pr)
{
	struct memory_block_info row, cur;
	u64 online = 0, offline = 0;
	unsigned long id, last = 0;
	bool have = false;
	char buf[16];

	pr("RANGE                                  SIZE STATE         REMOVABLE BLOCK    ZONES\n");
	for_each_memory_block(id) {
		if (memory_block_get(id, &cur))
			continue;
		if (cur.state == MEMORY_BLOCK_OFFLINE)
			offline += MEMORY_BLOCK_SIZE;
		else
			online += MEMORY_BLOCK_SIZE;
		if (have && same_row(&row, &cur) && cur.id == last + 1) {
			last = cur.id;
			continue;
		}
		if (have)
			print_row(pr, &row, last);
		row = cur;
		last = cur.id;
		have = true;
	}
	if (have)
		print_row(pr, &row, last);
	pr("\n");
	size_str(buf, sizeof(buf), MEMORY_BLOCK_SIZE);
	pr("Memory block size:       %s\n", buf);
	size_str(buf, sizeof(buf), online);
	pr("Total online memory:     %s\n", buf);
	size_str(buf, sizeof(buf), offline);
	pr("Total offline memory:    %s\n", buf);
}

int memory_block_show(unsigned long id, mm_print_fn pr)
{
	struct memory_block_info info;
	char zonesbuf[32];

	if (memory_block_get(id, &info))
		return -ENOENT;
	pr("memory%lu: [mem 0x%016llx-0x%016llx] %s%s\n", id, info.start,
	   (info.start + MEMORY_BLOCK_SIZE - 1), info.boot ? "boot memory" : "hot-added",
	   info.nr_present_pages < PAGES_PER_MEMORY_BLOCK ? " with holes" : "");
	pr("state:       %s\n", memory_block_state_name(info.state));
	pr("zone:        %s\n", info.state == MEMORY_BLOCK_OFFLINE ? "none" : zones[info.zone].name);
	pr("valid_zones: %s\n", memory_block_valid_zones(id, zonesbuf, sizeof(zonesbuf)));
	pr("removable:   %s\n", info.removable ? "yes" : "no");
	pr("present:     %lu pages\n", info.nr_present_pages);
	return 0;
}

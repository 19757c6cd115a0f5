/* Onlining and offlining (memory_hotplug.h): the hotplug lock, online_pages with the online-page
 * callback, and offline_pages in seven steps (docs/HOTPLUG.md). */
#include <stdarg.h>

#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "mm/arch.h"
#include "mm/gfp.h"
#include "mm/memblock.h"
#include "mm/memory_hotplug.h"
#include "mm/migrate.h"
#include "mm/page_isolation.h"
#include "hotplug_internal.h"
#include "internal.h"

unsigned long mhp_going_offline_start, mhp_going_offline_end;
int (*offline_fault_hook)(enum offline_step step, unsigned long start_pfn, unsigned long end_pfn);

static const char *lock_holder;
static char last_error[192];

/* ---- the lock and the error report ---- */

/* Every operation begins here, so the reason of an earlier failure never outlives the next
 * operation: a success leaves hotplug_last_error() empty. */
int mem_hotplug_begin(const char *who)
{
	const char *none = NULL;

	mhp_clear_error();
	/* One atomic test-and-set: a holder can be preempted by another thread (kernel/sched.h), and
	 * the lock must never be granted twice. */
	if (!__atomic_compare_exchange_n(&lock_holder, &none, who, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED)) {
		mhp_fail(who, "-EBUSY: the hotplug lock is held by %s", none);
		return -EBUSY;
	}
	return 0;
}

void mem_hotplug_done(void)
{
	__atomic_store_n(&lock_holder, NULL, __ATOMIC_RELEASE);
}

bool mem_hotplug_locked(void)
{
	return lock_holder != NULL;
}

void mhp_fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	/* The caller reports the failure (the shell's error line, a driver's once-per-reason line); the
	 * log keeps every one at debug level, so a driver retrying does not flood the console. */
	pr_debug("hotplug: %s: %s\n", what, last_error);
}

void mhp_clear_error(void)
{
	last_error[0] = 0;
}

const char *hotplug_last_error(void)
{
	return last_error;
}

const char *mhp_range_name(unsigned long start_pfn, unsigned long nr_pages, char *buf, size_t len)
{
	unsigned long first = pfn_to_block_id(start_pfn), last = pfn_to_block_id(start_pfn + nr_pages - 1);

	if (!nr_pages || first == last)
		snprintf(buf, len, "memory%lu", first);
	else
		snprintf(buf, len, "memory%lu-%lu", first, last);
	return buf;
}

/* ---- onlining ---- */

static online_page_callback_t online_page_callback = generic_online_page;

void generic_online_page(unsigned long pfn, unsigned long nr_pages)
{
	free_online_range(pfn, nr_pages);
}

int set_online_page_callback(online_page_callback_t callback)
{
	if (mem_hotplug_begin("set_online_page_callback"))
		return -EBUSY;
	int ret = -EINVAL;
	if (online_page_callback == generic_online_page && callback) {
		online_page_callback = callback;
		ret = 0;
	}
	mem_hotplug_done();
	return ret;
}

int restore_online_page_callback(online_page_callback_t callback)
{
	if (mem_hotplug_begin("restore_online_page_callback"))
		return -EBUSY;
	int ret = -EINVAL;
	if (online_page_callback == callback) {
		online_page_callback = generic_online_page;
		ret = 0;
	}
	mem_hotplug_done();
	return ret;
}

/* Whole memory blocks below MAX_PFN, present, and all online (want_online) or all offline. 0 or
 * -EINVAL (reported). The end is checked without computing pfn + nr_pages, which can wrap to a small
 * value (and then the loop below would check nothing). */
static int check_blocks(unsigned long pfn, unsigned long nr_pages, bool want_online, const char *what)
{
	const char *op = want_online ? "offline" : "online";

	if (!nr_pages || !IS_ALIGNED(pfn, PAGES_PER_MEMORY_BLOCK) ||
	    !IS_ALIGNED(nr_pages, PAGES_PER_MEMORY_BLOCK) || pfn >= MAX_PFN || nr_pages > MAX_PFN - pfn) {
		mhp_fail(what, "%s failed: -EINVAL: [pfn 0x%lx, +0x%lx) is not whole memory blocks", op, pfn,
			 nr_pages);
		return -EINVAL;
	}
	for (unsigned long p = pfn; p < pfn + nr_pages; p += PAGES_PER_SECTION) {
		struct mem_section *ms = __pfn_to_section(p);
		if (!present_section(ms)) {
			mhp_fail(what, "%s failed: -EINVAL: memory block %lu is not present", op,
				 pfn_to_block_id(p));
			return -EINVAL;
		}
		if (online_section(ms) != want_online) {
			mhp_fail(what, "%s failed: -EINVAL: memory block %lu is %s", op, pfn_to_block_id(p),
				 want_online ? "not online" : "already online");
			return -EINVAL;
		}
	}
	return 0;
}

/* RAM pages of the range per the sections (boot sections may have holes). */
static unsigned long present_pages_of(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long n = 0;

	for (unsigned long p = pfn; p < pfn + nr_pages; p += PAGES_PER_SECTION)
		n += __pfn_to_section(p)->nr_present_pages;
	return n;
}

/* Pageblocks of [pfn, pfn + nr_pages) that hold memmap (MHP_MEMMAP_ON_MEMORY): always the first of a
 * section added with it. */
static unsigned long memmap_on_memory_pageblocks(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long n = 0;

	for (unsigned long p = pfn; p < pfn + nr_pages; p += PAGES_PER_SECTION)
		n += !!(__pfn_to_section(p)->flags & SECTION_MEMMAP_ON_MEMORY);
	return n;
}

/* A memmap about to be initialized again may still hold PageOffline pages from before the range went
 * offline (an agreeing owner's): they leave the Offline count now, as sparse_remove_section does. */
static void forget_stale_offline_pages(unsigned long pfn, unsigned long nr_pages)
{
	long n = 0;

	for (unsigned long p = pfn; p < pfn + nr_pages; p += PAGES_PER_SECTION) {
		struct mem_section *ms = __pfn_to_section(p);
		if (!(ms->flags & SECTION_MEMMAP_INIT))
			continue;
		n += memmap_count_offline(p, PAGES_PER_SECTION); /* lazy pageblocks count by their head */
	}
	mm_stat_mod(NR_OFFLINE_PAGES, -n);
}

int __online_pages(unsigned long pfn, unsigned long nr_pages, enum zone_type zid, const char *what)
{
	unsigned long end = pfn + nr_pages, present, flags;
	const char *who = NULL;
	struct zone *zone;
	int ret;

	u64 t0 = arch_now_ns();

	ret = check_blocks(pfn, nr_pages, false, what);
	if (ret)
		return ret;
	if (zid >= MAX_NR_ZONES) {
		mhp_fail(what, "online failed: -EINVAL: no zone %d", (int)zid);
		return -EINVAL;
	}
	ret = memory_notify(MEM_GOING_ONLINE, pfn, nr_pages, &who);
	if (ret) {
		memory_notify(MEM_CANCEL_ONLINE, pfn, nr_pages, NULL);
		mhp_fail(what, "online failed: %s: vetoed by %s", errname(ret), who);
		return ret;
	}
	zone = &zones[zid];
	present = present_pages_of(pfn, nr_pages);
	forget_stale_offline_pages(pfn, nr_pages);
	/* MOVABLE and isolated while the callback hands the pages over: nothing is allocated from a
	 * half-online range. */
	move_pfn_range_to_zone(zone, pfn, nr_pages, MIGRATE_MOVABLE, true);
	spin_lock_irqsave(&zone->lock, flags);
	zone->nr_isolate_pageblock +=
	    nr_pages / pageblock_nr_pages - memmap_on_memory_pageblocks(pfn, nr_pages);
	zone->present_pages += present;
	spin_unlock_irqrestore(&zone->lock, flags);
	online_mem_sections(pfn, end);
	online_page_callback(pfn, nr_pages); /* memmap pageblocks too: both its actions skip them */
	undo_isolate_page_range(pfn, end);
	memory_notify(MEM_ONLINE, pfn, nr_pages, NULL);
	pr_notice("hotplug: %s: online (%s) in %llu us\n", what, zone->name, ((arch_now_ns() - t0) / 1000));
	return 0;
}

int online_pages(unsigned long pfn, unsigned long nr_pages, enum zone_type zone)
{
	char name[48];
	int ret = mem_hotplug_begin("online_pages");

	if (ret)
		return ret;
	ret = __online_pages(pfn, nr_pages, zone, mhp_range_name(pfn, nr_pages, name, sizeof(name)));
	mem_hotplug_done();
	return ret;
}

/* ---- offlining ---- */

/* Step 1's hole search: the first pfn range in [start, end) that is not RAM. Only boot sections can
 * have holes (hot-added ones are whole); memblock still describes boot RAM after it retired. */
static bool find_hole(unsigned long start, unsigned long end, unsigned long *hs, unsigned long *he)
{
	for (unsigned long s = start; s < end; s += PAGES_PER_SECTION) {
		struct mem_section *ms = __pfn_to_section(s);
		unsigned long e = s + PAGES_PER_SECTION, pfn = s;
		const struct memblock_region *m;

		if (ms->nr_present_pages >= PAGES_PER_SECTION || !(ms->flags & SECTION_IS_EARLY))
			continue;
		for_each_memblock(memory, m) {
			unsigned long ms_pfn = PFN_UP(m->base), me_pfn = PFN_DOWN(m->base + m->size);
			if (me_pfn <= pfn)
				continue;
			if (ms_pfn > pfn)
				break;
			pfn = me_pfn;
			if (pfn >= e)
				break;
		}
		if (pfn < e) {
			*hs = pfn;
			*he = e;
			for_each_memblock(memory, m)
				if (PFN_UP(m->base) > pfn) {
					*he = min(e, PFN_UP(m->base));
					break;
				}
			return true;
		}
	}
	return false;
}

/* Step 1: whole online blocks, no holes, one zone. */
static int offline_check_range(unsigned long start, unsigned long nr_pages, struct zone **zonep,
			       const char *what)
{
	unsigned long end = start + nr_pages, hs, he;
	struct zone *zone;
	int ret = check_blocks(start, nr_pages, true, what);

	if (ret)
		return ret;
	if (find_hole(start, end, &hs, &he)) {
		mhp_fail(what, "offline failed: -EINVAL: hole [mem 0x%016llx-0x%016llx] in memory block %lu",
			 PFN_PHYS(hs), PFN_PHYS(he) - 1, pfn_to_block_id(hs));
		return -EINVAL;
	}
	zone = pfn_zone(start);
	for (unsigned long p = start; p < end; p += PAGES_PER_SECTION) {
		if (pfn_zone(p) != zone) {
			mhp_fail(what, "offline failed: -EINVAL: the range spans zones %s and %s", zone->name,
				 pfn_zone(p)->name);
			return -EINVAL;
		}
	}
	*zonep = zone;
	return 0;
}

/* The failure a test injects at `step` (memory_hotplug.h): a negative errno, or 0 (always without a hook). */
static int injected(enum offline_step step, unsigned long start, unsigned long end)
{
	return offline_fault_hook ? offline_fault_hook(step, start, end) : 0;
}

/* Steps 4 and 5: migrate until a pass finds nothing left to move and the range tests isolated, at
 * most OFFLINE_MAX_PASSES passes. 0, or an errno with the reason reported. */
static int offline_empty_range(unsigned long start, unsigned long end, const char *what)
{
	struct busy_pfn busy;
	unsigned long migrated = 0;
	u64 t0 = arch_now_ns();
	int ret = 0;

	for (int pass = 1; pass <= OFFLINE_MAX_PASSES; pass++) {
		int fault;

		busy_pfn_clear(&busy);
		ret = migrate_range(start, end, MEMORY_OFFLINE, MR_MEMORY_HOTPLUG, &busy, &migrated);
		if (pass == 1 && (fault = injected(OFFLINE_STEP_MIGRATE, start, end))) {
			ret = fault;
			busy_pfn_set(&busy, start, "failure injected after the first migration pass");
		}
		if (ret && ret != -EAGAIN) { /* -EBUSY: unmovable; -ENOMEM: no target */
			mhp_fail(what, "offline failed: %s: page at pfn 0x%lx cannot move: %s", errname(ret),
				 busy.pfn, busy.reason);
			return ret;
		}
		if (ret == -EAGAIN)
			continue;
		busy_pfn_clear(&busy);
		ret = test_pages_isolated(start, end, MEMORY_OFFLINE, &busy);
		if ((fault = injected(OFFLINE_STEP_TEST, start, end))) {
			ret = fault;
			busy_pfn_set(&busy, start, "failure injected at the isolation test");
		}
		if (!ret) {
			if (migrated)
				pr_info("hotplug: %s: migrated %lu pages (%lu MiB) in %llu us\n", what,
					migrated, migrated >> (20 - PAGE_SHIFT), (arch_now_ns() - t0) / 1000);
			return 0;
		}
		if (ret != -EBUSY) {
			mhp_fail(what, "offline failed: %s: %s", errname(ret), busy.reason);
			return ret;
		}
	}
	mhp_fail(
	    what,
	    "offline failed: -EBUSY: gave up after %d passes (%lu pages migrated): page at pfn 0x%lx: %s",
	    OFFLINE_MAX_PASSES, migrated, busy.pfn, busy.reason);
	return -EBUSY;
}

int __offline_pages(unsigned long start, unsigned long nr_pages, const char *what)
{
	unsigned long end = start + nr_pages, taken, present, flags;
	struct busy_pfn busy;
	const char *who = NULL;
	struct zone *zone = NULL;
	int ret;

	u64 t0 = arch_now_ns();

	/* 1. one zone, whole online blocks, no holes */
	ret = offline_check_range(start, nr_pages, &zone, what);
	if (!ret && (ret = injected(OFFLINE_STEP_RANGE, start, end)))
		mhp_fail(what, "offline failed: %s: failure injected at the range check", errname(ret));
	if (ret)
		return ret;

	/* 2. isolate (PageOffline pages count as movable in this mode) */
	zone_pcp_disable(zone);
	mhp_going_offline_start = start;
	mhp_going_offline_end = end;
	busy_pfn_clear(&busy);
	if ((ret = injected(OFFLINE_STEP_ISOLATE, start, end)))
		busy_pfn_set(&busy, start, "failure injected during isolation");
	else
		ret = start_isolate_page_range(start, end, MEMORY_OFFLINE, &busy);
	if (ret) {
		mhp_fail(what, "offline failed: %s: unmovable page at pfn 0x%lx (%s)", errname(ret), busy.pfn,
			 busy.reason);
		goto failed_pcp;
	}

	/* 3. MEM_GOING_OFFLINE: agreeing owners drop their PageOffline references */
	ret = memory_notify(MEM_GOING_OFFLINE, start, nr_pages, &who);
	if (!ret && (ret = injected(OFFLINE_STEP_NOTIFY, start, end)))
		who = "an injected failure";
	if (ret) {
		mhp_fail(what, "offline failed: %s: MEM_GOING_OFFLINE vetoed by %s", errname(ret), who);
		goto failed_isolated;
	}

	/* 4 and 5. migrate movable pages out; every page free or a released PageOffline page */
	ret = offline_empty_range(start, end, what);
	if (ret)
		goto failed_isolated;

	/* 6. take the free pages, skip refcount-0 PageOffline pages, counts, sections offline */
	present = present_pages_of(start, nr_pages);
	taken = __offline_isolated_pages(start, end);
	spin_lock_irqsave(&zone->lock, flags);
	zone->managed_pages -= taken; /* not through a struct page: deferred ones are not written */
	zone->present_pages -= present;
	spin_unlock_irqrestore(&zone->lock, flags);
	offline_mem_sections(start, end);
	remove_pfn_range_from_zone(zone, start, nr_pages);
	zone_pcp_enable(zone);
	mhp_going_offline_start = mhp_going_offline_end = 0;
	memory_notify(MEM_OFFLINE, start, nr_pages, NULL);
	pr_notice("hotplug: %s: offline (%s) in %llu us\n", what, zone->name, ((arch_now_ns() - t0) / 1000));
	return 0;

	/* 7. undo: isolation, then MEM_CANCEL_OFFLINE to the whole chain (each notifier takes back only
	 * what it dropped) */
failed_isolated:
	undo_isolate_page_range(start, end);
	memory_notify(MEM_CANCEL_OFFLINE, start, nr_pages, NULL);
failed_pcp:
	zone_pcp_enable(zone);
	mhp_going_offline_start = mhp_going_offline_end = 0;
	return ret;
}

int offline_pages(unsigned long start_pfn, unsigned long nr_pages)
{
	char name[48];
	int ret = mem_hotplug_begin("offline_pages");

	if (ret)
		return ret;
	ret = __offline_pages(start_pfn, nr_pages, mhp_range_name(start_pfn, nr_pages, name, sizeof(name)));
	mem_hotplug_done();
	return ret;
}

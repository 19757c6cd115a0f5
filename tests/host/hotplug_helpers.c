/* Helpers of the hotplug host tests (hotplug_helpers.h). */
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mmtest/offline_owner.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/init.h"
#include "mm/memory_hotplug.h"
#include "mm/page_isolation.h"
#include "mmtest/balloon.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"
#include "mm_fake.h"
#include "offline_inject.h"

struct hp_recorder hp_rec;
unsigned long hp_first_veto;

static int rec_call(struct notifier_block *nb, unsigned long action, void *data)
{
	if (hp_rec.n < (int)(sizeof(hp_rec.events) / sizeof(hp_rec.events[0])))
		hp_rec.events[hp_rec.n++] = action;
	return action == hp_rec.veto ? notifier_from_errno(-EBUSY) : NOTIFY_OK;
}

static int first_call(struct notifier_block *nb, unsigned long action, void *data)
{
	return action == hp_first_veto ? NOTIFY_BAD : NOTIFY_OK;
}

/* The recorder runs after the offline owner (priority -10), the vetoing one before it (10). */
static struct notifier_block rec_nb = {.notifier_call = rec_call, .priority = -10, .name = "recorder"};
static struct notifier_block first_nb = {.notifier_call = first_call, .priority = 10, .name = "first"};

void hp_rec_reset(void)
{
	memset(&hp_rec, 0, sizeof(hp_rec));
}

bool hp_rec_saw(unsigned long action)
{
	for (int i = 0; i < hp_rec.n; i++)
		if (hp_rec.events[i] == action)
			return true;
	return false;
}

void hp_boot(void)
{
	struct mem_region r[] = {
	    {0, 0x9fc00, MEM_USABLE},
	    {0x9fc00, 0x60400, MEM_RESERVED},
	    {0x100000, GiB - 0x100000, MEM_USABLE},
	};

	offline_owner_exit();
	unregister_memory_notifier(&rec_nb);
	unregister_memory_notifier(&first_nb);
	host_log_echo = false;
	movablecore_bytes = 256 * MiB;
	mm_fake_boot(r, 3, 2 * MiB);
	movablecore_bytes = 0;
	workload_reset();
	pin_reset();
	balloon_reset();
	offline_inject_reset();
	mhp_set_default_online_type(MMOP_ONLINE_MOVABLE);
	hp_rec_reset();
	hp_first_veto = 0;
	register_memory_notifier(&rec_nb);
	register_memory_notifier(&first_nb);
}

void hp_snap(struct hp_snap *s)
{
	unsigned long nr;

	memset(s, 0, sizeof(*s));
	s->free = nr_free_pages();
	s->managed = totalram_pages();
	s->workload = workload_nr_pages();
	s->balloon[0] = balloon_nr_pages(false);
	s->balloon[1] = balloon_nr_pages(true);
	s->stat_offline = mm_stat_read(NR_OFFLINE_PAGES);
	memset(s->pageblock_mt, HP_NO_PAGEBLOCK, sizeof(s->pageblock_mt));
	for_each_present_section_nr(0, nr) {
		if (!online_section_nr(nr))
			continue;
		for (unsigned long pfn = section_nr_to_pfn(nr); pfn < section_nr_to_pfn(nr + 1);
		     pfn += pageblock_nr_pages)
			if (pfn / pageblock_nr_pages < HP_NR_PAGEBLOCKS)
				s->pageblock_mt[pfn / pageblock_nr_pages] =
				    (unsigned char)get_pfnblock_migratetype(pfn);
		struct page *mm = __nr_to_section(nr)->memmap;
		for (unsigned long i = 0; i < PAGES_PER_SECTION; i++) {
			unsigned long pfn = section_nr_to_pfn(nr) + i;
			/* lazy and deferred pageblocks are free: their memmap is not written (mmzone.h) */
			if (pageblock_aligned(pfn) &&
			    (pageblock_memmap_deferred(pfn) || pageblock_memmap_lazy(pfn))) {
				i += pageblock_nr_pages - 1;
				continue;
			}
			if (PageOffline(&mm[i])) {
				s->offline_pages++;
				s->offline_refs += page_ref_count(&mm[i]);
			}
		}
	}
}

static const char *mt_name(unsigned char mt)
{
	return mt < MIGRATE_TYPES ? migratetype_names[mt] : "none";
}

int hp_pageblocks_changed(const struct hp_snap *before, unsigned long start_pfn, unsigned long end_pfn)
{
	int bad = 0;

	for (unsigned long pfn = pageblock_start_pfn(start_pfn); pfn < end_pfn; pfn += pageblock_nr_pages) {
		unsigned long b = pfn / pageblock_nr_pages;
		unsigned char now =
		    pfn_to_online_page(pfn) ? (unsigned char)get_pfnblock_migratetype(pfn) : HP_NO_PAGEBLOCK;
		if (b >= HP_NR_PAGEBLOCKS || now == before->pageblock_mt[b])
			continue;
		if (bad++ < 8)
			printf("INFO: pageblock at pfn 0x%lx was %s, now %s\n", pfn,
			       mt_name(before->pageblock_mt[b]), mt_name(now));
	}
	return bad;
}

unsigned long hp_unmovable_normal_block(void)
{
	unsigned long claimed_in[HP_MOVABLE_FIRST] = {0}, id = 0;
	LIST_HEAD(claimed);
	struct page *page, *next;

	while (!id && (page = alloc_pages(GFP_KERNEL, pageblock_order))) {
		unsigned long b = pfn_to_block_id(page_to_pfn(page));
		list_add(&page->lru, &claimed);
		if (b >= 1 && b < HP_MOVABLE_FIRST &&
		    ++claimed_in[b] == PAGES_PER_MEMORY_BLOCK / pageblock_nr_pages)
			id = b;
	}
	list_for_each_entry_safe(page, next, &claimed, lru) {
		list_del(&page->lru);
		free_pages(page, pageblock_order);
	}
	for (unsigned long pfn = block_id_to_pfn(id); id && pfn < block_id_to_pfn(id + 1);
	     pfn += pageblock_nr_pages)
		if (get_pfnblock_migratetype(pfn) != MIGRATE_UNMOVABLE)
			return 0;
	return id;
}

int hp_check_unchanged(const struct hp_snap *before, unsigned long id)
{
	struct hp_snap now;
	struct workload_check wc;
	struct memory_block_info info;
	int bad = 0;

	hp_snap(&now);
#define SAME(field)                                                                                          \
	do {                                                                                                 \
		if (now.field != before->field) {                                                            \
			printf("INFO: step 7: " #field " was %ld, now %ld\n", (long)before->field,           \
			       (long)now.field);                                                             \
			bad++;                                                                               \
		}                                                                                            \
	} while (0)
	SAME(free);
	SAME(managed);
	SAME(workload);
	SAME(offline_pages);
	SAME(offline_refs);
	SAME(balloon[0]);
	SAME(balloon[1]);
	SAME(stat_offline);
#undef SAME
	if (workload_verify(&wc)) {
		printf("INFO: step 7: workload verify: %lu bad pages, first pfn 0x%lx\n", wc.bad, wc.bad_pfn);
		bad++;
	}
	if (nr_isolated_pageblocks()) {
		printf("INFO: step 7: %lu pageblocks left ISOLATE\n", nr_isolated_pageblocks());
		bad++;
	}
	int changed = hp_pageblocks_changed(before, block_id_to_pfn(id), block_id_to_pfn(id + 1));
	if (changed) {
		printf("INFO: step 7: %d pageblocks of block %lu changed migrate type\n", changed, id);
		bad++;
	}
	if (mm_verify(mm_fake_print)) {
		printf("INFO: step 7: mm_verify not clean\n");
		bad++;
	}
	if (memory_block_get(id, &info) || info.state != MEMORY_BLOCK_ONLINE) {
		printf("INFO: step 7: block %lu is not online\n", id);
		bad++;
	}
	return bad;
}

void hp_block_census(unsigned long id, unsigned long *free, unsigned long *offline, unsigned long *other)
{
	unsigned long pfn = block_id_to_pfn(id), end = pfn + PAGES_PER_MEMORY_BLOCK;

	*free = *offline = *other = 0;
	while (pfn < end) {
		struct page *page = pfn_to_page(pfn);
		if (pageblock_aligned(pfn) && pageblock_memmap_deferred(pfn)) {
			*free += pageblock_nr_pages;
			pfn += pageblock_nr_pages;
			continue;
		}
		if (PageBuddy(page)) {
			*free += 1UL << buddy_order(page);
			pfn += 1UL << buddy_order(page);
			continue;
		}
		if (PagePcp(page))
			(*free)++;
		else if (PageOffline(page))
			(*offline)++;
		else
			(*other)++;
		pfn++;
	}
}

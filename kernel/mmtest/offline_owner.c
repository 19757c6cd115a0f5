/* The agreeing owner of PageOffline pages (offline_owner.h): a test driver doing what virtio-mem does with
 * unplugged sub-blocks, so every rule of the offlining protocol can be shown without a device:
 *   - unplug: fake-offline a 2 MiB sub-block (mm/page_offline.h: alloc_contig_range, PageOffline with
 *     refcount 1, out of the managed count, unmapped);
 *   - MEM_GOING_OFFLINE: drop those references to 0 and remember it, per block;
 *   - MEM_CANCEL_OFFLINE: take back exactly the references this owner dropped, and only if it did;
 *   - MEM_OFFLINE: the block is offline; its pages stay PageOffline (refcount 0) in the memmap;
 *   - online-page callback: unplugged sub-blocks of a block coming online are PageOffline again
 *     (refcount 1, never given to the buddy); the rest goes to generic_online_page. */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mmtest/offline_owner.h"
#include "mm/memory.h"
#include "mm/memory_hotplug.h"
#include "mm/page_offline.h"

#define MAX_OWNED_BLOCKS 64

struct owned_block {
	unsigned long id;
	u64 unplugged; /* sub-blocks that are PageOffline and unmapped */
	u64 dropped;   /* sub-blocks whose references MEM_GOING_OFFLINE dropped */
	bool used;
};

static struct owned_block owned[MAX_OWNED_BLOCKS];
static unsigned long dropped_refs;
static bool registered;

static struct owned_block *find_block(unsigned long id, bool create)
{
	struct owned_block *free = NULL;

	for (int i = 0; i < MAX_OWNED_BLOCKS; i++) {
		if (owned[i].used && owned[i].id == id)
			return &owned[i];
		if (!owned[i].used && !free)
			free = &owned[i];
	}
	if (!create || !free)
		return NULL;
	*free = (struct owned_block){.id = id, .used = true};
	return free;
}

static unsigned long sb_pfn(unsigned long id, unsigned int sb)
{
	return block_id_to_pfn(id) + sb * OFFLINE_OWNER_SUBBLOCK_PAGES;
}

/* Drops (or takes back) the references of the sub-blocks of `mask` in block b. Returns the pages. */
static unsigned long adjust_refs(struct owned_block *b, u64 mask, bool drop)
{
	unsigned long n = 0;

	for (unsigned int sb = 0; sb < OFFLINE_OWNER_SUBBLOCKS; sb++) {
		if (!(mask & (1ULL << sb)))
			continue;
		n += drop ? fake_offline_drop_refs(sb_pfn(b->id, sb), OFFLINE_OWNER_SUBBLOCK_PAGES)
			  : fake_offline_restore_refs(sb_pfn(b->id, sb), OFFLINE_OWNER_SUBBLOCK_PAGES);
	}
	return n;
}

static int owner_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	const struct memory_notify *arg = data;
	unsigned long first = pfn_to_block_id(arg->start_pfn);
	unsigned long last = pfn_to_block_id(arg->start_pfn + arg->nr_pages - 1);

	for (int i = 0; i < MAX_OWNED_BLOCKS; i++) {
		struct owned_block *b = &owned[i];
		if (!b->used || b->id < first || b->id > last)
			continue;
		switch (action) {
		case MEM_GOING_OFFLINE:
			/* We agree: the pages may go with the block. */
			dropped_refs += adjust_refs(b, b->unplugged, true);
			b->dropped = b->unplugged;
			break;
		case MEM_CANCEL_OFFLINE:
			/* Only what we dropped: we may see a cancel without having seen GOING_OFFLINE. */
			dropped_refs -= adjust_refs(b, b->dropped, false);
			b->dropped = 0;
			break;
		case MEM_OFFLINE:
			/* The references went with the block; the pages wait PageOffline in its memmap. */
			for (u64 m = b->dropped; m; m &= m - 1)
				dropped_refs -= OFFLINE_OWNER_SUBBLOCK_PAGES;
			b->dropped = 0;
			break;
		default:
			break;
		}
	}
	return NOTIFY_OK;
}

static struct notifier_block owner_nb = {
    .notifier_call = owner_notify, .priority = 0, .name = "offline-owner"};

/* Is the sub-block holding pfn one this owner keeps PageOffline? */
static bool owner_keeps(unsigned long pfn)
{
	unsigned long id = pfn_to_block_id(pfn);
	unsigned int sb = (unsigned int)((pfn - block_id_to_pfn(id)) / OFFLINE_OWNER_SUBBLOCK_PAGES);
	struct owned_block *b = find_block(id, false);

	return b && (b->unplugged & (1ULL << sb));
}

static void owner_online_page(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long end = pfn + nr_pages;

	while (pfn < end) {
		bool keep = owner_keeps(pfn);
		unsigned long run = pfn + OFFLINE_OWNER_SUBBLOCK_PAGES;
		while (run < end && owner_keeps(run) == keep)
			run += OFFLINE_OWNER_SUBBLOCK_PAGES;
		if (keep)
			fake_offline_pages(pfn, run - pfn);
		else
			generic_online_page(pfn, run - pfn);
		pfn = run;
	}
}

int offline_owner_init(void)
{
	if (registered)
		return 0;
	int ret = set_online_page_callback(owner_online_page);
	if (ret)
		return ret;
	ret = register_memory_notifier(&owner_nb);
	if (ret) {
		restore_online_page_callback(owner_online_page);
		return ret;
	}
	registered = true;
	return 0;
}

void offline_owner_exit(void)
{
	if (!registered)
		return;
	unregister_memory_notifier(&owner_nb);
	restore_online_page_callback(owner_online_page);
	for (int i = 0; i < MAX_OWNED_BLOCKS; i++)
		owned[i].used = false;
	dropped_refs = 0;
	registered = false;
}

static int check_args(unsigned long id, unsigned int first, unsigned int count)
{
	if (!count || first >= OFFLINE_OWNER_SUBBLOCKS || count > OFFLINE_OWNER_SUBBLOCKS - first)
		return -EINVAL;
	if (!online_section_nr(id))
		return -EINVAL;
	return offline_owner_init();
}

/* Gives sub-block sb of block b back to the buddy. 0 or -ENOMEM (it stays unplugged). */
static int plug_one(struct owned_block *b, unsigned int sb)
{
	int ret = fake_online_range(sb_pfn(b->id, sb), OFFLINE_OWNER_SUBBLOCK_PAGES);

	if (ret) {
		pr_err("offline-owner: plug of block %lu sub-block %u failed: %s; it stays unplugged\n",
		       b->id, sb, errname(ret));
		return ret;
	}
	b->unplugged &= ~(1ULL << sb);
	return 0;
}

int offline_owner_unplug(unsigned long id, unsigned int first, unsigned int count)
{
	struct owned_block *b;
	unsigned int sb;
	int ret = check_args(id, first, count);

	if (ret)
		return ret;
	b = find_block(id, true);
	if (!b)
		return -ENOSPC;
	u64 mask = (count == 64 ? ~0ULL : ((1ULL << count) - 1)) << first;
	if (b->unplugged & mask)
		return -EEXIST;
	for (sb = first; sb < first + count; sb++) {
		struct busy_pfn busy = {0};
		ret = fake_offline_range(sb_pfn(id, sb), OFFLINE_OWNER_SUBBLOCK_PAGES, &busy);
		if (ret) {
			pr_err("offline-owner: unplug of block %lu sub-block %u failed: %s: pfn 0x%lx: %s\n",
			       id, sb, errname(ret), busy.pfn, busy.reason);
			break;
		}
		b->unplugged |= 1ULL << sb;
	}
	if (ret) {
		while (sb-- > first)
			plug_one(b, sb);
		if (!b->unplugged)
			b->used = false;
	}
	return ret;
}

int offline_owner_plug(unsigned long id, unsigned int first, unsigned int count)
{
	int ret = check_args(id, first, count);
	struct owned_block *b;

	if (ret)
		return ret;
	b = find_block(id, false);
	if (!b)
		return -EINVAL;
	for (unsigned int sb = first; sb < first + count && !ret; sb++)
		if (b->unplugged & (1ULL << sb))
			ret = plug_one(b, sb);
	if (!b->unplugged)
		b->used = false;
	return ret;
}

int offline_owner_remove(unsigned long id)
{
	struct owned_block *b = find_block(id, false);
	int ret = offline_and_remove_memory(PFN_PHYS(block_id_to_pfn(id)), MEMORY_BLOCK_SIZE);

	if (!ret && b)
		b->used = false;
	return ret;
}

u64 offline_owner_unplugged(unsigned long id)
{
	struct owned_block *b = find_block(id, false);
	return b ? b->unplugged : 0;
}

unsigned long offline_owner_dropped_refs(void)
{
	return dropped_refs;
}

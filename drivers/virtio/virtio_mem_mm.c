/* virtio-mem: the memory manager's side of plugging and unplugging (docs/VIRTIO-MEM.md, the PageOffline
 * protocol of docs/HOTPLUG.md "The offlining protocol").
 *
 * Rules kept here:
 *  - unplugged memory is never mapped: blocks are added with MHP_NO_DIRECT_MAP and only plugged units
 *    are mapped; a unit is unmapped before the device is asked to unplug it;
 *  - in an online block an unplugged sub-block is PageOffline, refcount 1, owned by this driver, not
 *    managed; the online-page callback keeps it so when the block comes (back) online;
 *  - MEM_GOING_OFFLINE drops those references to 0 so offlining can skip the pages; MEM_CANCEL_OFFLINE
 *    takes back exactly the ones this driver dropped (a flag per memory block), MEM_OFFLINE forgets. */
#include "drivers/virtio_mem_driver.h"
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/memory.h"
#include "mm/memory_hotplug.h"
#include "mm/mmzone.h"
#include "mm/page.h"
#include "mm/page_offline.h"
#include "mm/sparse.h"

#define UNIT_PAGES(st) ((unsigned long)((st)->unit_size >> PAGE_SHIFT))

bool virtio_mem_memmap_on_memory = true;

static int set_memmap_on_memory(const char *val)
{
	return parse_01(val, &virtio_mem_memmap_on_memory);
}
CMDLINE_PARAM_VALID(virtio_mem_memmap_on_memory, "virtio_mem.memmap_on_memory", set_memmap_on_memory,
		    "0 or 1");

static unsigned long unit_pfn(const struct vmem_state *st, unsigned long u)
{
	return PHYS_PFN(vmem_unit_addr(st, u));
}

static unsigned long mb_block_id(const struct vmem_state *st, unsigned long mb)
{
	return (unsigned long)(st->mb_first + mb);
}

/* The device and memory block index holding pfn, or NULL. */
static struct virtio_mem *vmem_of_pfn(unsigned long pfn, long *mb)
{
	struct virtio_mem *vm;

	list_for_each_entry(vm, &vmem_devices, list) {
		if (!vm->st.mb_state)
			continue;
		*mb = vmem_mb_of_addr(&vm->st, PFN_PHYS(pfn));
		if (*mb >= 0)
			return vm;
	}
	return NULL;
}

static unsigned long unit_of_pfn(const struct vmem_state *st, unsigned long pfn)
{
	return (unsigned long)((PFN_PHYS(pfn) - st->first_addr) / st->unit_size);
}

bool vmem_mm_want_online(void)
{
	return mhp_get_default_online_type() != MMOP_OFFLINE;
}

/* ---- the online-page callback ---- */

/* Units that go to the buddy when their block comes online are plugged and usable; the others (not
 * plugged, or plugged but never mapped) stay PageOffline. next_usable_unit: the first unit at or
 * after u, below end, that is plugged and usable; next_kept_unit: the first that is not. Both end
 * when there is none, and scan the bitmaps a word at a time. */
static unsigned long next_usable_unit(const struct vmem_state *st, unsigned long u, unsigned long end)
{
	while ((u = find_next_bit64(st->plugged, u, end)) < end && vmem_is_unusable(st, u))
		u++;
	return u;
}

static unsigned long next_kept_unit(const struct vmem_state *st, unsigned long u, unsigned long end)
{
	return min(find_next_zero_bit64(st->plugged, u, end), find_next_bit64(st->unusable, u, end));
}

/* Does the unit holding pfn of device vm (NULL: not virtio-mem memory) go to the buddy when its block
 * comes online? */
static bool online_gives(struct virtio_mem *vm, unsigned long pfn)
{
	unsigned long u = vm ? unit_of_pfn(&vm->st, pfn) : 0;

	return !vm || (vmem_is_plugged(&vm->st, u) && !vmem_is_unusable(&vm->st, u));
}

static void vmem_online_page(unsigned long pfn, unsigned long nr_pages)
{
	/* LAB onlining BEGIN callback */
	unsigned long end = pfn + nr_pages;

	/* In runs of units with the same fate: units are whole pageblocks, aligned, and a block lies
	 * inside one unit in big-block mode. The range may hold memmap pageblocks: both of mm's actions
	 * step over them. Memory outside every device goes to the buddy. */
	while (pfn < end) {
		long mb;
		struct virtio_mem *vm = vmem_of_pfn(pfn, &mb);
		unsigned long run;

		if (!vm) {
			run = min(end, block_id_to_pfn(pfn_to_block_id(pfn) + 1));
			generic_online_page(pfn, run - pfn);
			pfn = run;
			continue;
		}
		const struct vmem_state *st = &vm->st;
		unsigned long stop = min(end, PHYS_PFN(vmem_mb_addr(st, st->nr_mb)));
		unsigned long u = unit_of_pfn(st, pfn), u_end = unit_of_pfn(st, stop - 1) + 1;
		bool give = online_gives(vm, pfn);

		u = give ? next_kept_unit(st, u, u_end) : next_usable_unit(st, u, u_end);
		run = min(stop, unit_pfn(st, u));
		if (give)
			generic_online_page(pfn, run - pfn);
		else
			fake_offline_pages(pfn, run - pfn); /* refcount 1: ours */
		pfn = run;
	}
	/* LAB onlining END callback */
}

/* ---- the memory notifier ---- */

/* Drops (drop) or takes back the references of the PageOffline pages of memory block mb's unplugged
 * (and unusable) units. Only pages in the state the other direction left them are touched. */
static void mb_offline_refs(struct virtio_mem *vm, unsigned long mb, bool drop)
{
	/* LAB offlining BEGIN refs */
	struct vmem_state *st = &vm->st;
	unsigned long u = vmem_mb_first_unit(st, mb), end = u + st->units_per_mb;

	if (st->mode != VMEM_SBM)
		return;
	while ((u = next_kept_unit(st, u, end)) < end) {
		unsigned long run = next_usable_unit(st, u, end);
		if (drop)
			fake_offline_drop_refs(unit_pfn(st, u), (run - u) * UNIT_PAGES(st));
		else
			fake_offline_restore_refs(unit_pfn(st, u), (run - u) * UNIT_PAGES(st));
		u = run;
	}
	/* LAB offlining END refs */
}

static int vmem_memory_notifier(struct notifier_block *nb, unsigned long action, void *data)
{
	const struct memory_notify *mn = data;
	struct virtio_mem *vm;

	list_for_each_entry(vm, &vmem_devices, list) {
		struct vmem_state *st = &vm->st;
		if (!st->mb_state)
			continue;
		for (unsigned long pfn = mn->start_pfn; pfn < mn->start_pfn + mn->nr_pages;
		     pfn += PAGES_PER_MEMORY_BLOCK) {
			long mb = vmem_mb_of_addr(st, PFN_PHYS(pfn));
			if (mb < 0)
				continue;
			switch (action) {
			case MEM_ONLINE:
				vmem_set_mb_state(st, mb,
						  section_zonenum(__pfn_to_section(pfn)) == ZONE_MOVABLE
						      ? VMEM_MB_ONLINE_MOVABLE
						      : VMEM_MB_ONLINE_KERNEL);
				break;
			case MEM_OFFLINE:
				vmem_set_mb_state(st, mb, VMEM_MB_OFFLINE);
				vm->refs_dropped[mb] = 0;
				break;
			case MEM_GOING_OFFLINE:
				mb_offline_refs(vm, mb, true);
				vm->refs_dropped[mb] = 1;
				break;
			case MEM_CANCEL_OFFLINE:
				if (vm->refs_dropped[mb])
					mb_offline_refs(vm, mb, false);
				vm->refs_dropped[mb] = 0;
				break;
			default:
				break;
			}
		}
	}
	return NOTIFY_OK;
}

static struct notifier_block vmem_nb = {
    .notifier_call = vmem_memory_notifier,
    .priority = 0,
    .name = "virtio-mem",
};

int vmem_mm_init(void)
{
	static bool done;
	int err;

	if (done)
		return 0;
	err = set_online_page_callback(vmem_online_page);
	if (err) {
		pr_err("virtio-mem: cannot install the online-page callback: %s\n", errname(err));
		return err;
	}
	err = register_memory_notifier(&vmem_nb);
	if (err) {
		restore_online_page_callback(vmem_online_page);
		pr_err("virtio-mem: cannot register the memory notifier: %s\n", errname(err));
		return err;
	}
	vmem_verify_init();
	done = true;
	return 0;
}

int vmem_mm_check_region(const struct vmem_state *st, const char **why)
{
	static char buf[96];
	struct virtio_mem *o;

	list_for_each_entry(o, &vmem_devices, list) {
		if (st->addr < o->st.addr + o->st.region_size && o->st.addr < st->addr + st->region_size) {
			snprintf(buf, sizeof(buf), "the region overlaps the region of %s", o->name);
			*why = buf;
			return -EBUSY;
		}
	}
	for (unsigned long mb = 0; mb < st->nr_mb; mb++) {
		if (present_section_nr(mb_block_id(st, mb))) {
			snprintf(buf, sizeof(buf), "the region overlaps memory block %lu, which is present",
				 mb_block_id(st, mb));
			*why = buf;
			return -EBUSY;
		}
	}
	return 0;
}

/* ---- adding ---- */

static void set_not_added(struct vmem_state *st, unsigned long mb0, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		vmem_set_mb_state(st, mb0 + i, VMEM_MB_NOT_ADDED);
}

/* hotplug's reason starts with the errno's name; without a reason, the name alone. */
static void set_error(struct virtio_mem *vm, const char *what, unsigned long id, int err)
{
	const char *why = hotplug_last_error();
	snprintf(vm->last_error, sizeof(vm->last_error), "%s of memory block %lu failed: %s", what, id,
		 why && *why ? why : errname(err));
}

/* Unit u stays plugged and usable: mm would not give it up this round. */
static void mark_busy(struct virtio_mem *vm, unsigned long u)
{
	if (!vm->st.nr_busy)
		memcpy(vm->busy_why, vm->last_error, sizeof(vm->busy_why));
	vmem_set_busy(&vm->st, u);
}

/* SBM: does unit u hold the memmap of its memory block (the first unit of a block added with
 * MHP_MEMMAP_ON_MEMORY)? Such a unit stays plugged and mapped while its block is added. */
static bool memmap_unit(const struct vmem_state *st, unsigned long u)
{
	return st->mode == VMEM_SBM && u % st->units_per_mb == 0 &&
	       memory_block_memmap_on_memory(mb_block_id(st, vmem_unit_mb(st, u)));
}

/* Maps the plugged units of memory blocks [mb, mb + n), past the memmap pageblocks add_memory mapped:
 * a run of plugged units at a time, cut at each memory block (a unit of BBM) whose first unit holds
 * its memmap. */
static int map_plugged(struct virtio_mem *vm, unsigned long mb, unsigned long n)
{
	struct vmem_state *st = &vm->st;
	unsigned long u = vmem_mb_first_unit(st, mb);
	unsigned long end = st->mode == VMEM_SBM ? u + n * st->units_per_mb : u + n / st->mbs_per_unit;

	if (st->mode == VMEM_BBM && memory_block_memmap_on_memory(mb_block_id(st, mb)))
		return 0; /* added with its direct map: a big block is plugged whole */
	while ((u = find_next_bit64(st->plugged, u, end)) < end) {
		unsigned long run_end = find_next_zero_bit64(st->plugged, u, end);
		while (u < run_end) {
			unsigned long next =
			    min(run_end, vmem_mb_first_unit(st, vmem_unit_mb(st, u) + st->mbs_per_unit));
			unsigned long pfn = unit_pfn(st, u), nr = (next - u) * UNIT_PAGES(st);
			if (memmap_unit(st, u)) {
				pfn += MHP_MEMMAP_ON_MEMORY_PAGES;
				nr -= MHP_MEMMAP_ON_MEMORY_PAGES;
			}
			int err = nr ? mhp_map_range(pfn, nr) : 0;
			if (err)
				return err;
			u = next;
		}
	}
	return 0;
}

bool vmem_mm_memmap_on_block(const struct virtio_mem *vm, unsigned long mb)
{
	const struct vmem_state *st = &vm->st;
	unsigned long u = vmem_mb_first_unit(st, mb);

	return virtio_mem_memmap_on_memory &&
	       (st->mode == VMEM_BBM || (vmem_is_plugged(st, u) && !vmem_is_unusable(st, u)));
}

/* The add_memory flags for blocks [mb, mb + n): their memmap on themselves when the parameter says so
 * and, in SBM, the first unit of each is plugged and usable (it must stay so while the block is
 * added); otherwise the memmap comes from ZONE_NORMAL, said once. */
static mhp_t add_flags(struct virtio_mem *vm, unsigned long mb, unsigned long n)
{
	static bool said;
	struct vmem_state *st = &vm->st;

	if (!virtio_mem_memmap_on_memory)
		return MHP_NO_DIRECT_MAP;
	if (st->mode == VMEM_BBM)
		return MHP_MEMMAP_ON_MEMORY;
	for (unsigned long i = 0; i < n; i++) {
		if (!vmem_mm_memmap_on_block(vm, mb + i)) {
			if (!said)
				pr_info(
				    "%s: memory block %lu: its first sub-block is not plugged: memmap from "
				    "ZONE_NORMAL (said once)\n",
				    vm->name, mb_block_id(st, mb + i));
			said = true;
			return MHP_NO_DIRECT_MAP;
		}
	}
	return MHP_NO_DIRECT_MAP | MHP_MEMMAP_ON_MEMORY;
}

/* A rollback's remove_memory failed: blocks [mb, mb + n) stay added and offline. Plugged units the
 * map did not reach are unusable (given back to the device later), so the state stays true. */
static void keep_added(struct virtio_mem *vm, unsigned long mb, unsigned long n)
{
	struct vmem_state *st = &vm->st;
	unsigned long u = vmem_mb_first_unit(st, mb);
	unsigned long end = st->mode == VMEM_SBM ? u + n * st->units_per_mb : u + n / st->mbs_per_unit;

	pr_err("%s: memory blocks %lu-%lu cannot be removed again (%s); they stay added, offline\n", vm->name,
	       mb_block_id(st, mb), mb_block_id(st, mb + n - 1), hotplug_last_error());
	for (unsigned long i = 0; i < n; i++)
		vmem_set_mb_state(st, mb + i, VMEM_MB_OFFLINE);
	for (; u < end; u++)
		if (vmem_is_plugged(st, u) && !pfn_is_mapped(unit_pfn(st, u)))
			vmem_set_unusable(st, u, 1, true);
}

/* The zone memhp_default_state puts hot-added block id in. */
static enum zone_type default_zone(unsigned long id)
{
	switch (mhp_get_default_online_type()) {
	case MMOP_ONLINE_KERNEL:
		return ZONE_NORMAL;
	case MMOP_ONLINE_MOVABLE:
		return ZONE_MOVABLE;
	default:
		return mhp_default_zone(id);
	}
}

int vmem_mm_add(struct virtio_mem *vm, unsigned long mb, unsigned long n)
{
	struct vmem_state *st = &vm->st;
	unsigned long id = mb_block_id(st, mb);
	phys_addr_t start = vmem_mb_addr(st, mb);
	u64 size = n * VMEM_MEMORY_BLOCK_SIZE, t0 = arch_now_ns();
	enum zone_type zone = default_zone(id);
	int err;

	err = add_memory_driver_managed(start, size, add_flags(vm, mb, n));
	if (!err) {
		err = map_plugged(vm, mb, n);
		if (err && remove_memory(start, size))
			keep_added(vm, mb, n);
	}
	vm->times[VMEM_T_ADD] += arch_now_ns() - t0;
	if (err) {
		set_error(vm, "add", id, err);
		return err;
	}
	for (unsigned long i = 0; i < n; i++)
		vmem_set_mb_state(st, mb + i, VMEM_MB_OFFLINE);
	if (!vmem_mm_want_online())
		return 0;

	/* One online_pages call for the range when every block goes to the same zone (always, unless a
	 * plain "online" policy remembers different zones for them). */
	t0 = arch_now_ns();
	for (unsigned long i = 1; i < n; i++)
		if (default_zone(id + i) != zone)
			zone = MAX_NR_ZONES;
	if (zone != MAX_NR_ZONES) {
		err = online_pages(PHYS_PFN(start), (unsigned long)(size >> PAGE_SHIFT), zone);
		if (err)
			set_error(vm, "online", id, err);
	} else {
		for (unsigned long i = 0; i < n && !err; i++) {
			err = memory_block_online(id + i, mhp_get_default_online_type());
			if (err)
				set_error(vm, "online", id + i, err);
		}
	}
	vm->times[VMEM_T_ONLINE] += arch_now_ns() - t0;
	if (err) {
		/* all or nothing: what went online goes away with the rest */
		if (offline_and_remove_memory(start, size) == 0)
			set_not_added(st, mb, n);
		return err;
	}
	return 0;
}

/* ---- plugging into an added block ---- */

/* Makes unit u of an added block usable: in an online block its pages go from PageOffline to the
 * buddy, in an offline one it is only mapped. 0 or -ENOMEM (a page table: nothing changed). */
static int unit_usable(struct vmem_state *st, unsigned long u)
{
	unsigned long mb = vmem_unit_mb(st, u);

	return vmem_mb_online(st, mb) ? fake_online_range(unit_pfn(st, u), UNIT_PAGES(st))
				      : mhp_map_range(unit_pfn(st, u), UNIT_PAGES(st));
}

unsigned long vmem_mm_plugged(struct virtio_mem *vm, unsigned long first, unsigned long nr)
{
	struct vmem_state *st = &vm->st;
	u64 t0 = arch_now_ns();
	unsigned long u;

	for (u = first; u < first + nr; u++) {
		unsigned long mb = vmem_unit_mb(st, u);
		if (!vmem_mb_added(st, mb)) {
			/* made usable when its block is added: past the block's units at once */
			u = max(u, min(first + nr, vmem_mb_first_unit(st, mb + st->mbs_per_unit)) - 1);
			continue;
		}
		int err = unit_usable(st, u);
		if (err) {
			/* the unit stays as unplugged memory is (unmapped, PageOffline): the caller gives it
			 * back to the device */
			snprintf(vm->last_error, sizeof(vm->last_error),
				 "map of sub-block at 0x%llx failed: %s", vmem_unit_addr(st, u),
				 errname(err));
			break;
		}
	}
	vm->times[VMEM_T_ONLINE] += arch_now_ns() - t0;
	return u;
}

/* ---- unplugging ---- */

/* Takes units [u, u + nu) of an online block away from the buddy (fake offline: migrating what
 * moves, PageOffline, not managed, unmapped). */
static int units_fake_offline(struct virtio_mem *vm, unsigned long u, unsigned long nu)
{
	struct vmem_state *st = &vm->st;
	struct busy_pfn busy = {0};
	int err = fake_offline_range(unit_pfn(st, u), nu * UNIT_PAGES(st), &busy);

	if (err) {
		int at = scnprintf(vm->last_error, sizeof(vm->last_error),
				   "unplug of sub-block at 0x%llx (memory block %lu) failed: %s",
				   vmem_unit_addr(st, u), mb_block_id(st, vmem_unit_mb(st, u)), errname(err));
		if (busy.reason[0])
			scnprintf(vm->last_error + at, sizeof(vm->last_error) - at, ": pfn 0x%lx (%s)",
				  busy.pfn, busy.reason);
	}
	return err;
}

/* Units [first, first + nr) are all the plugged units of memory block mb (SBM)? */
static bool covers_plugged(const struct vmem_state *st, unsigned long mb, unsigned long first,
			   unsigned long nr)
{
	return vmem_mb_plugged(st, mb) == nr && vmem_unit_mb(st, first) == mb &&
	       vmem_unit_mb(st, first + nr - 1) == mb;
}

void vmem_mm_prepare_unplug(struct virtio_mem *vm, unsigned long first, unsigned long nr)
{
	struct vmem_state *st = &vm->st;
	unsigned long mb = vmem_unit_mb(st, first), n = st->mbs_per_unit;
	phys_addr_t start = vmem_mb_addr(st, mb);
	u64 t0 = arch_now_ns();
	bool added = false, online = false;
	int err;

	for (unsigned long i = 0; i < n; i++) {
		added |= vmem_mb_added(st, mb + i);
		online |= vmem_mb_online(st, mb + i);
	}
	if (!added)
		return;

	if (st->mode == VMEM_BBM || covers_plugged(st, mb, first, nr)) {
		/* the whole block (big block) goes: offline what is online, remove, then unplug */
		err = online ? offline_and_remove_memory(start, n * VMEM_MEMORY_BLOCK_SIZE)
			     : remove_memory(start, n * VMEM_MEMORY_BLOCK_SIZE);
		if (!err) {
			set_not_added(st, mb, n);
			goto out;
		}
		set_error(vm, online ? "offline" : "remove", mb_block_id(st, mb), err);
		if (st->mode == VMEM_BBM) {
			mark_busy(vm, first);
			goto out;
		}
		/* an SBM block that cannot go as a whole may still give sub-blocks */
	}
	/* All the run's sub-blocks of this block in one alloc_contig_range: one isolation, and data moves
	 * out once instead of into the next sub-block about to go. Sub-block by sub-block if not,
	 * skipping those that stay (Linux does the same). */
	if (online && nr > 1 && units_fake_offline(vm, first, nr) == 0)
		goto out;
	for (unsigned long u = first + nr; u-- > first;) {
		if (memmap_unit(st, u)) {
			/* it goes with its block (removed whole, above): never on its own */
			snprintf(vm->last_error, sizeof(vm->last_error),
				 "unplug of sub-block at 0x%llx (memory block %lu) failed: -EBUSY: it holds "
				 "the block's memmap",
				 vmem_unit_addr(st, u), mb_block_id(st, mb));
			err = -EBUSY;
		} else if (online) {
			err = units_fake_offline(vm, u, 1);
		} else {
			err = mhp_unmap_range(unit_pfn(st, u), UNIT_PAGES(st));
			if (err)
				snprintf(
				    vm->last_error, sizeof(vm->last_error),
				    "unplug of sub-block at 0x%llx (memory block %lu) failed: %s: cannot "
				    "unmap it",
				    vmem_unit_addr(st, u), mb_block_id(st, mb), errname(err));
		}
		if (err)
			mark_busy(vm, u);
	}
out:
	vm->times[VMEM_T_UNPLUG] += arch_now_ns() - t0;
}

/* Is every plugged unit of memory block mb inside [first, end)? */
static bool plugged_inside(const struct vmem_state *st, unsigned long mb, unsigned long first,
			   unsigned long end)
{
	unsigned long u0 = vmem_mb_first_unit(st, mb), u1 = u0 + vmem_mb_nr_units(st);
	unsigned long lo = min(u1, max(u0, first)), hi = max(u0, min(u1, end));

	/* none of the block's units below first or from end on is plugged (a bitmap word at a time) */
	return find_next_bit64(st->plugged, u0, lo) >= lo && find_next_bit64(st->plugged, hi, u1) >= u1;
}

void vmem_mm_unplug_whole_blocks(struct virtio_mem *vm, unsigned long first, unsigned long nr)
{
	struct vmem_state *st = &vm->st;
	unsigned long end = first + nr, hi = vmem_unit_mb(st, end - 1) + st->mbs_per_unit - 1, lo = hi + 1;
	enum vmem_mb_state s = vmem_mb_state(st, hi);

	if (!vmem_mb_online(st, hi))
		return;
	while (lo > 0 && vmem_mb_state(st, lo - 1) == s && plugged_inside(st, lo - 1, first, end) &&
	       vmem_mb_plugged(st, lo - 1))
		lo--;
	if (st->mode == VMEM_BBM) /* whole big blocks only */
		lo = ALIGN_UP(lo, (unsigned long)st->mbs_per_unit);
	if (lo > hi || hi - lo + 1 < 2)
		return; /* one block: the per-block path does the same */
	phys_addr_t start = vmem_mb_addr(st, lo);
	u64 size = (hi - lo + 1) * VMEM_MEMORY_BLOCK_SIZE, t0 = arch_now_ns();
	int err = offline_pages(PHYS_PFN(start), (unsigned long)(size >> PAGE_SHIFT));
	if (!err)
		err = remove_memory(start, size);
	vm->times[VMEM_T_UNPLUG] += arch_now_ns() - t0;
	if (!err)
		set_not_added(st, lo, hi - lo + 1);
	/* on failure the per-block path tries each block (and its sub-blocks) alone */
}

void vmem_mm_unplug_failed(struct virtio_mem *vm, unsigned long first, unsigned long nr)
{
	struct vmem_state *st = &vm->st;

	for (unsigned long u = first; u < first + nr; u++) {
		unsigned long mb = vmem_unit_mb(st, u);
		if (!vmem_mb_added(st, mb) || !vmem_is_plugged(st, u) || vmem_is_busy(st, u) ||
		    vmem_is_unusable(st, u))
			continue;
		int err = unit_usable(st, u);
		if (err) {
			/* it stays PageOffline and unmapped, plugged: tracked, and given back later */
			vmem_set_unusable(st, u, 1, true);
			snprintf(vm->last_error, sizeof(vm->last_error),
				 "map of sub-block at 0x%llx failed: %s; it waits to be unplugged",
				 vmem_unit_addr(st, u), errname(err));
		}
	}
}

int vmem_mm_remove_empty(struct virtio_mem *vm, unsigned long mb)
{
	struct vmem_state *st = &vm->st;
	unsigned long mb0 = vmem_unit_mb(st, vmem_mb_first_unit(st, mb)), n = st->mbs_per_unit;
	phys_addr_t start = vmem_mb_addr(st, mb0);
	u64 t0 = arch_now_ns();
	int err;

	if (!vmem_mb_added(st, mb) || vmem_mb_plugged(st, mb))
		return 0;
	err = vmem_mb_online(st, mb) ? offline_and_remove_memory(start, n * VMEM_MEMORY_BLOCK_SIZE)
				     : remove_memory(start, n * VMEM_MEMORY_BLOCK_SIZE);
	vm->times[VMEM_T_UNPLUG] += arch_now_ns() - t0;
	if (err) {
		set_error(vm, "removal", mb_block_id(st, mb0), err);
		return err;
	}
	set_not_added(st, mb0, n);
	return 0;
}

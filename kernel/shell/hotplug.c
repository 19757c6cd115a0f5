/* Shell commands of memory hotplug and its test loads (INTERFACE.md, docs/HOTPLUG.md):
 * memory, lsmem, workload, pin, balloon, offowner. */
#include "kernel/errno.h"
#include "kernel/shell.h"
#include "lib/parse.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/balloon.h"
#include "mm/memory.h"
#include "mm/memblock.h"
#include "mm/memory_hotplug.h"
#include "mm/sparse.h"
#include "mmtest/balloon.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"

static int parse_block(const char *s, unsigned long *id)
{
	u64 v;

	if (parse_u64(s, &v) || v >= NR_MEMORY_BLOCKS)
		return -EINVAL;
	*id = (unsigned long)v;
	return 0;
}

static int cmd_lsmem(int argc, char **argv)
{
	lsmem_show(shell_printf);
	return 0;
}
SHELL_COMMAND(lsmem, "lsmem", "lsmem", "memory blocks like util-linux lsmem", cmd_lsmem);

/* memory N [online|online_kernel|online_movable|offline|remove] | memory add N [COUNT] */
static int cmd_memory(int argc, char **argv)
{
	char who[32];
	unsigned long id;
	int ret;

	if (argc >= 3 && !strcmp(argv[1], "add")) {
		u64 count = 1;
		if (parse_block(argv[2], &id) || (argc > 3 && (parse_u64(argv[3], &count) || !count)))
			return shell_error("memory add", -EINVAL, "usage: memory add N [COUNT]");
		/* checked before COUNT x MEMORY_BLOCK_SIZE, which could wrap to a smaller range */
		if (count > NR_MEMORY_BLOCKS - id)
			return shell_error("memory add", -EINVAL, "%llu blocks from %lu go past the last block %lu",
					   (unsigned long long)count, id, NR_MEMORY_BLOCKS - 1);
		/* Only RAM can be added: the firmware's memory map (memblock keeps it) is what the shell
		 * trusts. Device memory is added by its driver; anything else has nothing behind it. */
		for (u64 i = 0; i < count; i++)
			if (!memblock_is_memory(PFN_PHYS(block_id_to_pfn(id + i)), MEMORY_BLOCK_SIZE))
				return shell_error("memory add", -EINVAL,
						   "block %llu is not RAM in the firmware's memory map: only removed "
						   "boot memory can be added back (device memory is its driver's)",
						   (unsigned long long)(id + i));
		ret = add_memory(PFN_PHYS(block_id_to_pfn(id)), count * MEMORY_BLOCK_SIZE);
		if (ret)
			return shell_error("memory add", ret, "%s", hotplug_last_error());
		int type = mhp_get_default_online_type();
		for (u64 i = 0; i < count && type != MMOP_OFFLINE; i++) {
			ret = memory_block_online(id + i, type);
			if (ret)
				return shell_error("memory add", ret, "%s", hotplug_last_error());
		}
		return 0;
	}
	if (argc < 2 || argc > 3 || parse_block(argv[1], &id))
		return shell_error("memory", -EINVAL,
				   "usage: memory N [online|online_kernel|online_movable|offline|remove]");
	snprintf(who, sizeof(who), "memory %lu", id);
	if (argc == 2) {
		ret = memory_block_show(id, shell_printf);
		return ret ? shell_error(who, ret, "no memory block %lu", id) : 0;
	}
	if (!strcmp(argv[2], "offline"))
		ret = memory_block_offline(id);
	else if (!strcmp(argv[2], "remove") && memory_block_driver_managed(id))
		return shell_error(who, -EBUSY, "block %lu belongs to a driver (virtio-mem): it removes it",
				   id);
	else if (!strcmp(argv[2], "remove"))
		ret = offline_and_remove_memory(PFN_PHYS(block_id_to_pfn(id)), MEMORY_BLOCK_SIZE);
	else if (mmop_from_string(argv[2]) > MMOP_OFFLINE)
		ret = memory_block_online(id, mmop_from_string(argv[2]));
	else
		return shell_error(who, -EINVAL, "unknown action '%s'", argv[2]);
	return ret ? shell_error(who, ret, "%s", hotplug_last_error()) : 0;
}
SHELL_COMMAND(memory, "memory",
	      "memory N [online|online_kernel|online_movable|offline|remove] | memory add N [COUNT]",
	      "show, online, offline, remove or add memory block N", cmd_memory);

static int parse_size_arg(const char *cmd, const char *s, u64 *bytes)
{
	if (!s || parse_size(s, bytes) || !*bytes)
		return shell_error(cmd, -EINVAL, "bad size '%s' (bytes or with K/M/G)", s ? s : "");
	/* also keeps the rounding up to whole pages from wrapping */
	if (*bytes > (1ULL << MAX_PHYSMEM_BITS))
		return shell_error(cmd, -EINVAL, "size '%s' is more than physical memory can be (2^%d)",
				   s, MAX_PHYSMEM_BITS);
	return 0;
}

static int cmd_workload(int argc, char **argv)
{
	u64 bytes;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "alloc")) {
		if (parse_size_arg("workload alloc", argv[2], &bytes))
			return -EINVAL;
		ret = workload_alloc(bytes);
		if (ret)
			return shell_error("workload alloc", ret, "out of memory (nothing kept)");
		shell_printf("workload alloc: %lu pages in use\n", workload_nr_pages());
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "verify")) {
		struct workload_check c;
		if (workload_verify(&c))
			return shell_error("workload verify", -EIO,
					   "%lu of %lu pages bad, first at pfn 0x%lx", c.bad, c.pages,
					   c.bad_pfn);
		shell_printf("workload verify: ok (%lu pages)\n", c.pages);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "free")) {
		unsigned long n = workload_nr_pages();
		workload_free();
		shell_printf("workload free: %lu pages freed\n", n);
		return 0;
	}
	return shell_error("workload", -EINVAL, "usage: workload alloc SIZE | verify | free");
}
SHELL_COMMAND(workload, "workload", "workload alloc SIZE | verify | free",
	      "movable checksummed pages standing for user memory", cmd_workload);

static int cmd_pin(int argc, char **argv)
{
	u64 bytes;

	unsigned long id = BALLOON_ANY_BLOCK;

	if ((argc == 3 || (argc == 5 && !strcmp(argv[3], "block") && !parse_block(argv[4], &id))) &&
	    !strcmp(argv[1], "alloc")) {
		if (parse_size_arg("pin alloc", argv[2], &bytes))
			return -EINVAL;
		if (id != BALLOON_ANY_BLOCK && !online_section_nr(id))
			return shell_error("pin alloc", -EINVAL, "block %lu is not online", id);
		if (id == BALLOON_ANY_BLOCK ? pin_alloc(bytes) : pin_alloc_block(bytes, id))
			return shell_error("pin alloc", -ENOMEM, "out of memory (nothing kept)");
		shell_printf("pin alloc: %lu pages pinned\n", pin_nr_pages());
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "free")) {
		unsigned long n = pin_nr_pages();
		pin_free();
		shell_printf("pin free: %lu pages freed\n", n);
		return 0;
	}
	return shell_error("pin", -EINVAL, "usage: pin alloc SIZE [block N] | free");
}
SHELL_COMMAND(pin, "pin", "pin alloc SIZE [block N] | free", "unmovable kernel allocations", cmd_pin);

/* balloon inflate SIZE [movable] [block N] | balloon deflate [movable] | balloon */
static int cmd_balloon(int argc, char **argv)
{
	bool movable = false;
	unsigned long block = BALLOON_ANY_BLOCK;
	u64 bytes;
	int i, ret;

	if (argc == 1) {
		shell_printf("balloon: %lu pages (unmovable), %lu pages (movable)\n", balloon_nr_pages(false),
			     balloon_nr_pages(true));
		return 0;
	}
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "movable"))
			movable = true;
		else if (!strcmp(argv[i], "block") && i + 1 < argc && !parse_block(argv[i + 1], &block))
			i++;
		else
			return shell_error("balloon", -EINVAL, "unknown argument '%s'", argv[i]);
	}
	if (argc >= 2 && !strcmp(argv[1], "deflate")) {
		if (argc > 3 || (argc == 3 && strcmp(argv[2], "movable")))
			return shell_error("balloon", -EINVAL, "usage: balloon deflate [movable]");
		movable = argc == 3;
		shell_printf("balloon deflate: %lu pages given back\n", balloon_deflate(movable));
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "inflate"))
		return shell_error("balloon", -EINVAL,
				   "usage: balloon inflate SIZE [movable] [block N] | deflate [movable]");
	if (parse_size_arg("balloon inflate", argv[2], &bytes))
		return -EINVAL;
	ret = balloon_inflate(bytes, movable, block);
	if (ret)
		return shell_error("balloon inflate", ret, "%s",
				   ret == -EINVAL ? "block not online"
						  : "not enough free memory (nothing kept)");
	shell_printf("balloon inflate: %lu pages (%s)\n", balloon_nr_pages(movable),
		     movable ? "movable" : "unmovable");
	return 0;
}
SHELL_COMMAND(balloon, "balloon", "balloon [inflate SIZE [movable] [block N] | deflate [movable]]",
	      "PageOffline pages of a balloon (unmovable, or movable with compaction)", cmd_balloon);

/* offowner unplug N [FIRST COUNT] | plug N [FIRST COUNT] | remove N | offowner [N] */
static int cmd_offowner(int argc, char **argv)
{
	unsigned long id;
	u64 first = 0, count = OFFLINE_OWNER_SUBBLOCKS;
	int ret;

	if (argc == 1 || (argc == 2 && !parse_block(argv[1], &id))) {
		if (argc == 1) {
			shell_printf("offowner: %lu references dropped now\n", offline_owner_dropped_refs());
			return 0;
		}
		shell_printf("offowner: block %lu unplugged sub-blocks 0x%016llx\n", id,
			     (unsigned long long)offline_owner_unplugged(id));
		return 0;
	}
	if (argc < 3 || parse_block(argv[2], &id) ||
	    (argc == 5 && (parse_u64(argv[3], &first) || parse_u64(argv[4], &count))) ||
	    (argc != 3 && argc != 5))
		return shell_error("offowner", -EINVAL,
				   "usage: offowner unplug|plug N [FIRST COUNT] | remove N");
	/* checked here, before the narrowing to unsigned int */
	if (!count || first >= OFFLINE_OWNER_SUBBLOCKS || count > OFFLINE_OWNER_SUBBLOCKS - first)
		return shell_error("offowner", -EINVAL, "sub-blocks %llu +%llu are not within 0-%lu",
				   (unsigned long long)first, (unsigned long long)count,
				   OFFLINE_OWNER_SUBBLOCKS - 1);
	if (!strcmp(argv[1], "unplug"))
		ret = offline_owner_unplug(id, (unsigned int)first, (unsigned int)count);
	else if (!strcmp(argv[1], "plug"))
		ret = offline_owner_plug(id, (unsigned int)first, (unsigned int)count);
	else if (!strcmp(argv[1], "remove") && memory_block_driver_managed(id))
		return shell_error("offowner", -EBUSY,
				   "block %lu belongs to a driver (virtio-mem): it removes it", id);
	else if (!strcmp(argv[1], "remove"))
		ret = offline_owner_remove(id);
	else
		return shell_error("offowner", -EINVAL, "unknown action '%s'", argv[1]);
	if (ret && !strcmp(argv[1], "remove"))
		return shell_error("offowner", ret, "%s", hotplug_last_error());
	if (ret == -EINVAL && !online_section_nr(id))
		return shell_error("offowner", ret, "block %lu is not online", id);
	if (ret == -EINVAL) /* plug of a block the owner holds nothing of */
		return shell_error("offowner", ret, "block %lu has none of those sub-blocks unplugged", id);
	if (ret == -EEXIST)
		return shell_error("offowner", ret, "some of those sub-blocks of block %lu are unplugged already",
				   id);
	if (ret == -ENOSPC)
		return shell_error("offowner", ret, "the owner holds sub-blocks of too many blocks");
	if (ret)
		return shell_error("offowner", ret, "%s (see the log)", errname(ret));
	shell_printf("offowner: block %lu unplugged sub-blocks 0x%016llx\n", id,
		     (unsigned long long)offline_owner_unplugged(id));
	return 0;
}
SHELL_COMMAND(
    offowner, "offowner", "offowner [unplug|plug N [FIRST COUNT] | remove N]",
    "test driver owning PageOffline 2 MiB sub-blocks that agrees to offlining (virtio-mem's pattern)",
    cmd_offowner);

/* peek PHYS: reads 8 bytes through the direct map. Removed memory is unmapped, so peeking at it
 * faults, and the fault report says whose memory it was (INTERFACE.md: exit status 35). */
static int cmd_peek(int argc, char **argv)
{
	u64 pa;

	if (argc != 2 || parse_u64(argv[1], &pa) || (pa & 7) || pa >= (1ULL << MAX_PHYSMEM_BITS))
		return shell_error("peek", -EINVAL, "usage: peek PHYS (8-byte aligned physical address)");
	if (!arch_is_mapped(pa))
		shell_printf("peek: 0x%llx is not mapped: this read faults\n", (unsigned long long)pa);
	shell_printf("peek: 0x%llx = 0x%016llx\n", (unsigned long long)pa,
		     (unsigned long long)*(volatile u64 *)phys_to_virt(pa));
	return 0;
}
SHELL_COMMAND(peek, "peek", "peek PHYS", "read 8 bytes of physical memory (faults on removed memory)",
	      cmd_peek);

/* Shell commands of memory hotplug (INTERFACE.md, docs/HOTPLUG.md): lsmem, memory, peek. */
#include "kernel/errno.h"
#include "kernel/shell.h"
#include "lib/parse.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/memory.h"
#include "mm/memblock.h"
#include "mm/memory_hotplug.h"
#include "mm/sparse.h"
#include "mm_args.h"

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
			return shell_error("memory add", -EINVAL,
					   "%llu blocks from %lu go past the last block %lu", count, id,
					   NR_MEMORY_BLOCKS - 1);
		/* Only RAM can be added: the firmware's memory map (memblock keeps it) is what the shell
		 * trusts. Device memory is added by its driver; anything else has nothing behind it. */
		for (u64 i = 0; i < count; i++)
			if (!memblock_is_memory(PFN_PHYS(block_id_to_pfn(id + i)), MEMORY_BLOCK_SIZE))
				return shell_error(
				    "memory add", -EINVAL,
				    "block %llu is not RAM in the firmware's memory map: only removed "
				    "boot memory can be added back (device memory is its driver's)",
				    (id + i));
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
				   "usage: memory N [online|online_kernel|online_movable|offline|remove] | "
				   "memory add N [COUNT]");
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

/* peek PHYS: reads 8 bytes through the direct map. Removed memory is unmapped, so peeking at it
 * faults, and the fault report says whose memory it was (INTERFACE.md: exit status 35). */
static int cmd_peek(int argc, char **argv)
{
	u64 pa;

	if (argc != 2 || parse_u64(argv[1], &pa) || (pa & 7) || pa >= (1ULL << MAX_PHYSMEM_BITS))
		return shell_error("peek", -EINVAL, "usage: peek PHYS (8-byte aligned physical address)");
	if (!arch_is_mapped(pa))
		shell_printf("peek: 0x%llx is not mapped: this read faults\n", pa);
	shell_printf("peek: 0x%llx = 0x%016llx\n", pa, *(volatile u64 *)phys_to_virt(pa));
	return 0;
}
SHELL_COMMAND(peek, "peek", "peek PHYS", "read 8 bytes of physical memory (faults on removed memory)",
	      cmd_peek);

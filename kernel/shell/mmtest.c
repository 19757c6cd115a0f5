/* Shell commands of the memory manager's test loads (INTERFACE.md, docs/HOTPLUG.md): workload, pin,
 * testballoon (a balloon without a device), and offowner, the agreeing owner of PageOffline sub-blocks. */
#include "kernel/errno.h"
#include "kernel/shell.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "mmtest/offline_owner.h"
#include "mm/memory.h"
#include "mm/memory_hotplug.h"
#include "mmtest/balloon.h"
#include "mmtest/pin.h"
#include "mmtest/vheap_load.h"
#include "mm/vheap.h"
#include "mmtest/workload.h"
#include "mm_args.h"

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

/* testballoon inflate SIZE [movable] [block N] | testballoon deflate [movable] | testballoon: the test
 * load of kernel/mmtest/balloon.c, not the virtio-balloon driver (whose command is `balloon`). */
static int cmd_testballoon(int argc, char **argv)
{
	bool movable = false;
	unsigned long block = BALLOON_ANY_BLOCK;
	u64 bytes;
	int i, ret;

	if (argc == 1) {
		shell_printf("testballoon: %lu pages (unmovable), %lu pages (movable)\n",
			     balloon_nr_pages(false), balloon_nr_pages(true));
		return 0;
	}
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "movable"))
			movable = true;
		else if (!strcmp(argv[i], "block") && i + 1 < argc && !parse_block(argv[i + 1], &block))
			i++;
		else
			return shell_error("testballoon", -EINVAL, "unknown argument '%s'", argv[i]);
	}
	if (argc >= 2 && !strcmp(argv[1], "deflate")) {
		if (argc > 3 || (argc == 3 && strcmp(argv[2], "movable")))
			return shell_error("testballoon", -EINVAL, "usage: testballoon deflate [movable]");
		movable = argc == 3;
		shell_printf("testballoon deflate: %lu pages given back\n", balloon_deflate(movable));
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "inflate"))
		return shell_error("testballoon", -EINVAL,
				   "usage: testballoon inflate SIZE [movable] [block N] | deflate [movable]");
	if (parse_size_arg("testballoon inflate", argv[2], &bytes))
		return -EINVAL;
	ret = balloon_inflate(bytes, movable, block);
	if (ret)
		return shell_error("testballoon inflate", ret, "%s",
				   ret == -EINVAL ? "block not online"
						  : "not enough free memory (nothing kept)");
	shell_printf("testballoon inflate: %lu pages (%s)\n", balloon_nr_pages(movable),
		     movable ? "movable" : "unmovable");
	return 0;
}
SHELL_COMMAND(testballoon, "testballoon",
	      "testballoon [inflate SIZE [movable] [block N] | deflate [movable]]",
	      "test load: a PageOffline balloon without a device (unmovable, or movable)", cmd_testballoon);

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
			     offline_owner_unplugged(id));
		return 0;
	}
	if (argc < 3 || parse_block(argv[2], &id) ||
	    (argc == 5 && (parse_u64(argv[3], &first) || parse_u64(argv[4], &count))) ||
	    (argc != 3 && argc != 5))
		return shell_error("offowner", -EINVAL,
				   "usage: offowner unplug|plug N [FIRST COUNT] | remove N");
	/* checked here, before the narrowing to unsigned int */
	if (!count || first >= OFFLINE_OWNER_SUBBLOCKS || count > OFFLINE_OWNER_SUBBLOCKS - first)
		return shell_error("offowner", -EINVAL, "sub-blocks %llu +%llu are not within 0-%lu", first,
				   count, OFFLINE_OWNER_SUBBLOCKS - 1);
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
	if (ret == -EINVAL && offline_owner_init() == -EINVAL) /* the online-page callback is taken */
		return shell_error("offowner", ret,
				   "virtio-mem holds the online-page callback the offline owner needs; boot "
				   "without the device to try it (make run VMEM=0)");
	if (ret == -EINVAL) /* plug of a block the owner holds nothing of */
		return shell_error("offowner", ret, "block %lu has none of those sub-blocks unplugged", id);
	if (ret == -EEXIST)
		return shell_error("offowner", ret,
				   "some of those sub-blocks of block %lu are unplugged already", id);
	if (ret == -ENOSPC)
		return shell_error("offowner", ret, "the owner holds sub-blocks of too many blocks");
	if (ret)
		return shell_error("offowner", ret, "%s (see the log)", errname(ret));
	shell_printf("offowner: block %lu unplugged sub-blocks 0x%016llx\n", id, offline_owner_unplugged(id));
	return 0;
}
SHELL_COMMAND(
    offowner, "offowner", "offowner [unplug|plug N [FIRST COUNT] | remove N]",
    "test driver owning PageOffline 2 MiB sub-blocks that agrees to offlining (virtio-mem's pattern)",
    cmd_offowner);

#define VHEAPTEST_MAX_SECONDS 3600

static int cmd_vheaptest(int argc, char **argv)
{
	u64 bytes, seconds = 10;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && (parse_u64(argv[2], &seconds) || seconds < 1 || seconds > VHEAPTEST_MAX_SECONDS)))
		return shell_error("vheaptest", -EINVAL,
				   "usage: vheaptest SIZE [SECONDS] (SECONDS 1 to %u, default 10)",
				   VHEAPTEST_MAX_SECONDS);
	if (parse_size_arg("vheaptest", argv[1], &bytes))
		return -EINVAL;
	if (!bytes || bytes > vheap_max_bytes())
		return shell_error("vheaptest", -EINVAL, "SIZE must be 1 byte to %llu bytes",
				   vheap_max_bytes());
	int id = vheap_load_start(bytes, (unsigned)seconds);
	if (id == -EBUSY)
		return shell_error("vheaptest", id, "a vheaptest is running; wait for its result line");
	if (id < 0)
		return shell_error("vheaptest", id, "no thread could be created (see the sched: line)");
	shell_printf("vheaptest: thread %d fills %llu bytes of a vheap and verifies them for %llu s\n", id,
		     bytes, seconds);
	return 0;
}
SHELL_COMMAND(vheaptest, "vheaptest", "vheaptest SIZE [SECONDS]",
	      "a thread fills a movable page-table-mapped heap and verifies it while it may be migrated",
	      cmd_vheaptest);

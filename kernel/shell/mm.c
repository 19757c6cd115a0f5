/* The memory manager's shell commands (kernel only; INTERFACE.md). */
#include "kernel/errno.h"
#include "kernel/shell.h"
#include "lib/parse.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/slab.h"
#include "mmtest/pin.h"
#include "mmtest/workload.h"

static int cmd_meminfo(int argc, char **argv)
{
	/* The test loads count their own pages; meminfo shows them after the core's page kinds. */
	const struct meminfo_line loads[] = {
	    {"Workload:", workload_nr_pages()},
	    {"Pinned:", pin_nr_pages()},
	};

	show_meminfo(shell_printf, loads, ARRAY_SIZE(loads));
	return 0;
}
SHELL_COMMAND(meminfo, "meminfo", "meminfo", "memory totals in kB, like /proc/meminfo", cmd_meminfo);

static int cmd_buddyinfo(int argc, char **argv)
{
	show_buddyinfo(shell_printf);
	return 0;
}
SHELL_COMMAND(buddyinfo, "buddyinfo", "buddyinfo", "free chunks per zone and order, like /proc/buddyinfo",
	      cmd_buddyinfo);

static int cmd_pagetypeinfo(int argc, char **argv)
{
	show_pagetypeinfo(shell_printf);
	return 0;
}
SHELL_COMMAND(pagetypeinfo, "pagetypeinfo", "pagetypeinfo",
	      "free chunks per migrate type and pageblocks per type, like /proc/pagetypeinfo",
	      cmd_pagetypeinfo);

static int cmd_kmallocinfo(int argc, char **argv)
{
	kmalloc_show(shell_printf);
	return 0;
}
SHELL_COMMAND(kmallocinfo, "kmallocinfo", "kmallocinfo", "kmalloc size classes: objects and slab pages",
	      cmd_kmallocinfo);

static int cmd_dump_page(int argc, char **argv)
{
	u64 pfn;

	if (argc != 2 || parse_u64(argv[1], &pfn))
		return shell_error("dump_page", -EINVAL, "usage: dump_page PFN (decimal or 0x...)");
	if (!pfn_valid(pfn))
		return shell_error("dump_page", -EINVAL, "pfn 0x%llx has no struct page", pfn);
	dump_page_to(shell_printf, pfn_to_page(pfn), "dump_page");
	return 0;
}
SHELL_COMMAND(dump_page, "dump_page", "dump_page PFN", "print the struct page of a page frame",
	      cmd_dump_page);

static int cmd_verify(int argc, char **argv)
{
	int n = mm_verify(shell_printf);

	if (n)
		return shell_error("verify", -EINVAL, "%d violations", n);
	shell_printf("verify: ok\n");
	return 0;
}
SHELL_COMMAND(verify, "verify", "verify", "check every invariant of the page allocator", cmd_verify);

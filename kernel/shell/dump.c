/* `dump`: read every page of online memory and checksum it, as a crash-dump tool would, to show that
 * a memory walker that honours PageOffline (walk_readable_pages, mm/walk.h) never touches unplugged
 * virtio-mem sub-blocks: they are unmapped, and a read there would fault. */
#include "kernel/shell.h"
#include "mm/arch.h"
#include "mm/page.h"
#include "mm/walk.h"

/* A 64-bit word sum, 8 bytes at a time (byte loops are slow under TCG). */
static void sum_pages(unsigned long pfn, unsigned long nr, void *arg)
{
	u64 *sum = arg;

	for (unsigned long p = pfn; p < pfn + nr; p++) {
		const u64 *w = phys_to_virt(PFN_PHYS(p));
		u64 s = 0;
		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			s += w[i] ^ (s >> 7);
		*sum = *sum * 31 + s;
	}
}

static int cmd_dump(int argc, char **argv)
{
	struct readable_walk w;
	u64 sum = 0, t0 = arch_now_ns();

	walk_readable_pages(sum_pages, &sum, &w);
	shell_printf("dump: checksummed %lu pages (%lu MiB) of online memory in %llu us: %08x; skipped %lu "
		     "PageOffline and %lu reserved pages\n",
		     w.read, w.read >> (20 - PAGE_SHIFT), ((arch_now_ns() - t0) / 1000),
		     (unsigned)(sum ^ (sum >> 32)), w.offline, w.reserved);
	return 0;
}
SHELL_COMMAND(dump, "dump", "dump", "checksum all online memory like a crash dump (skips PageOffline)",
	      cmd_dump);

/* `dump`: read every page of online memory and checksum it, as a crash-dump tool would, to show that
 * a memory walker that honours PageOffline never touches unplugged virtio-mem sub-blocks (they are
 * unmapped: a read there would fault). Reserved pages (holes, firmware ranges, the kernel's own
 * metadata) are skipped too, as makedumpfile can; free pages are read. */
#include "kernel/errno.h"
#include "kernel/shell.h"
#include "mm/arch.h"
#include "mm/gfp.h"
#include "mm/mmzone.h"
#include "mm/sparse.h"

/* A 64-bit word sum folded to 32 bits, 8 bytes at a time (QEMU-NOTES.md: byte loops are slow). */
static u64 page_sum(const u64 *w)
{
	u64 s = 0;
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		s += w[i] ^ (s >> 7);
	return s;
}

static int cmd_dump(int argc, char **argv)
{
	unsigned long nr, read = 0, offline = 0, reserved = 0;
	u64 sum = 0, t0 = arch_now_ns();

	for_each_present_section_nr(0, nr) {
		struct mem_section *ms = __nr_to_section(nr);
		if (!online_section(ms))
			continue;
		unsigned long base = section_nr_to_pfn(nr);
		for (unsigned long i = 0; i < PAGES_PER_SECTION; i++) {
			const struct page *page = ms->memmap + i;
			/* A lazy-memmap pageblock is one free chunk whose struct pages are not written yet
			 * (mmzone.h): read it all. */
			if (i % pageblock_nr_pages == 0 && pageblock_memmap_lazy(base + i)) {
				for (unsigned long k = 0; k < pageblock_nr_pages; k++)
					sum = sum * 31 + page_sum(phys_to_virt(PFN_PHYS(base + i + k)));
				read += pageblock_nr_pages;
				i += pageblock_nr_pages - 1;
				continue;
			}
			if (PageOffline(page)) {
				offline++;
				continue;
			}
			if (PageReserved(page)) {
				reserved++;
				continue;
			}
			sum = sum * 31 + page_sum(phys_to_virt(PFN_PHYS(base + i)));
			read++;
		}
	}
	shell_printf("dump: checksummed %lu pages (%lu MiB) of online memory in %llu us: %08x; skipped %lu "
		     "PageOffline and %lu reserved pages\n",
		     read, read >> (20 - PAGE_SHIFT), (unsigned long long)((arch_now_ns() - t0) / 1000),
		     (unsigned)(sum ^ (sum >> 32)), offline, reserved);
	return 0;
}
SHELL_COMMAND(dump, "dump", "dump", "checksum all online memory like a crash dump (skips PageOffline)",
	      cmd_dump);

/* BAR decoding and the placement of unassigned memory BARs: pure functions (drivers/pci.h), tested on
 * the host. */
#include "drivers/pci.h"

int pci_bar_decode(u32 val, u32 probe, u32 val_hi, u32 probe_hi, struct pci_bar *bar)
{
	*bar = (struct pci_bar){0};
	if (val & PCI_BASE_ADDRESS_SPACE_IO) {
		u32 mask = probe & ~0x3u;
		if (!mask)
			return 0;
		if (!(mask & 0xffff0000u))
			mask |= 0xffff0000u; /* 16-bit I/O decoders read back zeros above bit 15 */
		bar->flags = PCI_BAR_IO;
		bar->base = val & ~0x3u;
		bar->size = (u32)(~mask + 1);
		return 0;
	}
	bool is64 = (val & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	u64 base = val & ~0xfu, mask = probe & ~0xfu;
	if (is64) {
		base |= (u64)val_hi << 32;
		mask |= (u64)probe_hi << 32;
	} else if (mask) {
		mask |= 0xffffffff00000000ULL;
	}
	if (!mask)
		return is64;
	bar->flags =
	    (is64 ? PCI_BAR_MEM64 : 0) | (val & PCI_BASE_ADDRESS_MEM_PREFETCH ? PCI_BAR_PREFETCH : 0);
	bar->base = base;
	bar->size = ~mask + 1;
	/* A decoder's writable bits are contiguous from the top; anything else is a broken device. */
	if (!IS_POWER_OF_2(bar->size) || (bar->size && (mask & (bar->size - 1))))
		bar->size = 0, bar->flags |= PCI_BAR_BROKEN;
	return is64;
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

u64 pci_place_bar(u64 size, u64 win_start, u64 win_end, const struct pci_range *busy, unsigned nbusy)
{
	if (!IS_POWER_OF_2(size) || win_end <= win_start)
		return 0;
	u64 align = size < 4096 ? 4096 : size;
	u64 at = ALIGN_UP(win_start, align);
	while (at >= win_start && at + size > at && at + size <= win_end) {
		bool clash = false;
		for (unsigned i = 0; i < nbusy && !clash; i++) {
			if (overlaps(at, size, busy[i].start, busy[i].size)) {
				clash = true;
				/* jump past the obstacle */
				u64 next = ALIGN_UP(busy[i].start + busy[i].size, align);
				at = next > at ? next : at + align;
			}
		}
		if (!clash)
			return at;
	}
	return 0;
}

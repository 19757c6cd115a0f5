/* The PCI capability list walk over a configuration space snapshot (contract in drivers/pci.h).
 * Every byte it reads is checked against cfg_len first; a visited bitmap catches loops of any length,
 * and PCI_CAP_MAX bounds the walk even if the bitmap were wrong. */
#include "drivers/pci.h"
#include "kernel/errno.h"
#include "lib/bitmap.h"
#include "kernel/printk.h"

int pci_walk_caps(const u8 *cfg, size_t cfg_len, pci_cap_fn *fn, void *arg, const char *who)
{
	if (cfg_len < PCI_STD_HEADER_SIZEOF) {
		pr_warn("%s: capability list unreadable: configuration space of %zu bytes\n", who, cfg_len);
		return -EINVAL;
	}
	u16 status = (u16)(cfg[PCI_STATUS] | cfg[PCI_STATUS + 1] << 8);
	if (!(status & PCI_STATUS_CAP_LIST))
		return 0;

	u64 visited[BITS_TO_U64(PCI_CFG_SPACE_SIZE / 4)] = {0}; /* one bit per dword */
	u8 pos = cfg[PCI_CAPABILITY_LIST] & 0xfc;
	for (unsigned n = 0; pos; n++) {
		if (pos < PCI_STD_HEADER_SIZEOF) {
			pr_warn("%s: capability list points into the header (0x%02x)\n", who, pos);
			return -EINVAL;
		}
		if ((size_t)pos + 2 > cfg_len) {
			pr_warn("%s: capability list points past the configuration space (0x%02x)\n", who,
				pos);
			return -EINVAL;
		}
		if (test_bit64(visited, pos / 4)) {
			pr_warn("%s: capability list loops at 0x%02x\n", who, pos);
			return -EINVAL;
		}
		if (n == PCI_CAP_MAX) {
			pr_warn("%s: capability list longer than %d entries\n", who, PCI_CAP_MAX);
			return -EINVAL;
		}
		set_bit64(visited, pos / 4);
		int r = fn(cfg, cfg_len, pos, cfg[pos], arg);
		if (r)
			return r;
		pos = cfg[pos + 1] & 0xfc;
	}
	return 0;
}

static int match_id(const u8 *cfg, size_t cfg_len, u8 pos, u8 id, void *arg)
{
	return id == *(const u8 *)arg ? pos : 0;
}

int pci_find_cap_in(const u8 *cfg, size_t cfg_len, u8 id, const char *who)
{
	return pci_walk_caps(cfg, cfg_len, match_id, &id, who);
}

/* Claimed physical address ranges (include/kernel/iomem.h). A flat table filled at boot: a few
 * hundred entries at most, looked up a handful of times (a device probe), so a linear scan does. */
#include "kernel/iomem.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"

static struct iomem_claim claims[IOMEM_MAX_CLAIMS];
static unsigned nr_claims;

int iomem_claim(u64 start, u64 size, const char *fmt, ...)
{
	va_list ap;

	if (size == 0 || start + (size - 1) < start)
		return -EINVAL;
	if (nr_claims == IOMEM_MAX_CLAIMS) {
		char name[IOMEM_NAME_LEN];
		va_start(ap, fmt);
		vscnprintf(name, sizeof(name), fmt, ap);
		va_end(ap);
		pr_err("iomem: table of %d claims full: [mem 0x%llx-0x%llx] %s not recorded\n",
		       IOMEM_MAX_CLAIMS, start, (start + (size - 1)), name);
		return -ENOSPC;
	}
	struct iomem_claim *c = &claims[nr_claims++];
	c->start = start;
	c->end = start + (size - 1);
	va_start(ap, fmt);
	vscnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	return 0;
}

const struct iomem_claim *iomem_find_claim(u64 start, u64 size)
{
	const struct iomem_claim *best = NULL;

	if (size == 0)
		return NULL;
	u64 end = start + (size - 1) < start ? ~0ULL : start + (size - 1);
	for (unsigned i = 0; i < nr_claims; i++) {
		const struct iomem_claim *c = &claims[i];
		if (c->start <= end && start <= c->end && (!best || c->start < best->start))
			best = c;
	}
	return best;
}

unsigned iomem_nr_claims(void)
{
	return nr_claims;
}

const struct iomem_claim *iomem_claim_at(unsigned i)
{
	return i < nr_claims ? &claims[i] : NULL;
}

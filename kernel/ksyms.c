/* Looking up kernel text addresses in the symbol table scripts/ksyms generates (include/kernel/ksyms.h).
 * The table's symbols are weak here: the first of the Makefile's two links has no table, and every
 * lookup then finds nothing. */
#include "kernel/ksyms.h"
#include "lib/printf.h"

extern const unsigned long ksym_count __attribute__((weak));
extern const unsigned long ksym_addr[] __attribute__((weak));
extern const unsigned int ksym_size[] __attribute__((weak));
extern const unsigned int ksym_name[] __attribute__((weak));
extern const char ksym_names[] __attribute__((weak));

/* The symbol containing `in`, described at `addr` (in == addr, or addr - 1 for a return address). */
static const char *describe(u64 in, u64 addr, char *buf, size_t size)
{
	if (!&ksym_count || !ksym_count || in < ksym_addr[0])
		return NULL;
	/* the last symbol at or below addr */
	unsigned long lo = 0, hi = ksym_count;
	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;
		if (ksym_addr[mid] <= in)
			lo = mid;
		else
			hi = mid;
	}
	/* a label without a size reaches to the next symbol; past the last one nothing is known */
	u64 len = ksym_size[lo] ? ksym_size[lo] : lo + 1 < ksym_count ? ksym_addr[lo + 1] - ksym_addr[lo] : 0;
	if (in - ksym_addr[lo] >= len)
		return NULL;
	snprintf(buf, size, "%s+0x%llx/0x%llx", ksym_names + ksym_name[lo], (addr - ksym_addr[lo]), len);
	return buf;
}

const char *ksym_describe(u64 addr, char *buf, size_t size)
{
	return describe(addr, addr, buf, size);
}

const char *ksym_describe_return(u64 ret, char *buf, size_t size)
{
	return describe(ret - 1, ret, buf, size);
}

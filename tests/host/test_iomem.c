/* host-srcs: kernel/iomem.c */
/* The table of claimed physical ranges: overlap at the edges, the lowest claim wins, ranges up to
 * 2^64, empty and wrapping ranges, a full table. */
#include <string.h>

#include "host_test.h"
#include "kernel/errno.h"
#include "kernel/iomem.h"

static void case_claims(void)
{
	REQUIRE(iomem_claim(0x1000, 0x1000, "e820 %s", "reserved") == 0);
	REQUIRE(iomem_claim(0x10000, 0x10000, "PCI 0000:00:03.0 BAR4") == 0);
	REQUIRE(iomem_claim(0x18000, 0x100, "ACPI DSDT") == 0); /* inside the one above */
	CHECK(iomem_nr_claims() == 3);
	const struct iomem_claim *c = iomem_find_claim(0, 0x1000); /* ends just before */
	CHECK(c == NULL);
	c = iomem_find_claim(0, 0x1001);
	CHECK(c && c->start == 0x1000 && c->end == 0x1fff && !strcmp(c->name, "e820 reserved"));
	CHECK(iomem_find_claim(0x1fff, 1) == c && iomem_find_claim(0x2000, 0xe000) == NULL);
	c = iomem_find_claim(0x18000, 1);
	CHECK(c && !strcmp(c->name, "PCI 0000:00:03.0 BAR4")); /* the lower start wins */
	c = iomem_find_claim(0, ~0ULL);
	CHECK(c && c->start == 0x1000);
	CHECK(iomem_find_claim(0x1000, 0) == NULL);
	CHECK(iomem_find_claim(~0ULL - 10, 100) == NULL); /* runs past 2^64: up to the top */
	REQUIRE(iomem_claim(~0ULL - 0xfff, 0x1000, "top") == 0);
	c = iomem_find_claim(~0ULL - 10, 100);
	CHECK(c && !strcmp(c->name, "top") && c->end == ~0ULL);
	CHECK(iomem_claim(0, 0, "empty") == -EINVAL);
	CHECK(iomem_claim(~0ULL, 2, "wraps") == -EINVAL);
	CHECK(iomem_claim_at(0) && !strcmp(iomem_claim_at(0)->name, "e820 reserved") && !iomem_claim_at(4));
	/* a name longer than the table keeps is cut, not overrun */
	char longname[100];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	REQUIRE(iomem_claim(0x100000, 1, "%s", longname) == 0);
	CHECK(strlen(iomem_claim_at(4)->name) == IOMEM_NAME_LEN - 1);
}

static void case_full(void)
{
	unsigned n = iomem_nr_claims();
	for (unsigned i = n; i < IOMEM_MAX_CLAIMS; i++)
		REQUIRE(iomem_claim(0x1000000000ULL + i * 0x1000ULL, 0x1000, "BAR %u", i) == 0);
	host_log_clear();
	CHECK(iomem_claim(0x2000000000ULL, 0x1000, "one too many") == -ENOSPC);
	CHECK(
	    host_log_contains("iomem: table of 640 claims full: [mem 0x2000000000-0x2000000fff] one too many "
			      "not recorded"));
	CHECK(iomem_nr_claims() == IOMEM_MAX_CLAIMS);
}

int main(void)
{
	RUN("iomem", "claims and lookups", case_claims);
	RUN("iomem", "a full table", case_full);
	return test_summary();
}

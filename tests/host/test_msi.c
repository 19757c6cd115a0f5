/* host-srcs: arch/x86_64/msi.c */
/* The MSI vector pool on the host: every vector handed out once, in order, with the message a device
 * writes (fixed delivery to this CPU's APIC ID, data the vector); the pool's end refused with one line;
 * a freed vector reused with its count from 0; dispatch runs the owner's handler and counts, and
 * touches nothing for a vector nobody holds; no local APIC refuses everything. */
#include <string.h>

#include "host_test.h"
#include "kernel/errno.h"
#include "kernel/irq.h"
#include <asm/apic.h>
#include <asm/msi.h>

#define NR (MSI_VECTOR_LAST - MSI_VECTOR_FIRST + 1)

static bool have_lapic = true;
static u32 apic_id = 3;

bool lapic_ready(void)
{
	return have_lapic;
}

u32 lapic_id(void)
{
	return apic_id;
}

static int calls[256];
static void *seen_dev;

static irqreturn_t handler(int v, void *dev)
{
	calls[v & 0xff]++;
	seen_dev = dev;
	return IRQ_HANDLED;
}

static void free_all(void)
{
	for (int v = MSI_VECTOR_FIRST; v <= MSI_VECTOR_LAST; v++)
		free_msi(v);
	memset(calls, 0, sizeof(calls));
}

static void case_pool(void)
{
	free_all();
	CHECK(MSI_VECTOR_FIRST == 0x50 && MSI_VECTOR_LAST == 0xdf);
	/* above the 48 lines' vectors and below the LAPIC timer's */
	CHECK(MSI_VECTOR_FIRST == IRQ_VECTOR_BASE + NR_IRQS && MSI_VECTOR_LAST < LAPIC_TIMER_VECTOR);
	u64 addr = 0;
	u32 data = 0;
	for (int i = 0; i < NR; i++) {
		int v = request_msi(handler, "dev-q", &calls, &addr, &data);
		REQUIRE(v == MSI_VECTOR_FIRST + i);
		CHECK(addr == (0xfee00000ULL | 3u << 12) && data == (u32)v);
		CHECK(msi_name((unsigned)v) && !strcmp(msi_name((unsigned)v), "dev-q"));
	}
	host_log_clear();
	CHECK(request_msi(handler, "one-more", NULL, &addr, &data) == -ENOSPC);
	CHECK(host_log_contains("irq: one-more: no MSI vector left (0x50-0xdf all taken)"));
	/* a freed vector is the next one handed out */
	free_msi(0x61);
	CHECK(msi_name(0x61) == NULL && msi_count(0x61) == 0);
	CHECK(request_msi(handler, "again", NULL, &addr, &data) == 0x61);
	/* what is not an MSI vector is ignored */
	free_msi(0x20);
	free_msi(0xf0);
	free_msi(-1);
	CHECK(msi_name(0x20) == NULL && msi_name(0xf0) == NULL && msi_name(0xff) == NULL);
	free_all();
}

static void case_dispatch(void)
{
	free_all();
	u64 addr;
	u32 data;
	int a = request_msi(handler, "a", (void *)0x1, &addr, &data);
	int b = request_msi(handler, "b", (void *)0x2, &addr, &data);
	REQUIRE(a > 0 && b > 0);
	CHECK(msi_dispatch((unsigned)b) && msi_dispatch((unsigned)b) && msi_dispatch((unsigned)a));
	CHECK(calls[b] == 2 && calls[a] == 1 && seen_dev == (void *)0x1);
	CHECK(msi_count(b) == 2 && msi_count(a) == 1);
	/* nobody's vector, the lines', the timer's: nothing runs */
	CHECK(!msi_dispatch((unsigned)b + 1) && !msi_dispatch(0x2b) && !msi_dispatch(0xf0));
	CHECK(calls[b + 1] == 0);
	/* a new owner of b counts from 0 */
	free_msi(b);
	CHECK(msi_count(b) == 0 && !msi_dispatch((unsigned)b));
	CHECK(request_msi(handler, "c", NULL, &addr, &data) == b && msi_count(b) == 0);
	free_all();
}

static void case_refusals(void)
{
	free_all();
	u64 addr = 0;
	u32 data = 0;
	CHECK(request_msi(NULL, "no handler", NULL, &addr, &data) == -EINVAL);
	have_lapic = false;
	CHECK(request_msi(handler, "no lapic", NULL, &addr, &data) == -ENODEV);
	have_lapic = true;
	CHECK(addr == 0 && data == 0);
	/* the APIC ID goes into bits 12-19 */
	apic_id = 0xab;
	CHECK(request_msi(handler, "id", NULL, &addr, &data) == MSI_VECTOR_FIRST && addr == 0xfeeab000ULL);
	apic_id = 3;
	free_all();
}

int main(void)
{
	RUN("msi", "every vector once, the end refused, a freed one reused", case_pool);
	RUN("msi", "dispatch runs and counts the owner's handler only", case_dispatch);
	RUN("msi", "no handler, no local APIC; the APIC ID in the address", case_refusals);
	return test_summary();
}

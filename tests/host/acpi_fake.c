/* Fake physical memory for the ACPI host tests (see acpi_fake.h). */
#include <stdlib.h>
#include <string.h>

#include "acpi_fake.h"

static u8 *arena;
static void **copies;
static size_t nr_copies, cap_copies;

void fake_mem_reset(void)
{
	if (!arena)
		arena = calloc(1, FAKE_MEM_SIZE);
	memset(arena, 0, FAKE_MEM_SIZE);
	for (size_t i = 0; i < nr_copies; i++)
		free(copies[i]);
	nr_copies = 0;
}

u8 *fake_mem(u64 phys)
{
	if (!arena)
		fake_mem_reset();
	if (phys >= FAKE_MEM_SIZE)
		abort();
	return arena + phys;
}

const void *fake_rd(u64 phys, u64 len)
{
	if (!arena || len == 0 || len > FAKE_MEM_SIZE || phys > FAKE_MEM_SIZE - len)
		return NULL;
	if (nr_copies == cap_copies) {
		cap_copies = cap_copies ? cap_copies * 2 : 64;
		copies = realloc(copies, cap_copies * sizeof(*copies));
	}
	void *c = malloc(len);
	memcpy(c, arena + phys, len);
	copies[nr_copies++] = c;
	return c;
}

void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

void put32(u8 *p, u32 v)
{
	put16(p, (u16)v);
	put16(p + 2, (u16)(v >> 16));
}

void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

void fake_fix_checksum(u8 *p, u32 len, u32 csum_off)
{
	u8 s = 0;
	p[csum_off] = 0;
	for (u32 i = 0; i < len; i++)
		s += p[i];
	p[csum_off] = (u8)(0x100 - s);
}

u32 fake_sdt(u64 phys, const char *sig, u8 rev, const void *body, u32 body_len)
{
	u8 *t = fake_mem(phys);
	u32 len = 36 + body_len;

	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "HOTMEM", 6);
	memcpy(t + 16, "TESTTBL ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "HOST", 4);
	put32(t + 32, 1);
	if (body_len)
		memcpy(t + 36, body, body_len);
	fake_fix_checksum(t, len, 9);
	return len;
}

void fake_rsdp(u64 phys, u8 rev, u32 rsdt, u64 xsdt)
{
	u8 *r = fake_mem(phys);

	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BOCHS ", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	if (rev >= 2) {
		put32(r + 20, 36);
		put64(r + 24, xsdt);
	}
	fake_fix_checksum(r, 20, 8);
	if (rev >= 2)
		fake_fix_checksum(r, 36, 32);
}

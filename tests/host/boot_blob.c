/* Fake physical memory and loader-data builders for the boot_info tests (see boot_blob.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_blob.h"

#define MAX_CHUNKS 8

static struct {
	u64 phys;
	size_t len;
	u8 *bytes;
} chunks[MAX_CHUNKS];
static int nr_chunks;
static u8 *pvh_info_bytes;

void phys_reset(void)
{
	for (int i = 0; i < nr_chunks; i++)
		free(chunks[i].bytes);
	nr_chunks = 0;
	pvh_info_bytes = NULL;
}

void *phys_add(u64 phys, const void *bytes, size_t len)
{
	u8 *p = malloc(len ? len : 1);

	if (!p || nr_chunks == MAX_CHUNKS)
		abort();
	memcpy(p, bytes, len);
	chunks[nr_chunks].phys = phys;
	chunks[nr_chunks].len = len;
	chunks[nr_chunks].bytes = p;
	nr_chunks++;
	return p;
}

const void *phys_read(u64 phys, u64 len)
{
	for (int i = 0; i < nr_chunks; i++) {
		u64 off = phys - chunks[i].phys;

		if (phys >= chunks[i].phys && off <= chunks[i].len && len <= chunks[i].len - off)
			return chunks[i].bytes + off;
	}
	return NULL;
}

u64 pvh_build(u32 version, const struct e820 *map, u32 n, const char *cmdline, u64 rsdp)
{
	u8 info[56] = {0};
	u32 magic = 0x336ec578, w;
	u64 q;

	memcpy(info + 0, &magic, 4);
	memcpy(info + 4, &version, 4);
	q = cmdline ? PVH_CMDLINE_PHYS : 0;
	memcpy(info + 24, &q, 8);
	memcpy(info + 32, &rsdp, 8);
	if (version >= 1) {
		q = PVH_MAP_PHYS;
		memcpy(info + 40, &q, 8);
		memcpy(info + 48, &n, 4);
	}
	pvh_info_bytes = phys_add(PVH_INFO_PHYS, info, version >= 1 ? 56 : 40);
	if (n) {
		u8 *m = calloc(n, 24);

		for (u32 i = 0; i < n; i++) {
			memcpy(m + 24 * i, &map[i].addr, 8);
			memcpy(m + 24 * i + 8, &map[i].size, 8);
			w = map[i].type;
			memcpy(m + 24 * i + 16, &w, 4);
		}
		phys_add(PVH_MAP_PHYS, m, 24 * (size_t)n);
		free(m);
	}
	if (cmdline)
		phys_add(PVH_CMDLINE_PHYS, cmdline, strlen(cmdline) + 1);
	return PVH_INFO_PHYS;
}

void *pvh_info(void)
{
	return pvh_info_bytes;
}

void mb2_begin(struct mb2 *m)
{
	memset(m->buf, 0, sizeof(m->buf));
	m->len = 8;
}

u32 mb2_tag(struct mb2 *m, u32 type, const void *payload, u32 len)
{
	u32 off = m->len, size = 8 + len;

	if (off + ((size + 7) & ~7u) > sizeof(m->buf))
		abort();
	memcpy(m->buf + off, &type, 4);
	memcpy(m->buf + off + 4, &size, 4);
	if (len)
		memcpy(m->buf + off + 8, payload, len);
	m->len = off + ((size + 7) & ~7u);
	return off;
}

u32 mb2_string_tag(struct mb2 *m, u32 type, const char *s)
{
	return mb2_tag(m, type, s, (u32)strlen(s) + 1);
}

u32 mb2_mmap_tag(struct mb2 *m, const struct e820 *map, u32 n, u32 entry_size)
{
	u32 len = 8 + n * entry_size;
	u8 *p = calloc(1, len);
	u32 version = 0, off;

	memcpy(p, &entry_size, 4);
	memcpy(p + 4, &version, 4);
	for (u32 i = 0; i < n; i++) {
		memcpy(p + 8 + i * entry_size, &map[i].addr, 8);
		memcpy(p + 8 + i * entry_size + 8, &map[i].size, 8);
		memcpy(p + 8 + i * entry_size + 16, &map[i].type, 4);
	}
	off = mb2_tag(m, 6, p, len);
	free(p);
	return off;
}

void mb2_finish(struct mb2 *m)
{
	mb2_tag(m, 0, NULL, 0);
	memcpy(m->buf, &m->len, 4);
}

u64 mb2_place(const struct mb2 *m, u64 phys, u32 len)
{
	phys_add(phys, m->buf, len ? len : m->len);
	return phys;
}

void print_map(const char *name, const struct boot_info *bi)
{
	printf("INFO: boot_info: %s: %u regions\n", name, bi->nr_regions);
	for (u32 i = 0; i < bi->nr_regions; i++)
		printf("INFO:   [0x%016llx-0x%016llx) type %u\n", bi->regions[i].start,
		       (bi->regions[i].start + bi->regions[i].size), bi->regions[i].type);
}

bool map_equals(const struct boot_info *bi, const struct e820 *want, u32 n)
{
	bool ok = bi->nr_regions == n;

	for (u32 i = 0; ok && i < n; i++)
		ok = bi->regions[i].start == want[i].addr && bi->regions[i].size == want[i].size &&
		     bi->regions[i].type == want[i].type;
	if (!ok) {
		print_map("got", bi);
		printf("INFO: boot_info: wanted %u regions\n", n);
		for (u32 i = 0; i < n; i++)
			printf("INFO:   [0x%016llx-0x%016llx) type %u\n", want[i].addr,
			       (want[i].addr + want[i].size), want[i].type);
	}
	return ok;
}

/* The memory map rules shared by every boot path: loader entries are collected raw, then cut at every
 * boundary, each piece typed by the most restrictive entry covering it, neighbours of one type merged,
 * and the result checked (some usable RAM, the kernel image inside it). */
#include "kernel/boot_info.h"
#include "kernel/errno.h"
#include "lib/printf.h"
#include "boot_memmap.h"

#define HEX(x) ((x))

int boot_fail(char *why, size_t why_len, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* ---- the raw memory map, before normalization ---- */

static struct mem_region raw_map[BOOT_MAX_RAW];
static u32 nr_raw;

void boot_memmap_begin(void)
{
	nr_raw = 0;
}

static u32 mem_type_from_e820(u32 t)
{
	return t >= MEM_USABLE && t <= MEM_BAD ? t : MEM_RESERVED;
}

int boot_memmap_add(u64 start, u64 size, u32 e820_type, char *why, size_t why_len)
{
	if (!size)
		return 0;
	if (size > UINT64_MAX - start)
		return boot_fail(
		    why, why_len, -EINVAL,
		    "memory map entry at 0x%llx of size 0x%llx runs past the end of the address space",
		    HEX(start), HEX(size));
	if (nr_raw == BOOT_MAX_RAW)
		return boot_fail(why, why_len, -E2BIG, "memory map has more than %u entries", BOOT_MAX_RAW);
	raw_map[nr_raw++] = (struct mem_region){start, size, mem_type_from_e820(e820_type)};
	return 0;
}

/* ---- normalization ---- */

/* How restrictive a type is: where entries overlap the highest rank wins, so RAM that is also listed
 * as anything else is not RAM. */
static int type_rank(u32 type)
{
	switch (type) {
	case MEM_USABLE:
		return 0;
	case MEM_ACPI_RECLAIM:
		return 1;
	case MEM_ACPI_NVS:
		return 2;
	case MEM_RESERVED:
		return 3;
	default: /* MEM_BAD */
		return 4;
	}
}

static void sort_u64(u64 *a, u32 n)
{
	/* Shell sort: no recursion, no allocation, fast enough for a thousand boundaries. */
	for (u32 gap = n / 2; gap; gap /= 2)
		for (u32 i = gap; i < n; i++)
			for (u32 j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
				u64 t = a[j];

				a[j] = a[j - gap];
				a[j - gap] = t;
			}
}

/* Rebuilds bi->regions from raw_map[0..nr_raw): every boundary of every entry cuts the address space
 * into pieces; each piece takes the most restrictive type of the entries covering it (none: a hole);
 * neighbouring pieces of one type merge. Needs each entry non-empty and not wrapping (boot_memmap_add). */
static int normalize_raw(struct boot_info *bi, char *why, size_t why_len)
{
	static u64 cut[2 * BOOT_MAX_RAW];
	u32 nr_cut = 0, n = 0;

	for (u32 i = 0; i < nr_raw; i++) {
		cut[nr_cut++] = raw_map[i].start;
		cut[nr_cut++] = raw_map[i].start + raw_map[i].size;
	}
	sort_u64(cut, nr_cut);

	for (u32 c = 0; c + 1 < nr_cut; c++) {
		u64 a = cut[c], b = cut[c + 1];
		int best = -1;
		u32 type = 0;

		if (a == b)
			continue;
		for (u32 i = 0; i < nr_raw; i++) {
			const struct mem_region *r = &raw_map[i];

			if (r->start <= a && a < r->start + r->size && type_rank(r->type) > best) {
				best = type_rank(r->type);
				type = r->type;
			}
		}
		if (best < 0)
			continue; /* a hole */
		if (n && bi->regions[n - 1].type == type &&
		    bi->regions[n - 1].start + bi->regions[n - 1].size == a) {
			bi->regions[n - 1].size += b - a;
			continue;
		}
		if (n == BOOT_MAX_REGIONS)
			return boot_fail(why, why_len, -E2BIG,
					 "memory map has more than %u regions after merging (region %u would "
					 "start at 0x%llx)",
					 BOOT_MAX_REGIONS, BOOT_MAX_REGIONS + 1, HEX(a));
		bi->regions[n++] = (struct mem_region){a, b - a, type};
	}
	bi->nr_regions = n;
	return 0;
}

int boot_info_normalize(struct boot_info *bi, char *why, size_t why_len)
{
	int err;

	if (bi->nr_regions > BOOT_MAX_REGIONS)
		return boot_fail(why, why_len, -E2BIG, "memory map claims %u regions, more than %u",
				 bi->nr_regions, BOOT_MAX_REGIONS);
	nr_raw = 0;
	for (u32 i = 0; i < bi->nr_regions; i++) {
		const struct mem_region *r = &bi->regions[i];

		err = boot_memmap_add(r->start, r->size, r->type, why, why_len);
		if (err)
			return err;
	}
	err = normalize_raw(bi, why, why_len);
	if (err)
		return err;
	if (!boot_info_usable_bytes(bi))
		return boot_fail(why, why_len, -EINVAL, "memory map has no usable RAM (%u regions)",
				 bi->nr_regions);
	return 0;
}

const char *boot_mem_type_name(u32 type)
{
	switch (type) {
	case MEM_USABLE:
		return "usable";
	case MEM_ACPI_RECLAIM:
		return "ACPI data";
	case MEM_ACPI_NVS:
		return "ACPI NVS";
	case MEM_BAD:
		return "unusable";
	default:
		return "reserved";
	}
}

/* Checks that [kernel_start, kernel_end) lies in one usable region (it is skipped while both are 0). */
static int check_kernel_image(const struct boot_info *bi, char *why, size_t why_len)
{
	u64 ks = bi->kernel_start, ke = bi->kernel_end, at = ks;

	if (!ks && !ke)
		return 0;
	if (ke <= ks)
		return boot_fail(why, why_len, -EINVAL, "kernel image [0x%llx-0x%llx) is empty or inverted",
				 HEX(ks), HEX(ke));
	for (u32 i = 0; i < bi->nr_regions; i++) {
		const struct mem_region *r = &bi->regions[i];
		u64 end = r->start + r->size;

		if (end <= at)
			continue;
		if (r->start > at) /* a hole below r */
			return boot_fail(
			    why, why_len, -EINVAL,
			    "kernel image [0x%llx-0x%llx) is not in usable RAM: the map has a hole at "
			    "[0x%llx-0x%llx)",
			    HEX(ks), HEX(ke), HEX(at), HEX(min(r->start, ke)));
		if (r->type != MEM_USABLE)
			return boot_fail(why, why_len, -EINVAL,
					 "kernel image [0x%llx-0x%llx) is not in usable RAM: it overlaps %s "
					 "[0x%llx-0x%llx)",
					 HEX(ks), HEX(ke), boot_mem_type_name(r->type), HEX(r->start),
					 HEX(end));
		if (end >= ke)
			return 0;
		at = end;
	}
	return boot_fail(why, why_len, -EINVAL,
			 "kernel image [0x%llx-0x%llx) is not in usable RAM: the map ends before 0x%llx",
			 HEX(ks), HEX(ke), HEX(at));
}

int boot_memmap_finish(struct boot_info *bi, char *why, size_t why_len)
{
	int err = normalize_raw(bi, why, why_len);

	if (err)
		return err;
	if (!boot_info_usable_bytes(bi))
		return boot_fail(why, why_len, -EINVAL,
				 "memory map has no usable RAM (%u entries, %u regions)", nr_raw,
				 bi->nr_regions);
	return check_kernel_image(bi, why, why_len);
}

u64 boot_info_usable_bytes(const struct boot_info *bi)
{
	u64 sum = 0;

	for (u32 i = 0; i < bi->nr_regions; i++)
		if (bi->regions[i].type == MEM_USABLE)
			sum += bi->regions[i].size;
	return sum;
}

/* virtio-mmio transports in the DSDT: `Device (xxxx) { Name (_HID, "LNRO0005") ... Name (_CRS,
 * ResourceTemplate () { Memory32Fixed (...) Interrupt (...) }) }` as QEMU's microvm writes it (contract
 * in drivers/acpi.h). A bounded byte scanner, not an AML interpreter: every read is checked against
 * the table's end first, and a device whose bytes do not fit the pattern is skipped with one line. */
#include "drivers/acpi.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define AML_NAME_OP	  0x08
#define AML_STRING_PREFIX 0x0d
#define AML_BUFFER_OP	  0x11
#define AML_EXT_PREFIX	  0x5b
#define AML_DEVICE_OP	  0x82
#define AML_BYTE_PREFIX	  0x0a
#define AML_WORD_PREFIX	  0x0b
#define AML_DWORD_PREFIX  0x0c

#define RES_LARGE	   0x80
#define RES_MEMORY32_FIXED 0x06 /* large, 9 bytes: info, base, length */
#define RES_EXT_IRQ	   0x09 /* large: flags, count, count x u32 */
#define RES_SMALL_IRQ	   0x04 /* small, 2 or 3 bytes: a mask of ISA lines */
#define RES_SMALL_END	   0x0f

static const u8 hid_pattern[] = {AML_NAME_OP, '_', 'H', 'I', 'D', AML_STRING_PREFIX, 'L', 'N', 'R', 'O',
				 '0',	      '0', '0', '5', 0};
static const u8 crs_pattern[] = {AML_NAME_OP, '_', 'C', 'R', 'S', AML_BUFFER_OP};

static u32 rd32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* A PkgLength at aml[pos]: its value (which counts its own bytes) into *plen; the number of its bytes,
 * or 0 when it does not fit before `end`. */
static u32 pkg_length(const u8 *aml, u32 pos, u32 end, u32 *plen)
{
	if (pos >= end)
		return 0;
	u32 extra = aml[pos] >> 6;
	if (pos + 1 + extra > end)
		return 0;
	if (!extra) {
		*plen = aml[pos] & 0x3f;
		return 1;
	}
	u32 v = aml[pos] & 0x0f;
	for (u32 i = 0; i < extra; i++)
		v |= (u32)aml[pos + 1 + i] << (4 + 8 * i);
	*plen = v;
	return 1 + extra;
}

/* The first occurrence of pat in aml[from, end), or end. */
static u32 find(const u8 *aml, u32 from, u32 end, const u8 *pat, u32 n)
{
	for (u32 i = from; i + n <= end && i + n > i; i++)
		if (!memcmp(aml + i, pat, n))
			return i;
	return end;
}

/* The resources of a _CRS buffer's bytes [p, end): the first Memory32Fixed window and interrupt.
 * Returns NULL, or what is wrong. */
static const char *parse_crs(const u8 *aml, u32 p, u32 end, struct acpi_mmio_dev *d)
{
	bool have_mem = false, have_irq = false;
	while (p < end) {
		u8 tag = aml[p];
		if (tag & RES_LARGE) {
			if (p + 3 > end)
				return "a resource descriptor runs past the buffer";
			u32 dlen = aml[p + 1] | (u32)aml[p + 2] << 8;
			const u8 *b = aml + p + 3;
			if (p + 3 + dlen > end)
				return "a resource descriptor runs past the buffer";
			if ((tag & 0x7f) == RES_MEMORY32_FIXED && !have_mem) {
				if (dlen != 9)
					return "a Memory32Fixed descriptor of the wrong length";
				d->base = rd32(b + 1);
				d->size = rd32(b + 5);
				have_mem = true;
			} else if ((tag & 0x7f) == RES_EXT_IRQ && !have_irq) {
				if (dlen < 6 || b[1] == 0 || 2 + 4u * b[1] > dlen)
					return "an Interrupt descriptor without an interrupt";
				d->irq = rd32(b + 2);
				d->edge = b[0] & 0x2;	    /* Interrupt Mode: 1 edge, 0 level */
				d->active_low = b[0] & 0x4; /* Interrupt Polarity: 1 active low */
				have_irq = true;
			}
			p += 3 + dlen;
			continue;
		}
		u32 type = (tag >> 3) & 0x0f, dlen = tag & 7;
		if (type == RES_SMALL_END)
			break;
		if (p + 1 + dlen > end)
			return "a resource descriptor runs past the buffer";
		if (type == RES_SMALL_IRQ && !have_irq && dlen >= 2) {
			u32 mask = aml[p + 1] | (u32)aml[p + 2] << 8;
			u8 info = dlen >= 3 ? aml[p + 3] : 0x1; /* no flags byte: edge, active high */
			for (u32 i = 0; i < 16 && !have_irq; i++)
				if (mask & (1u << i))
					d->irq = i, have_irq = true;
			d->edge = info & 0x1;	    /* _HE */
			d->active_low = info & 0x8; /* _LL */
		}
		p += 1 + dlen;
	}
	if (!have_mem)
		return "no Memory32Fixed window";
	if (!have_irq)
		return "no interrupt";
	if (!d->size || !d->irq)
		return "a window of size 0 or interrupt 0";
	return NULL;
}

/* The device whose body is aml[body, end): NULL when it is not a virtio-mmio transport (no LNRO0005
 * _HID before a nested Device), else NULL with *d filled, or what is wrong with it. *is_mmio says
 * which. */
static const char *parse_device(const u8 *aml, u32 body, u32 end, struct acpi_mmio_dev *d, bool *is_mmio)
{
	static const u8 nested[] = {AML_EXT_PREFIX, AML_DEVICE_OP};
	u32 own_end = find(aml, body, end, nested, sizeof(nested));
	u32 hid = find(aml, body, own_end, hid_pattern, sizeof(hid_pattern));
	*is_mmio = hid < own_end;
	if (!*is_mmio)
		return NULL;
	u32 crs = find(aml, body, own_end, crs_pattern, sizeof(crs_pattern));
	if (crs >= own_end)
		return "no _CRS buffer";
	u32 p = crs + sizeof(crs_pattern), plen, nb = pkg_length(aml, p, own_end, &plen);
	if (!nb || plen < nb || p + plen > own_end)
		return "its _CRS buffer runs past the device";
	u32 buf_end = p + plen, q = p + nb, size;
	if (q + 2 <= buf_end && aml[q] == AML_BYTE_PREFIX)
		size = aml[q + 1], q += 2;
	else if (q + 3 <= buf_end && aml[q] == AML_WORD_PREFIX)
		size = aml[q + 1] | (u32)aml[q + 2] << 8, q += 3;
	else if (q + 5 <= buf_end && aml[q] == AML_DWORD_PREFIX)
		size = rd32(aml + q + 1), q += 5;
	else
		return "its _CRS buffer has no size";
	if (size > buf_end - q)
		return "its _CRS buffer is shorter than its size";
	return parse_crs(aml, q, q + size, d);
}

int acpi_find_virtio_mmio(const u8 *aml, u32 len, struct acpi_mmio_dev *out, unsigned max)
{
	unsigned n = 0;
	for (u32 i = 0; i + 2 < len; i++) {
		if (aml[i] != AML_EXT_PREFIX || aml[i + 1] != AML_DEVICE_OP)
			continue;
		u32 plen, nb = pkg_length(aml, i + 2, len, &plen);
		if (!nb || plen < nb || plen > len - (i + 2))
			continue; /* not a Device, or one that does not fit: the bytes were data */
		u32 body = i + 2 + nb, end = i + 2 + plen;
		struct acpi_mmio_dev d = {0};
		for (u32 k = 0; k < 4; k++) /* a plain NameSeg; anything else shows as '?' */
			d.name[k] = body + k < end && ((aml[body + k] >= 'A' && aml[body + k] <= 'Z') ||
						       (aml[body + k] >= '0' && aml[body + k] <= '9') ||
						       aml[body + k] == '_')
					? (char)aml[body + k]
					: '?';
		bool is_mmio;
		const char *why = parse_device(aml, body, end, &d, &is_mmio);
		if (!is_mmio)
			continue;
		if (why) {
			pr_warn("acpi: DSDT device %s (LNRO0005, virtio-mmio): %s; ignored\n", d.name, why);
			continue;
		}
		if (n == max) {
			pr_warn("acpi: DSDT lists more than %u virtio-mmio devices; keeping the first %u\n",
				max, max);
			break;
		}
		out[n++] = d;
	}
	return (int)n;
}

/* The one piece of AML hotmem reads: `Name (_S5_, Package () { SLP_TYPa, SLP_TYPb, ... })`.
 * Encoding (ACPI 6.5, 20.2): DefName := NameOp(0x08) NameString DataRefObject;
 * DefPackage := PackageOp(0x12) PkgLength NumElements(byte) PackageElementList. A PkgLength's lead
 * byte holds in bits 7..6 the count of bytes that follow; with none, bits 5..0 are the length, else
 * bits 3..0 are its low nibble and each following byte adds 8 higher bits. The length counts itself
 * and everything after it in the package. Pure C, every read bounded by `len`. */
#include "drivers/acpi.h"
#include "kernel/errno.h"

#define AML_ZERO_OP	 0x00
#define AML_ONE_OP	 0x01
#define AML_NAME_OP	 0x08
#define AML_BYTE_PREFIX	 0x0a
#define AML_WORD_PREFIX	 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define AML_PACKAGE_OP	 0x12
#define AML_ROOT_CHAR	 0x5c /* '\' */
#define AML_ONES_OP	 0xff

/* Decode one integer element at aml[*pos] (pos < end). Returns 0 and advances *pos, or -EINVAL. */
static int aml_int(const u8 *aml, u32 end, u32 *pos, u64 *val)
{
	u32 p = *pos, n;

	switch (aml[p]) {
	case AML_ZERO_OP:
		*val = 0;
		*pos = p + 1;
		return 0;
	case AML_ONE_OP:
		*val = 1;
		*pos = p + 1;
		return 0;
	case AML_ONES_OP:
		*val = ~0ULL;
		*pos = p + 1;
		return 0;
	case AML_BYTE_PREFIX:
		n = 1;
		break;
	case AML_WORD_PREFIX:
		n = 2;
		break;
	case AML_DWORD_PREFIX:
		n = 4;
		break;
	case AML_QWORD_PREFIX:
		n = 8;
		break;
	default:
		return -EINVAL;
	}
	if (end - p - 1 < n)
		return -EINVAL;
	*val = 0;
	for (u32 i = 0; i < n; i++)
		*val |= (u64)aml[p + 1 + i] << (8 * i);
	*pos = p + 1 + n;
	return 0;
}

/* Decode the package that starts with PackageOp at aml[pos]. */
static int parse_s5_package(const u8 *aml, u32 len, u32 pos, u8 *typa, u8 *typb)
{
	if (pos + 2 > len || aml[pos] != AML_PACKAGE_OP)
		return -EINVAL;
	u32 p = pos + 1;
	u8 lead = aml[p];
	u32 follow = lead >> 6;
	u32 pkglen;

	if (follow == 0) {
		pkglen = lead & 0x3f;
	} else {
		if (lead & 0x30) /* bits 5..4 must be zero in a multi-byte PkgLength */
			return -EINVAL;
		if (p + 1 + follow > len)
			return -EINVAL;
		pkglen = lead & 0x0f;
		for (u32 i = 0; i < follow; i++)
			pkglen |= (u32)aml[p + 1 + i] << (4 + 8 * i);
	}
	/* The package ends pkglen bytes after the start of PkgLength; it must fit in the table. */
	if (pkglen < follow + 2 || pkglen > len - p)
		return -EINVAL;
	u32 end = p + pkglen;
	p += 1 + follow;
	u32 nelem = aml[p++];
	if (nelem < 1 || p >= end)
		return -EINVAL;

	u64 a, b;
	if (aml_int(aml, end, &p, &a))
		return -EINVAL;
	b = a;
	if (nelem >= 2 && p < end && aml_int(aml, end, &p, &b))
		return -EINVAL;
	*typa = (u8)(a & 7);
	*typb = (u8)(b & 7);
	return 0;
}

int acpi_find_s5(const u8 *aml, u32 len, u8 *typa, u8 *typb)
{
	int err = -ENOENT;

	for (u32 i = 1; i + 4 <= len; i++) {
		if (aml[i] != '_' || aml[i + 1] != 'S' || aml[i + 2] != '5' || aml[i + 3] != '_')
			continue;
		/* Only a definition counts: NameOp, then the name, possibly rooted ("\_S5_"). */
		bool is_name = aml[i - 1] == AML_NAME_OP ||
			       (i >= 2 && aml[i - 1] == AML_ROOT_CHAR && aml[i - 2] == AML_NAME_OP);
		if (!is_name)
			continue;
		err = parse_s5_package(aml, len, i + 4, typa, typb);
		if (!err)
			return 0;
	}
	return err;
}

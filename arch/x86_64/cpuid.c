/* The CPU's physical address width from CPUID (asm/cpuid.h, kernel/arch.h). */
#include "kernel/arch.h"
#include <asm/cpuid.h>
#include <asm/io.h>

unsigned x86_phys_bits_decode(u32 max_ext_leaf, u32 eax_80000008, u32 edx_1)
{
	/* A hypervisor may hide the leaf (QEMU's xlevel below 0x80000008) or leave it 0. */
	unsigned bits = max_ext_leaf >= 0x80000008 && max_ext_leaf <= 0x8000ffff ? eax_80000008 & 0xff : 0;
	if (bits)
		return bits;
	return edx_1 & (X86_FEATURE_PAE_EDX | X86_FEATURE_PSE36_EDX) ? 36 : 32;
}

unsigned arch_phys_addr_bits(void)
{
	static unsigned bits;
	u32 a, b, c, d, max_ext, eax8 = 0;

	if (bits)
		return bits;
	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000008 && max_ext <= 0x8000ffff)
		cpuid(0x80000008, 0, &eax8, &b, &c, &d);
	cpuid(1, 0, &a, &b, &c, &d);
	bits = x86_phys_bits_decode(max_ext, eax8, d);
	return bits;
}

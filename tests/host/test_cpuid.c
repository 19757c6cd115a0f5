/* host-srcs: arch/x86_64/cpuid.c arch/x86_64/tsc_calib.c */
/* The physical address width decoded from CPUID answers: the leaf that says it, CPUs (or hypervisors,
 * QEMU's xlevel) without that leaf, and a leaf that says 0; the TSC frequency from leaves 0x15 and
 * 0x16, with the leaves missing, a ratio of 0, no crystal, and answers out of range. */
#include "host_test.h"
#include "kernel/arch.h"
#include <asm/cpuid.h>
#include <asm/tsc_calib.h>

static void case_decode(void)
{
	const u32 pae = X86_FEATURE_PAE_EDX, pse36 = X86_FEATURE_PSE36_EDX;
	/* QEMU TCG qemu64 (phys-bits 40), a host with 46 bits, QEMU phys-bits=36 */
	CHECK(x86_phys_bits_decode(0x8000000a, 0x3028, pae) == 40);
	CHECK(x86_phys_bits_decode(0x80000008, 0x302e, pae) == 46);
	CHECK(x86_phys_bits_decode(0x8000000a, 0x3024, pae) == 36);
	/* no leaf 0x80000008 (-cpu qemu64,xlevel=0x80000007): what the architecture says */
	CHECK(x86_phys_bits_decode(0x80000007, 0x3028, pae) == 36);
	CHECK(x86_phys_bits_decode(0x80000007, 0, pse36) == 36);
	CHECK(x86_phys_bits_decode(0x80000004, 0, 0) == 32);
	/* no extended leaves at all: leaf 0x80000000 answers with basic-leaf data */
	CHECK(x86_phys_bits_decode(0x0000000d, 0x3028, pae) == 36);
	/* the leaf exists but says 0 */
	CHECK(x86_phys_bits_decode(0x80000008, 0x3000, pae) == 36);
}

static void case_this_cpu(void)
{
	unsigned bits = arch_phys_addr_bits();
	printf("INFO: cpuid: this CPU has %u physical address bits\n", bits);
	CHECK(bits >= 32 && bits <= 52);
	CHECK(arch_phys_addr_bits() == bits);
}

static void case_tsc_leaves(void)
{
	enum tsc_source src = TSC_SRC_ASSUMED;
	/* Skylake-like: crystal 24 MHz, ratio 250/2 → 3 GHz */
	CHECK(tsc_hz_from_cpuid(0x16, 2, 250, 24000000, 3000, &src) == 3000000000ULL);
	CHECK(src == TSC_SRC_CPUID_15);
	/* a ratio that does not divide the crystal: 25 MHz x 188/3 = 1566.666666 MHz, exactly floored */
	CHECK(tsc_hz_from_cpuid(0x15, 3, 188, 25000000, 0, &src) == 1566666666ULL);
	/* the largest factors do not overflow: (2^32-1) x (2^32-1) / (2^32-1) */
	src = TSC_SRC_ASSUMED;
	CHECK(tsc_hz_from_cpuid(0x15, 0xffffffff, 0xffffffff, 0xffffffff, 0, &src) == 0xffffffffULL);
	CHECK(src == TSC_SRC_CPUID_15);
	/* no crystal: leaf 0x16's base MHz (bits 15:0 only) */
	src = TSC_SRC_ASSUMED;
	CHECK(tsc_hz_from_cpuid(0x16, 2, 176, 0, 0xabcd0000 | 2200, &src) == 2200000000ULL);
	CHECK(src == TSC_SRC_CPUID_16);
	/* no crystal and no leaf 0x16, or a base of 0 */
	src = TSC_SRC_ASSUMED;
	CHECK(tsc_hz_from_cpuid(0x15, 2, 176, 0, 2200, &src) == 0);
	CHECK(tsc_hz_from_cpuid(0x16, 2, 176, 0, 0, &src) == 0);
	/* the leaf is missing (QEMU's qemu64 stops at 0xd), or does not know the ratio */
	CHECK(tsc_hz_from_cpuid(0xd, 2, 250, 24000000, 3000, &src) == 0);
	CHECK(tsc_hz_from_cpuid(0x16, 0, 250, 24000000, 3000, &src) == 0);
	CHECK(tsc_hz_from_cpuid(0x16, 2, 0, 24000000, 3000, &src) == 0);
	/* answers out of range: 1 Hz x 1/2, and 4 GHz x 1000/1 */
	CHECK(tsc_hz_from_cpuid(0x15, 2, 1, 1, 0, &src) == 0);
	CHECK(tsc_hz_from_cpuid(0x15, 1, 1000, 4000000000u, 0, &src) == 0);
	CHECK(src == TSC_SRC_ASSUMED);
}

int main(void)
{
	RUN("cpuid", "physical address bits decoded", case_decode);
	RUN("cpuid", "physical address bits of this CPU", case_this_cpu);
	RUN("cpuid", "TSC frequency from leaves 0x15 and 0x16", case_tsc_leaves);
	return test_summary();
}

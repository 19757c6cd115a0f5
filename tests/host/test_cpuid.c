/* host-srcs: arch/x86_64/cpuid.c */
/* The physical address width decoded from CPUID answers: the leaf that says it, CPUs (or hypervisors,
 * QEMU's xlevel) without that leaf, and a leaf that says 0. */
#include "host_test.h"
#include "kernel/arch.h"
#include <asm/cpuid.h>

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

int main(void)
{
	RUN("cpuid", "physical address bits decoded", case_decode);
	RUN("cpuid", "physical address bits of this CPU", case_this_cpu);
	return test_summary();
}

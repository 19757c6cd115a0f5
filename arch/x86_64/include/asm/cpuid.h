/* CPUID answers decoded (arch/x86_64/cpuid.c). The decoding is pure so the host tests feed it the
 * answers of CPUs that have, or lack, each leaf. */
#ifndef ASM_CPUID_H
#define ASM_CPUID_H

#include "kernel/types.h"

#define X86_FEATURE_PAE_EDX   (1u << 6)	 /* CPUID 1 EDX */
#define X86_FEATURE_PSE36_EDX (1u << 17) /* CPUID 1 EDX */

/* Physical address bits from CPUID: max_ext_leaf is EAX of leaf 0x80000000, eax_80000008 EAX of leaf
 * 0x80000008 (read only when max_ext_leaf reaches it), edx_1 EDX of leaf 1. EAX[7:0] of 0x80000008
 * when the leaf exists and says something; otherwise what the architecture defines for a CPU without
 * it: 36 with PAE or PSE-36, else 32. */
unsigned x86_phys_bits_decode(u32 max_ext_leaf, u32 eax_80000008, u32 edx_1);

#endif

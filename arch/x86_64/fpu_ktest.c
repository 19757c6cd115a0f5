/* The in-kernel test of the FPU/SSE save on interrupt entry (isr.asm): an interrupt whose handler
 * changes every XMM register must leave the interrupted code's XMM registers as they were. Without the
 * fxsave/fxrstor in isr_common the registers come back zeroed. */
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include <asm/apic.h>

static volatile unsigned clobbers;

/* The kernel is built with -mgeneral-regs-only, so gcc keeps nothing in XMM registers: changing them
 * here without naming them as clobbers is safe, and is the point. */
static irqreturn_t clobber_xmm(int vector, void *dev)
{
	__asm__ __volatile__("pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm2, %%xmm2\n\t"
			     "pxor %%xmm3, %%xmm3\n\tpxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
			     "pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\tpxor %%xmm8, %%xmm8\n\t"
			     "pxor %%xmm9, %%xmm9\n\tpxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"
			     "pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\tpxor %%xmm14, %%xmm14\n\t"
			     "pxor %%xmm15, %%xmm15" ::
				 : "memory");
	clobbers++;
	return IRQ_HANDLED;
}

#define XMM_LOAD(n)  "movdqu " #n "*16(%[in]), %%xmm" #n "\n\t"
#define XMM_STORE(n) "movdqu %%xmm" #n ", " #n "*16(%[out])\n\t"

KTEST(fpu, interrupt_keeps_xmm_registers)
{
	static u64 in[32], out[32];
	u64 addr;
	u32 data;
	int vector;

	if (!lapic_ready()) {
		ktest_skip("no local APIC to send an interrupt to self");
		return;
	}
	for (unsigned i = 0; i < 32; i++) {
		in[i] = 0x0123456789abcdefULL * (i + 1) ^ 0x5555aaaa5555aaaaULL;
		out[i] = 0;
	}
	vector = request_msi(clobber_xmm, "ktest-fpu", NULL, &addr, &data);
	KT_ASSERT(vector > 0);
	clobbers = 0;

	/* load the registers, interrupt, wait for the handler, store them: one asm, nothing between */
	__asm__ __volatile__(
	    XMM_LOAD(0) XMM_LOAD(1) XMM_LOAD(2) XMM_LOAD(3) XMM_LOAD(4) XMM_LOAD(5) XMM_LOAD(6) XMM_LOAD(7)
		XMM_LOAD(8) XMM_LOAD(9) XMM_LOAD(10) XMM_LOAD(11) XMM_LOAD(12) XMM_LOAD(13) XMM_LOAD(14)
		    XMM_LOAD(15) "mov %[vec], %%edi\n\t"
				 "call *%[ipi]\n\t"
				 "mov $1000000, %%ecx\n"
				 "1:\n\t"
				 "cmpl $0, %[done]\n\t"
				 "jne 2f\n\t"
				 "pause\n\t"
				 "dec %%ecx\n\t"
				 "jnz 1b\n"
				 "2:\n\t" XMM_STORE(0) XMM_STORE(1) XMM_STORE(2) XMM_STORE(3) XMM_STORE(4)
				     XMM_STORE(5) XMM_STORE(6) XMM_STORE(7) XMM_STORE(8) XMM_STORE(9)
					 XMM_STORE(10) XMM_STORE(11) XMM_STORE(12) XMM_STORE(13) XMM_STORE(14)
					     XMM_STORE(15)
	    :
	    : [in] "r"(in), [out] "r"(out), [ipi] "r"(lapic_self_ipi), [vec] "r"(vector), [done] "m"(clobbers)
	    : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	free_msi(vector);
	KT_ASSERT(clobbers == 1);
	for (unsigned i = 0; i < 32; i++)
		KT_EXPECT(out[i] == in[i]);
}

/* GDT with a 64-bit TSS whose IST1 stack takes double faults (so a kernel stack overflow still
 * reports) and IST2 takes NMIs. */
#include "kernel/compiler.h"
#include <asm/trap.h>

#define IST_STACK_SIZE 8192

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "x86_64 TSS is 104 bytes");

static struct tss tss;
static u8 ist_df_stack[IST_STACK_SIZE] __aligned(16);
static u8 ist_nmi_stack[IST_STACK_SIZE] __aligned(16);
static u64 gdt[5] __aligned(16);

struct gdt_ptr {
	u16 limit;
	u64 base;
} __packed;

void gdt_init(void)
{
	u64 base = (u64)&tss;
	u64 limit = sizeof(tss) - 1;

	tss.ist[0] = (u64)(ist_df_stack + IST_STACK_SIZE);
	tss.ist[1] = (u64)(ist_nmi_stack + IST_STACK_SIZE);
	tss.iomap_base = sizeof(tss);

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffULL; /* 0x08 kernel code, 64-bit */
	gdt[2] = 0x00cf92000000ffffULL; /* 0x10 kernel data */
	/* 0x18: 16-byte available 64-bit TSS descriptor */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;

	struct gdt_ptr p = {sizeof(gdt) - 1, (u64)gdt};
	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq $0x08\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "movw $0x10, %%ax\n\t"
			     "movw %%ax, %%ds\n\t"
			     "movw %%ax, %%es\n\t"
			     "movw %%ax, %%ss\n\t"
			     "movw $0x18, %%ax\n\t"
			     "ltr %%ax" ::"m"(p)
			     : "rax", "memory");
}

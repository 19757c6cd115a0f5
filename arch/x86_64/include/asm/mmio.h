/* Memory-mapped I/O: uncached mappings of device memory (arch/x86_64/ioremap.c) and the accessors
 * for them. Every access is a single volatile load or store of exactly its width, in program order
 * (x86 keeps uncached accesses ordered; the "memory" clobber keeps the compiler from moving normal
 * memory accesses across them). */
#ifndef ASM_MMIO_H
#define ASM_MMIO_H

#include "kernel/types.h"

#define __iomem

/* Maps [phys, phys+size) uncached (PCD|PWT, 4 KiB pages) into the kernel's I/O window and returns the
 * address of phys, or NULL with a log line (size 0, overflow, window or page-table pool exhausted).
 * Any physical address works, including MMIO far above RAM (OVMF puts BARs at 0xe000000000). */
void __iomem *ioremap(phys_addr_t phys, u64 size);

static inline u8 readb(const volatile void __iomem *a)
{
	u8 v;
	__asm__ __volatile__("movb %1, %0" : "=q"(v) : "m"(*(const volatile u8 *)a) : "memory");
	return v;
}
static inline u16 readw(const volatile void __iomem *a)
{
	u16 v;
	__asm__ __volatile__("movw %1, %0" : "=r"(v) : "m"(*(const volatile u16 *)a) : "memory");
	return v;
}
static inline u32 readl(const volatile void __iomem *a)
{
	u32 v;
	__asm__ __volatile__("movl %1, %0" : "=r"(v) : "m"(*(const volatile u32 *)a) : "memory");
	return v;
}
static inline void writeb(u8 v, volatile void __iomem *a)
{
	__asm__ __volatile__("movb %1, %0" : "=m"(*(volatile u8 *)a) : "q"(v) : "memory");
}
static inline void writew(u16 v, volatile void __iomem *a)
{
	__asm__ __volatile__("movw %1, %0" : "=m"(*(volatile u16 *)a) : "r"(v) : "memory");
}
static inline void writel(u32 v, volatile void __iomem *a)
{
	__asm__ __volatile__("movl %1, %0" : "=m"(*(volatile u32 *)a) : "r"(v) : "memory");
}
/* 64-bit registers as two 32-bit halves, low first (what the virtio-pci common config asks for). */
static inline void writeq_lo_hi(u64 v, volatile void __iomem *a)
{
	writel((u32)v, a);
	writel((u32)(v >> 32), (volatile u8 *)a + 4);
}

#endif

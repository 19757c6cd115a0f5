/* ioremap: uncached 4 KiB mappings of device memory in a window of kernel virtual space of its own
 * (PML4 slot 402, like Linux's vmalloc/ioremap area), independent of the direct map and of where the
 * firmware put the device. Page tables for the window come from a small pool in the kernel image, so
 * this works before (and without) the page allocator; they are reached through the direct map like
 * every other page table. */
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include <asm/io.h>
#include <asm/memlayout.h>
#include <asm/mmio.h>

#define PT_POOL_PAGES 32 /* 1 PDPT + PDs + PTs: each PT maps 2 MiB */

#define PTE_P	 0x001ULL
#define PTE_W	 0x002ULL
#define PTE_PWT	 0x008ULL
#define PTE_PCD	 0x010ULL
#define PTE_PS	 0x080ULL
#define PTE_NX	 (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

static u64 pt_pool[PT_POOL_PAGES][512] __aligned(4096);
static unsigned pt_pool_used;
static u64 next_va = IOREMAP_BASE;
static spinlock_t ioremap_lock = SPINLOCK_INIT;

static u64 *table_virt(u64 entry)
{
	return (u64 *)(PAGE_OFFSET + (entry & PTE_ADDR));
}

/* The table under *entry, created from the pool if absent. NULL when the pool is empty. */
static u64 *next_table(u64 *entry)
{
	if (*entry & PTE_P)
		return (*entry & PTE_PS) ? NULL : table_virt(*entry);
	if (pt_pool_used == PT_POOL_PAGES)
		return NULL;
	u64 *t = pt_pool[pt_pool_used++];
	for (int i = 0; i < 512; i++)
		t[i] = 0;
	*entry = kernel_virt_to_phys(t) | PTE_P | PTE_W;
	return table_virt(*entry);
}

static u64 *pte_for(u64 va, bool create)
{
	u64 *pml4 = (u64 *)(PAGE_OFFSET + (read_cr3() & PTE_ADDR));
	u64 *e = &pml4[(va >> 39) & 511];
	for (int shift = 30; shift >= 12; shift -= 9) {
		if (!create && !(*e & PTE_P))
			return NULL;
		u64 *t = next_table(e);
		if (!t)
			return NULL;
		e = &t[(va >> shift) & 511];
	}
	return e;
}

void __iomem *ioremap(phys_addr_t phys, u64 size)
{
	u64 first = phys & ~0xfffULL;
	if (size == 0 || phys + size < phys || phys + size > (1ULL << 52)) {
		printk(KERN_ERR "ioremap: bad range 0x%llx+0x%llx\n", phys, size);
		return NULL;
	}
	u64 pages = (ALIGN_UP(phys + size, 4096ULL) - first) / 4096;
	unsigned long fl;
	spin_lock_irqsave(&ioremap_lock, fl);
	u64 va = next_va;
	if (pages > (IOREMAP_BASE + IOREMAP_SIZE - va) / 4096) {
		spin_unlock_irqrestore(&ioremap_lock, fl);
		printk(KERN_ERR "ioremap: window full mapping 0x%llx\n", phys);
		return NULL;
	}
	for (u64 i = 0; i < pages; i++) {
		u64 *pte = pte_for(va + i * 4096, true);
		if (!pte) {
			/* Pages mapped so far stay: that part of the window is lost. */
			next_va = va + (i + 1) * 4096;
			spin_unlock_irqrestore(&ioremap_lock, fl);
			printk(KERN_ERR "ioremap: out of page tables mapping 0x%llx\n", phys);
			return NULL;
		}
		*pte = (first + i * 4096) | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX;
		invlpg((void *)(va + i * 4096));
	}
	/* A guard page between mappings: a driver running off the end of a BAR faults. */
	next_va = va + (pages + 1) * 4096;
	spin_unlock_irqrestore(&ioremap_lock, fl);
	return (void __iomem *)(va + (phys - first));
}

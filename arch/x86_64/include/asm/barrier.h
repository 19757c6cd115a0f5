/* x86 memory barriers. Each is also a compiler barrier ("memory" clobber). x86 is TSO: the only
 * reordering the CPU does on ordinary memory is a later load passing an earlier store, which only mb()
 * prevents; rmb()/wmb() still fence so that code written against them stays right with non-temporal
 * stores or write-combining mappings. */
#ifndef ASM_BARRIER_H
#define ASM_BARRIER_H

#define mb()  __asm__ __volatile__("mfence" ::: "memory")
#define rmb() __asm__ __volatile__("lfence" ::: "memory")
#define wmb() __asm__ __volatile__("sfence" ::: "memory")

#endif

/* The heap behind a program's malloc: newlib's malloc asks sbrk for more, sbrk asks this interface
 * (kernel/sys/newlib_syscalls.c). One heap, for the one running program.
 *
 * The heap is a vheap (include/mm/vheap.h): movable order-0 pages mapped one by one through page tables
 * at a fixed range of kernel virtual addresses, created empty when a program starts and destroyed (every
 * page freed) when it ends. Migration moves its pages by remapping the same addresses, so offlining and a
 * virtio-mem shrink can take memory from under a running program. It grows page by page as sbrk asks,
 * up to APP_HEAP_LIMIT (or less when memory runs out first: then sbrk fails and malloc returns NULL). */
#ifndef KERNEL_APP_HEAP_H
#define KERNEL_APP_HEAP_H

#include "kernel/types.h"

/* What a program can sbrk in all (minus malloc's own bookkeeping), if the memory is there. */
#define APP_HEAP_LIMIT (1UL << 30)

/* Sets vheap's OOM retry (mm/vheap.h) for every heap, programs' and the vheaptest load's: it takes
 * the kernel lock (kernel/sched.h). Once, at boot. */
void app_heap_setup(void);

/* Sets up an empty heap for a program that starts. 0, or -ENOMEM (no vheap slot: a `vheap:` line). */
int app_heap_init(void);
/* Gives the heap back when the program ended: every page freed, the range unmapped. */
void app_heap_release(void);
/* Moves the heap's end by incr bytes (incr may be negative) and returns the old end, as sbrk does; NULL
 * when the heap would grow past its limit, memory runs out, or it would shrink below its start (nothing
 * changes then). Process context: it may sleep on the kernel lock (the OOM retry). */
void *app_heap_grow(long incr);
/* Bytes in use (end - start), for reports. */
unsigned long app_heap_used(void);
/* Pages of the heap that migration moved since the program started (0 with no heap). */
unsigned long app_heap_migrated(void);

#endif

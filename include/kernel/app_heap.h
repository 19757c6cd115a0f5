/* The heap behind a program's malloc: newlib's malloc asks sbrk for more, sbrk asks this interface
 * (kernel/sys/newlib_syscalls.c). One heap, for the one running program.
 *
 * First step (kernel/sys/app_heap.c): the heap is one block of kernel memory, the buddy allocator's
 * largest chunk (2 MiB, order MAX_ORDER), taken when a program starts and given back when it ends; the
 * direct map reaches it. So APP_HEAP_LIMIT is what a program can malloc in all (minus malloc's own
 * bookkeeping). The next step replaces the block with movable pages mapped through page tables at a
 * fixed heap address, which migration moves by remapping; the interface below stays. */
#ifndef KERNEL_APP_HEAP_H
#define KERNEL_APP_HEAP_H

#include "kernel/types.h"

#define APP_HEAP_LIMIT (2UL << 20)

/* Sets up an empty heap for a program that starts. 0, or -ENOMEM. */
int app_heap_init(void);
/* Gives the heap back when the program ended (its data is gone). */
void app_heap_release(void);
/* Moves the heap's end by incr bytes (incr may be negative) and returns the old end, as sbrk does; NULL
 * when the heap would grow past its limit or shrink below its start (nothing changes then). */
void *app_heap_grow(long incr);
/* Bytes in use (end - start), for reports. */
unsigned long app_heap_used(void);

#endif

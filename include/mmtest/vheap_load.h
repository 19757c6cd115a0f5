/* The vheap test load (kernel/mmtest/vheap_load.c): a thread standing for an application whose heap
 * is a vheap (mm/vheap.h). It grows the heap in 1 MiB steps as sbrk would, fills it with data derived
 * from each word's position, and re-reads it all in a loop; meanwhile offlining or a virtio-mem shrink
 * may migrate its pages, which must not change a word. It reports with printk:
 *   vheaptest: <pages> pages filled, verifying for <s> s
 *   vheaptest: ok (<pages> pages, <passes> passes, <n> pages migrated)
 *   vheaptest: error: <what went wrong>
 * It holds no kernel lock (kernel/sched.h): the kworker runs beside it. */
#ifndef MMTEST_VHEAP_LOAD_H
#define MMTEST_VHEAP_LOAD_H

#include "kernel/types.h"

/* Starts the load thread for `bytes` (rounded up to pages), verifying for `seconds`. Returns the thread
 * id, -EBUSY (a load is running) or -ENOMEM (no thread). */
int vheap_load_start(u64 bytes, unsigned seconds);

#endif

/* vheap: a movable heap reached through page tables (kernel/mm/vheap.c), the memory behind an
 * application's malloc (sbrk).
 *
 * A vheap is a fixed range of kernel virtual addresses in the vmap area (include/mm/arch.h) whose
 * first `size` bytes are backed, page by page, by order-0 GFP_MOVABLE pages (so they prefer
 * ZONE_MOVABLE), mapped 4 KiB each. Its pages have movable operations: offlining, alloc_contig_range
 * and so a virtio-mem shrink migrate them. Migration copies a page to its new frame and points the
 * same virtual address at it (flushing the TLB entry) with interrupts off, so a thread using the heap
 * never sees a stale mapping nor loses a write: the address stays, only the frame moves.
 *
 *	struct vheap *h = vheap_create(64 << 20);       // room for 64 MiB, nothing mapped yet
 *	long brk = vheap_grow(h, 8192);                  // 8192: [base, base + 8192) usable
 *	char *p = vheap_base(h);
 *	vheap_grow(h, -4096);                            // sbrk(-4096): the last page is freed
 *	vheap_destroy(h);                                // every page freed, the range unmapped
 *
 * Locking: each heap has a spinlock that its own calls and its movable operations take; a heap may be
 * used from any thread (in process context), one call at a time per heap. One CPU: a page is copied
 * and remapped with interrupts off, so nothing can write it in between; a second CPU would need the
 * mapping cleared (and every TLB flushed) before the copy. */
#ifndef MM_VHEAP_H
#define MM_VHEAP_H

#include "kernel/types.h"

#define VHEAP_MAX 16 /* heaps at a time; the vmap area is split into that many equal slots */

struct vheap;

/* A heap that may grow to max_bytes (rounded up to pages; at most the slot size, vheap_max_bytes()).
 * Nothing is allocated or mapped yet. NULL when max_bytes is 0 or too big, or all VHEAP_MAX are in use
 * (one `vheap:` error line says which). */
struct vheap *vheap_create(u64 max_bytes);
/* Moves the heap's break by delta bytes (sbrk): growing maps zeroed movable pages up to the page
 * holding the new break; shrinking unmaps and frees the pages wholly above it. Returns the new break
 * as an offset from vheap_base (the usable size), or -ENOMEM (no memory, or past max_bytes), -EINVAL
 * (below 0), with nothing changed. Process context. */
long vheap_grow(struct vheap *h, long delta);
/* Growing allocates with __GFP_NORETRY; when that fails it calls this hook, if set, for one more try
 * (the kernel sets one that takes the kernel lock and allocates without __GFP_NORETRY, so the OOM
 * notifiers run serialized with the drivers' work: kernel/sched.h). */
extern struct page *(*vheap_oom_retry)(void);
/* Unmaps and frees every page and the heap. */
void vheap_destroy(struct vheap *h);

void *vheap_base(const struct vheap *h);
/* The break as an offset from vheap_base. */
unsigned long vheap_size(const struct vheap *h);
/* Pages mapped now. */
unsigned long vheap_nr_pages(const struct vheap *h);
/* Pages of this heap that migration moved since it was created. */
unsigned long vheap_nr_migrated(const struct vheap *h);
/* The largest max_bytes vheap_create accepts. */
u64 vheap_max_bytes(void);
/* Checks every mapped page of every heap: mapped to an allocated movable page of the vheap owner that
 * names this address. Returns the number of violations, printing each as a `verify: vheap` line with
 * pr. Also run by mm_verify (a verify hook) once a heap was created. */
unsigned vheap_verify(void (*pr)(const char *fmt, ...));

#endif

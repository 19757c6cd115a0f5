/* kmalloc: small kernel objects (kernel/mm/slab.c).
 *
 * Power-of-two size classes from 16 to 2048 bytes, each backed by order-0 GFP_KERNEL slab pages
 * (PageSlab, page->private = class). A slab page starts with a small header (free-object list and
 * in-use count); free objects link through themselves. Larger requests get whole pages
 * (PageLargeKmalloc, order = the allocation's). Objects are aligned to their class size (16 bytes at
 * least; page aligned for large ones). Not for interrupt context. */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "kernel/types.h"
#include "mm/gfp.h"

#define KMALLOC_MIN_SIZE       16
#define KMALLOC_MAX_CACHE_SIZE 2048
#define KMALLOC_MAX_SIZE       (PAGE_SIZE << MAX_ORDER) /* 2 MiB */

/* size bytes, or NULL (size 0, size > KMALLOC_MAX_SIZE, out of memory). Only __GFP_ZERO is honoured
 * among the flags; the memory is always unmovable. */
void *kmalloc(size_t size, gfp_t gfp);
void *kzalloc(size_t size, gfp_t gfp);
/* n * size bytes, zeroed; NULL on overflow. */
void *kcalloc(size_t n, size_t size, gfp_t gfp);
/* Frees what kmalloc returned; NULL is ignored. A pointer kmalloc did not return (not in a slab or
 * large-kmalloc page, misaligned for its class, or already free) gets one `mm:` error line and is
 * left alone. */
void kfree(const void *p);
/* Usable size of a kmalloc'd object (its class size), 0 for a bad pointer. */
size_t ksize(const void *p);

/* One line per size class: name, object size, objects in use, slab pages. */
void kmalloc_show(void (*pr)(const char *fmt, ...));

#endif

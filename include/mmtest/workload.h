/* The workload (kernel/mmtest/workload.c): a test load standing for user memory. Movable, checksummed
 * order-0 pages: each page is filled with data derived from a sequence number and keeps the checksum
 * of its content in page->private; migration copies the data and repoints the owner; `verify`
 * recomputes every checksum. Pages are allocated GFP_MOVABLE (they prefer ZONE_MOVABLE). Shown as
 * meminfo's Workload. */
#ifndef MMTEST_WORKLOAD_H
#define MMTEST_WORKLOAD_H

#include "kernel/types.h"

/* Allocates and fills bytes (rounded up to pages) more workload memory. All or nothing: 0, or
 * -ENOMEM with what this call took freed again. */
int workload_alloc(u64 bytes);
/* Frees every workload page. */
void workload_free(void);
/* Workload pages currently held. */
unsigned long workload_nr_pages(void);

struct workload_check {
	unsigned long pages;   /* pages checked */
	unsigned long bad;     /* pages whose checksum does not match */
	unsigned long bad_pfn; /* the first of them */
};
/* Recomputes every page's checksum. 0 when all match, -EIO otherwise (*out says which; out may be
 * NULL). Reads the data through the direct map. */
int workload_verify(struct workload_check *out);

/* Forget every workload page without freeing it: the memory manager started over (host tests call
 * mm_init again). */
void workload_reset(void);

#endif

/* kmalloc for host tests of the virtio-mem state layer that do not link kernel/mm: libc's calloc. */
#include <stdlib.h>

#include "mm/slab.h"

void *kmalloc(size_t size, gfp_t gfp)
{
	return (gfp & __GFP_ZERO) ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return calloc(1, size ? size : 1);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void kfree(const void *p)
{
	free((void *)p);
}

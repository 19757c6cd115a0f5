/* The first step of the program heap (include/kernel/app_heap.h): one 2 MiB block of kernel memory per
 * run, grown and shrunk by moving an end pointer inside it. */
#include "kernel/app_heap.h"
#include "kernel/errno.h"
#include "mm/gfp.h"
#include "mm/mmzone.h"
#include "mm/page.h"

_Static_assert(APP_HEAP_LIMIT == (PAGE_SIZE << MAX_ORDER), "the heap is one max-order block");

static char *heap_start; /* NULL: no heap */
static char *heap_end;

int app_heap_init(void)
{
	if (heap_start)
		return -EBUSY;
	heap_start = __get_free_pages(GFP_KERNEL, MAX_ORDER);
	if (!heap_start)
		return -ENOMEM;
	heap_end = heap_start;
	return 0;
}

void app_heap_release(void)
{
	if (!heap_start)
		return;
	free_pages_addr(heap_start, MAX_ORDER);
	heap_start = heap_end = NULL;
}

void *app_heap_grow(long incr)
{
	char *old = heap_end;

	if (!heap_start)
		return NULL;
	if (incr > 0 && (unsigned long)incr > APP_HEAP_LIMIT - (unsigned long)(heap_end - heap_start))
		return NULL;
	if (incr < 0 && (unsigned long)-incr > (unsigned long)(heap_end - heap_start))
		return NULL;
	heap_end += incr;
	return old;
}

unsigned long app_heap_used(void)
{
	return (unsigned long)(heap_end - heap_start);
}

/* The program heap (include/kernel/app_heap.h): one vheap per run, sbrk moved by vheap_grow. */
#include "kernel/app_heap.h"
#include "kernel/errno.h"
#include "kernel/sched.h"
#include "mm/gfp.h"
#include "mm/page.h"
#include "mm/vheap.h"

static struct vheap *heap; /* NULL: no heap */

/* vheap's OOM retry (mm/vheap.h): under the kernel lock, so an OOM notifier (the balloon's deflate)
 * never runs beside the drivers' work on the kworker. Whoever grows a heap holds no lock there. */
static struct page *retry_under_kernel_lock(void)
{
	lock_kernel();
	struct page *page = alloc_page(GFP_MOVABLE | __GFP_ZERO);
	unlock_kernel();
	return page;
}

void app_heap_setup(void)
{
	vheap_oom_retry = retry_under_kernel_lock;
}

int app_heap_init(void)
{
	if (heap)
		return -EBUSY;
	heap = vheap_create(min((u64)APP_HEAP_LIMIT, vheap_max_bytes()));
	return heap ? 0 : -ENOMEM;
}

void app_heap_release(void)
{
	if (!heap)
		return;
	vheap_destroy(heap);
	heap = NULL;
}

void *app_heap_grow(long incr)
{
	if (!heap)
		return NULL;
	unsigned long old = vheap_size(heap);
	if (vheap_grow(heap, incr) < 0)
		return NULL;
	return (char *)vheap_base(heap) + old;
}

unsigned long app_heap_used(void)
{
	return heap ? vheap_size(heap) : 0;
}

unsigned long app_heap_migrated(void)
{
	return heap ? vheap_nr_migrated(heap) : 0;
}

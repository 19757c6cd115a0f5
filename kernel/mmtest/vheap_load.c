/* The vheap test load (vheap_load.h): a thread that fills a vheap and verifies it while its pages may
 * be migrated under it. */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/timer.h"
#include "mm/gfp.h"
#include "mm/page.h"
#include "mm/vheap.h"
#include "mmtest/vheap_load.h"

#define STEP (1L << 20) /* sbrk-sized growth */

static bool running;
static u64 load_bytes;
static unsigned load_seconds;

static u64 expected(unsigned long i)
{
	u64 x = (i + 1) * 0x9e3779b97f4a7c15ULL;
	return x ^ (x >> 29);
}

static int load_fn(void *arg)
{
	struct vheap *h = vheap_create(load_bytes);
	int ret = 0;

	if (!h) {
		printk("vheaptest: error: no vheap of %llu bytes (see the vheap: line)\n", load_bytes);
		running = false;
		return -ENOMEM;
	}
	while (vheap_size(h) < load_bytes) {
		long step = (long)min((u64)STEP, load_bytes - vheap_size(h));
		long brk = vheap_grow(h, step);
		if (brk < 0) {
			printk("vheaptest: error: the heap could not grow past %lu bytes: out of memory\n",
			       vheap_size(h));
			ret = (int)brk;
			goto out;
		}
	}
	u64 *w = vheap_base(h);
	unsigned long words = vheap_size(h) / 8;
	for (unsigned long i = 0; i < words; i++)
		w[i] = expected(i);
	printk("vheaptest: %lu pages filled, verifying for %u s\n", vheap_nr_pages(h), load_seconds);
	u64 end = ktime_ns() + (u64)load_seconds * NSEC_PER_SEC;
	unsigned long passes = 0;
	do {
		for (unsigned long i = 0; i < words; i++)
			if (w[i] != expected(i)) {
				printk("vheaptest: error: page %lu word %lu reads 0x%llx, expected 0x%llx "
				       "(pass %lu, %lu "
				       "pages migrated)\n",
				       i * 8 / PAGE_SIZE, i % (PAGE_SIZE / 8), w[i], expected(i), passes + 1,
				       vheap_nr_migrated(h));
				ret = -EIO;
				goto out;
			}
		passes++;
	} while (ktime_ns() < end);
	printk("vheaptest: ok (%lu pages, %lu passes, %lu pages migrated)\n", vheap_nr_pages(h), passes,
	       vheap_nr_migrated(h));
out:
	vheap_destroy(h);
	running = false;
	return ret;
}

int vheap_load_start(u64 bytes, unsigned seconds)
{
	if (running)
		return -EBUSY;
	running = true;
	load_bytes = bytes;
	load_seconds = seconds;
	struct task *t = kthread_create(load_fn, NULL, "vheaptest");
	if (!t) {
		running = false;
		return -ENOMEM;
	}
	kthread_detach(t);
	return (int)t->id;
}

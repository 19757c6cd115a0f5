/* OOM notifiers (kernel/mm/page_alloc.c): owners of memory they can give back at once, such as a
 * balloon with DEFLATE_ON_OOM, asked by the allocator before a request fails.
 *
 * alloc_pages() that finds no free chunk calls each notifier's release(nb, nr_pages) in registration
 * order, with nr_pages the pages the request wanted, until the pages they freed reach nr_pages, then
 * tries the request once more. A release runs inside alloc_pages: it must not allocate (a nested
 * failure is not passed to the notifiers again) and returns the pages it freed. __GFP_NORETRY requests
 * skip the notifiers. Register and unregister where no allocation runs (probe, remove). */
#ifndef MM_OOM_H
#define MM_OOM_H

#include "lib/list.h"

struct oom_notifier {
	unsigned long (*release)(struct oom_notifier *nb, unsigned long nr_pages);
	struct list_head list; /* mm's */
};

void register_oom_notifier(struct oom_notifier *nb);
void unregister_oom_notifier(struct oom_notifier *nb);
/* Asks the notifiers for nr_pages (see above). Returns the pages they freed (0 while one runs). */
unsigned long oom_notify(unsigned long nr_pages);

#endif

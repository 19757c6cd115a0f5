/* Looking at the memory manager (kernel/mm/debug.c, verify.c). The printers take a printf-like
 * function so the shell (shell_printf), the log (mm_printk) and the host tests can all use them. Their
 * output is shaped like the Linux files (/proc/meminfo, /proc/buddyinfo, /proc/pagetypeinfo). */
#ifndef MM_DEBUG_H
#define MM_DEBUG_H

#include "kernel/compiler.h"
#include "mm/page.h"

typedef void (*mm_print_fn)(const char *fmt, ...);

/* printk with the signature of mm_print_fn. */
void mm_printk(const char *fmt, ...) __printf(1, 2);

/* Checks every invariant of the buddy, the pcp cache, the zones and the sections, printing one line
 * `verify: <what> (pfn 0x...)` per violation through pr (NULL: printk), at most 50 lines (the count
 * goes on). Returns the number of violations; 0 means clean. Checks, for every zone: each free-list
 * entry is a PageBuddy head with the list's order, aligned to it, in the zone, in an online section,
 * on the list of its pageblock's migrate type, refcount 0, not reserved; lists are well linked; list
 * lengths = nr_free; free_pages[mt] = the pages on the lists; every PageBuddy page in an online section
 * is on a list (and no page inside a free chunk is itself PageBuddy or PagePcp); pcp lists hold PagePcp
 * order-0 pages of the zone, pcp.count matches; nr_isolate_pageblock matches the pageblocks; no free
 * page outside a managed zone; free <= managed <= present <= spanned; each page's zone/section bits
 * match where it is; offline sections hold no free pages. Takes the zone locks. Then runs the
 * registered verify hooks (after the locks are dropped). Returns the number of violations. */
int mm_verify(mm_print_fn pr);

/* A check of memory state that a user of mm keeps (a driver's units against the memmap and the
 * direct map), run at the end of every mm_verify. check returns its number of violations and prints
 * each as a `verify: ` line through pr. */
struct mm_verify_hook {
	const char *name;
	unsigned (*check)(mm_print_fn pr);
	struct mm_verify_hook *next;
};
void mm_register_verify_hook(struct mm_verify_hook *hook);

/* One block of lines about a page: pfn, flags, type, order, refcount, zone, migrate type, owner. */
void dump_page(const struct page *page, const char *reason);
void dump_page_to(mm_print_fn pr, const struct page *page, const char *reason);

/* A meminfo line about pages a user of the memory manager holds, which the core does not count (the
 * test loads' Workload and Pinned): whoever prints meminfo asks the users and passes their lines. */
struct meminfo_line {
	const char *name; /* with its colon: "Workload:" */
	unsigned long pages;
};
/* `Name:  N kB` lines: MemTotal, MemFree, MovableTotal, MovableFree, Memmap, MemmapBoot (the part
 * in boot memory), MemmapKernel (the part in ZONE_NORMAL pages, for hot-added sections), MemmapOnMemory (the
 * pageblocks set aside at the start of blocks added with MHP_MEMMAP_ON_MEMORY), Deferred, Offline, then the
 * nr_users lines of `users` (none when 0), then Slab, KmallocLarge, PageTables, PcpFree, Isolated. */
void show_meminfo(mm_print_fn pr, const struct meminfo_line *users, unsigned int nr_users);
/* `Node 0, zone   Normal      n0 ... n9` per populated zone (free chunks per order). */
void show_buddyinfo(mm_print_fn pr);
/* Free chunks per zone, migrate type and order, then pageblocks per zone and type, like
 * /proc/pagetypeinfo. */
void show_pagetypeinfo(mm_print_fn pr);

#endif

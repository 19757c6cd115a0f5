/* Shared by the hotplug files of kernel/mm (memory_hotplug.c, memory_add_remove.c, memory_block.c);
 * not an API. The hotplug lock is held by the callers of the __ functions. */
#ifndef MM_HOTPLUG_INTERNAL_H
#define MM_HOTPLUG_INTERNAL_H

#include "kernel/compiler.h"
#include "mm/memory_hotplug.h"

/* The range offline_pages is working on (block state going-offline); both 0 when none. */
extern unsigned long mhp_going_offline_start, mhp_going_offline_end;

/* Formats the reason of a failure into hotplug_last_error() and logs `hotplug: <what>: <reason>` at
 * debug level (the caller reports it). */
void mhp_fail(const char *what, const char *fmt, ...) __printf(2, 3);
void mhp_clear_error(void);

/* online_pages / offline_pages without taking the lock; `what` names the operation in log lines
 * ("memory33"). */
int __online_pages(unsigned long pfn, unsigned long nr_pages, enum zone_type zid, const char *what);
int __offline_pages(unsigned long start_pfn, unsigned long nr_pages, const char *what);

/* "memory33" or "memory32-39" for a pfn range of whole blocks. */
const char *mhp_range_name(unsigned long start_pfn, unsigned long nr_pages, char *buf, size_t len);

#endif

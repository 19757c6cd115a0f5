/* Failure injection into offline_pages for the host tests, through the memory manager's one seam
 * (offline_fault_hook, include/mm/memory_hotplug.h): set offline_fail_step to an OFFLINE_STEP_* and
 * the next offline_pages fails at that step with offline_fail_errno (default -EIO), once; then
 * offline_fail_step is OFFLINE_STEP_NONE again. At OFFLINE_STEP_ISOLATE the failure comes after half
 * of the range was isolated (and that half undone, as a real failure half way undoes it). */
#ifndef OFFLINE_INJECT_H
#define OFFLINE_INJECT_H

#include "mm/memory_hotplug.h"

extern int offline_fail_step;
extern int offline_fail_errno;

/* Installs the hook and clears the knobs (hp_boot calls it). */
void offline_inject_reset(void);

#endif

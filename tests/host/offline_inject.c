/* Failure injection into offline_pages (offline_inject.h). */
#include "kernel/errno.h"
#include "mm/page_isolation.h"
#include "offline_inject.h"

int offline_fail_step;
int offline_fail_errno = -EIO;

static int fail_offline_step(enum offline_step step, unsigned long start, unsigned long end)
{
	if (offline_fail_step != (int)step)
		return 0;
	offline_fail_step = OFFLINE_STEP_NONE;
	if (step == OFFLINE_STEP_ISOLATE) {
		unsigned long mid = start + ALIGN_DOWN((end - start) / 2, pageblock_nr_pages);
		struct busy_pfn busy;

		busy_pfn_clear(&busy);
		if (!start_isolate_page_range(start, mid, MEMORY_OFFLINE, &busy))
			undo_isolate_page_range(start, mid);
	}
	return offline_fail_errno;
}

void offline_inject_reset(void)
{
	offline_fault_hook = fail_offline_step;
	offline_fail_step = OFFLINE_STEP_NONE;
	offline_fail_errno = -EIO;
}

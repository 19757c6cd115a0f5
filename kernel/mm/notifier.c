/* The memory notifier chain (memory.h): MEM_GOING_ONLINE ... MEM_CANCEL_OFFLINE to every registered
 * callback, in priority order; the GOING events may be vetoed. */
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/memory.h"

static struct notifier_block *memory_chain;

int register_memory_notifier(struct notifier_block *nb)
{
	struct notifier_block **p;

	for (p = &memory_chain; *p; p = &(*p)->next)
		if (*p == nb)
			return -EEXIST;
	for (p = &memory_chain; *p && (*p)->priority >= nb->priority; p = &(*p)->next)
		;
	nb->next = *p;
	*p = nb;
	return 0;
}

int unregister_memory_notifier(struct notifier_block *nb)
{
	for (struct notifier_block **p = &memory_chain; *p; p = &(*p)->next) {
		if (*p == nb) {
			*p = nb->next;
			nb->next = NULL;
			return 0;
		}
	}
	return -ENOENT;
}

int memory_notify(unsigned long action, unsigned long start_pfn, unsigned long nr_pages,
		  const char **vetoed_by)
{
	struct memory_notify arg = {start_pfn, nr_pages};
	bool may_veto = action == MEM_GOING_ONLINE || action == MEM_GOING_OFFLINE;
	struct notifier_block *nb, *next;

	for (nb = memory_chain; nb; nb = next) {
		next = nb->next; /* a callback may unregister itself */
		int ret = nb->notifier_call(nb, action, &arg);
		if (!(ret & NOTIFY_STOP_MASK) || !may_veto)
			continue;
		int err = notifier_to_errno(ret);
		if (ret == NOTIFY_BAD || err == 0)
			err = -EBUSY;
		if (vetoed_by)
			*vetoed_by = nb->name ? nb->name : "a memory notifier";
		return err;
	}
	return 0;
}

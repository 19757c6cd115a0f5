/* virtio-balloon: the `balloon` shell command (INTERFACE.md): the driver's state, its counters and
 * the statistics it last gave the device. */
#include "drivers/virtio_balloon.h"
#include "kernel/errno.h"
#include "kernel/shell.h"
#include "mm/memory.h"
#include "mm/sparse.h"

static u64 pages_mib(u64 pages)
{
	return pages >> (20 - VIRTIO_BALLOON_PFN_SHIFT);
}

#define SHOW_BLOCKS 8

/* The memory blocks holding the balloon's pages, the first SHOW_BLOCKS of them by id. */
static void show_blocks(struct virtio_balloon *vb)
{
	unsigned long id[SHOW_BLOCKS], n[SHOW_BLOCKS], more = 0;
	unsigned nr = 0;
	struct page *page;

	list_for_each_entry(page, &vb->pages, lru) {
		unsigned long b = pfn_to_block_id(page_to_pfn(page)), i;
		for (i = 0; i < nr && id[i] != b; i++)
			;
		if (i < nr) {
			n[i]++;
			continue;
		}
		if (nr < SHOW_BLOCKS) {
			id[nr] = b;
			n[nr++] = 1;
			continue;
		}
		more++;
	}
	if (!nr)
		return;
	shell_printf("balloon:   memory blocks");
	for (unsigned i = 0; i < nr; i++)
		shell_printf(" %lu:%lu", id[i], n[i]);
	if (more)
		shell_printf(" and %lu pages elsewhere\n", more);
	else
		shell_printf("\n");
}

static int cmd_balloon(int argc, char **argv)
{
	struct virtio_balloon *vb = virtio_balloon_get();

	if (argc > 1)
		return shell_error("balloon", -EINVAL, "usage: balloon (the host sets the target)");
	if (!vb)
		return shell_error("balloon", -ENODEV, "no virtio-balloon device");
	shell_printf("balloon: %s target %u pages (%llu MiB), actual %lu pages (%llu MiB), %s%s%s\n",
		     vb->vdev->name, vb->target, pages_mib(vb->target), vb->nr_pages, pages_mib(vb->nr_pages),
		     vb->movable ? "movable" : "unmovable", vb->at_limit ? ", short of free memory" : "",
		     vb->broken ? ", broken" : "");
	shell_printf("balloon:   features%s%s%s\n",
		     virtio_has_feature(vb->vdev, VIRTIO_BALLOON_F_MUST_TELL_HOST) ? " must-tell-host" : "",
		     vb->stats_vq ? " stats" : "",
		     virtio_has_feature(vb->vdev, VIRTIO_BALLOON_F_DEFLATE_ON_OOM) ? " deflate-on-oom" : "");
	shell_printf("balloon:   inflated %llu deflated %llu migrated %llu oom-deflated %llu retries %llu\n",
		     vb->inflated, vb->deflated, vb->migrated, vb->oom_deflated, vb->retries);
	if (vb->stats_vq)
		shell_printf("balloon:   stats sent %llu: free %llu kB, total %llu kB, available %llu kB\n",
			     vb->stats_updates, vb->stats[0].val >> 10, vb->stats[1].val >> 10,
			     vb->stats[2].val >> 10);
	show_blocks(vb);
	if (vb->broken)
		shell_printf("balloon:   broken: %s\n", vb->broken_why);
	return 0;
}
SHELL_COMMAND(balloon, "balloon", "balloon", "the virtio-balloon driver: target, actual, mode, statistics",
	      cmd_balloon);

/* virtio-balloon (include/drivers/virtio_balloon.h, docs/BALLOON.md): probe and remove, the work that
 * moves the pages held toward num_pages, the out-of-memory deflate and balloon compaction. The
 * requests to the device are in virtio_balloon_req.c.
 *
 * One device is driven. The device is not trusted: num_pages is a wish (the balloon stops where the
 * guest would run short of memory), actual is only written, never read back, and a request the device
 * does not answer breaks the driver's use of it; the pages then stay where they are. */
#include "drivers/virtio_balloon.h"
#include "virtio_balloon_internal.h"
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/gfp.h"
#include "mm/migrate.h"
#include "mm/mmzone.h"
#include "mm/page_offline.h"
#include "mm/slab.h"

bool virtio_balloon_unmovable;
static struct virtio_balloon *the_balloon;

static int set_unmovable(const char *val)
{
	if (val && strcmp(val, "1") && strcmp(val, "0"))
		return -EINVAL;
	virtio_balloon_unmovable = !val || !strcmp(val, "1");
	return 0;
}
CMDLINE_PARAM_VALID(virtio_balloon_unmovable, "virtio_balloon.unmovable", set_unmovable, "nothing, 0 or 1");

struct virtio_balloon *virtio_balloon_get(void)
{
	return the_balloon;
}

/* One pass: batches toward the target, each after reading it again (the host may change it under
 * a pass). Queues itself again when a pass stops short. */
static void vb_run(struct virtio_balloon *vb)
{
	unsigned long delay = 0;
	bool again = false;

	for (unsigned i = 0; !vb->broken && i < VB_BATCHES_PER_PASS; i++) {
		if (vb_read_target(vb))
			return;
		if (vb->target > vb->nr_pages && !vb->oom_hold) {
			unsigned long want = vb->target - vb->nr_pages;
			if (vb_inflate(vb, want < VB_BATCH ? (unsigned)want : VB_BATCH))
				continue;
			if (!vb->broken && !vb->at_limit) {
				vb->retries++;
				delay = VB_RETRY_MS;
				again = true;
				if (vb->short_warned != vb->target) {
					vb->short_warned = vb->target;
					pr_warn(
					    "virtio-balloon: %s: no free %s page to inflate toward %u pages "
					    "(holding %lu); retrying every %u ms\n",
					    vb->vdev->name, vb->movable ? "movable" : "kernel", vb->target,
					    vb->nr_pages, VB_RETRY_MS);
				}
			}
			break;
		}
		if (vb->target < vb->nr_pages && !list_empty(&vb->pages)) {
			unsigned long extra = vb->nr_pages - vb->target;
			if (vb_deflate(vb, extra < VB_BATCH ? (unsigned)extra : VB_BATCH))
				continue;
			break;
		}
		break;
	}
	if (vb->broken)
		return;
	vb_write_actual(vb);
	if (!again && (vb->target > vb->nr_pages ? !vb->at_limit && !vb->oom_hold
						 : vb->target < vb->nr_pages && !list_empty(&vb->pages)))
		again = true; /* the pass ended at its batch limit */
	if (again) {
		schedule_delayed_work(&vb->work, delay);
		return;
	}
	if (vb->reported == vb->target)
		return;
	vb->reported = vb->target;
	if (vb->nr_pages == vb->target)
		pr_info("virtio-balloon: %s: at target %u pages (%u MiB)\n", vb->vdev->name, vb->target,
			vb->target >> (20 - VIRTIO_BALLOON_PFN_SHIFT));
	else
		pr_warn("virtio-balloon: %s: target %u pages is more than the guest can give: holding %lu "
			"pages, keeping at least %u free\n",
			vb->vdev->name, vb->target, vb->nr_pages, VB_RESERVE_PAGES);
}

static void vb_work(struct work_struct *w)
{
	vb_run(container_of(to_delayed_work(w), struct virtio_balloon, work));
}

/* ---- out of memory ---- */

static unsigned long vb_oom_release(struct oom_notifier *nb, unsigned long nr_pages)
{
	struct virtio_balloon *vb = container_of(nb, struct virtio_balloon, oom);
	unsigned long freed = 0;

	if (vb->in_request || vb->broken)
		return 0;
	while (freed < VB_OOM_PAGES && freed < nr_pages + VB_OOM_PAGES) {
		unsigned n = vb_deflate(vb, VB_OOM_PAGES - (unsigned)freed);
		if (!n)
			break;
		freed += n;
	}
	if (!freed)
		return 0;
	vb->oom_deflated += freed;
	vb_write_actual(vb);
	if (!vb->oom_hold) /* once until the host sets a target again */
		pr_warn("virtio-balloon: %s: out of memory: deflated %lu pages, %lu left in the balloon\n",
			vb->vdev->name, freed, vb->nr_pages);
	vb->oom_hold = true;
	return freed;
}

/* ---- balloon compaction ---- */

static bool vb_isolate(struct page *page, int mode)
{
	struct virtio_balloon *vb = the_balloon;

	if (!vb || vb->broken || vb->in_request)
		return false;
	list_del(&page->lru);
	vb->nr_isolated++;
	return true;
}

/* The new page goes into the balloon before the old one leaves it, so the host never sees the
 * balloon shrink; neither page is read or written. */
static int vb_migrate(struct page *dst, struct page *src, int mode)
{
	struct virtio_balloon *vb = the_balloon;

	if (!vb || vb->broken)
		return -EAGAIN;
	vb->pfns[0] = vb_page_pfn(dst);
	if (vb_tell(vb, vb->inflate_vq, 1))
		return -EAGAIN;
	vb->pfns[0] = vb_page_pfn(src);
	if (vb_tell(vb, vb->deflate_vq, 1)) {
		/* The device broke (logged): src stays in the balloon, migration frees dst. */
		return -EAGAIN;
	}
	offline_page_migrate(dst, src, vb->owner_id);
	list_add_tail(&dst->lru, &vb->pages);
	vb->nr_isolated--;
	vb->migrated++;
	return 0;
}

static void vb_putback(struct page *page)
{
	struct virtio_balloon *vb = the_balloon;

	list_add_tail(&page->lru, &vb->pages);
	vb->nr_isolated--;
}

static const struct movable_operations vb_movable_ops = {
    .name = "virtio-balloon",
    .isolate_page = vb_isolate,
    .migrate_page = vb_migrate,
    .putback_page = vb_putback,
};

/* ---- virtio driver ---- */

static const struct virtio_cfield vb_config_fields[] = {
    VIRTIO_CFIELD(struct virtio_balloon_config, num_pages),
    VIRTIO_CFIELD(struct virtio_balloon_config, actual),
};

static void vb_free(struct virtio_balloon *vb)
{
	kfree(vb->pfns);
	kfree(vb->stats);
	kfree(vb);
}

static int virtio_balloon_probe(struct virtio_device *vdev)
{
	vq_callback_t *cbs[] = {vb_vq_done, vb_vq_done, vb_stats_done};
	const char *const names[] = {"virtio-balloon.inflate", "virtio-balloon.deflate",
				     "virtio-balloon.stats"};
	struct virtqueue *vqs[3] = {NULL, NULL, NULL};
	bool stats = virtio_has_feature(vdev, VIRTIO_BALLOON_F_STATS_VQ);
	struct virtio_balloon *vb;
	int err;

	if (the_balloon) {
		pr_err("virtio-balloon: %s: %s is driven already; one balloon only, this one left alone\n",
		       vdev->name, the_balloon->vdev->name);
		return -EBUSY;
	}
	vb = kzalloc(sizeof(*vb), GFP_KERNEL);
	if (!vb)
		return -ENOMEM;
	vb->vdev = vdev;
	INIT_LIST_HEAD(&vb->pages);
	INIT_DELAYED_WORK(&vb->work, vb_work);
	vb->pfns = kcalloc(VB_BATCH, sizeof(u32), GFP_KERNEL);
	vb->stats = kcalloc(VB_NR_STATS, sizeof(struct virtio_balloon_stat), GFP_KERNEL);
	err = vb->pfns && vb->stats ? 0 : -ENOMEM;
	if (!err)
		err = virtio_find_vqs(vdev, stats ? 3 : 2, vqs, cbs, names);
	if (err) {
		pr_err("virtio-balloon: %s: cannot set up its queues: %s\n", vdev->name, errname(err));
		vb_free(vb);
		return err;
	}
	vb->inflate_vq = vqs[0];
	vb->deflate_vq = vqs[1];
	vb->stats_vq = vqs[2];
	vb->movable = !virtio_balloon_unmovable;
	if (vb->movable) {
		vb->owner_id = register_movable_ops(&vb_movable_ops);
		if (vb->owner_id < 0) {
			pr_warn("virtio-balloon: %s: no movable owner id left: pages unmovable\n",
				vdev->name);
			vb->movable = false;
		}
	}
	vdev->priv = vb;
	the_balloon = vb;
	virtio_device_ready(vdev);
	if (stats)
		vb_send_stats(vb);
	if (virtio_has_feature(vdev, VIRTIO_BALLOON_F_DEFLATE_ON_OOM)) {
		vb->oom.release = vb_oom_release;
		register_oom_notifier(&vb->oom);
	}
	pr_info("virtio-balloon: %s (%s %s): features 0x%llx%s%s%s, pages %s\n", vdev->name,
		vdev->transport_name ? vdev->transport_name : "?", vdev->bus_name ? vdev->bus_name : "?",
		vdev->features & VIRTIO_DEVICE_FEATURES_MASK,
		virtio_has_feature(vdev, VIRTIO_BALLOON_F_MUST_TELL_HOST) ? " must-tell-host" : "",
		stats ? " stats" : "",
		virtio_has_feature(vdev, VIRTIO_BALLOON_F_DEFLATE_ON_OOM) ? " deflate-on-oom" : "",
		vb->movable ? "movable" : "unmovable");
	vb_write_actual(vb);
	schedule_delayed_work(&vb->work, 0);
	return 0;
}

static void virtio_balloon_config_changed(struct virtio_device *vdev)
{
	struct virtio_balloon *vb = vdev->priv;

	if (!vb || vb->broken)
		return;
	vb->oom_hold = false;
	mod_delayed_work(&vb->work, 0);
}

/* The core reset the device already: the balloon's pages go back to the system, unless the device
 * did not stop (then it may still use the queues, and the pages and buffers are kept). */
static void virtio_balloon_remove(struct virtio_device *vdev)
{
	struct virtio_balloon *vb = vdev->priv;
	struct page *page, *next;

	if (!vb)
		return;
	cancel_delayed_work(&vb->work);
	if (vb->oom.release)
		unregister_oom_notifier(&vb->oom);
	the_balloon = NULL;
	vdev->priv = NULL;
	if (vdev->dead)
		return;
	list_for_each_entry_safe(page, next, &vb->pages, lru) {
		list_del(&page->lru);
		offline_page_return(page);
	}
	pr_info("virtio-balloon: %s: removed, %lu pages given back\n", vdev->name, vb->nr_pages);
	vb_free(vb);
}

static struct virtio_driver virtio_balloon_driver = {
    .name = "virtio-balloon",
    .device_id = VIRTIO_ID_BALLOON,
    .features = BIT_ULL(VIRTIO_BALLOON_F_MUST_TELL_HOST) | BIT_ULL(VIRTIO_BALLOON_F_STATS_VQ) |
		BIT_ULL(VIRTIO_BALLOON_F_DEFLATE_ON_OOM),
    .config_fields = vb_config_fields,
    .nr_config_fields = ARRAY_SIZE(vb_config_fields),
    .probe = virtio_balloon_probe,
    .remove = virtio_balloon_remove,
    .config_changed = virtio_balloon_config_changed,
};

int virtio_balloon_init(void)
{
	return register_virtio_driver(&virtio_balloon_driver);
}

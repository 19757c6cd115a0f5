/* virtio-balloon: the requests to the device (virtio_balloon_internal.h): inflate and deflate
 * batches, num_pages and actual, and the statistics buffer. One request at a time: the driver adds
 * it to its queue, kicks, and waits (bounded) for the device to use it. */
#include "drivers/virtio_balloon.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "mm/arch.h"
#include "mm/gfp.h"
#include "mm/mmzone.h"
#include "mm/page_offline.h"
#include "virtio_balloon_internal.h"

void vb_set_broken(struct virtio_balloon *vb, const char *fmt, ...)
{
	va_list ap;

	if (vb->broken)
		return;
	va_start(ap, fmt);
	vscnprintf(vb->broken_why, sizeof(vb->broken_why), fmt, ap);
	va_end(ap);
	vb->broken = true;
	pr_err("virtio-balloon: %s: device broken: %s; its %lu pages stay in the balloon\n", vb->vdev->name,
	       vb->broken_why, vb->nr_pages);
	virtio_set_failed(vb->vdev);
	cancel_delayed_work(&vb->work);
}

static bool vq_answered(void *arg)
{
	return virtqueue_has_used(arg) || virtqueue_is_broken(arg);
}

/* Sends vb->pfns[0..n) on vq and waits for the device to use them. 0, or -EIO (broken: logged). */
int vb_tell(struct virtio_balloon *vb, struct virtqueue *vq, unsigned n)
{
	struct vq_buf out = {virt_to_phys(vb->pfns), n * (u32)sizeof(u32)};
	void *token;
	int err;

	if (vb->broken)
		return -EIO;
	vb->in_request = true;
	err = virtqueue_add(vq, &out, 1, NULL, 0, vb->pfns);
	if (!err && !virtqueue_kick(vq))
		err = -EIO;
	if (err) {
		vb->in_request = false;
		vb_set_broken(vb, "cannot send on %s: %s", vq->name, errname(err));
		return -EIO;
	}
	token = virtqueue_get_buf(vq, NULL);
	if (!token && !virtqueue_is_broken(vq)) {
		wait_until(vq_answered, vq, VB_REQ_TIMEOUT_NS);
		token = virtqueue_get_buf(vq, NULL);
	}
	vb->in_request = false;
	if (token == vb->pfns)
		return 0;
	if (virtqueue_is_broken(vq))
		vb_set_broken(vb, "%s broken: %s", vq->name, vq->broken_why);
	else if (token)
		vb_set_broken(vb, "%s answered a request it was not given", vq->name);
	else
		vb_set_broken(vb, "no answer on %s within %llu ms", vq->name, VB_REQ_TIMEOUT_NS / 1000000);
	return -EIO;
}

void vb_write_actual(struct virtio_balloon *vb)
{
	u32 actual = (u32)vb->nr_pages;
	int err = vb->vdev->config->set(vb->vdev, offsetof(struct virtio_balloon_config, actual), &actual,
					sizeof(actual));
	if (err)
		vb_set_broken(vb, "cannot write actual: %s", errname(err));
}

u32 vb_page_pfn(struct page *page)
{
	return (u32)(PFN_PHYS(page_to_pfn(page)) >> VIRTIO_BALLOON_PFN_SHIFT);
}

/* Takes up to n free pages and tells the device. Returns the pages inflated (0: none free, the
 * guest's reserve reached, or the device broke). */
unsigned vb_inflate(struct virtio_balloon *vb, unsigned n)
{
	LIST_HEAD(batch);
	unsigned got = 0;

	while (got < n) {
		if (nr_free_pages() <= VB_RESERVE_PAGES) {
			vb->at_limit = true;
			break;
		}
		struct page *page = offline_page_take(vb->movable ? vb->owner_id : 0);
		if (!page)
			break;
		if (page_to_pfn(page) > 0xffffffffUL >> (VIRTIO_BALLOON_PFN_SHIFT - PAGE_SHIFT)) {
			offline_page_return(page); /* a page frame number the queue cannot carry */
			vb->at_limit = true;
			break;
		}
		vb->pfns[got++] = vb_page_pfn(page);
		list_add_tail(&page->lru, &batch);
	}
	if (!got)
		return 0;
	/* Pages the device may have taken stay in the balloon, even if it broke meanwhile. */
	int err = vb_tell(vb, vb->inflate_vq, got);
	list_splice_tail(&batch, &vb->pages);
	vb->nr_pages += got;
	if (err)
		return 0;
	vb->inflated += got;
	return got;
}

/* Gives up to n pages back. With MUST_TELL_HOST the device hears of them before the guest may use
 * them; without it they are freed first, as the specification allows. Returns the pages deflated. */
unsigned vb_deflate(struct virtio_balloon *vb, unsigned n)
{
	bool tell_first = virtio_has_feature(vb->vdev, VIRTIO_BALLOON_F_MUST_TELL_HOST);
	struct page *page, *next;
	LIST_HEAD(batch);
	unsigned got = 0;

	if (vb->broken)
		return 0;
	while (got < n && !list_empty(&vb->pages)) {
		page = list_first_entry(&vb->pages, struct page, lru);
		list_move_tail(&page->lru, &batch);
		vb->pfns[got++] = vb_page_pfn(page);
	}
	if (!got)
		return 0;
	if (tell_first && vb_tell(vb, vb->deflate_vq, got)) {
		list_splice(&batch, &vb->pages); /* the device did not hear of them: they stay */
		return 0;
	}
	list_for_each_entry_safe(page, next, &batch, lru) {
		list_del(&page->lru);
		offline_page_return(page);
	}
	vb->nr_pages -= got;
	vb->deflated += got;
	if (!tell_first)
		vb_tell(vb, vb->deflate_vq, got); /* a broken device is logged; the pages are the guest's */
	return got;
}

int vb_read_target(struct virtio_balloon *vb)
{
	u32 num_pages;
	int err = virtio_cread(vb->vdev, struct virtio_balloon_config, num_pages, &num_pages);

	if (err) {
		vb_set_broken(vb, "cannot read num_pages: %s", errname(err));
		return err;
	}
	if (num_pages != vb->target)
		vb->at_limit = false;
	vb->target = num_pages;
	return 0;
}

/* ---- statistics ---- */

static void vb_fill_stats(struct virtio_balloon *vb)
{
	u64 free = (u64)nr_free_pages() << PAGE_SHIFT;

	vb->stats[0] = (struct virtio_balloon_stat){VIRTIO_BALLOON_S_MEMFREE, free};
	vb->stats[1] =
	    (struct virtio_balloon_stat){VIRTIO_BALLOON_S_MEMTOT, (u64)totalram_pages() << PAGE_SHIFT};
	vb->stats[2] = (struct virtio_balloon_stat){VIRTIO_BALLOON_S_AVAIL, free};
}

/* Hands the device a fresh statistics buffer; it keeps it until it wants new figures. */
void vb_send_stats(struct virtio_balloon *vb)
{
	struct vq_buf out = {virt_to_phys(vb->stats), VB_NR_STATS * (u32)sizeof(struct virtio_balloon_stat)};

	vb_fill_stats(vb);
	if (virtqueue_add(vb->stats_vq, &out, 1, NULL, 0, vb->stats) || !virtqueue_kick(vb->stats_vq)) {
		pr_err("virtio-balloon: %s: cannot give the statistics buffer back: %s\n", vb->vdev->name,
		       virtqueue_is_broken(vb->stats_vq) ? vb->stats_vq->broken_why : "queue full");
		return;
	}
	vb->stats_armed = true;
}

void vb_stats_done(struct virtqueue *vq)
{
	struct virtio_balloon *vb = vq->vdev->priv;
	void *token;

	if (!vb)
		return;
	while ((token = virtqueue_get_buf(vq, NULL))) {
		if (token != vb->stats) {
			virtqueue_break(vq, "used a statistics buffer it was not given");
			return;
		}
		vb->stats_armed = false;
		vb->stats_updates++;
	}
	if (!vb->stats_armed && !vb->broken)
		vb_send_stats(vb);
}

void vb_vq_done(struct virtqueue *vq)
{
	(void)vq; /* inflate and deflate answers are reaped by the request that waits for them */
}

/* The virtio-balloon driver's own calls between its files (virtio_balloon.c, virtio_balloon_req.c). */
#ifndef DRIVERS_VIRTIO_BALLOON_INTERNAL_H
#define DRIVERS_VIRTIO_BALLOON_INTERNAL_H

#include "drivers/virtio_balloon.h"
#include "kernel/compiler.h"
#include "mm/page.h"

/* Gives the device up: one line `virtio-balloon: <dev>: device broken: <why>; ...`, FAILED, the work
 * cancelled. Only the first call counts. */
void vb_set_broken(struct virtio_balloon *vb, const char *fmt, ...) __printf(2, 3);
/* Sends vb->pfns[0..n) on vq and waits for the device to use them. 0, or -EIO (broken: logged). */
int vb_tell(struct virtio_balloon *vb, struct virtqueue *vq, unsigned n);
/* Writes the pages held into actual (a failed write breaks the device). */
void vb_write_actual(struct virtio_balloon *vb);
/* The page frame number of page in the queues' 4 KiB units. */
u32 vb_page_pfn(struct page *page);
/* Up to n pages into the balloon / back to the system (docs/BALLOON.md); each returns how many. */
unsigned vb_inflate(struct virtio_balloon *vb, unsigned n);
unsigned vb_deflate(struct virtio_balloon *vb, unsigned n);
/* Reads num_pages into vb->target. 0, or a negative errno (the device is broken). */
int vb_read_target(struct virtio_balloon *vb);
/* Hands the device a fresh statistics buffer; vb_stats_done is the stats queue's callback. */
void vb_send_stats(struct virtio_balloon *vb);
void vb_stats_done(struct virtqueue *vq);
/* The inflate and deflate queues' callback: nothing (the waiting request reaps). */
void vb_vq_done(struct virtqueue *vq);

#endif

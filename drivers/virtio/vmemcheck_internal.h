/* vmemcheck's parts (vmemcheck.c, vmemcheck_req.c): the state of one device's run and the helpers
 * that send requests and report checks. Included only in drivers/virtio/. */
#ifndef DRIVERS_VIRTIO_VMEMCHECK_INTERNAL_H
#define DRIVERS_VIRTIO_VMEMCHECK_INTERNAL_H

#include "drivers/virtio_mem_driver.h"
#include "drivers/vmemcheck.h"

#define NS_PER_MS 1000000ULL

struct vmc {
	struct vmemcheck *c;
	struct virtio_mem *vm;
	struct virtio_mem_config first; /* as found */
	struct virtio_mem_config cfg;	/* as last read */
	u64 bs;
	bool cfg_ok;	     /* block_size and the region make requests possible */
	unsigned cfg_bad_at; /* the check that said it did not */
	bool stop;	     /* the device broke the protocol: nothing more is sent */
	unsigned stop_at;
	char stop_why[200];
	char plugged_drift[200]; /* the first answer plugged_size did not follow */
	char plugged_over[200];	 /* the first time plugged_size was above usable_region_size */
	char fixed_drift[200];	 /* the first change of a fixed field, or shrink of the usable region */
	/* the check being run */
	const char *what, *req;
	bool failed, skipped;
	char why[240];
};

/* One line of the report. */
void vmc_out(struct vmc *d, const char *fmt, ...) __printf(2, 3);
/* A check: vmc_begin (false: it cannot run, already skipped), then any vmc_fail / vmc_skip (the first
 * reason is kept; a failure wins over a skip), then vmc_end prints its line. vmc_begin_req also needs
 * a configuration that requests can be made of. */
bool vmc_begin(struct vmc *d, const char *what, const char *req);
bool vmc_begin_req(struct vmc *d, const char *what, const char *req);
void vmc_fail(struct vmc *d, const char *fmt, ...) __printf(2, 3);
void vmc_skip(struct vmc *d, const char *fmt, ...) __printf(2, 3);
void vmc_end(struct vmc *d);
/* Skips the check with why unless cond. Returns cond. */
bool vmc_need(struct vmc *d, bool cond, const char *why);
/* Sends one request, BUSY tried again; the configuration is read after the answer and plugged_size
 * checked against it. The answer, -EBUSY (stayed busy: skipped) or -EIO (broke the protocol: failed,
 * nothing more is sent). */
int vmc_ask(struct vmc *d, u16 type, u64 addr, u16 nb, const char *label);
/* vmc_ask, and the answer must be want (else the check fails naming both). */
int vmc_expect(struct vmc *d, u16 type, u64 addr, u16 nb, int want, const char *label);
/* A STATE request that must be answered RESP_ACK with state want. */
bool vmc_expect_state(struct vmc *d, u64 addr, u16 nb, unsigned want, const char *label);
/* Reads the configuration into d->cfg; after_type is the request just answered (or -1). */
bool vmc_reread(struct vmc *d, int after_type);
const char *vmc_resp_name(int r);

/* vmemcheck_req.c: every check that sends requests, then the device left with nothing plugged. */
void vmc_check_requests(struct vmc *d);

#endif

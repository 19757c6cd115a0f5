/* vmemcheck: a conformance report for virtio-mem devices (docs/VMEMCHECK.md).
 *
 * The checker drives a device through the device requirements of the virtio specification's Memory
 * Device section and prints what held as TAP: `ok N - <device>: <what> [<requirement>]`,
 * `not ok N - ... # device answered X, the specification requires Y`, `ok N - ... # SKIP <why>`,
 * then the plan `1..N` and `N passed, N failed[, N skipped]`.
 *
 *   vmemcheck.c         the checks, on a struct virtio_mem whose queue is ready (shared request and
 *                       configuration code: virtio_mem_req.c)
 *   vmemcheck_driver.c  the checker's own virtio driver, for the `vmemcheck` boot mode
 *   vmemcheck_run.c     the boot parameter, the boot mode's exit and the `vmemcheck` shell command
 *
 * It never touches device memory: it plugs, asks and unplugs, and leaves the device with nothing
 * plugged. Everything runs in process context; waits are bounded. */
#ifndef DRIVERS_VMEMCHECK_H
#define DRIVERS_VMEMCHECK_H

#include "kernel/compiler.h"
#include "kernel/types.h"

struct virtio_mem;
struct virtio_device;

#define VMEMCHECK_WAIT_DEFAULT_S 10   /* for the host to change requested_size */
#define VMEMCHECK_WAIT_MAX_S	 600  /* the most `vmemcheck=` and the shell command take */
#define VMEMCHECK_IRQ_WAIT_MS	 1000 /* for the config-change interrupt after requested_size changed */
#define VMEMCHECK_BUSY_TRIES	 20   /* a request answered BUSY is sent again this often, */
#define VMEMCHECK_BUSY_WAIT_MS	 50   /*   this far apart */

struct vmemcheck {
	/* set by the caller */
	unsigned wait_s;		 /* seconds to wait for the host to change requested_size (0: skip) */
	void (*print)(const char *line); /* one line of the report, without its '\n' */
	/* the report so far */
	unsigned n, passed, failed, skipped;
};

/* Starts a report: `TAP version 13`. */
void vmemcheck_begin(struct vmemcheck *c);
/* Runs every check on vm, whose request queue is set up and live (DRIVER_OK) and which nobody else
 * drives meanwhile. A device with memory plugged is refused before anything is sent to it: then
 * -EBUSY with the reason in why and nothing reported. Otherwise 0: the checks are in the report. */
int vmemcheck_device(struct vmemcheck *c, struct virtio_mem *vm, char *why, size_t n);
/* Reports one failed check for a device that could not be checked at all (what, e.g. "the features
 * were accepted", and why). */
void vmemcheck_fail(struct vmemcheck *c, const char *dev, const char *what, const char *req, const char *why);
/* Ends the report: the plan and the summary line. */
void vmemcheck_end(struct vmemcheck *c);

/* ---- vmemcheck_driver.c: the boot mode ---- */
/* Registers the checker's virtio driver (the virtio-mem driver is not registered in this mode) and
 * checks every virtio-mem device the virtio core knows: the whole report, begin to end, goes through
 * c. A device whose handshake failed, one refused as in use, and no device at all are failures. */
void vmemcheck_all(struct vmemcheck *c);

/* ---- vmemcheck_run.c ---- */
/* `vmemcheck` was on the command line. */
bool vmemcheck_requested_at_boot(void);
/* The boot mode: checks every device, prints the report on the console and leaves QEMU through
 * isa-debug-exit, status 33 when every check passed (skips allowed), 35 otherwise (without the
 * device: ACPI power-off). */
__noreturn void vmemcheck_boot(void);

#endif

/* The harness of the virtio-mem driver's host tests (tests/host/vmem_harness.c): a fake device on
 * fake physical memory, fake time, each case in a child process, and check_all, every rule the
 * driver keeps checked from the outside. */
#ifndef TESTS_HOST_VMEM_HARNESS_H
#define TESTS_HOST_VMEM_HARNESS_H

#include "drivers/virtio_mem_driver.h"
#include "vmem_fake.h"

#define BASE (4 * GiB)

extern struct vmem_fake dev[3];
extern int n_pass, n_fail;

/* Runs fn in a child process (the driver, the virtio core and mm keep static state) and counts it;
 * a crash is one FAIL, not the end of the run. */
void run_case(const char *name, void (*fn)(void));
/* Registers a fake device of region [addr, addr + region) and returns the driver's state for it. */
struct virtio_mem *start(struct vmem_fake *f, u64 addr, u64 region, u64 bs, u64 requested, u64 plugged);
/* Boots fake mm and resets fake time. */
void boot(void);
/* Lets the driver work: queued work now, then `ms` of fake time for back-off timers. */
void settle(unsigned ms);
/* The host sets requested_size; queued work runs. */
void resize(struct vmem_fake *f, u64 bytes);
/* Every rule the driver keeps; the number of violations (the first few printed as INFO lines). */
unsigned check_all(struct virtio_mem *vm, struct vmem_fake *f);
/* The log has `resize done: plugged=bytes requested=bytes`. */
bool done_line(struct virtio_mem *vm, u64 bytes);

#endif

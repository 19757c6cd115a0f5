#ifndef KERNEL_IDLE_H
#define KERNEL_IDLE_H

/* What the shell does while it waits for input (kernel/workqueue.c): sleep until the next tick, so the
 * kworker and other threads run; before the kworker starts, run deferred work and halt until an
 * interrupt. */
void idle_wait(void);

#endif

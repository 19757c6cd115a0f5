#ifndef KERNEL_IDLE_H
#define KERNEL_IDLE_H

/* What the shell does while it waits for input: run deferred work, then sleep until an interrupt
 * (kernel/workqueue.c). */
void idle_wait(void);

#endif

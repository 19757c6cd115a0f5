#ifndef KERNEL_IDLE_H
#define KERNEL_IDLE_H

/* What the shell does while it waits for input: run deferred work, then sleep until an interrupt.
 * The default (kernel/idle.c) only spins politely; the device layer replaces it once interrupts and
 * the workqueue exist. */
void idle_wait(void);

#endif

#ifndef KERNEL_EXIT_H
#define KERNEL_EXIT_H

#include "kernel/compiler.h"

/* Leave QEMU through isa-debug-exit (port 0xf4): success → QEMU status 33, failure → 35. Where the
 * device is absent the write does nothing: then interrupts are masked and the CPU halts forever
 * (the runner's timeout ends QEMU). For a power-off that also works without the device, use
 * machine_poweroff() (include/kernel/power.h). */
__noreturn void qemu_exit(bool success);
/* Just the write: returns if the device is absent. */
void qemu_debug_exit_try(bool success);

#endif

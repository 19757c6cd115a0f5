#ifndef KERNEL_POWER_H
#define KERNEL_POWER_H

#include "kernel/compiler.h"

/* Power the machine off: isa-debug-exit when present (QEMU status 33), else ACPI S5. */
__noreturn void machine_poweroff(void);
/* Reset: the ACPI reset register, else the keyboard controller, else a triple fault. */
__noreturn void machine_reboot(void);

#endif

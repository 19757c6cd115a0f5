/* The kernel's own symbol table (kernel/ksyms.c), so a fault report names functions without
 * addr2line: `fault: called from 0xffffffff8010a2b4 cmd_crash+0x24/0x60`. The table is generated at
 * build time (scripts/ksyms, a second link); an image linked without it names nothing. */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include "kernel/types.h"

/* Writes "name+0xoff/0xsize" for a kernel text address into buf and returns buf; NULL when addr is
 * in no function the table knows (or there is no table). */
const char *ksym_describe(u64 addr, char *buf, size_t size);
/* The same for a return address: the function is the one holding the call (the byte before `ret`,
 * so a call that ends a function that never returns is named right); the offset is ret's. */
const char *ksym_describe_return(u64 ret, char *buf, size_t size);

#endif

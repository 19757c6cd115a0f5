/* Character classes: the C library's <ctype.h> (newlib in the kernel, glibc on the host), in the
 * "C" locale the kernel never leaves. */
#ifndef LIB_CTYPE_H
#define LIB_CTYPE_H

#include <ctype.h>

#endif

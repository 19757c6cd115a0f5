/* Compiler helpers shared by the kernel and the host builds. */
#ifndef KERNEL_COMPILER_H
#define KERNEL_COMPILER_H

#include "kernel/types.h"

/* newlib's <sys/cdefs.h> defines some of these names the same way; ours win (#undef first). */
#undef __packed
#undef __aligned
#undef __noreturn
#undef __unused
#undef __printf
#undef __section
#define __packed       __attribute__((packed))
#define __aligned(x)   __attribute__((aligned(x)))
#define __noreturn     __attribute__((noreturn))
#define __unused       __attribute__((unused))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __section(s)   __attribute__((section(s)))
#define likely(x)      __builtin_expect(!!(x), 1)
#define unlikely(x)    __builtin_expect(!!(x), 0)

#define barrier()	 __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x)	 (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define ARRAY_SIZE(a)			(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define ALIGN_DOWN(x, a)   ((x) & ~((__typeof__(x))(a)-1))
#define ALIGN_UP(x, a)	   ALIGN_DOWN((x) + ((__typeof__(x))(a)-1), (a))
#define IS_ALIGNED(x, a)   (((x) & ((__typeof__(x))(a)-1)) == 0)
#define IS_POWER_OF_2(x)   ((x) != 0 && ((x) & ((x)-1)) == 0)
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))

#define SZ_4K	0x1000ULL
#define SZ_2M	0x200000ULL
#define SZ_128M 0x8000000ULL
#define SZ_1G	0x40000000ULL

#endif

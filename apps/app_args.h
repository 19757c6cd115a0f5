/* Argument parsing for the programs in apps/ (apps/app_args.c): plain C on the C library, so the host
 * tests build it against glibc (tests/host/test_app_args.c). */
#ifndef APPS_APP_ARGS_H
#define APPS_APP_ARGS_H

#include <stddef.h>

/* A size in bytes: decimal digits with an optional K, M or G suffix (binary; either case), "1M",
 * "700M", "4096". Returns 0 and sets *out, or -1 for anything else, 0, or more than max. */
int app_parse_size(const char *s, size_t max, size_t *out);
/* A whole number lo..hi in decimal. Returns 0 and sets *out, or -1. */
int app_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);

#endif

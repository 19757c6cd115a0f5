/* Numbers and sizes as users type them on the command line and in the shell (kernel/lib/parse.c). */
#ifndef LIB_PARSE_H
#define LIB_PARSE_H

#include "kernel/types.h"

/* Parses the whole of s as an unsigned 64-bit number: decimal ("4096"), or hexadecimal after "0x" or
 * "0X" ("0x1000"). A leading 0 does not mean octal. No sign, no white space.
 * Returns 0 and sets *out, -EINVAL when s is empty or holds anything else, -ERANGE past 2^64-1. */
int parse_u64(const char *s, u64 *out);

/* Parses a size in bytes: a number as parse_u64 takes it, optionally followed by one binary suffix
 * K, M, G or T (either case; 2^10 .. 2^40), which may itself be followed by "B" or "iB" ("64K",
 * "256m", "1G", "2GiB", "0x10M"). Returns 0, -EINVAL for anything else, -ERANGE past 2^64-1. */
int parse_size(const char *s, u64 *out);

/* Writes bytes in the shortest exact form parse_size reads back: "1G", "300M", "4K", or plain bytes
 * ("4097") when not a multiple of 1 KiB; "0" for zero. Uses the largest of T, G, M, K that divides
 * bytes exactly. Always NUL-terminates (when n > 0) and returns buf. 24 bytes always suffice. */
char *format_size(char *buf, size_t n, u64 bytes);

#define FORMAT_SIZE_MAX 24

/* Parses a switch as boot parameters take it: exactly "0" (false) or "1" (true). Returns 0 and sets
 * *out; -EINVAL for anything else, NULL (a parameter given without a value) included. */
int parse_01(const char *s, bool *out);

#endif

/* Argument parsing for the programs (apps/app_args.h), on newlib's strtoul. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "app_args.h"

/* strtoul with the checks it leaves to the caller: digits first (no sign, no space), no overflow. */
static int read_decimal(const char *s, unsigned long *out, char **end)
{
	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*out = strtoul(s, end, 10);
	return errno == ERANGE ? -1 : 0;
}

int app_parse_size(const char *s, size_t max, size_t *out)
{
	unsigned long v;
	unsigned shift = 0;
	char *end;

	if (read_decimal(s, &v, &end))
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (shift && end[1])
		return -1;
	if (v == 0 || v > (max >> shift))
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

int app_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (read_decimal(s, &v, &end) || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

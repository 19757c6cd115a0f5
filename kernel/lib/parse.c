/* Number and size parsing for the command line and the shell (see include/lib/parse.h). */
#include "kernel/errno.h"
#include "lib/parse.h"
#include "lib/printf.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Reads the number at *s (decimal, or hex after 0x) and advances *s past its digits.
 * Returns 0, -EINVAL when there are no digits, or -ERANGE when the value does not fit in 64 bits (the
 * digits are still consumed, so the caller can tell junk from overflow). */
static int read_number(const char **s, u64 *out)
{
	const char *p = *s;
	unsigned base = 10;
	bool overflow = false;
	u64 v = 0;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		base = 16;
		p += 2;
	}
	if (digit_value(*p) >= (int)base)
		return -EINVAL;
	for (; (d = digit_value(*p)) < (int)base; p++) {
		if (v > (UINT64_MAX - (u64)d) / base)
			overflow = true;
		v = v * base + (u64)d;
	}
	*s = p;
	*out = v;
	return overflow ? -ERANGE : 0;
}

int parse_u64(const char *s, u64 *out)
{
	u64 v;
	int err = read_number(&s, &v);

	if (err == -EINVAL || *s)
		return -EINVAL;
	if (err)
		return err;
	*out = v;
	return 0;
}

static int suffix_shift(char c)
{
	switch (c) {
	case 'K':
	case 'k':
		return 10;
	case 'M':
	case 'm':
		return 20;
	case 'G':
	case 'g':
		return 30;
	case 'T':
	case 't':
		return 40;
	default:
		return -1;
	}
}

int parse_size(const char *s, u64 *out)
{
	int shift = 0;
	u64 v;
	int err = read_number(&s, &v);

	if (err == -EINVAL)
		return err;
	if (*s) {
		shift = suffix_shift(*s);
		if (shift < 0)
			return -EINVAL;
		s++;
		if (s[0] == 'i' && s[1] == 'B')
			s += 2;
		else if (s[0] == 'B')
			s++;
		if (*s)
			return -EINVAL;
	}
	if (err)
		return err;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

char *format_size(char *buf, size_t n, u64 bytes)
{
	static const char units[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		unsigned shift = 10 * (unsigned)(i + 1);

		if (bytes && !(bytes & ((1ULL << shift) - 1))) {
			snprintf(buf, n, "%llu%c", (bytes >> shift), units[i]);
			return buf;
		}
	}
	snprintf(buf, n, "%llu", bytes);
	return buf;
}

int parse_01(const char *s, bool *out)
{
	if (!s || (s[0] != '0' && s[0] != '1') || s[1])
		return -EINVAL;
	*out = s[0] == '1';
	return 0;
}

/* vsnprintf for the kernel: integers, characters, strings and pointers (see include/lib/printf.h). */
#include "lib/printf.h"
#include "lib/string.h"

#define INT_MAX_ 0x7fffffff

/* Output cursor: bytes beyond size-1 are counted but not stored. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, size_t n)
{
	while (n--)
		put(o, *s++);
}

/* One parsed conversion specification. */
struct spec {
	bool left, zero, plus, space, alt, upper;
	int width;
	int prec; /* -1: none given */
	unsigned base;
};

/* Formats v (the magnitude; neg says it was negative) as C99 says for d/i/u/o/x/X; `is_signed`
 * enables the sign flags, `prefix` forces a 0x prefix (for %p). */
static void put_number(struct out *o, u64 v, bool neg, bool is_signed, const char *prefix,
		       const struct spec *sp)
{
	const char *set = sp->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24], pre[3];
	int nd = 0, np = 0, zeros, pad;

	for (u64 x = v; x; x /= sp->base)
		digits[nd++] = set[x % sp->base];

	/* Precision is the minimum number of digits; the default is 1, so 0 prints as "0". */
	zeros = (sp->prec < 0 ? 1 : sp->prec) - nd;
	if (zeros < 0)
		zeros = 0;
	if (sp->alt && sp->base == 8 && zeros == 0)
		zeros = 1; /* '#' with %o: the first digit is a 0 */

	if (is_signed && neg)
		pre[np++] = '-';
	else if (is_signed && sp->plus)
		pre[np++] = '+';
	else if (is_signed && sp->space)
		pre[np++] = ' ';
	if (prefix) {
		pre[np++] = prefix[0];
		pre[np++] = prefix[1];
	} else if (sp->alt && sp->base == 16 && v) {
		pre[np++] = '0';
		pre[np++] = sp->upper ? 'X' : 'x';
	}

	pad = sp->width - (np + zeros + nd);
	if (pad > 0 && !sp->left && sp->zero && sp->prec < 0) {
		zeros += pad; /* '0' pads between the sign or prefix and the digits */
		pad = 0;
	}
	if (!sp->left)
		put_n(o, ' ', pad);
	put_str(o, pre, (size_t)np);
	put_n(o, '0', zeros);
	while (nd)
		put(o, digits[--nd]);
	if (sp->left)
		put_n(o, ' ', pad);
}

static void put_padded(struct out *o, const char *s, size_t n, const struct spec *sp)
{
	int pad = n < (size_t)sp->width ? sp->width - (int)n : 0;

	if (!sp->left)
		put_n(o, ' ', pad);
	put_str(o, s, n);
	if (sp->left)
		put_n(o, ' ', pad);
}

/* Reads a decimal field (width or precision), saturating far below INT_MAX. */
static int read_num(const char **fmt)
{
	int n = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		if (n < 100000000)
			n = n * 10 + (**fmt - '0');
		(*fmt)++;
	}
	return n;
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};

	while (*fmt) {
		const char *start = fmt;
		struct spec sp = {.prec = -1, .base = 10};
		enum length len = LEN_INT;
		bool is_signed = false;
		u64 v;
		s64 sv;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == ' ')
				sp.space = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			fmt++;
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = sp.width == -INT_MAX_ - 1 ? INT_MAX_ : -sp.width;
			}
		} else {
			sp.width = read_num(&fmt);
		}
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				fmt++;
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1; /* a negative precision counts as none */
			} else {
				sp.prec = read_num(&fmt);
			}
		}
		switch (*fmt) {
		case 'h':
			len = fmt[1] == 'h' ? LEN_CHAR : LEN_SHORT;
			fmt += fmt[1] == 'h' ? 2 : 1;
			break;
		case 'l':
			len = fmt[1] == 'l' ? LEN_LLONG : LEN_LONG;
			fmt += fmt[1] == 'l' ? 2 : 1;
			break;
		case 'z':
		case 'j':
		case 't':
			len = LEN_SIZE; /* size_t, intmax_t, ptrdiff_t: all 64 bits here */
			fmt++;
			break;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			is_signed = true;
			switch (len) {
			case LEN_CHAR:
				sv = (signed char)va_arg(ap, int);
				break;
			case LEN_SHORT:
				sv = (short)va_arg(ap, int);
				break;
			case LEN_INT:
				sv = va_arg(ap, int);
				break;
			case LEN_LONG:
				sv = va_arg(ap, long);
				break;
			case LEN_LLONG:
				sv = va_arg(ap, long long);
				break;
			default:
				sv = va_arg(ap, s64);
				break;
			}
			/* The magnitude of a negative value, INT64_MIN included, without signed overflow. */
			v = sv < 0 ? 0 - (u64)sv : (u64)sv;
			put_number(&o, v, sv < 0, is_signed, NULL, &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			sp.base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			sp.upper = *fmt == 'X';
			switch (len) {
			case LEN_CHAR:
				v = (unsigned char)va_arg(ap, unsigned int);
				break;
			case LEN_SHORT:
				v = (unsigned short)va_arg(ap, unsigned int);
				break;
			case LEN_INT:
				v = va_arg(ap, unsigned int);
				break;
			case LEN_LONG:
				v = va_arg(ap, unsigned long);
				break;
			case LEN_LLONG:
				v = va_arg(ap, unsigned long long);
				break;
			default:
				v = va_arg(ap, u64);
				break;
			}
			put_number(&o, v, false, false, NULL, &sp);
			break;
		case 'p':
			sp.base = 16;
			sp.prec = 16;
			sp.zero = false;
			put_number(&o, (u64)(uintptr_t)va_arg(ap, void *), false, false, "0x", &sp);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_padded(&o, &c, 1, &sp);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			put_padded(&o, s, sp.prec < 0 ? strlen(s) : strnlen(s, (size_t)sp.prec), &sp);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown conversion (or the format ended): copy it as written. */
			if (!*fmt) {
				put_str(&o, start, (size_t)(fmt - start));
				continue;
			}
			put_str(&o, start, (size_t)(fmt - start) + 1);
			break;
		}
		fmt++;
	}

	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX_ ? -1 : (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

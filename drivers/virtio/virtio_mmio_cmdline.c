/* The virtio_mmio.device= description of a device, parsed as Linux parses it (include/drivers/
 * virtio_mmio.h); pure, so the host tests run it. */
#include "drivers/virtio_mmio.h"
#include "kernel/errno.h"
#include "lib/printf.h"

/* simple_strtoull with base 0: "0x" hexadecimal, a leading "0" octal, else decimal. Advances *s past
 * the digits; -EINVAL when there are none, -ERANGE past 2^64-1. */
static int read_base0(const char **s, u64 *out)
{
	const char *p = *s;
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	u64 v = 0;
	bool overflow = false;
	const char *start = p;
	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (p == start)
		return -EINVAL;
	*s = p;
	*out = v;
	return overflow ? -ERANGE : 0;
}

/* memparse: a number, then an optional binary suffix K M G T P E. */
static int read_memparse(const char **s, u64 *out)
{
	int err = read_base0(s, out);
	if (err)
		return err;
	unsigned shift = 0;
	switch (**s) {
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
	case 't':
	case 'T':
		shift = 40;
		break;
	case 'p':
	case 'P':
		shift = 50;
		break;
	case 'e':
	case 'E':
		shift = 60;
		break;
	}
	if (shift) {
		(*s)++;
		if (*out > (UINT64_MAX >> shift))
			return -ERANGE;
		*out <<= shift;
	}
	return 0;
}

static int read_decimal(const char **s, u64 *out)
{
	const char *p = *s;
	u64 v = 0;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > 0xffffffffULL)
			return -ERANGE;
		v = v * 10 + (u64)(*p - '0');
	}
	*s = p;
	*out = v;
	return 0;
}

static int refuse(char *why, size_t n, const char *what)
{
	snprintf(why, n, "%s; the form is <size>@<base>:<irq>[:<id>]", what);
	return -EINVAL;
}

int virtio_mmio_parse_desc(const char *s, struct virtio_mmio_desc *d, char *why, size_t why_len)
{
	u64 size, base, irq, id = 0;
	*d = (struct virtio_mmio_desc){0};
	if (!s || !*s)
		return refuse(why, why_len, "no device described");
	int err = read_memparse(&s, &size);
	if (err)
		return refuse(why, why_len, err == -ERANGE ? "the size is past 2^64" : "no size before '@'");
	if (*s != '@')
		return refuse(why, why_len, "the size is not followed by '@'");
	s++;
	if (*s == '-')
		return refuse(why, why_len, "the base address is negative");
	err = read_memparse(&s, &base);
	if (err)
		return refuse(why, why_len,
			      err == -ERANGE ? "the base address is past 2^64" : "no base address");
	if (*s != ':')
		return refuse(why, why_len,
			      "no ':<irq>' after the base address (the interrupt line is missing)");
	s++;
	if (read_decimal(&s, &irq) || irq > 0xffffffffULL)
		return refuse(why, why_len, "the interrupt line is not a decimal number");
	if (*s == ':') {
		s++;
		if (*s == '-')
			return refuse(why, why_len, "the id is negative");
		if (read_decimal(&s, &id) || id > 0x7fffffff)
			return refuse(why, why_len, "the id is not a decimal number");
		d->id_given = true;
	}
	if (*s) {
		snprintf(why, why_len, "'%s' after the description; the form is <size>@<base>:<irq>[:<id>]",
			 s);
		return -EINVAL;
	}
	if (size < VIRTIO_MMIO_CONFIG) {
		snprintf(why, why_len, "size 0x%llx is smaller than the 0x%x bytes of registers", size,
			 VIRTIO_MMIO_CONFIG);
		return -EINVAL;
	}
	if (base + size < base) {
		snprintf(why, why_len, "window 0x%llx+0x%llx wraps past 2^64", base, size);
		return -EINVAL;
	}
	if (irq == 0)
		return refuse(why, why_len, "irq 0 is the timer's, no device's");
	d->base = base;
	d->size = size;
	d->irq = (unsigned)irq;
	d->id = (int)id;
	return 0;
}

int virtio_mmio_add_desc(struct virtio_mmio_desc *t, unsigned *n, const struct virtio_mmio_desc *d, char *why,
			 size_t why_len)
{
	/* Linux's counter: the id after the last device's, given or counted. */
	int next_id = *n ? t[*n - 1].id + 1 : 0;
	for (unsigned i = 0; i < *n; i++) {
		const struct virtio_mmio_desc *o = &t[i];
		if (d->base < o->base + o->size && o->base < d->base + d->size) {
			snprintf(why, why_len,
				 "window [mem 0x%llx-0x%llx] overlaps device %d's [mem 0x%llx-0x%llx]",
				 d->base, d->base + d->size - 1, o->id, o->base, o->base + o->size - 1);
			return -EINVAL;
		}
	}
	if (*n == VIRTIO_MMIO_MAX_DEVICES) {
		snprintf(why, why_len, "more than %d devices", VIRTIO_MMIO_MAX_DEVICES);
		return -ENOSPC;
	}
	struct virtio_mmio_desc e = *d;
	if (!e.id_given)
		e.id = next_id;
	for (unsigned i = 0; i < *n; i++)
		if (t[i].id == e.id) {
			snprintf(why, why_len, "id %d%s is taken by the device at 0x%llx", e.id,
				 d->id_given ? "" : " (the one after the last device's)", t[i].base);
			return -EINVAL;
		}
	t[*n] = e;
	(*n)++;
	return 0;
}

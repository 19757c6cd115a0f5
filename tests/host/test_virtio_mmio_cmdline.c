/* host-srcs: drivers/virtio/virtio_mmio_cmdline.c */
/* The virtio_mmio.device= parser against what Linux takes (memparse sizes, 0x and octal numbers,
 * optional ids, several devices) and what no device can be (bad sizes, a missing irq, overlapping
 * windows, trailing junk, taken ids). */
#include <string.h>

#include "drivers/virtio_mmio.h"
#include "host_test.h"
#include "kernel/errno.h"

static char why[160];

static int parse(const char *s, struct virtio_mmio_desc *d)
{
	why[0] = '\0';
	return virtio_mmio_parse_desc(s, d, why, sizeof(why));
}

static void t_good(void)
{
	struct virtio_mmio_desc d;
	test_begin("virtio-mmio-cmdline", "what QEMU microvm and Firecracker append");
	CHECK(parse("512@0xfeb00e00:12", &d) == 0);
	CHECK(d.size == 512 && d.base == 0xfeb00e00 && d.irq == 12 && !d.id_given);
	CHECK(parse("4K@0xd0000000:5", &d) == 0 && d.size == 4096 && d.base == 0xd0000000 && d.irq == 5);
	CHECK(parse("0x200@0xfeb00000:5:3", &d) == 0 && d.size == 0x200 && d.id_given && d.id == 3);
	/* memparse: suffixes either case, octal after a leading 0, suffixes on the base too */
	CHECK(parse("1k@1G:7", &d) == 0 && d.size == 1024 && d.base == 1ULL << 30);
	CHECK(parse("01000@0x1000:9", &d) == 0 && d.size == 512);
	CHECK(parse("1M@4g:10", &d) == 0 && d.size == 1ULL << 20 && d.base == 4ULL << 30);
	test_end();
}

static void t_bad(void)
{
	struct virtio_mmio_desc d;
	test_begin("virtio-mmio-cmdline", "bad sizes, a missing irq, junk: one reason each");
	CHECK(parse("512@0xfeb00e00", &d) == -EINVAL && strstr(why, "interrupt line is missing"));
	CHECK(parse("512@0xfeb00e00:", &d) == -EINVAL && strstr(why, "not a decimal number"));
	CHECK(parse("0@0xfeb00e00:5", &d) == -EINVAL && strstr(why, "smaller than the 0x100 bytes"));
	CHECK(parse("0xff@0xfeb00e00:5", &d) == -EINVAL && strstr(why, "smaller than"));
	CHECK(parse("@0xfeb00e00:5", &d) == -EINVAL && strstr(why, "no size"));
	CHECK(parse("512K0xfeb00e00:5", &d) == -EINVAL && strstr(why, "not followed by '@'"));
	CHECK(parse("512@:5", &d) == -EINVAL && strstr(why, "no base address"));
	CHECK(parse("512@-16:5", &d) == -EINVAL && strstr(why, "negative"));
	CHECK(parse("512@0xfeb00e00:5x", &d) == -EINVAL && strstr(why, "'x' after"));
	CHECK(parse("512@0xfeb00e00:5:1:2", &d) == -EINVAL && strstr(why, "':2' after"));
	CHECK(parse("512@0xfeb00e00:0", &d) == -EINVAL && strstr(why, "irq 0"));
	CHECK(parse("512@0xfeb00e00:0x5", &d) == -EINVAL); /* the irq is decimal, as %u reads it */
	CHECK(parse("99999999999999999999@0:5", &d) == -EINVAL && strstr(why, "past 2^64"));
	CHECK(parse("16E@0:5", &d) == -EINVAL && strstr(why, "past 2^64"));
	CHECK(parse("4K@0xfffffffffffff800:5", &d) == -EINVAL && strstr(why, "wraps"));
	CHECK(parse("", &d) == -EINVAL && parse(NULL, &d) == -EINVAL);
	test_end();
}

static void t_table(void)
{
	struct virtio_mmio_desc t[VIRTIO_MMIO_MAX_DEVICES], d;
	unsigned n = 0;
	test_begin("virtio-mmio-cmdline", "several devices, ids as Linux counts them, overlaps refused");
	CHECK(parse("512@0xfeb00000:5", &d) == 0 && virtio_mmio_add_desc(t, &n, &d, why, sizeof(why)) == 0);
	CHECK(parse("512@0xfeb00200:6", &d) == 0 && virtio_mmio_add_desc(t, &n, &d, why, sizeof(why)) == 0);
	CHECK(n == 2 && t[0].id == 0 && t[1].id == 1);
	/* the last byte of device 1 */
	CHECK(parse("0x100@0xfeb00300:7", &d) == 0);
	CHECK(virtio_mmio_add_desc(t, &n, &d, why, sizeof(why)) == -EINVAL &&
	      strstr(why, "overlaps device 1's"));
	/* a window holding both */
	CHECK(parse("2M@0xfea00000:7", &d) == 0);
	CHECK(virtio_mmio_add_desc(t, &n, &d, why, sizeof(why)) == -EINVAL &&
	      strstr(why, "overlaps device 0's"));
	CHECK(n == 2);
	/* a given id sets the counter; the one after it follows */
	CHECK(parse("512@0xfeb00400:8:7", &d) == 0 && virtio_mmio_add_desc(t, &n, &d, why, sizeof(why)) == 0);
	CHECK(parse("512@0xfeb00600:9", &d) == 0 && virtio_mmio_add_desc(t, &n, &d, why, sizeof(why)) == 0);
	CHECK(t[2].id == 7 && t[3].id == 8);
	CHECK(parse("512@0xfeb00800:9:1", &d) == 0);
	CHECK(virtio_mmio_add_desc(t, &n, &d, why, sizeof(why)) == -EINVAL && strstr(why, "id 1 is taken"));
	/* adjacent windows are fine, up to the table's size */
	for (unsigned i = 0; n < VIRTIO_MMIO_MAX_DEVICES; i++) {
		CHECK(parse("512@0xfeb01000:10", &d) == 0);
		d.base += 512 * i;
		CHECK(virtio_mmio_add_desc(t, &n, &d, why, sizeof(why)) == 0);
	}
	CHECK(parse("512@0xfec00000:11", &d) == 0);
	CHECK(virtio_mmio_add_desc(t, &n, &d, why, sizeof(why)) == -ENOSPC && strstr(why, "more than"));
	CHECK(n == VIRTIO_MMIO_MAX_DEVICES);
	test_end();
}

int main(void)
{
	t_good();
	t_bad();
	t_table();
	return test_summary();
}

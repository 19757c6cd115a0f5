// clang-format off
/* host-srcs: drivers/virtio/virtio_pci_irq.c drivers/pci/pci_msix.c drivers/pci/pci_access.c drivers/pci/pci_caps.c kernel/lib/errname.c tests/host/pci_fake.c */
// clang-format on
/* virtio-pci interrupt wiring on the host: MSI-X with a vector per queue, one shared by the queues,
 * INTx with MSI-X off, or polling, against a fake device that refuses its configuration vector or
 * queue vectors, has fewer MSI-X table entries than queues, or meets a CPU with no free vector. After
 * every fallback nothing of the failed attempt is left: no vector allocated, its table entries
 * masked, the device's registers back at VIRTIO_MSI_NO_VECTOR, MSI-X off before INTx. */
#include <string.h>

#include "drivers/virtio_pci.h"
#include "host_test.h"
#include "kernel/errno.h"
#include "pci_fake.h"
#include <asm/mmio.h>

#define BAR_BASE 0xfebf0000ULL
#define BAR_SIZE 0x1000
#define CAP	 0x40
#define LINE	 11

/* ---- the MSI-X table: host memory a fake ioremap hands out ---- */
static u8 bar_mem[BAR_SIZE] __attribute__((aligned(16)));

void __iomem *ioremap(phys_addr_t phys, u64 size)
{
	if (phys < BAR_BASE || phys + size > BAR_BASE + BAR_SIZE)
		return NULL;
	return bar_mem + (phys - BAR_BASE);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static bool entry_masked(unsigned e)
{
	return get32(bar_mem + 16 * e + 12) & 1;
}

static u32 entry_data(unsigned e)
{
	return get32(bar_mem + 16 * e + 8);
}

static bool msix_enabled(void)
{
	return fake_pci[0].cfg[CAP + 3] & 0x80;
}

/* ---- the CPU's MSI vectors and INTx lines (arch/x86_64/irq.c in the kernel) ---- */
#define POOL_FIRST 0x40
static unsigned pool_size; /* vectors the CPU has free at the start of a case */
static bool pool_used[64];
static unsigned intx_requests, intx_frees;
static int intx_line = -1;

int request_msi(irq_handler_t *handler, const char *name, void *dev, u64 *addr, u32 *data)
{
	for (unsigned i = 0; i < pool_size; i++)
		if (!pool_used[i]) {
			pool_used[i] = true;
			*addr = 0xfee00000ULL;
			*data = POOL_FIRST + i;
			return (int)(POOL_FIRST + i);
		}
	return -ENOSPC;
}

void free_msi(int vector)
{
	REQUIRE(vector >= POOL_FIRST && vector < POOL_FIRST + (int)pool_size);
	CHECK(pool_used[vector - POOL_FIRST]); /* never freed twice */
	pool_used[vector - POOL_FIRST] = false;
}

static unsigned vectors_in_use(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < pool_size; i++)
		n += pool_used[i];
	return n;
}

int request_irq(unsigned irq, irq_handler_t *handler, unsigned flags, const char *name, void *dev)
{
	CHECK(flags & IRQF_SHARED);
	intx_requests++;
	intx_line = (int)irq;
	return 0;
}

void free_irq(unsigned irq, void *dev)
{
	CHECK((int)irq == intx_line);
	intx_frees++;
	intx_line = -1;
}

static irqreturn_t handler(int irq, void *dev)
{
	return IRQ_HANDLED;
}

/* ---- the device's vector registers ---- */
static struct {
	unsigned table;	      /* QEMU refuses an entry past its table */
	bool refuse_config;   /* config_msix_vector always reads back NO_VECTOR */
	unsigned refuse_from; /* queue entries >= this read back NO_VECTOR */
	u16 config;
	u16 queue[VP_IRQ_MAX_VQS];
	bool msix_on_at_config_write; /* MSI-X was enabled when the config vector was set */
} dev;

static u16 accept(u16 e, bool refuse)
{
	return e == VIRTIO_MSI_NO_VECTOR || (!refuse && e < dev.table) ? e : VIRTIO_MSI_NO_VECTOR;
}

static u16 dev_config_vector(void *ctx, u16 e)
{
	dev.config = accept(e, dev.refuse_config);
	dev.msix_on_at_config_write = msix_enabled();
	return dev.config;
}

static u16 dev_queue_vector(void *ctx, unsigned q, u16 e)
{
	CHECK(q < VP_IRQ_MAX_VQS);
	dev.queue[q] = accept(e, e >= dev.refuse_from);
	return dev.queue[q];
}

static const struct vp_irq_ops ops = {dev_config_vector, dev_queue_vector};

/* A function with an MSI-X table of `entries` in BAR1, INTx pin A on LINE (pin 0: none), a CPU with
 * `free` MSI vectors, and a device that accepts every vector its table has. */
static void build(struct vp_irq *vi, struct pci_dev *p, unsigned entries, unsigned free, bool pin)
{
	fake_pci_reset();
	struct fake_fn *f = fake_pci_add(0, 4, 0, 0x1af4, 0x1045, 0x00ff0001);
	f->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	f->cfg[PCI_CAPABILITY_LIST] = CAP;
	f->cfg[CAP] = PCI_CAP_ID_MSIX;
	f->cfg[CAP + 2] = (u8)((entries - 1) & 0xff);
	f->cfg[CAP + 3] = (u8)(((entries - 1) >> 8) & 0x7);
	f->cfg[CAP + 4] = 1; /* BIR 1, offset 0 */
	memset(p, 0, sizeof(*p));
	p->dev = 4;
	strcpy(p->name, "0000:00:04.0");
	p->bar[1] = (struct pci_bar){BAR_BASE, BAR_SIZE, 0};
	p->irq_pin = pin ? 1 : 0;
	p->irq_line = LINE;
	memset(bar_mem, 0xee, sizeof(bar_mem));
	memset(pool_used, 0, sizeof(pool_used));
	pool_size = free;
	intx_requests = intx_frees = 0;
	intx_line = -1;
	memset(&dev, 0, sizeof(dev));
	dev.table = entries;
	dev.refuse_from = 0xffff;
	dev.config = VIRTIO_MSI_NO_VECTOR;
	for (unsigned q = 0; q < VP_IRQ_MAX_VQS; q++)
		dev.queue[q] = VIRTIO_MSI_NO_VECTOR;
	*vi = (struct vp_irq){.pdev = p,
			      .ops = &ops,
			      .ctx = NULL,
			      .who = "virtio-pci 0000:00:04.0",
			      .dev = vi,
			      .intx_handler = handler,
			      .config_handler = handler,
			      .queue_handler = handler};
	host_log_clear();
}

/* Nothing of MSI-X is left: no vector, MSI-X off, the first n entries masked, the device's registers
 * at NO_VECTOR. */
static void check_msix_gone(const struct vp_irq *vi, unsigned n, unsigned nvqs)
{
	CHECK(vectors_in_use() == 0);
	CHECK(!msix_enabled());
	for (unsigned e = 0; e < n && e < 16; e++)
		CHECK(entry_masked(e));
	CHECK(dev.config == VIRTIO_MSI_NO_VECTOR);
	for (unsigned q = 0; q < nvqs; q++)
		CHECK(dev.queue[q] == VIRTIO_MSI_NO_VECTOR);
	CHECK(vi->nr_queue_vectors == 0);
	for (unsigned e = 0; e <= VP_IRQ_MAX_VQS; e++)
		CHECK(vi->vector[e] == 0);
}

static void case_per_queue(void)
{
	struct vp_irq vi;
	struct pci_dev p;
	build(&vi, &p, 4, 16, true);
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_MSIX);
	CHECK(dev.config == 0 && dev.msix_on_at_config_write && msix_enabled());
	CHECK(vectors_in_use() == 1 && !entry_masked(0) && entry_data(0) == (u32)vi.vector[0]);
	CHECK(entry_masked(1) && entry_masked(2) && entry_masked(3));
	CHECK(intx_requests == 0 && vi.irq == -1);
	CHECK(!strcmp(vi.name[0], "0000:00:04.0-config"));

	REQUIRE(vp_irq_setup_queues(&vi, 3) == VP_IRQ_MSIX);
	CHECK(vi.nr_queue_vectors == 3 && vectors_in_use() == 4);
	for (unsigned q = 0; q < 3; q++) {
		CHECK(dev.queue[q] == 1 + q);
		CHECK(!entry_masked(1 + q) && entry_data(1 + q) == (u32)vi.vector[1 + q]);
		CHECK(vi.vector[1 + q] != vi.vector[0]);
	}
	CHECK(!strcmp(vi.name[1], "0000:00:04.0-q0") && !strcmp(vi.name[3], "0000:00:04.0-q2"));
	CHECK(host_log_contains("MSI-X: a vector for each of its 3 queues"));

	/* the driver goes (the device was reset): the queue vectors go, the config vector stays and is
	 * written again after the reset */
	vp_irq_release_queues(&vi);
	CHECK(vectors_in_use() == 1 && entry_masked(1) && entry_masked(3) && !entry_masked(0));
	dev.config = VIRTIO_MSI_NO_VECTOR;
	vp_irq_reset(&vi);
	CHECK(dev.config == 0);
	/* a second driver gets them again */
	CHECK(vp_irq_setup_queues(&vi, 2) == VP_IRQ_MSIX && vi.nr_queue_vectors == 2);
	CHECK(vectors_in_use() == 3);
	vp_irq_teardown(&vi);
	check_msix_gone(&vi, 4, 0);
	CHECK(intx_requests == 0 && vi.mode == VP_IRQ_POLL);
}

/* 2 entries, 3 queues: config on entry 0, the three queues on entry 1. */
static void case_table_smaller_than_queues(void)
{
	struct vp_irq vi;
	struct pci_dev p;
	build(&vi, &p, 2, 16, true);
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_MSIX);
	REQUIRE(vp_irq_setup_queues(&vi, 3) == VP_IRQ_MSIX);
	CHECK(vi.nr_queue_vectors == 1 && vectors_in_use() == 2);
	CHECK(dev.queue[0] == 1 && dev.queue[1] == 1 && dev.queue[2] == 1);
	CHECK(!entry_masked(1) && !strcmp(vi.name[1], "0000:00:04.0-queues"));
	CHECK(host_log_contains("no vector per queue (a table of 2 entries, 4 needed): vector 0x"));
	CHECK(host_log_contains("shared by its 3 queues"));

	/* one entry: room for configuration changes only, so no queue vector at all: INTx */
	build(&vi, &p, 1, 16, true);
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_MSIX);
	REQUIRE(vp_irq_setup_queues(&vi, 3) == VP_IRQ_INTX);
	check_msix_gone(&vi, 1, 3);
	CHECK(vi.irq == LINE && intx_line == LINE && intx_requests == 1);
	CHECK(host_log_contains("none shared (a table of 1 entry, 2 needed): MSI-X off, INTx on IRQ 11"));
}

static void case_device_refuses_config(void)
{
	struct vp_irq vi;
	struct pci_dev p;
	build(&vi, &p, 4, 16, true);
	dev.refuse_config = true;
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_INTX);
	check_msix_gone(&vi, 4, 0);
	CHECK(vi.irq == LINE && intx_requests == 1);
	CHECK(host_log_contains("the device refused entry 0 for configuration changes (read back 0xffff): "
				"INTx"));
	/* the queues then have no vectors to set, and are left alone */
	CHECK(vp_irq_setup_queues(&vi, 3) == VP_IRQ_INTX && intx_requests == 1);
	CHECK(dev.queue[0] == VIRTIO_MSI_NO_VECTOR);
	vp_irq_teardown(&vi);
	CHECK(intx_frees == 1 && intx_line == -1);
}

static void case_device_refuses_queues(void)
{
	struct vp_irq vi;
	struct pci_dev p;
	/* every queue vector refused: neither per queue nor shared, INTx with MSI-X off */
	build(&vi, &p, 4, 16, true);
	dev.refuse_from = 0;
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_MSIX);
	REQUIRE(vp_irq_setup_queues(&vi, 3) == VP_IRQ_INTX);
	check_msix_gone(&vi, 4, 3);
	CHECK(vi.irq == LINE && intx_requests == 1);
	CHECK(host_log_contains("no vector per queue (the device refused entry 1 for queue 0 (read back "
				"0xffff)), none shared (the device refused entry 1 for queue 0"));

	/* entries from 2 refused (a device that lies about its table): queue 0 took entry 1, queue 1
	 * refused entry 2; all three then share entry 1 */
	build(&vi, &p, 4, 16, true);
	dev.refuse_from = 2;
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_MSIX);
	REQUIRE(vp_irq_setup_queues(&vi, 3) == VP_IRQ_MSIX);
	CHECK(vi.nr_queue_vectors == 1 && vectors_in_use() == 2);
	CHECK(dev.queue[0] == 1 && dev.queue[1] == 1 && dev.queue[2] == 1);
	CHECK(entry_masked(2) && entry_masked(3) && vi.vector[2] == 0 && vi.vector[3] == 0);
	CHECK(host_log_contains("the device refused entry 2 for queue 1 (read back 0xffff)"));
}

static void case_no_free_vectors(void)
{
	struct vp_irq vi;
	struct pci_dev p;
	/* none at all: INTx from the start, MSI-X never turned on */
	build(&vi, &p, 4, 0, true);
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_INTX);
	check_msix_gone(&vi, 4, 0);
	CHECK(vi.irq == LINE);
	CHECK(host_log_contains("MSI-X: no vector for configuration changes (-ENOSPC): INTx"));

	/* two: config takes one, the first queue the other, the second finds none; the one taken for
	 * queue 0 is given back and the three queues share it */
	build(&vi, &p, 4, 2, true);
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_MSIX);
	REQUIRE(vp_irq_setup_queues(&vi, 3) == VP_IRQ_MSIX);
	CHECK(vi.nr_queue_vectors == 1 && vectors_in_use() == 2);
	CHECK(entry_masked(2) && entry_masked(3));
	CHECK(host_log_contains("no vector per queue (1 of 3 vectors free): vector 0x"));

	/* one: config only; the queues fall back to INTx, and the config vector goes too */
	build(&vi, &p, 4, 1, true);
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_MSIX);
	REQUIRE(vp_irq_setup_queues(&vi, 3) == VP_IRQ_INTX);
	check_msix_gone(&vi, 4, 3);
	CHECK(host_log_contains("none shared (0 of 1 vectors free): MSI-X off, INTx on IRQ 11"));

	/* and no INTx pin either: polled */
	build(&vi, &p, 4, 1, false);
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_MSIX);
	REQUIRE(vp_irq_setup_queues(&vi, 3) == VP_IRQ_POLL);
	check_msix_gone(&vi, 4, 3);
	CHECK(vi.irq == -1 && intx_requests == 0);
	CHECK(host_log_contains("MSI-X off, no INTx line: polled"));
}

/* As many queues as the transport sets up, each with its own vector; no capability at all: INTx. */
static void case_most_queues_and_no_msix(void)
{
	struct vp_irq vi;
	struct pci_dev p;
	build(&vi, &p, 1 + VP_IRQ_MAX_VQS, 32, true);
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_MSIX);
	REQUIRE(vp_irq_setup_queues(&vi, VP_IRQ_MAX_VQS) == VP_IRQ_MSIX);
	CHECK(vi.nr_queue_vectors == VP_IRQ_MAX_VQS && vectors_in_use() == 1 + VP_IRQ_MAX_VQS);
	CHECK(dev.queue[VP_IRQ_MAX_VQS - 1] == VP_IRQ_MAX_VQS);

	build(&vi, &p, 4, 16, true);
	fake_pci[0].cfg[PCI_STATUS] &= (u8)~PCI_STATUS_CAP_LIST;
	REQUIRE(vp_irq_setup(&vi) == VP_IRQ_INTX);
	CHECK(vectors_in_use() == 0 && !msix_enabled() && vi.irq == LINE);
	CHECK(dev.config == VIRTIO_MSI_NO_VECTOR); /* never written */
}

int main(void)
{
	RUN("virtio-pci-irq", "MSI-X, a vector per queue, released and set up again", case_per_queue);
	RUN("virtio-pci-irq", "a table smaller than the queues: shared, or INTx",
	    case_table_smaller_than_queues);
	RUN("virtio-pci-irq", "the device refuses the configuration vector: INTx",
	    case_device_refuses_config);
	RUN("virtio-pci-irq", "the device refuses queue vectors: shared, or INTx",
	    case_device_refuses_queues);
	RUN("virtio-pci-irq", "no free CPU vectors: shared, INTx or polled", case_no_free_vectors);
	RUN("virtio-pci-irq", "a vector for each of 8 queues; no MSI-X capability",
	    case_most_queues_and_no_msix);
	return test_summary();
}

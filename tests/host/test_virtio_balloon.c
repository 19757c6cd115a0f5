/* clang-format off */
/* host-srcs: drivers/virtio/virtio_balloon.c drivers/virtio/virtio_balloon_req.c drivers/virtio/virtio_mmio.c tests/host/virtio_mmio_fake.c drivers/virtio/virtio.c drivers/virtio/virtqueue.c tests/host/virtio_fake.c tests/host/virtio_fake_transport.c tests/host/vmem_fake.c @mm-core @mm-hotplug @mmtest tests/host/mm_fake.c tests/host/hotplug_helpers.c tests/host/offline_inject.c */
/* clang-format on */
/* The virtio-balloon driver against a fake device on fake physical memory: inflate and deflate to
 * num_pages, MUST_TELL_HOST order, the statistics queue, DEFLATE_ON_OOM through the allocator's OOM
 * notifiers, balloon compaction (inflate the new page, then deflate the old) and the unmovable mode,
 * and devices that lie: actual above num_pages, a huge num_pages, num_pages changed mid-inflate, no
 * answer; and the same device behind the virtio-mmio register file. The device model keeps its own set of
 * inflated page frames and checks every request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/virtio_balloon.h"
#include "host_test.h"
#include "hotplug_helpers.h"
#include "kernel/errno.h"
#include "mm/arch.h"
#include "mm/debug.h"
#include "mm/gfp.h"
#include "mm/memory.h"
#include "mm/migrate.h"
#include "mm/mmzone.h"
#include "mm/vmstat.h"
#include "mm_fake.h"
#include "virtio_fake_transport.h"
#include "virtio_mmio_fake.h"
#include "vmem_fake.h"

#define MAP_PFNS (1UL << 20) /* the fake's first 4 GiB */

/* ---- the fake balloon device ---- */
static struct fake_vdev fv;
static unsigned char in_balloon[MAP_PFNS]; /* the device's view: page frames inflated */
static unsigned long dev_pages;		   /* how many */
static unsigned errors;			   /* requests that broke the device's rules */
static unsigned inflates, deflates;	   /* requests */
static unsigned deflated_still_offline;	   /* deflated page frames PageOffline when the device heard */
static unsigned deflated_already_free;
static long change_after_inflates = -1; /* set num_pages to new_target after this many inflates */
static u32 new_target;
static bool no_answer;
static char order_log[64]; /* 'i' and 'd' for single-page requests, in order */
static unsigned order_n;
static struct fake_chain stats_chain; /* the statistics buffer the device holds */
static bool stats_held;

static struct virtio_balloon_config *cfg(void)
{
	return (struct virtio_balloon_config *)fv.config;
}

static void set_target(u32 pages)
{
	cfg()->num_pages = pages;
	fake_vdev_config_change(&fv);
}

static void serve(struct fake_vdev *f, unsigned q)
{
	struct fake_chain c;

	while (fake_vring_pop(&f->dev[q], &c) == 1) {
		for (unsigned i = 0; i < c.n; i++)
			c.buf[i].ptr = phys_to_virt((phys_addr_t)(uintptr_t)c.buf[i].ptr);
		if (q == 2) {
			stats_chain = c;
			stats_held = true;
			continue;
		}
		u32 pfns[VB_BATCH];
		u32 len = fake_chain_read(&c, pfns, sizeof(pfns));
		if (len % 4 || c.in_len)
			errors++;
		for (unsigned i = 0; i < len / 4; i++) {
			u32 p = pfns[i];
			if (p >= MAP_PFNS) {
				errors++;
				continue;
			}
			if (q == 0) {
				errors += in_balloon[p]; /* PageOffline: check_agree (a migration target is
							    not yet) */
				in_balloon[p] = 1;
				dev_pages++;
			} else {
				errors += !in_balloon[p];
				in_balloon[p] = 0;
				dev_pages--;
				if (PageOffline(pfn_to_page(p)))
					deflated_still_offline++;
				else
					deflated_already_free++;
			}
		}
		if (len == 4 && order_n < sizeof(order_log) - 1)
			order_log[order_n++] = q == 0 ? 'i' : 'd';
		q == 0 ? inflates++ : deflates++;
		if (no_answer)
			continue;
		fake_vring_push(&f->dev[q], c.head, 0);
		if (q == 0 && change_after_inflates >= 0 && --change_after_inflates < 0)
			set_target(new_target);
	}
}

static struct mmio_fake mf;

static struct virtio_balloon *start_on(bool mmio, u64 features, u32 num_pages, u32 actual)
{
	static bool registered;

	fake_vdev_init(&fv, VIRTIO_ID_BALLOON, BIT_ULL(VIRTIO_F_VERSION_1) | features,
		       sizeof(struct virtio_balloon_config));
	cfg()->num_pages = num_pages;
	cfg()->actual = actual;
	fv.on_notify = serve;
	if (!registered) {
		registered = true;
		if (virtio_balloon_init())
			return NULL;
	}
	if (mmio) {
		mmio_fake_init(&mf, &fv);
		if (mmio_fake_register(&mf))
			return NULL;
	} else if (register_virtio_device(&fv.vdev)) {
		return NULL;
	}
	return virtio_balloon_get();
}

static struct virtio_balloon *start(u64 features, u32 num_pages, u32 actual)
{
	return start_on(false, features, num_pages, actual);
}

static void boot(void)
{
	hp_boot();
	vmem_fake_sched_reset();
}

static void settle(unsigned ms)
{
	vmem_fake_run_ms(ms);
}

/* The driver, the device and mm agree: the device holds exactly the driver's pages, actual says so,
 * every one is PageOffline and counted. */
static unsigned check_agree(struct virtio_balloon *vb)
{
	unsigned bad = 0;
	unsigned long n = 0;
	struct page *page;

	list_for_each_entry(page, &vb->pages, lru) {
		unsigned long p = page_to_pfn(page);
		bad += p >= MAP_PFNS || !in_balloon[p] || !PageOffline(page) || page_ref_count(page) != 1;
		bad += vb->movable != PageMovable(page);
		n++;
	}
	bad += n != vb->nr_pages || n != dev_pages || cfg()->actual != n;
	bad += (unsigned long)mm_stat_read(NR_BALLOON_PAGES) != n;
	bad += errors;
	bad += mm_verify(mm_fake_print) != 0;
	if (bad)
		printf("INFO: driver %lu (list %lu), device %lu, actual %u, Balloon %ld, device errors %u\n",
		       vb->nr_pages, n, dev_pages, cfg()->actual, mm_stat_read(NR_BALLOON_PAGES), errors);
	return bad;
}

/* ---- cases ---- */

static void t_inflate_deflate(void)
{
	boot();
	struct virtio_balloon *vb = start(0, 0, 0);
	REQUIRE(vb);
	settle(0);
	unsigned long free0 = nr_free_pages(), total0 = totalram_pages();
	set_target(1000);
	settle(0);
	CHECK(vb->nr_pages == 1000 && vb->target == 1000);
	CHECK(check_agree(vb) == 0);
	CHECK(totalram_pages() == total0 - 1000 && nr_free_pages() == free0 - 1000);
	CHECK(host_log_contains("virtio-balloon: virtio0: at target 1000 pages (3 MiB)"));
	CHECK(inflates == 4); /* 256 + 256 + 256 + 232 */
	set_target(300);
	settle(0);
	CHECK(vb->nr_pages == 300 && check_agree(vb) == 0);
	set_target(0);
	settle(0);
	CHECK(vb->nr_pages == 0 && check_agree(vb) == 0);
	CHECK(totalram_pages() == total0 && nr_free_pages() == free0);
	CHECK(vb->inflated == 1000 && vb->deflated == 1000);
}

/* With MUST_TELL_HOST the device hears of a page before the guest has it back; without, after. */
static int case_arg;

static void t_must_tell_host(void)
{
	boot();
	struct virtio_balloon *vb = start(case_arg ? BIT_ULL(VIRTIO_BALLOON_F_MUST_TELL_HOST) : 0, 600, 0);
	REQUIRE(vb);
	settle(0);
	set_target(0);
	settle(0);
	if (case_arg)
		CHECK(deflated_still_offline == 600 && deflated_already_free == 0);
	else
		CHECK(deflated_already_free == 600 && deflated_still_offline == 0);
	CHECK(check_agree(vb) == 0);
}

/* actual is only written: a device that starts with actual above num_pages gets no deflate. */
static void t_lie_actual(void)
{
	boot();
	struct virtio_balloon *vb = start(0, 10, 5000);
	REQUIRE(vb);
	settle(0);
	CHECK(vb->nr_pages == 10 && deflates == 0 && cfg()->actual == 10);
	cfg()->actual = 99999; /* the device scribbles over it */
	set_target(0);
	settle(0);
	CHECK(vb->nr_pages == 0 && cfg()->actual == 0 && deflates == 1);
	CHECK(check_agree(vb) == 0);
}

/* num_pages of 16 TiB: the balloon takes what it can and leaves the reserve free, says so once,
 * and gives it all back. */
static void t_lie_huge(void)
{
	boot();
	struct virtio_balloon *vb = start(0, 0, 0);
	REQUIRE(vb);
	settle(0);
	unsigned long free0 = nr_free_pages();
	set_target(0xffffffffu);
	settle(1000);
	CHECK(vb->at_limit);
	CHECK(nr_free_pages() >= VB_RESERVE_PAGES - VB_BATCH && nr_free_pages() <= VB_RESERVE_PAGES + 1);
	CHECK(vb->nr_pages > free0 / 2);
	CHECK(host_log_count("is more than the guest can give") == 1);
	CHECK(check_agree(vb) == 0);
	/* a kernel allocation still works: the reserve is there */
	struct page *p = alloc_page(GFP_KERNEL);
	CHECK(p);
	if (p)
		free_pages(p, 0);
	set_target(0);
	settle(0);
	CHECK(vb->nr_pages == 0 && nr_free_pages() == free0);
	CHECK(check_agree(vb) == 0);
}

/* The host lowers num_pages while the driver inflates toward the old one: it stops at the new. */
static void t_lie_midway(void)
{
	boot();
	change_after_inflates = 1;
	new_target = 300;
	struct virtio_balloon *vb = start(0, 2000, 0);
	REQUIRE(vb);
	settle(0);
	CHECK(vb->target == 300 && vb->nr_pages == 300);
	CHECK(inflates == 2 && deflates == 1); /* 256 + 256, then 212 back */
	CHECK(check_agree(vb) == 0);
	/* and raised while deflating */
	set_target(1000);
	settle(0);
	CHECK(vb->nr_pages == 1000 && check_agree(vb) == 0);
}

/* No answer: the device is given up, the pages stay in the balloon, nothing else changes. */
static void t_no_answer(void)
{
	boot();
	struct virtio_balloon *vb = start(BIT_ULL(VIRTIO_BALLOON_F_MUST_TELL_HOST), 300, 0);
	REQUIRE(vb);
	settle(0);
	no_answer = true;
	set_target(0);
	settle(0);
	CHECK(vb->broken && host_log_contains("device broken: no answer on virtio-balloon.deflate"));
	CHECK(vb->nr_pages == 300);
	CHECK(fv.status & VIRTIO_CONFIG_S_FAILED);
	set_target(100);
	settle(100);
	CHECK(vb->nr_pages == 300 && deflates == 1);
	CHECK(mm_verify(mm_fake_print) == 0);
}

static void t_stats(void)
{
	boot();
	struct virtio_balloon *vb = start(BIT_ULL(VIRTIO_BALLOON_F_STATS_VQ), 500, 0);
	REQUIRE(vb);
	settle(0);
	REQUIRE(stats_held);
	struct virtio_balloon_stat st[VB_NR_STATS];
	CHECK(fake_chain_read(&stats_chain, st, sizeof(st)) == sizeof(st));
	CHECK(st[0].tag == VIRTIO_BALLOON_S_MEMFREE && st[1].tag == VIRTIO_BALLOON_S_MEMTOT &&
	      st[2].tag == VIRTIO_BALLOON_S_AVAIL);
	/* the device asks for fresh figures: it uses the buffer, the driver refills and returns it */
	stats_held = false;
	fake_vring_push(&fv.dev[2], stats_chain.head, 0);
	fake_vdev_interrupt(&fv, 2);
	REQUIRE(stats_held);
	CHECK(vb->stats_updates == 1);
	CHECK(fake_chain_read(&stats_chain, st, sizeof(st)) == sizeof(st));
	CHECK(st[0].val == (u64)nr_free_pages() * PAGE_SIZE);
	CHECK(st[1].val == (u64)totalram_pages() * PAGE_SIZE);
	CHECK(check_agree(vb) == 0);
}

/* Out of memory: with DEFLATE_ON_OOM the allocator's last try deflates VB_OOM_PAGES and succeeds;
 * the balloon does not inflate again until the host changes the target. Without it, NULL. */
static void t_deflate_on_oom(void)
{
	{
		int feature = case_arg;
		boot();
		struct virtio_balloon *vb =
		    start(feature ? BIT_ULL(VIRTIO_BALLOON_F_DEFLATE_ON_OOM) : 0, 0xffffffffu, 0);
		REQUIRE(vb);
		settle(0);
		unsigned long held = vb->nr_pages;
		LIST_HEAD(taken);
		struct page *p;
		unsigned long n = 0;
		while ((p = alloc_page(GFP_MOVABLE | __GFP_NORETRY))) {
			list_add(&p->lru, &taken);
			n++;
		}
		p = alloc_page(GFP_MOVABLE);
		if (feature) {
			CHECK(p && vb->nr_pages == held - VB_OOM_PAGES && vb->oom_deflated == VB_OOM_PAGES);
			CHECK(host_log_contains("out of memory: deflated 256 pages"));
			settle(1000);
			CHECK(vb->nr_pages == held - VB_OOM_PAGES); /* held until a config change */
		} else {
			CHECK(!p && vb->nr_pages == held);
		}
		if (p)
			free_pages(p, 0);
		while (!list_empty(&taken)) {
			p = list_first_entry(&taken, struct page, lru);
			list_del(&p->lru);
			free_pages(p, 0);
		}
		CHECK(check_agree(vb) == 0);
		set_target(0);
		settle(0);
		CHECK(vb->nr_pages == 0 && check_agree(vb) == 0);
	}
}

/* Balloon compaction: migrating a balloon page inflates the new page before deflating the old one;
 * the device still holds as many pages, the old page is free. */
static void t_migrate(void)
{
	boot();
	struct virtio_balloon *vb = start(0, 100, 0);
	REQUIRE(vb);
	settle(0);
	REQUIRE(vb->movable);
	struct page *src = list_first_entry(&vb->pages, struct page, lru);
	unsigned long spfn = page_to_pfn(src);
	LIST_HEAD(l);
	REQUIRE(isolate_movable_page(src, MR_TEST));
	list_add(&src->lru, &l);
	order_n = 0;
	CHECK(migrate_pages(&l, alloc_migration_target, 0, MR_TEST, NULL, NULL) == 0);
	CHECK(!strcmp(order_log, "id"));
	CHECK(!in_balloon[spfn] && !PageOffline(pfn_to_page(spfn)));
	CHECK(vb->nr_pages == 100 && vb->migrated == 1 && vb->nr_isolated == 0);
	CHECK(check_agree(vb) == 0);
	/* offlining the block of a balloon page (ZONE_MOVABLE) moves every balloon page out of it */
	src = list_first_entry(&vb->pages, struct page, lru);
	unsigned long id = pfn_to_block_id(page_to_pfn(src)), before = 0;
	struct page *page;
	list_for_each_entry(page, &vb->pages, lru)
		before += pfn_to_block_id(page_to_pfn(page)) == id;
	CHECK(page_zonenum(src) == ZONE_MOVABLE && before > 0);
	CHECK(memory_block_offline(id) == 0);
	list_for_each_entry(page, &vb->pages, lru)
		CHECK(pfn_to_block_id(page_to_pfn(page)) != id);
	CHECK(vb->nr_pages == 100 && vb->migrated == 1 + before);
	CHECK(check_agree(vb) == 0);
}

/* virtio_balloon.unmovable: the pages have no movable operations, migration refuses them. */
static void t_unmovable(void)
{
	boot();
	virtio_balloon_unmovable = true;
	struct virtio_balloon *vb = start(0, 100, 0);
	REQUIRE(vb);
	settle(0);
	CHECK(!vb->movable);
	struct page *src = list_first_entry(&vb->pages, struct page, lru);
	unsigned long spfn = page_to_pfn(src);
	struct busy_pfn busy;
	busy_pfn_clear(&busy);
	CHECK(!isolate_movable_page(src, MR_TEST));
	CHECK(migrate_range(spfn, spfn + 1, MEMORY_OFFLINE, MR_TEST, &busy, NULL) == -EBUSY);
	CHECK(busy.pfn == spfn);
	CHECK(strstr(busy.reason, "no movable operations") != NULL);
	if (!strstr(busy.reason, "no movable operations"))
		printf("INFO: busy: pfn 0x%lx (balloon page 0x%lx): %s\n", busy.pfn, spfn, busy.reason);
	CHECK(vb->nr_pages == 100 && in_balloon[spfn] && check_agree(vb) == 0);
}

/* The same driver over virtio-mmio: requests through QueueNotify, the target change by the CONFIG
 * interrupt, actual written through the register file's configuration window. */
static void t_mmio(void)
{
	boot();
	struct virtio_balloon *vb = start_on(true, BIT_ULL(VIRTIO_BALLOON_F_STATS_VQ), 0, 0);
	REQUIRE(vb);
	settle(0);
	set_target(1000);
	settle(10);
	CHECK(vb->nr_pages == 1000 && check_agree(vb) == 0);
	CHECK(mf.vm.interrupts >= 1 && mf.bad_accesses == 0);
	CHECK(stats_held && vb->stats_vq);
	set_target(0);
	settle(10);
	CHECK(vb->nr_pages == 0 && check_agree(vb) == 0);
	CHECK(mf.bad_accesses == 0);
}

/* No page in the zones the balloon may use, though memory is free elsewhere: one line, retries every
 * VB_RETRY_MS, and the target is reached once kernel memory comes free. */
static void t_retry(void)
{
	boot();
	virtio_balloon_unmovable = true; /* GFP_KERNEL: ZONE_NORMAL only, ZONE_MOVABLE stays free */
	struct virtio_balloon *vb = start(0, 0, 0);
	REQUIRE(vb);
	settle(0);
	LIST_HEAD(taken);
	struct page *p;
	while ((p = alloc_page(GFP_KERNEL | __GFP_NORETRY)))
		list_add(&p->lru, &taken);
	REQUIRE(nr_free_pages() > VB_RESERVE_PAGES);
	set_target(500);
	settle(1000);
	CHECK(vb->nr_pages == 0 && !vb->at_limit && vb->retries >= 4);
	CHECK(host_log_count("no free kernel page to inflate toward 500 pages (holding 0); retrying every "
			     "200 ms") == 1);
	while (!list_empty(&taken)) {
		p = list_first_entry(&taken, struct page, lru);
		list_del(&p->lru);
		free_pages(p, 0);
	}
	settle(300);
	CHECK(vb->nr_pages == 500 && check_agree(vb) == 0);
	CHECK(host_log_contains("at target 500 pages"));
}

static int n_pass, n_fail;

static void run_case(const char *name, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		test_begin("virtio-balloon", name);
		fn();
		exit(test_end() ? 0 : 3);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		n_pass++;
	} else {
		n_fail++;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 3)
			printf("FAIL: virtio-balloon: %s: crashed (%s %d)\n", name,
			       WIFSIGNALED(st) ? "signal" : "status",
			       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
}

int main(void)
{
	host_log_echo = false;
	run_case("inflate to num_pages and deflate back", t_inflate_deflate);
	for (case_arg = 0; case_arg < 2; case_arg++)
		run_case(case_arg ? "MUST_TELL_HOST: told before the pages are used"
				  : "no MUST_TELL_HOST: pages freed, then told",
			 t_must_tell_host);
	run_case("lie: actual above num_pages", t_lie_actual);
	run_case("lie: huge num_pages keeps the reserve", t_lie_huge);
	run_case("lie: num_pages changes mid-inflate", t_lie_midway);
	run_case("lie: no answer breaks the device, pages stay", t_no_answer);
	run_case("stats queue: MEMFREE, MEMTOT, AVAIL, refilled", t_stats);
	for (case_arg = 0; case_arg < 2; case_arg++)
		run_case(case_arg ? "DEFLATE_ON_OOM: the allocator's last try deflates"
				  : "no DEFLATE_ON_OOM: the allocation fails, the balloon stays",
			 t_deflate_on_oom);
	run_case("compaction: inflate new, then deflate old", t_migrate);
	run_case("virtio_balloon.unmovable: migration refused", t_unmovable);
	run_case("over virtio-mmio: inflate and deflate", t_mmio);
	run_case("no page to take: one line, retried until memory is free", t_retry);
	printf("SUMMARY: %d passed, %d failed, 0 skipped\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}

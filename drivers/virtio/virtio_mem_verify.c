/* virtio-mem's part of `verify` (an mm verify hook): every unit of every device is in one of its
 * states as mm and the direct map see it (docs/VIRTIO-MEM.md "A resize"):
 *   unplugged  not mapped; in an online block its pages PageOffline, refcount 1 (the driver's);
 *   unusable   plugged, but kept as unplugged memory is (not mapped, PageOffline);
 *   plugged    in an added block mapped; in an online block not PageOffline (managed).
 * A memory block's state agrees with mm's sections. The head page of a unit stands for its pages:
 * the other struct pages of a free max-order chunk may be lazy (mm/mmzone.h). */
#include "drivers/virtio_mem_driver.h"
#include "mm/debug.h"
#include "mm/memory.h"
#include "mm/mmzone.h"
#include "mm/page.h"
#include "mm/page_offline.h"
#include "mm/sparse.h"

#define MAX_SHOWN 8

static unsigned verify_device(struct virtio_mem *vm, mm_print_fn pr)
{
	struct vmem_state *st = &vm->st;
	unsigned bad = vmem_state_check(st);

#define BAD(...)                                                                                             \
	do {                                                                                                 \
		if (bad++ < MAX_SHOWN)                                                                       \
			pr("verify: " __VA_ARGS__);                                                          \
	} while (0)

	for (unsigned long mb = 0; mb < st->nr_mb; mb++) {
		unsigned long nr = (unsigned long)(st->mb_first + mb);
		if (vmem_mb_added(st, mb) != present_section_nr(nr))
			BAD("%s: memory block %lu is %s to the driver but %s to mm\n", vm->name, nr,
			    vmem_mb_state_name(vmem_mb_state(st, mb)),
			    present_section_nr(nr) ? "present" : "absent");
		else if (vmem_mb_added(st, mb) && vmem_mb_online(st, mb) != online_section_nr(nr))
			BAD("%s: memory block %lu is %s to the driver but %s to mm\n", vm->name, nr,
			    vmem_mb_state_name(vmem_mb_state(st, mb)),
			    online_section_nr(nr) ? "online" : "offline");
	}
	for (unsigned long u = 0; u < st->nr_units; u++) {
		unsigned long mb = vmem_unit_mb(st, u);
		phys_addr_t a = vmem_unit_addr(st, u);
		bool plugged = vmem_is_plugged(st, u), away = !plugged || vmem_is_unusable(st, u);
		bool mapped_first = pfn_is_mapped(PHYS_PFN(a));
		bool mapped_last = pfn_is_mapped(PHYS_PFN(a + st->unit_size) - 1);
		const char *what = !plugged ? "unplugged" : away ? "unusable" : "plugged";

		if (away && (mapped_first || mapped_last))
			BAD("%s: %s unit at 0x%llx is mapped\n", vm->name, what, a);
		else if (!away && vmem_mb_added(st, mb) && !(mapped_first && mapped_last))
			BAD("%s: plugged unit at 0x%llx of an added block is not mapped\n", vm->name, a);
		if (!vmem_mb_online(st, mb) || !present_section_nr((unsigned long)(st->mb_first + mb)))
			continue;
		if (pageblock_memmap_on_memory(PHYS_PFN(a)))
			continue; /* the block's memmap: no struct page of it is written */
		/* a deferred pageblock's struct pages are not written: free memory (mm/mmzone.h) */
		bool deferred = pageblock_memmap_deferred(PHYS_PFN(a));
		struct page *p = pfn_to_page(PHYS_PFN(a));
		if (away &&
		    (deferred || !PageOffline(p) || page_ref_count(p) != (vm->refs_dropped[mb] ? 0 : 1)))
			BAD("%s: %s unit at 0x%llx: page not PageOffline with the driver's reference\n",
			    vm->name, what, a);
		else if (!away && !deferred && PageOffline(p))
			BAD("%s: plugged unit at 0x%llx of an online block is PageOffline\n", vm->name, a);
	}
#undef BAD
	return bad;
}

static unsigned vmem_verify(mm_print_fn pr)
{
	struct virtio_mem *vm;
	unsigned bad = 0;

	list_for_each_entry(vm, &vmem_devices, list)
		if (vm->st.mb_state)
			bad += verify_device(vm, pr);
	return bad;
}

static struct mm_verify_hook vmem_verify_hook = {.name = "virtio-mem", .check = vmem_verify};

void vmem_verify_init(void)
{
	static bool done;

	if (!done)
		mm_register_verify_hook(&vmem_verify_hook);
	done = true;
}

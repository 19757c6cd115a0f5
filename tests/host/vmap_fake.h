/* The vmap area for host tests (tests/host/vmap_fake.c; include/mm/arch.h). Needs the fake physical
 * memory on a memfd: mm_fake_use_memfd(true) before booting it. */
#ifndef VMAP_FAKE_H
#define VMAP_FAKE_H

#define VMAP_FAKE_SIZE (1ULL << 30) /* VHEAP_MAX heaps of 64 MiB */

/* Failure injection: the call after N more calls of arch_vmap_page fails with -ENOMEM (as a missing
 * page-table page would); -1 (the default) is off, and the knob goes back to -1 once it fired. */
extern int vmap_fake_fail_after;
/* arch_vmap_remap calls so far. */
extern unsigned long vmap_fake_remaps;
/* Pages of the area mapped now. */
unsigned long vmap_fake_mapped(void);

#endif

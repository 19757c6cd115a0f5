/* drivers/virtio/virtio_mem.c for the fuzz harness, plus the one thing the harness needs that the
 * driver does not offer: forgetting every device between two inputs. libFuzzer runs every input in
 * one process, and each input boots a fresh fake machine (tests/host/mm_fake.c) whose memory held
 * the old devices' structures; the driver's device table is file-static, so this file compiles the
 * driver's own source and resets that table (the build uses it instead of virtio_mem.c). */
#include "../../drivers/virtio/virtio_mem.c"

void fuzz_virtio_mem_forget(void);

void fuzz_virtio_mem_forget(void)
{
	for (unsigned i = 0; i < VMEM_MAX_DEVICES; i++)
		vmem_by_id[i] = NULL;
	vmem_nr = 0;
	INIT_LIST_HEAD(&vmem_devices);
}

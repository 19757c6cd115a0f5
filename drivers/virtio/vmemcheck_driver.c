/* vmemcheck: the checker's own virtio driver, bound instead of the virtio-mem driver in the boot mode
 * (include/drivers/vmemcheck.h). Its probe only sets up the request queue: it refuses no configuration,
 * since reporting a wrong one is the point. */
#include "drivers/virtio_mem_driver.h"
#include "drivers/vmemcheck.h"
#include "kernel/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/slab.h"

#define VMC_MAX_DEVICES 8

static struct virtio_mem *checked[VMC_MAX_DEVICES];
static unsigned nr_checked;
static int probe_err[VMC_MAX_DEVICES]; /* by virtio index: the checker's own probe failed */

static int vmc_probe(struct virtio_device *vdev)
{
	struct virtio_mem *vm;
	int err;

	if (nr_checked == VMC_MAX_DEVICES)
		return -ENOSPC;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	vm->id = (int)nr_checked;
	snprintf(vm->name, sizeof(vm->name), "virtio-mem%d", vm->id);
	vm->vdev = vdev;
	err = vmem_setup_requests(vm);
	if (err) {
		if (vdev->index >= 0 && vdev->index < VMC_MAX_DEVICES)
			probe_err[vdev->index] = err;
		kfree(vm);
		return err;
	}
	virtio_device_ready(vdev);
	vdev->priv = vm;
	checked[nr_checked++] = vm;
	return 0;
}

static struct virtio_driver vmemcheck_driver = {
    .name = "vmemcheck",
    .device_id = VIRTIO_ID_MEM,
    /* it never touches device memory, so it can promise not to read unplugged memory */
    .features = BIT_ULL(VIRTIO_MEM_F_ACPI_PXM) | BIT_ULL(VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE),
    .config_fields = vmem_config_fields,
    .nr_config_fields = VMEM_NR_CONFIG_FIELDS,
    .probe = vmc_probe,
};

static const char *const what_bound = "the handshake completed: VERSION_1 offered, FEATURES_OK accepted";
static const char *const req_bound =
    "Feature bits; Device Initialization: the device accepts the features the "
    "driver accepted";

/* Why vdev, a virtio-mem device, has no checker bound. */
static void why_unbound(struct virtio_device *vdev, char *why, size_t n)
{
	int err = vdev->index >= 0 && vdev->index < VMC_MAX_DEVICES ? probe_err[vdev->index] : 0;

	if (vdev->dead)
		scnprintf(why, n, "the device did not complete a reset");
	else if (!(vdev->device_features & BIT_ULL(VIRTIO_F_VERSION_1)))
		scnprintf(why, n, "the device offers no VERSION_1 (features 0x%llx)", vdev->device_features);
	else if (err)
		scnprintf(why, n, "the checker could not set up the request queue: %s", errname(err));
	else
		scnprintf(why, n,
			  "the device refused FEATURES_OK with features 0x%llx accepted (offered 0x%llx)",
			  (vdev->device_features & (vmemcheck_driver.features | BIT_ULL(VIRTIO_F_VERSION_1))),
			  vdev->device_features);
}

void vmemcheck_all(struct vmemcheck *c)
{
	struct virtio_device *vdev;
	unsigned found = 0;
	char why[240];

	int err = register_virtio_driver(&vmemcheck_driver);
	if (err && err != -EEXIST) {
		scnprintf(why, sizeof(why), "the checker's driver could not be registered: %s", errname(err));
		vmemcheck_begin(c);
		vmemcheck_fail(c, "vmemcheck", "the checker starts", "vmemcheck", why);
		vmemcheck_end(c);
		return;
	}
	vmemcheck_begin(c); /* after the probes' log lines */
	for (unsigned i = 0; (vdev = virtio_dev_at(i)); i++) {
		if (vdev->id != VIRTIO_ID_MEM)
			continue;
		found++;
		if (vdev->driver != &vmemcheck_driver) {
			char dev[32];
			why_unbound(vdev, why, sizeof(why));
			scnprintf(dev, sizeof(dev), "%s (%s)", vdev->name,
				  vdev->bus_name ? vdev->bus_name : "?");
			vmemcheck_fail(c, dev, what_bound, req_bound, why);
			continue;
		}
		struct virtio_mem *vm = vdev->priv;
		if (vmemcheck_device(c, vm, why, sizeof(why)))
			vmemcheck_fail(c, vm->name, "the device can be checked (nothing plugged)",
				       "vmemcheck: a device in use is left alone", why);
	}
	if (!found)
		vmemcheck_fail(c, "vmemcheck", "a virtio-mem device is present", "vmemcheck",
			       "the virtio core found no virtio-mem device (PCI 1af4:1058)");
	vmemcheck_end(c);
}

/* The `virtio` shell command: devices, drivers, status, features, raw configuration, queues; and
 * `virtio bind|unbind N` for the generic driver (drivers/virtio/virtio_generic.c). */
#include "drivers/virtio.h"
#include "drivers/virtio_mmio.h"
#include "drivers/virtio_pci.h"
#include "kernel/errno.h"
#include "kernel/shell.h"
#include "lib/printf.h"
#include "lib/string.h"

static int cmd_virtio_bind(int argc, char **argv)
{
	bool bind = argv[1][0] == 'b';
	const char *which = argc > 2 ? argv[2] : "";
	unsigned n = 0, count = 0;
	char there[40]; /* the device numbers there are, for the messages */
	while (virtio_dev_at(count))
		count++;
	snprintf(there, sizeof(there),
		 count > 1 ? "the devices are 0-%u"
		 : count   ? "the device is %u"
			   : "there are none",
		 count - 1);
	if (argc != 3)
		return shell_error("virtio", -EINVAL,
				   "%s needs a device number N (%s); usage: virtio bind|unbind N", argv[1],
				   there);
	for (const char *c = which; *c; c++) {
		if (*c < '0' || *c > '9' || n > 100)
			return shell_error("virtio", -EINVAL, "usage: virtio bind|unbind N");
		n = n * 10 + (unsigned)(*c - '0');
	}
	struct virtio_device *v = virtio_dev_at(n);
	if (!v)
		return shell_error("virtio", -ENODEV, "no virtio device %s (%s)", which, there);
	if (!bind && !v->driver)
		return shell_error("virtio", -EINVAL, "%s has no driver to unbind", v->name);
	if (!bind && strcmp(v->driver->name, "virtio-generic"))
		return shell_error("virtio", -EBUSY,
				   "%s is driven by %s: only the generic driver of 'virtio bind' "
				   "can be unbound",
				   v->name, v->driver->name);
	if (bind && v->driver && strcmp(v->driver->name, "virtio-generic")) {
		shell_printf("%s: already driven by %s\n", v->name, v->driver->name);
		return 0;
	}
	int err = bind ? virtio_generic_bind(v) : virtio_generic_unbind(v);
	if (err)
		return shell_error("virtio", err, "%s %s failed", argv[1], v->name);
	shell_printf("%s: %s, status 0x%02x\n", v->name, bind ? "bound to virtio-generic" : "unbound",
		     v->config->get_status(v));
	return 0;
}

/* `virtio`: each device, its driver, status, features and raw configuration. */
static int cmd_virtio(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "bind") || !strcmp(argv[1], "unbind"))
			return cmd_virtio_bind(argc, argv);
		return shell_error("virtio", -EINVAL, "usage: virtio [bind|unbind N]");
	}
	unsigned i;
	for (i = 0; virtio_dev_at(i); i++) {
		struct virtio_device *v = virtio_dev_at(i);
		char raw[200];
		if (virtio_format_config(v, raw, sizeof(raw)))
			snprintf(raw, sizeof(raw), "unreadable");
		shell_printf("%s: %s id %u driver %s status 0x%02x features 0x%llx (offered 0x%llx)%s\n",
			     v->name, v->bus_name, v->id, v->driver ? v->driver->name : "none",
			     v->config->get_status(v), v->features, v->device_features,
			     v->dead	 ? " DEAD"
			     : v->broken ? " BROKEN"
					 : "");
		bool mmio = virtio_is_mmio(v);
		char irq[12];
		if (!mmio && virtio_pci_msix(v))
			snprintf(irq, sizeof(irq), "MSI-X");
		else
			snprintf(irq, sizeof(irq), "%d", mmio ? virtio_mmio_irq(v) : virtio_pci_irq(v));
		shell_printf("%s:   transport %s irq %s interrupts %llu config changes %llu\n", v->name,
			     v->transport_name ? v->transport_name : "other", irq,
			     mmio ? virtio_mmio_interrupts(v) : virtio_pci_interrupts(v), v->config_changes);
		shell_printf("%s:   config %s\n", v->name, raw);
		struct virtqueue *vq;
		list_for_each_entry(vq, &v->vqs, list)
			shell_printf("%s:   queue %u '%s': size %u free %u in flight %u%s\n", v->name,
				     vq->index, vq->name, vq->num, vq->num_free, vq->in_flight,
				     vq->broken ? " BROKEN" : "");
	}
	if (!i)
		shell_printf("no virtio devices\n");
	return 0;
}
SHELL_COMMAND(virtio, "virtio", "virtio [bind|unbind N]",
	      "virtio devices: driver, status, features, raw config, queues; bind N: handshake only, to "
	      "watch config changes",
	      cmd_virtio);

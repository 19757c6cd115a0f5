/* virtio-mem: requests to the device and the rules its answers must follow.
 *
 * One request at a time: the driver adds it to the queue, kicks, and waits for the answer by polling
 * the used ring (QEMU answers while handling the notification; an interrupt wakes the wait otherwise).
 * The device is not trusted: no answer, an answer to something else, a short answer or an unknown
 * answer type marks the device broken. */
#include "drivers/virtio_mem_driver.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/timer.h"
#include "lib/string.h"
#include "mm/arch.h"

const char *vmem_resp_name(int resp)
{
	static const char *const n[VIRTIO_MEM_NR_RESP_TYPES] = {"ACK", "NACK", "BUSY", "ERROR"};
	return resp >= 0 && resp < VIRTIO_MEM_NR_RESP_TYPES ? n[resp] : "?";
}

const char *vmem_req_name(int type)
{
	static const char *const n[VIRTIO_MEM_NR_REQ_TYPES] = {"PLUG", "UNPLUG", "UNPLUG_ALL", "STATE"};
	return type >= 0 && type < VIRTIO_MEM_NR_REQ_TYPES ? n[type] : "?";
}

static bool vq_answered(void *arg)
{
	return virtqueue_has_used(arg) || virtqueue_is_broken(arg);
}

/* Sends vm->req and waits for vm->resp. Returns the answer type or a negative errno (broken). */
static int vmem_send(struct virtio_mem *vm)
{
	struct vq_buf out = {virt_to_phys(vm->req), sizeof(*vm->req)};
	struct vq_buf in = {virt_to_phys(vm->resp), sizeof(*vm->resp)};
	int type = vm->req->type;
	u64 t0 = arch_now_ns();
	u32 len = 0;
	void *token;
	int err;

	if (vm->broken)
		return -EIO;
	memset(vm->resp, 0xff, sizeof(*vm->resp));
	err = virtqueue_add(vm->vq, &out, 1, &in, 1, vm->req);
	if (!err && !virtqueue_kick(vm->vq))
		err = -EIO;
	if (err) {
		vmem_set_broken(vm, "cannot send %s: %s", vmem_req_name(type), errname(err));
		return -EIO;
	}
	token = virtqueue_get_buf(vm->vq, &len);
	if (!token && !virtqueue_is_broken(vm->vq)) {
		wait_until(vq_answered, vm->vq, VMEM_REQ_TIMEOUT_NS);
		token = virtqueue_get_buf(vm->vq, &len);
	}
	vm->times[VMEM_T_REQUEST] += arch_now_ns() - t0;
	vm->nr_requests++;
	if (!token) {
		if (virtqueue_is_broken(vm->vq))
			vmem_set_broken(vm, "queue broken during %s: %s", vmem_req_name(type),
					vm->vq->broken_why);
		else
			vmem_set_broken(vm, "no answer to %s within %llu ms", vmem_req_name(type),
					VMEM_REQ_TIMEOUT_NS / 1000000);
		vm->violations++;
		return -EIO;
	}
	if (token != vm->req || len < sizeof(*vm->resp) || vm->resp->type >= VIRTIO_MEM_NR_RESP_TYPES) {
		vm->violations++;
		if (token != vm->req)
			vmem_set_broken(vm, "answer to a request it was not given");
		else if (len < sizeof(*vm->resp))
			vmem_set_broken(vm, "answer to %s of %u bytes (want %zu)", vmem_req_name(type), len,
					sizeof(*vm->resp));
		else
			vmem_set_broken(vm, "unknown answer type %u to %s", vm->resp->type,
					vmem_req_name(type));
		return -EIO;
	}
	vm->counters[type][vm->resp->type]++;
	return vm->resp->type;
}

int vmem_req_raw(struct virtio_mem *vm, u16 type, u64 addr, u16 nb_blocks)
{
	memset(vm->req, 0, sizeof(*vm->req));
	vm->req->type = type;
	vm->req->u.range.addr = addr;
	vm->req->u.range.nb_blocks = nb_blocks;
	return vmem_send(vm);
}

static int vmem_range_req(struct virtio_mem *vm, u16 type, u64 addr, u64 nb_blocks)
{
	if (nb_blocks == 0 || nb_blocks > VIRTIO_MEM_MAX_NB_BLOCKS) {
		pr_err("%s: internal: %s of %llu blocks\n", vm->name, vmem_req_name(type), nb_blocks);
		return -EINVAL;
	}
	return vmem_req_raw(vm, type, addr, (u16)nb_blocks);
}

int vmem_req_plug(struct virtio_mem *vm, u64 addr, u64 nb_blocks)
{
	return vmem_range_req(vm, VIRTIO_MEM_REQ_PLUG, addr, nb_blocks);
}

int vmem_req_unplug(struct virtio_mem *vm, u64 addr, u64 nb_blocks)
{
	return vmem_range_req(vm, VIRTIO_MEM_REQ_UNPLUG, addr, nb_blocks);
}

int vmem_req_unplug_all(struct virtio_mem *vm)
{
	return vmem_req_raw(vm, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0);
}

/* node_id last: the driver reads it only when it means something. */
const struct virtio_cfield vmem_config_fields[VMEM_NR_CONFIG_FIELDS] = {
    VIRTIO_CFIELD(struct virtio_mem_config, block_size),
    VIRTIO_CFIELD(struct virtio_mem_config, addr),
    VIRTIO_CFIELD(struct virtio_mem_config, region_size),
    VIRTIO_CFIELD(struct virtio_mem_config, usable_region_size),
    VIRTIO_CFIELD(struct virtio_mem_config, plugged_size),
    VIRTIO_CFIELD(struct virtio_mem_config, requested_size),
    VIRTIO_CFIELD(struct virtio_mem_config, node_id),
};

int vmem_cread_config(struct virtio_device *vdev, struct virtio_mem_config *c)
{
	unsigned n = VMEM_NR_CONFIG_FIELDS - !virtio_has_feature(vdev, VIRTIO_MEM_F_ACPI_PXM);

	memset(c, 0, sizeof(*c));
	return virtio_cread_fields(vdev, c, sizeof(*c), vmem_config_fields, n);
}

int vmem_read_config(struct virtio_mem *vm)
{
	struct virtio_mem_config c;
	const char *why;
	int err = vmem_cread_config(vm->vdev, &c);

	if (err) {
		vmem_set_broken(vm, "cannot read the configuration: %s", errname(err));
		return err;
	}
	if (vmem_config_check_update(&vm->cfg0, &c, &why)) {
		vm->violations++;
		vmem_set_broken(vm, "configuration: %s", why);
		return -EIO;
	}
	vm->cfg = c;
	vm->st.usable_end = c.addr + c.usable_region_size;
	return 0;
}

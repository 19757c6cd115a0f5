/* MSI vectors (contract in kernel/irq.h and asm/msi.h): a fixed pool, MSI_VECTOR_FIRST to
 * MSI_VECTOR_LAST, each handed to one handler and counted from 0 for each owner. The message a device
 * writes to raise vector v is fixed delivery, edge, to this CPU's LAPIC: address MSI_ADDRESS with the
 * APIC ID in bits 12-19, data v. Host-tested (tests/host/test_msi.c). */
#include "kernel/errno.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include <asm/apic.h>
#include <asm/msi.h>

#define NR_MSI (MSI_VECTOR_LAST - MSI_VECTOR_FIRST + 1)

struct msi_action {
	irq_handler_t *handler;
	void *dev;
	const char *name;
	u64 count;
};

static struct msi_action msi[NR_MSI];
static spinlock_t msi_lock = SPINLOCK_INIT;

static struct msi_action *action_of(int v)
{
	return v >= MSI_VECTOR_FIRST && v <= MSI_VECTOR_LAST ? &msi[v - MSI_VECTOR_FIRST] : NULL;
}

int request_msi(irq_handler_t *handler, const char *name, void *dev, u64 *addr, u32 *data)
{
	if (!lapic_ready())
		return -ENODEV;
	if (!handler)
		return -EINVAL;
	unsigned long fl;
	int vector = -ENOSPC;
	spin_lock_irqsave(&msi_lock, fl);
	for (unsigned i = 0; i < NR_MSI; i++)
		if (!msi[i].handler) {
			msi[i] = (struct msi_action){handler, dev, name, 0};
			vector = (int)(MSI_VECTOR_FIRST + i);
			break;
		}
	spin_unlock_irqrestore(&msi_lock, fl);
	if (vector < 0) {
		printk(KERN_ERR "irq: %s: no MSI vector left (0x%x-0x%x all taken)\n", name, MSI_VECTOR_FIRST,
		       MSI_VECTOR_LAST);
		return vector;
	}
	*addr = MSI_ADDRESS | (u64)(lapic_id() & 0xff) << 12;
	*data = (u32)vector; /* fixed delivery, edge */
	return vector;
}

void free_msi(int vector)
{
	struct msi_action *a = action_of(vector);
	if (!a)
		return;
	unsigned long fl;
	spin_lock_irqsave(&msi_lock, fl);
	*a = (struct msi_action){0};
	spin_unlock_irqrestore(&msi_lock, fl);
}

u64 msi_count(int vector)
{
	const struct msi_action *a = action_of(vector);
	return a && a->handler ? a->count : 0;
}

bool msi_dispatch(unsigned v)
{
	struct msi_action *a = action_of((int)v);
	if (!a || !a->handler)
		return false;
	a->count++;
	a->handler((int)v, a->dev);
	return true;
}

const char *msi_name(unsigned v)
{
	const struct msi_action *a = action_of((int)v);
	return a && a->handler ? a->name : NULL;
}

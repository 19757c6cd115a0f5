/* IDT setup and the exception handler: any fault prints a report (vector, error code, RIP, CR2 for a
 * page fault, registers) and leaves QEMU with the failure status. */
#include "kernel/app.h"
#include "kernel/compiler.h"
#include "kernel/exit.h"
#include "kernel/ksyms.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include <asm/io.h>
#include <asm/irqflags.h>
#include <asm/memlayout.h>
#include <asm/trap.h>

#define RFLAGS_IF (1ULL << 9)

struct idt_entry {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type_attr;
	u16 off_mid;
	u32 off_hi;
	u32 zero;
} __packed;
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry is 16 bytes");

extern const u64 isr_stub_table[256];
static struct idt_entry idt[256] __aligned(16);

static const char *const exc_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
};

static void set_gate(int vec, u64 handler, u8 ist)
{
	idt[vec].off_lo = handler & 0xffff;
	idt[vec].sel = 0x08;
	idt[vec].ist = ist;
	idt[vec].type_attr = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	idt[vec].off_mid = (handler >> 16) & 0xffff;
	idt[vec].off_hi = handler >> 32;
	idt[vec].zero = 0;
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, isr_stub_table[v], v == 8 ? 1 : v == 2 ? 2 : 0);
	struct {
		u16 limit;
		u64 base;
	} __packed p = {sizeof(idt) - 1, (u64)idt};
	__asm__ __volatile__("lidt %0" ::"m"(p));
}

/* Weak hook for the memory manager: describes what a faulting address is (e.g. "removed memory
 * block 33"); NULL when it has nothing to say. */
__attribute__((weak)) const char *mm_describe_fault_address(u64 addr, char *buf, size_t len)
{
	(void)addr;
	(void)buf;
	(void)len;
	return NULL;
}

static void report_fault(struct regs *r)
{
	u64 v = r->vector;
	const char *name = v < 32 && exc_names[v] ? exc_names[v] : "exception";
	char buf[128];

	printk(KERN_EMERG "fault: %s (vector %llu) error 0x%llx at rip 0x%016llx\n", name, v, r->error_code,
	       r->rip);
	if (ksym_describe(r->rip, buf, sizeof(buf)))
		printk(KERN_EMERG "fault: rip is %s\n", buf);
	if (sched_running())
		printk(KERN_EMERG "fault: in thread %u '%s'\n", current_task()->id, current_task()->name);
	if (v == 14) {
		u64 cr2 = read_cr2();
		u64 e = r->error_code;
		printk(KERN_EMERG "fault: cr2 0x%016llx (%s, %s, %s)\n", cr2,
		       e & 1 ? "protection violation" : "page not present", e & 2 ? "write" : "read",
		       e & 16 ? "instruction fetch" : "data");
		const char *what = mm_describe_fault_address(cr2, buf, sizeof(buf));
		if (what)
			printk(KERN_EMERG "fault: cr2 is %s\n", what);
	}
	if (v == 8)
		printk(KERN_EMERG
		       "fault: double fault: kernel stack overflow or a fault while handling a fault\n");
	printk(KERN_EMERG "fault: rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", r->rax, r->rbx, r->rcx,
	       r->rdx);
	printk(KERN_EMERG "fault: rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n", r->rsi, r->rdi, r->rbp,
	       r->rsp);
	printk(KERN_EMERG "fault: r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n", r->r8, r->r9, r->r10,
	       r->r11);
	printk(KERN_EMERG "fault: r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n", r->r12, r->r13, r->r14,
	       r->r15);
	printk(KERN_EMERG "fault: cs %llx ss %llx rflags %016llx cr3 %016llx\n", r->cs, r->ss, r->rflags,
	       read_cr3());
	/* a short stack trace by frame pointers, bounded and only through the kernel image's and the
	 * thread stacks' addresses; each return
	 * address named from the image's symbol table (include/kernel/ksyms.h) */
	u64 *fp = (u64 *)r->rbp;
	for (int depth = 0; depth < 12; depth++) {
		bool on_thread_stack = (u64)fp >= KSTACK_AREA && (u64)fp - KSTACK_AREA < KSTACK_AREA_SIZE;
		if (((u64)fp < KERNEL_VMA && !on_thread_stack) || ((u64)fp & 7))
			break;
		const char *where = ksym_describe_return(fp[1], buf, sizeof(buf));
		printk(KERN_EMERG "fault: called from 0x%016llx%s%s\n", fp[1], where ? " " : "",
		       where ? where : "");
		fp = (u64 *)fp[0];
	}
}

/* The exit status of a program ended by fault v: 128 + the signal a Unix kernel would send. */
static int fault_status(u64 v)
{
	switch (v) {
	case 0:
	case 16:
	case 19:
		return 128 + 8; /* SIGFPE: divide error, x87 and SIMD errors */
	case 6:
		return 128 + 4; /* SIGILL: invalid opcode */
	case 1:
	case 3:
		return 128 + 5; /* SIGTRAP */
	case 17:
		return 128 + 7; /* SIGBUS: alignment check */
	default:
		return 128 + 11; /* SIGSEGV: page fault, #GP and the rest */
	}
}

/* A fault in a program (apps/, or newlib called by it): one report with its name, then the program
 * ends and `run` returns to the shell. */
static __noreturn void app_fault(struct regs *r)
{
	u64 v = r->vector;
	const char *name = v < 32 && exc_names[v] ? exc_names[v] : "exception";
	char buf[128];
	const char *where = ksym_describe(r->rip, buf, sizeof(buf));

	printk(KERN_ERR "run: %s: fault: %s (vector %llu) error 0x%llx at rip 0x%016llx%s%s\n",
	       app_current_name(), name, v, r->error_code, r->rip, where ? " " : "", where ? where : "");
	if (v == 14) {
		u64 e = r->error_code;
		printk(KERN_ERR "run: %s: fault: cr2 0x%016llx (%s, %s)\n", app_current_name(), read_cr2(),
		       e & 1 ? "protection violation" : "page not present", e & 2 ? "write" : "read");
	}
	app_fault_exit(fault_status(v));
}

/* Interrupt handlers running (vectors >= 32, nested ones counted): a fault inside one is the
 * kernel's, whatever code it interrupted. */
static int irq_nesting;

void x86_trap(struct regs *r)
{
	if (r->vector >= IRQ_VECTOR_BASE) {
		irq_nesting++;
		irq_dispatch(r);
		irq_nesting--;
		/* The interrupted code ran with interrupts on, so it held no spinlock: the scheduler may
		 * switch threads here (the frame stays on the thread's stack until it runs again). */
		if (r->rflags & RFLAGS_IF)
			preempt_schedule_irq();
		return;
	}
	/* NMI and #MC are never a program's own doing; #DF is when it ran off its stack (it runs on its
	 * own IST stack, and the program's thread ends there without returning to the overflowed one). */
	if (r->vector != 2 && r->vector != 8 && r->vector != 18 && !irq_nesting && app_owns_fault(r->rip))
		app_fault(r);
	if (r->vector == 8 && !irq_nesting && app_owns_stack_overflow(read_cr2())) {
		printk(KERN_ERR
		       "run: %s: fault: stack overflow: cr2 0x%016llx is the guard page below its stack\n",
		       app_current_name(), read_cr2());
		app_fault_exit(fault_status(14));
	}
	report_fault(r);
	printk(KERN_EMERG "fault: halting; QEMU exits with the failure status\n");
	qemu_exit(false);
}

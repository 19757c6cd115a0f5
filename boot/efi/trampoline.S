/* hotmem.efi's last step: from the firmware's 64-bit long mode to the kernel's 32-bit entry with
 * paging off, as a multiboot2 loader enters it (the Multiboot2 specification, 3.3: flat 32-bit code
 * and data segments, eax = the magic, ebx = the information's physical address).
 *
 * main.c copies the bytes between efi_tramp_start and efi_tramp_end to a page below 4 GiB (the
 * firmware maps memory 1:1, so that page runs at its physical address with paging on or off) and calls
 * it as  void tramp(u64 entry, u64 info, u64 gdtr)  after ExitBootServices; it never returns.
 * gdtr points to a GDT with a flat 32-bit code segment at 0x08 and data segment at 0x10. Only
 * RIP-relative addressing inside the copy. */
	.text
	.code64
	.globl efi_tramp_start, efi_tramp_end
efi_tramp_start:
	cli
	lgdt	(%rdx)
	leaq	1f(%rip), %rax
	pushq	$0x08
	pushq	%rax
	lretq				/* to compatibility mode, 32-bit code segment */
	.code32
1:	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss
	movl	%cr0, %eax
	andl	$0x7fffffff, %eax	/* paging off: leaves long mode (EFER.LMA clears) */
	movl	%eax, %cr0
	movl	$0xc0000080, %ecx	/* EFER: clear LME so the kernel's entry starts from scratch */
	rdmsr
	andl	$~0x100, %eax
	wrmsr
	movl	%esi, %ebx
	movl	$0x36d76289, %eax	/* EFI_MB2_MAGIC */
	jmp	*%edi
efi_tramp_end:
	.section .note.GNU-stack, "", @progbits

; The two ways a loader finds hotmem's 32-bit entry point:
;  - the PVH ELF note read by QEMU's -kernel (XEN_ELFNOTE_PHYS32_ENTRY),
;  - the multiboot2 header read by GRUB.
; Both enter arch/x86_64/entry.asm:_start32 in 32-bit protected mode with paging off.

%include "asm/memlayout.inc"

extern _start32

; ---- PVH ----
; QEMU 7.2 reads the note's value as 8 bytes for an ELF64 and locates the note by the PT_NOTE
; segment's alignment: keep the section 4-byte aligned and the value a quadword (QEMU-NOTES.md).
section .note.Xen note alloc align=4
	dd 4                            ; name size ("Xen\0")
	dd 8                            ; descriptor size
	dd 18                           ; XEN_ELFNOTE_PHYS32_ENTRY
	db "Xen", 0
	dq _start32 - KERNEL_VMA        ; physical entry

; ---- multiboot2 ----
MB2_MAGIC       equ 0xe85250d6
MB2_ARCH_I386   equ 0

section .multiboot2 alloc align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; entry address tag: the physical 32-bit entry
	align 8
	dw 3, 0
	dd 12
	dd _start32 - KERNEL_VMA
	; end tag
	align 8
	dw 0, 0
	dd 8
mb2_header_end:

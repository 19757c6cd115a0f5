; hotmem's first instructions: 32-bit protected mode (PVH or multiboot2), paging off.
; Builds the early page tables, enters long mode, moves to the higher half and calls kmain.
;
; Early page tables (all in .bss, zeroed here before use):
;   PML4[0]   → identity map of phys 0..1 GiB (only for the jump to the higher half)
;   PML4[273] → PAGE_OFFSET direct map of phys 0..4 GiB, 2 MiB pages
;   PML4[511] → KERNEL_VMA: phys 0..1 GiB; the first 8 MiB with 4 KiB pages so that the page below
;               the boot stack can stay unmapped (a stack overflow faults instead of corrupting .bss)

%include "asm/memlayout.inc"

MB2_BOOTLOADER_MAGIC equ 0x36d76289
BOOT_STACK_SIZE      equ 32768
PTE_P   equ 1
PTE_W   equ 2
PTE_PS  equ 0x80
COM1    equ 0x3f8

global _start32
global boot_stack_top
global boot_stack_guard
global early_pml4
global boot_magic, boot_info_phys
global boot_tsc_start
extern kmain
extern __bss_zero_start, __bss_end

section .bss.pagetables nobits alloc write align=4096
early_pml4:     resb 4096
early_pdpt_low: resb 4096
early_pdpt_dm:  resb 4096
early_pd_dm:    resb 4096 * 4
early_pdpt_k:   resb 4096
early_pd_k:     resb 4096
early_pt_k:     resb 4096 * 4
early_tables_end:

section .bss.stack nobits alloc write align=4096
boot_stack_guard: resb 4096
boot_stack:       resb BOOT_STACK_SIZE
boot_stack_top:

section .data
align 8
boot_magic:      dd 0
boot_info_phys:  dd 0
boot_tsc_start:  dq 0

gdt64:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08: 64-bit code
	dq 0x00cf92000000ffff           ; 0x10: data
gdt64_end:
gdt64_ptr:
	dw gdt64_end - gdt64 - 1
	dq gdt64 - KERNEL_VMA

no_lm_msg: db "hotmem: this CPU has no long mode (x86_64); halting", 13, 10, 0

%define PHYS(x) ((x) - KERNEL_VMA)

section .text.boot32 exec
bits 32
_start32:
	cli
	cld
	mov [PHYS(boot_magic)], eax
	mov [PHYS(boot_info_phys)], ebx
	rdtsc
	mov [PHYS(boot_tsc_start)], eax
	mov [PHYS(boot_tsc_start) + 4], edx
	mov esp, PHYS(boot_stack_top)

	; long mode available?
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; zero the early tables
	mov edi, PHYS(early_pml4)
	mov ecx, (early_tables_end - early_pml4) / 4
	xor eax, eax
	rep stosd

	mov dword [PHYS(early_pml4) + 0 * 8], PHYS(early_pdpt_low) + PTE_P + PTE_W
	mov dword [PHYS(early_pml4) + 273 * 8], PHYS(early_pdpt_dm) + PTE_P + PTE_W
	mov dword [PHYS(early_pml4) + 511 * 8], PHYS(early_pdpt_k) + PTE_P + PTE_W
	mov dword [PHYS(early_pdpt_low) + 0 * 8], PHYS(early_pd_k) + PTE_P + PTE_W
	mov dword [PHYS(early_pdpt_k) + 510 * 8], PHYS(early_pd_k) + PTE_P + PTE_W

	; direct map: 4 PDs of 2 MiB pages = phys 0..4 GiB
	xor ecx, ecx
.dm_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, PHYS(early_pd_dm) + PTE_P + PTE_W
	mov [PHYS(early_pdpt_dm) + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .dm_pdpt
	xor ecx, ecx
.dm_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P + PTE_W + PTE_PS
	mov [PHYS(early_pd_dm) + ecx * 8], eax
	inc ecx
	cmp ecx, 2048
	jb .dm_pd

	; kernel window: PD entries 0..3 point to 4 KiB tables (8 MiB), 4..511 are 2 MiB pages
	xor ecx, ecx
.k_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P + PTE_W + PTE_PS
	cmp ecx, 4
	jae .k_pd_store
	mov eax, ecx
	shl eax, 12
	add eax, PHYS(early_pt_k) + PTE_P + PTE_W
.k_pd_store:
	mov [PHYS(early_pd_k) + ecx * 8], eax
	inc ecx
	cmp ecx, 512
	jb .k_pd
	xor ecx, ecx
.k_pt:
	mov eax, ecx
	shl eax, 12
	or eax, PTE_P + PTE_W
	mov [PHYS(early_pt_k) + ecx * 8], eax
	inc ecx
	cmp ecx, 2048
	jb .k_pt
	; the stack guard page: not present
	mov eax, PHYS(boot_stack_guard)
	shr eax, 12
	mov dword [PHYS(early_pt_k) + eax * 8], 0

	; PAE, then EFER.LME (+NXE when the CPU has it), then paging
	mov eax, cr4
	or eax, 1 << 5
	mov cr4, eax
	mov eax, PHYS(early_pml4)
	mov cr3, eax
	mov eax, 0x80000001
	cpuid
	mov ebx, edx
	mov ecx, 0xc0000080
	rdmsr
	or eax, 1 << 8
	test ebx, 1 << 20
	jz .no_nx
	or eax, 1 << 11
.no_nx:
	wrmsr
	; SSE on before any C runs: newlib (the C library linked into the image) is built with SSE, and
	; gcc uses XMM registers even for copies in plain C (docs/ARCHITECTURE.md "SSE and the FPU").
	; CR4.OSFXSR (bit 9): fxsave/fxrstor and SSE allowed; OSXMMEXCPT (bit 10): SIMD faults are #XM.
	mov eax, cr4
	or eax, (1 << 9) | (1 << 10)
	mov cr4, eax
	mov eax, cr0
	and eax, ~(1 << 2)                      ; EM off: x87 and SSE execute instead of trapping
	or eax, (1 << 31) | (1 << 16) | (1 << 1) | 1 ; PG, WP, MP, PE
	mov cr0, eax
	lgdt [PHYS(gdt64_ptr)]
	jmp 0x08:PHYS(long_mode_low)

.no_long_mode:
	mov esi, PHYS(no_lm_msg)
.putc:
	lodsb
	test al, al
	jz .halt
	mov dx, COM1
	out dx, al
	jmp .putc
.halt:
	hlt
	jmp .halt

bits 64
long_mode_low:
	mov rax, long_mode_high
	jmp rax

section .text
long_mode_high:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	lgdt [gdt64_ptr_high]
	; zero .bss (past the page tables and the stack, which are in use or about to be)
	mov rdi, __bss_zero_start
	mov rcx, __bss_end
	sub rcx, rdi
	shr rcx, 3
	xor eax, eax
	rep stosq
	mov rsp, boot_stack_top
	xor ebp, ebp
	fninit                                  ; x87 and MXCSR in their reset state (all exceptions masked)
	ldmxcsr [mxcsr_default]
	mov edi, [boot_magic]
	mov esi, [boot_info_phys]
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .data
mxcsr_default:
	dd 0x1f80
gdt64_ptr_high:
	dw gdt64_end - gdt64 - 1
	dq gdt64

; Interrupt and exception entry stubs: one per vector, all funnel into x86_trap(struct regs *).
; Vectors 8, 10-14, 17, 21, 29 and 30 push an error code; the others push 0 in its place.
;
; The FPU/SSE state of the interrupted code is saved around the C handler (fxsave/fxrstor, 512 bytes
; on the stack, 16-byte aligned): the kernel's own C is built with -mgeneral-regs-only, but handlers
; call newlib (printk formats with it, string functions), which is built with SSE and may clobber any
; XMM register, the interrupted code's included. This saves state per interrupt, not per thread: a
; context switch between threads saves its own (docs/ARCHITECTURE.md "SSE and the FPU").

extern x86_trap
global isr_stub_table

%macro ISR 1
isr_%1:
%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
	push qword 0
%endif
	push qword %1
	jmp isr_common
%endmacro

section .text
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	; align the stack to 16 bytes for the C handler and fxsave, keeping the old rsp in rbx
	; (callee-saved); the save area is the 512 bytes just under it
	mov rbx, rsp
	and rsp, -16
	sub rsp, 512
	fxsave64 [rsp]
	call x86_trap
	fxrstor64 [rsp]
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16             ; vector and error code
	iretq

%assign i 0
%rep 256
ISR i
%assign i i + 1
%endrep

section .rodata
align 8
isr_stub_table:
%assign i 0
%rep 256
	dq isr_ %+ i
%assign i i + 1
%endrep

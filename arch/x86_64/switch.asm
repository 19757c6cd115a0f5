; The thread switch (include/kernel/arch.h): callee-saved registers on the old stack, the stack
; pointer into *prev_sp, the new stack, its registers, ret. A new thread's first frame (thread.c) holds
; zeroed registers with rbx = its entry function and returns into arch_thread_start.

global arch_switch_to
global arch_thread_start

section .text
; void arch_switch_to(unsigned long *prev_sp (rdi), unsigned long next_sp (rsi))
arch_switch_to:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; First code of a new thread: rsp is 16-byte aligned here, rbp 0 (ends backtraces), rbx the entry.
arch_thread_start:
	call rbx
	ud2                     ; the entry never returns (it ends the thread)

; switch.asm: the kernel thread context switch (callee-saved registers + stack pointer).
bits 32
section .text

; void ctx_switch(uint32_t *save_esp, uint32_t new_esp)
; The cdecl ABI lets the caller assume only EBX, ESI, EDI, EBP (and ESP) survive a call, so those
; are all a switch has to keep; EFLAGS is not (callers run with interrupts disabled and restore
; IF themselves). The resumed thread returns from its own earlier ctx_switch call.
global ctx_switch
ctx_switch:
    mov eax, [esp + 4]
    mov edx, [esp + 8]
    push ebp
    push ebx
    push esi
    push edi
    mov [eax], esp
    mov esp, edx
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

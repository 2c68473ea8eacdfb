; isr.asm: entry stubs for the 32 CPU exceptions, 16 PIC IRQs and LAPIC vectors, plus the
; double-fault task body. Every stub builds the same struct trapframe (arch/idt.h).
bits 32
section .text
extern isr_dispatch
extern double_fault_task

; Exceptions that push an error code: 8, 10-14, 17, 21, 29, 30 (Intel SDM Vol. 3 §6.15, Table 6-1).
%macro ISR_NOERR 1
global isr_stub_%1
isr_stub_%1:
    push dword 0                ; uniform frame: a zero error code
    push dword %1
    jmp isr_common
%endmacro

%macro ISR_ERR 1
global isr_stub_%1
isr_stub_%1:
    push dword %1
    jmp isr_common
%endmacro

%assign i 0
%rep 256
%if i == 8 || i == 10 || i == 11 || i == 12 || i == 13 || i == 14 || i == 17 || i == 21 || i == 29 || i == 30
ISR_ERR i
%else
ISR_NOERR i
%endif
%assign i i + 1
%endrep

isr_common:
    pusha
    push ds
    push es
    push fs
    push gs
    mov ax, 0x10                ; SEL_KDATA
    mov ds, ax
    mov es, ax
    push esp                    ; struct trapframe *
    call isr_dispatch
    add esp, 4
global isr_return
isr_return:
    pop gs
    pop fs
    pop es
    pop ds
    popa
    add esp, 8                  ; vector and error code
    iret

; Table of stub addresses for idt.c.
section .rodata
global isr_stub_table
isr_stub_table:
%assign i 0
%rep 256
    dd isr_stub_%+i
%assign i i + 1
%endrep

section .text
; The double-fault task (reached through a task gate, so it runs on df_tss's own stack even when
; the kernel stack is gone). The CPU pushes an error code on each entry (always 0 for #DF).
; double_fault_task() either halts, or rewrites the interrupted task's TSS so that iret resumes
; a clean exit path; iret then switches back (EFLAGS.NT is set) and the next #DF re-enters here.
global df_task_entry
df_task_entry:
    call double_fault_task
    add esp, 4                  ; drop this entry's error code
    iret
    jmp df_task_entry

; boot.asm: Multiboot v1 header and the entry point: set up the boot stack and call kmain.
bits 32

; Multiboot v1 spec §3.1.1: magic, flags, checksum (the three sum to zero).
MB_MAGIC    equ 0x1BADB002
MB_PAGEALIGN equ 1 << 0         ; §3.1.2 bit 0: align modules on 4 KiB
MB_MEMINFO  equ 1 << 1          ; §3.1.2 bit 1: we need mem_* and the memory map
MB_FLAGS    equ MB_PAGEALIGN | MB_MEMINFO

section .multiboot
align 4
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)

section .bss
; The boot stack becomes the idle thread's stack. The page below it is unmapped by paging_init
; so an overflow faults instead of silently corrupting .bss.
align 4096
global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:  resb 4096
boot_stack_bottom: resb 16384
boot_stack_top:

section .text
global _start
extern kmain
_start:
    cli
    mov esp, boot_stack_top
    xor ebp, ebp                ; terminates backtraces
    push ebx                    ; Multiboot §3.2: EBX = physical address of the info structure
    push eax                    ; Multiboot §3.2: EAX = 0x2BADB002 when loaded by a compliant loader
    call kmain
.hang:
    cli
    hlt
    jmp .hang

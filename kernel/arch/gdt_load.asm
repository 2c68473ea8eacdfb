; gdt_load.asm: loads the GDT, reloads every segment register, and loads the task register.
bits 32
section .text
global gdt_load
; void gdt_load(const struct gdt_ptr *p, uint16_t tss_sel)
gdt_load:
    mov eax, [esp + 4]
    lgdt [eax]
    mov ax, 0x10                ; SEL_KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    jmp 0x08:.reload_cs         ; SEL_KCODE: a far jump is the only way to reload CS
.reload_cs:
    mov ax, [esp + 8]
    ltr ax
    ret

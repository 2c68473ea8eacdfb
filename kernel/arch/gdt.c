/* gdt.c: flat code/data segments, the main TSS and the double-fault TSS. */
#include "arch/gdt.h"
#include "lib/klib.h"

struct gdt_entry {
    uint16_t limit_lo;
    uint16_t base_lo;
    uint8_t base_mid;
    uint8_t access;
    uint8_t gran; /* flags in the high nibble, limit 19:16 in the low nibble */
    uint8_t base_hi;
} __attribute__((packed));

struct gdt_ptr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

static struct gdt_entry gdt[7];
struct tss main_tss __attribute__((aligned(128)));
struct tss df_tss __attribute__((aligned(128)));
/* The double-fault task runs on its own stack, so a kernel stack overflow can still be reported. */
static uint8_t df_stack[8192] __attribute__((aligned(16)));

extern void gdt_load(const struct gdt_ptr *p, uint16_t tss_sel); /* arch/gdt_load.asm */
extern void df_task_entry(void);                                 /* arch/isr.asm */

static void set_entry(int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    gdt[i].limit_lo = (uint16_t)(limit & 0xffff);
    gdt[i].base_lo = (uint16_t)(base & 0xffff);
    gdt[i].base_mid = (uint8_t)((base >> 16) & 0xff);
    gdt[i].access = access;
    gdt[i].gran = (uint8_t)((flags << 4) | ((limit >> 16) & 0x0f));
    gdt[i].base_hi = (uint8_t)(base >> 24);
}

void gdt_init(void)
{
    /* Access bytes, Intel SDM Vol. 3 §3.4.5: 0x9A = present ring-0 code exec/read, 0x92 = ring-0
       data read/write, 0xFA/0xF2 the ring-3 versions; 0x89 = present 32-bit available TSS.
       Flags 0xC = 4 KiB granularity, 32-bit. */
    set_entry(0, 0, 0, 0, 0);
    set_entry(1, 0, 0xfffff, 0x9A, 0xC);
    set_entry(2, 0, 0xfffff, 0x92, 0xC);
    set_entry(3, 0, 0xfffff, 0xFA, 0xC);
    set_entry(4, 0, 0xfffff, 0xF2, 0xC);
    set_entry(5, (uint32_t)(uintptr_t)&main_tss, sizeof(struct tss) - 1, 0x89, 0x0);
    set_entry(6, (uint32_t)(uintptr_t)&df_tss, sizeof(struct tss) - 1, 0x89, 0x0);

    memset(&main_tss, 0, sizeof main_tss);
    main_tss.ss0 = SEL_KDATA;
    /* An I/O map base past the limit means "no I/O bitmap" (SDM §19.5.2): ring 3 gets no ports. */
    main_tss.iomap_base = sizeof(struct tss);

    memset(&df_tss, 0, sizeof df_tss);
    df_tss.eip = (uint32_t)(uintptr_t)df_task_entry;
    df_tss.esp = (uint32_t)(uintptr_t)(df_stack + sizeof df_stack);
    df_tss.ss0 = SEL_KDATA;
    df_tss.esp0 = df_tss.esp;
    df_tss.eflags = 0x2; /* bit 1 is reserved-as-1; IF clear while handling the fault */
    df_tss.cs = SEL_KCODE;
    df_tss.ds = df_tss.es = df_tss.fs = df_tss.gs = df_tss.ss = SEL_KDATA;
    df_tss.iomap_base = sizeof(struct tss);

    static struct gdt_ptr p;
    p.limit = sizeof gdt - 1;
    p.base = (uint32_t)(uintptr_t)gdt;
    gdt_load(&p, SEL_TSS);
}

void gdt_set_cr3(uint32_t cr3)
{
    main_tss.cr3 = cr3;
    df_tss.cr3 = cr3;
}

void tss_set_kernel_stack(uint32_t esp0)
{
    main_tss.esp0 = esp0;
}

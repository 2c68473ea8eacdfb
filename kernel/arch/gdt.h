/* gdt.h: segment selectors and the two TSSs (main task; double-fault task reached by a task gate).
 */
#ifndef NETSYNC_GDT_H
#define NETSYNC_GDT_H
#include <stdint.h>

/* Selector = index * 8 | RPL (Intel SDM Vol. 3 §3.4.2). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE 0x1B
#define SEL_UDATA 0x23
#define SEL_TSS   0x28
#define SEL_DFTSS 0x30

/* 32-bit TSS layout, Intel SDM Vol. 3 §7.2.1, Figure 7-2. */
struct tss {
    uint32_t prev_task;
    uint32_t esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs;
    uint32_t ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));

extern struct tss main_tss;
extern struct tss df_tss;

void gdt_init(void);
/* CR3 must be in both TSSs: a task switch loads it (and never saves it). */
void gdt_set_cr3(uint32_t cr3);
void tss_set_kernel_stack(uint32_t esp0);

#endif

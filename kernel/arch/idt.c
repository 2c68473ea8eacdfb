/* idt.c: builds the IDT (interrupt gates, and a task gate for #DF) and dispatches vectors to C. */
#include "arch/idt.h"
#include "arch/gdt.h"
#include "arch/exception.h"
#include "core/sched.h"
#include "lib/klib.h"

struct idt_entry {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t zero;
    uint8_t type_attr;
    uint16_t off_hi;
} __attribute__((packed));

static struct idt_entry idt[256];
static irq_vector_fn handlers[256];
volatile uint32_t irq_depth;
extern const uint32_t isr_stub_table[256];

static void set_gate(int v, uint32_t off, uint16_t sel, uint8_t type_attr)
{
    idt[v].off_lo = (uint16_t)(off & 0xffff);
    idt[v].sel = sel;
    idt[v].zero = 0;
    idt[v].type_attr = type_attr;
    idt[v].off_hi = (uint16_t)(off >> 16);
}

void idt_init(void)
{
    /* Intel SDM Vol. 3 §6.11: 0x8E = present, DPL 0, 32-bit interrupt gate (clears IF);
       0x85 = present task gate, whose selector names the TSS to switch to. */
    for (int v = 0; v < 256; v++)
        set_gate(v, isr_stub_table[v], SEL_KCODE, 0x8E);
    set_gate(8, 0, SEL_DFTSS, 0x85);
    static struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) p;
    p.limit = sizeof idt - 1;
    p.base = (uint32_t)(uintptr_t)idt;
    __asm__ volatile("lidt %0" : : "m"(p));
}

void idt_set_handler(int vector, irq_vector_fn fn)
{
    ASSERT(vector >= 32 && vector < 256, "only interrupt vectors take C handlers");
    handlers[vector] = fn;
}

/* Called by isr_common for every vector. */
void isr_dispatch(struct trapframe *tf)
{
    if (tf->vector < 32) {
        exception_handle(tf);
        return;
    }
    irq_depth++;
    irq_vector_fn fn = handlers[tf->vector];
    if (fn != NULL)
        fn(tf);
    else
        exception_unexpected_vector(tf);
    irq_depth--;
    /* Preemption point: a handler may have woken a more urgent thread or ended a quantum. */
    if (irq_depth == 0)
        sched_irq_exit();
}

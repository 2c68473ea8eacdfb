/* idt.h: the interrupt descriptor table, the trap frame every stub builds, and vector numbers. */
#ifndef NETSYNC_IDT_H
#define NETSYNC_IDT_H
#include <stdint.h>

/* Vector assignments: 0-31 CPU exceptions (fixed by the architecture), the PIC remapped to
   32-47, the LAPIC timer and spurious vectors above. */
#define VEC_IRQ0           32
#define VEC_LAPIC_TIMER    64
#define VEC_LAPIC_SPURIOUS 255

/* Stack layout built by isr_common (lowest address first). */
struct trapframe {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax; /* pusha order, reversed */
    uint32_t vector, err;
    uint32_t eip, cs, eflags; /* pushed by the CPU */
};

typedef void (*irq_vector_fn)(struct trapframe *tf);

void idt_init(void);
/* Routes a vector (>= 32) to a C handler; handlers run with interrupts disabled. */
void idt_set_handler(int vector, irq_vector_fn fn);
/* Depth of nested interrupt handling: non-zero means "in interrupt context". */
extern volatile uint32_t irq_depth;

#endif

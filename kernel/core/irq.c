/* irq.c: top halves for bound IRQ lines: mask, EOI, notify; unmask when all drivers acked. */
#include "core/irq.h"
#include "arch/idt.h"
#include "arch/io.h"
#include "arch/pic.h"

/* The PIT (0) and cascade (2) lines belong to the kernel. */
#define IRQ_LINES 16

static struct irq_binding *bound[IRQ_LINES][IRQ_MAX_SHARED];
static uint32_t counts[IRQ_LINES];

static void top_half(struct trapframe *tf)
{
    int irq = (int)tf->vector - VEC_IRQ0;
    if (pic_spurious(irq))
        return;
    uint64_t entry = rdtsc(); /* first thing after the spurious check: packet arrival stamps */
    counts[irq]++;
    /* Mask first: a level-triggered line stays asserted until the driver clears its device. */
    pic_mask(irq);
    pic_eoi(irq);
    for (int i = 0; i < IRQ_MAX_SHARED; i++) {
        struct irq_binding *b = bound[irq][i];
        if (b != NULL) {
            b->pending = true;
            b->entry_tsc = entry;
            notify_signal(b->n, b->bit);
        }
    }
}

int irq_bind(struct irq_binding *b, int irq, struct notification *n, uint32_t bit)
{
    if (irq < 0 || irq >= IRQ_LINES || irq == 0 || irq == 2 || n == NULL || bit == 0)
        return -1;
    uint32_t f = irq_save();
    int slot = -1;
    for (int i = 0; i < IRQ_MAX_SHARED; i++) {
        if (bound[irq][i] == NULL && slot < 0)
            slot = i;
    }
    if (slot < 0) {
        irq_restore(f);
        return -1;
    }
    b->irq = irq;
    b->n = n;
    b->bit = bit;
    b->pending = false;
    bound[irq][slot] = b;
    idt_set_handler(VEC_IRQ0 + irq, top_half);
    pic_unmask(irq);
    irq_restore(f);
    return 0;
}

static bool any_pending(int irq)
{
    for (int i = 0; i < IRQ_MAX_SHARED; i++) {
        if (bound[irq][i] != NULL && bound[irq][i]->pending)
            return true;
    }
    return false;
}

static bool any_bound(int irq)
{
    for (int i = 0; i < IRQ_MAX_SHARED; i++) {
        if (bound[irq][i] != NULL)
            return true;
    }
    return false;
}

void irq_ack(struct irq_binding *b)
{
    uint32_t f = irq_save();
    b->pending = false;
    if (!any_pending(b->irq))
        pic_unmask(b->irq);
    irq_restore(f);
}

void irq_unbind(struct irq_binding *b)
{
    uint32_t f = irq_save();
    for (int i = 0; i < IRQ_MAX_SHARED; i++) {
        if (bound[b->irq][i] == b)
            bound[b->irq][i] = NULL;
    }
    if (!any_bound(b->irq))
        pic_mask(b->irq);
    else if (!any_pending(b->irq))
        pic_unmask(b->irq);
    irq_restore(f);
}

uint32_t irq_count(int irq)
{
    return irq >= 0 && irq < IRQ_LINES ? counts[irq] : 0;
}

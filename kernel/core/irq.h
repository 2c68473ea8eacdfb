/* irq.h: delivering PIC interrupt lines to driver threads as notifications. */
#ifndef NETSYNC_IRQ_H
#define NETSYNC_IRQ_H
#include "lib/klib.h"
#include "core/ipc.h"

/* Several devices may share a level-triggered line (virtio-net on i440fx: IRQ 10/11). */
#define IRQ_MAX_SHARED 4

struct irq_binding {
    int irq;
    struct notification *n;
    uint32_t bit;
    bool pending; /* signalled, not yet acknowledged by the driver */
    uint64_t entry_tsc; /* TSC at the top half of the latest interrupt (p2p records) */
};

/*
 * Binds a driver's notification to an IRQ line: the top half masks the line, sends EOI and
 * signals `bit` on n for every binding of the line. The driver services its device, then
 * calls irq_ack(); the line is unmasked once every binding of it has acknowledged (so a
 * level-triggered line shared by two NICs cannot storm while either is unserviced).
 * Returns 0, or -1 when the line already has IRQ_MAX_SHARED bindings or irq is invalid.
 */
int irq_bind(struct irq_binding *b, int irq, struct notification *n, uint32_t bit);
void irq_unbind(struct irq_binding *b);
void irq_ack(struct irq_binding *b);
/* Interrupts seen on a line since boot. */
uint32_t irq_count(int irq);

#endif

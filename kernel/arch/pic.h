/* pic.h: the two cascaded 8259A PICs, remapped to vectors 32-47. */
#ifndef NETSYNC_PIC_H
#define NETSYNC_PIC_H
#include <stdbool.h>
#include <stdint.h>

void pic_init(void);
void pic_mask(int irq);
void pic_unmask(int irq);
void pic_eoi(int irq);
bool pic_is_masked(int irq);
/* True when an IRQ 7/15 is spurious (its ISR bit is clear): no EOI is due for it then. */
bool pic_spurious(int irq);

#endif

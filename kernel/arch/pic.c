/* pic.c: 8259A initialisation and masking (Intel 8259A datasheet, ICW1-ICW4, OCW2/OCW3). */
#include "arch/pic.h"
#include "arch/idt.h"
#include "arch/io.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI   0x20 /* OCW2: non-specific end of interrupt */
#define OCW3_ISR  0x0B /* OCW3: next read of the command port returns the in-service register */

static uint16_t mask_cache = 0xffff;

static void write_masks(void)
{
    outb(PIC1_DATA, (uint8_t)(mask_cache & 0xff));
    outb(PIC2_DATA, (uint8_t)(mask_cache >> 8));
}

void pic_init(void)
{
    /* ICW1 0x11: edge mode, cascade, ICW4 follows. ICW2: vector offsets. ICW3: the slave sits on
       master input 2 (0x04) / slave identity 2. ICW4 0x01: 8086 mode. */
    outb(PIC1_CMD, 0x11);
    io_wait();
    outb(PIC2_CMD, 0x11);
    io_wait();
    outb(PIC1_DATA, VEC_IRQ0);
    io_wait();
    outb(PIC2_DATA, VEC_IRQ0 + 8);
    io_wait();
    outb(PIC1_DATA, 0x04);
    io_wait();
    outb(PIC2_DATA, 0x02);
    io_wait();
    outb(PIC1_DATA, 0x01);
    io_wait();
    outb(PIC2_DATA, 0x01);
    io_wait();
    /* Everything masked except the cascade line, until a driver unmasks its IRQ. */
    mask_cache = 0xffff & ~(1u << 2);
    write_masks();
}

void pic_mask(int irq)
{
    mask_cache |= (uint16_t)(1u << irq);
    write_masks();
}

void pic_unmask(int irq)
{
    mask_cache &= (uint16_t) ~(1u << irq);
    write_masks();
}

bool pic_is_masked(int irq)
{
    return (mask_cache >> irq) & 1u;
}

void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

bool pic_spurious(int irq)
{
    if (irq != 7 && irq != 15)
        return false;
    uint16_t port = irq == 7 ? PIC1_CMD : PIC2_CMD;
    outb(port, OCW3_ISR);
    bool in_service = (inb(port) & 0x80) != 0;
    if (!in_service && irq == 15)
        outb(PIC1_CMD, PIC_EOI); /* the master did see a real cascade interrupt */
    return !in_service;
}

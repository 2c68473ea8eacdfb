/* serial.c: polled 16550 output on COM1 and COM2 at 115200 8N1. */
#include "dev/serial.h"
#include "arch/io.h"

void serial_reg_write(uint16_t base, uint8_t reg, uint8_t v)
{
    outb((uint16_t)(base + reg), v);
}

uint8_t serial_reg_read(uint16_t base, uint8_t reg)
{
    return inb((uint16_t)(base + reg));
}

static void uart_init(uint16_t base)
{
    serial_reg_write(base, UART_IER, 0x00); /* polled: no interrupts until a driver asks */
    serial_reg_write(base, UART_LCR, 0x80); /* DLAB=1 to reach the divisor latch */
    serial_reg_write(base, 0, 0x01);        /* divisor 1: 115200 baud from the 1.8432 MHz clock */
    serial_reg_write(base, 1, 0x00);
    serial_reg_write(base, UART_LCR, 0x03); /* DLAB=0, 8 data bits, no parity, 1 stop bit */
    serial_reg_write(base, UART_IIR, 0xC7); /* FCR: enable + clear both FIFOs, 14-byte trigger */
    serial_reg_write(base, UART_MCR, 0x0B); /* DTR, RTS, OUT2 (OUT2 gates the IRQ line on PCs) */
}

void serial_init(void)
{
    uart_init(COM1_BASE);
    uart_init(COM2_BASE);
}

void serial_write(uint16_t base, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        /* A bounded wait: a missing UART (LSR reads 0xFF) must not hang the kernel. */
        for (int spin = 0; spin < 100000; spin++) {
            if (serial_reg_read(base, UART_LSR) & UART_LSR_THRE)
                break;
        }
        serial_reg_write(base, UART_THR, p[i]);
    }
}

void com2_write(const void *buf, size_t len)
{
    serial_write(COM2_BASE, buf, len);
}

/* serial.h: 16550 UARTs: COM1 carries the human log, COM2 the machine-readable records. */
#ifndef NETSYNC_SERIAL_H
#define NETSYNC_SERIAL_H
#include <stddef.h>
#include <stdint.h>

/* Legacy PC I/O bases (IBM PC/AT convention; QEMU's isa-serial defaults). */
#define COM1_BASE 0x3F8
#define COM2_BASE 0x2F8
/* Their ISA IRQ lines. */
#define COM1_IRQ 4
#define COM2_IRQ 3

void serial_init(void);
void serial_write(uint16_t base, const void *buf, size_t len);
/* COM2: machine-readable records; callers own the framing (a later issue defines it). */
void com2_write(const void *buf, size_t len);
/* 16550 register access for drivers and tests (offset from the base port). */
void serial_reg_write(uint16_t base, uint8_t reg, uint8_t v);
uint8_t serial_reg_read(uint16_t base, uint8_t reg);

/* 16550 register offsets and bits (TI PC16550D datasheet, Table 2 / §8). */
#define UART_THR      0 /* transmit holding (DLAB=0) */
#define UART_IER      1 /* interrupt enable (DLAB=0) */
#define UART_IIR      2 /* interrupt identification (read) / FIFO control (write) */
#define UART_LCR      3
#define UART_MCR      4
#define UART_LSR      5
#define UART_IER_THRE 0x02 /* interrupt when the transmit holding register is empty */
#define UART_LSR_THRE 0x20

#endif

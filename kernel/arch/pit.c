/* pit.c: 8254 PIT programming (Intel 8254 datasheet; ports per the IBM PC/AT). */
#include "arch/pit.h"
#include "arch/io.h"

/* 8254 ports: 0x40-0x42 channel data, 0x43 mode/command. Port 0x61 bit 0 gates channel 2 and
   bit 5 reads its output (PC/AT system control port B). */
#define PIT_CH0     0x40
#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define PORT_B      0x61
#define PORTB_GATE2 0x01
#define PORTB_SPKR  0x02
#define PORTB_OUT2  0x20

uint32_t pit_start_periodic(uint32_t hz)
{
    uint32_t div = (PIT_HZ + hz / 2) / hz;
    if (div < 2)
        div = 2;
    if (div > 65535)
        div = 65535;
    /* Command 0x34: channel 0, access lobyte/hibyte, mode 2 (rate generator), binary. */
    outb(PIT_CMD, 0x34);
    outb(PIT_CH0, (uint8_t)(div & 0xff));
    outb(PIT_CH0, (uint8_t)(div >> 8));
    return (PIT_HZ + div / 2) / div;
}

void pit_ch2_start(void)
{
    /* Gate channel 2 on, speaker off; command 0xB0: channel 2, lobyte/hibyte, mode 0
       (OUT2 goes high when the count reaches zero); initial count 0xFFFF (about 55 ms). */
    outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORTB_SPKR) | PORTB_GATE2));
    outb(PIT_CMD, 0xB0);
    outb(PIT_CH2, 0xFF);
    outb(PIT_CH2, 0xFF);
}

bool pit_sample(uint64_t *tsc, uint16_t *count)
{
    uint64_t best = UINT64_MAX;
    for (int k = 0; k < 8; k++) {
        uint64_t t1 = rdtsc();
        /* Counter-latch command for channel 2 (8254 datasheet: SC=10, RW=00), then LSB, MSB. */
        outb(PIT_CMD, 0x80);
        uint8_t lo = inb(PIT_CH2);
        uint8_t hi = inb(PIT_CH2);
        uint64_t t2 = rdtsc();
        if (t2 - t1 < best) {
            best = t2 - t1;
            *tsc = t1 + (t2 - t1) / 2;
            *count = (uint16_t)(lo | hi << 8);
        }
    }
    return (inb(PORT_B) & PORTB_OUT2) == 0;
}

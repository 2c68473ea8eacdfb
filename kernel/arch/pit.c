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
    return PIT_HZ / div;
}

uint64_t pit_time_tsc(uint32_t us)
{
    uint32_t count = (uint32_t)((uint64_t)PIT_HZ * us / 1000000u);
    if (count > 65535)
        count = 65535;
    /* Gate channel 2 on, speaker off; command 0xB0: channel 2, lobyte/hibyte, mode 0
       (interrupt on terminal count: OUT2 goes high when the count reaches zero). */
    outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORTB_SPKR) | PORTB_GATE2));
    outb(PIT_CMD, 0xB0);
    outb(PIT_CH2, (uint8_t)(count & 0xff));
    outb(PIT_CH2, (uint8_t)(count >> 8));
    uint64_t t0 = rdtsc();
    /* Bound the wait (~2^36 cycles, tens of seconds) so a missing PIT cannot hang the boot. */
    while ((inb(PORT_B) & PORTB_OUT2) == 0) {
        if (rdtsc() - t0 > (1ull << 36))
            return 0;
    }
    return rdtsc() - t0;
}

/* pit.h: the 8254 programmable interval timer (periodic tick on channel 0, timing on channel 2). */
#ifndef NETSYNC_PIT_H
#define NETSYNC_PIT_H
#include <stdbool.h>
#include <stdint.h>

/* 8254 input clock: 1.193182 MHz (IBM PC/AT technical reference). */
#define PIT_HZ  1193182u
#define PIT_IRQ 0

/* Starts channel 0 as a rate generator at hz interrupts per second (returns the actual rate). */
uint32_t pit_start_periodic(uint32_t hz);
/* Starts channel 2 counting down from 0xFFFF (mode 0) for pit_sample. */
void pit_ch2_start(void);
/* Reads channel 2's count together with the TSC: of a few tries, the one whose two bracketing
   TSC reads are closest wins (a try the host interrupted is discarded); *tsc is its midpoint.
   Returns false when the count already reached zero (OUT2 high: the window was too long). */
bool pit_sample(uint64_t *tsc, uint16_t *count);

#endif

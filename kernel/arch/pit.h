/* pit.h: the 8254 programmable interval timer (periodic tick on channel 0, timing on channel 2). */
#ifndef NETSYNC_PIT_H
#define NETSYNC_PIT_H
#include <stdint.h>

/* 8254 input clock: 1.193182 MHz (IBM PC/AT technical reference). */
#define PIT_HZ  1193182u
#define PIT_IRQ 0

/* Starts channel 0 as a rate generator at hz interrupts per second (returns the actual rate). */
uint32_t pit_start_periodic(uint32_t hz);
/* Busy-waits about us microseconds on channel 2 and returns the TSC cycles that elapsed,
   or 0 if the channel never reached its terminal count. */
uint64_t pit_time_tsc(uint32_t us);

#endif

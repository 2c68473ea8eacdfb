/* clock.h: the monotonic nanosecond clock (TSC calibrated against the PIT). */
#ifndef NETSYNC_CLOCK_H
#define NETSYNC_CLOCK_H
#include <stdint.h>

/* Nanoseconds since calibration; 0 until clock_init has run. Safe in any context. */
uint64_t clock_ns(void);
/* Converts a raw TSC value to the clock's nanoseconds (for timestamps taken with rdtsc). */
uint64_t clock_tsc_to_ns(uint64_t tsc);
uint64_t clock_tsc_hz(void);
/* Calibrates the TSC against PIT channel 2 and starts the clock. */
void clock_init(void);

#endif

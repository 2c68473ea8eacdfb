/* tsc.h: TSC frequency measurement against the PIT. */
#ifndef NETSYNC_TSC_H
#define NETSYNC_TSC_H
#include <stdint.h>

/* Shortest of several PIT-timed windows, in Hz; panics if the PIT never counts. */
uint64_t tsc_calibrate(void);

#endif

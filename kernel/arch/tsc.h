/* tsc.h: TSC frequency measurement against the PIT. */
#ifndef NETSYNC_TSC_H
#define NETSYNC_TSC_H
#include <stdint.h>

/* TSC frequency in Hz: median of several PIT-referenced runs; panics if the PIT never counts. */
uint64_t tsc_calibrate(void);

#endif

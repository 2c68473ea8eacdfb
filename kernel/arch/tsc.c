/* tsc.c: measures the TSC frequency over several PIT channel-2 windows and keeps the median. */
#include "arch/tsc.h"
#include "arch/pit.h"
#include "lib/klib.h"

/* 10 ms windows: long enough that the PIT's 838 ns granularity is < 0.01% of the window. */
#define WINDOW_US 10000u
#define WINDOWS   5

uint64_t tsc_calibrate(void)
{
    uint64_t s[WINDOWS];
    for (int i = 0; i < WINDOWS; i++) {
        s[i] = pit_time_tsc(WINDOW_US);
        if (s[i] == 0)
            panic("tsc: PIT channel 2 never reached terminal count; cannot calibrate");
    }
    /* Insertion sort, then the median: one window disturbed by the host does not skew it. */
    for (int i = 1; i < WINDOWS; i++) {
        for (int j = i; j > 0 && s[j] < s[j - 1]; j--) {
            uint64_t t = s[j];
            s[j] = s[j - 1];
            s[j - 1] = t;
        }
    }
    uint32_t count = (uint32_t)((uint64_t)PIT_HZ * WINDOW_US / 1000000u);
    /* cycles / (count / PIT_HZ) seconds */
    return s[WINDOWS / 2] * PIT_HZ / count;
}

/* tsc.c: measures the TSC frequency over several PIT channel-2 windows, keeping the shortest. */
#include "arch/tsc.h"
#include "arch/pit.h"
#include "core/log.h"
#include "lib/klib.h"

/* 5 ms windows: the PIT's 838 ns granularity is < 0.02% of one, and boot stays short. */
#define WINDOW_US 5000u
#define WINDOWS   7

uint64_t tsc_calibrate(void)
{
    uint64_t s[WINDOWS];
    for (int i = 0; i < WINDOWS; i++) {
        s[i] = pit_time_tsc(WINDOW_US);
        if (s[i] == 0)
            panic("tsc: PIT channel 2 never reached terminal count; cannot calibrate");
    }
    /* Sorted so the log can show the spread. The shortest window is the estimate: a disturbed
       window (the vCPU preempted or delayed while polling, common under TCG on a busy host)
       only ever measures longer, never shorter. */
    for (int i = 1; i < WINDOWS; i++) {
        for (int j = i; j > 0 && s[j] < s[j - 1]; j--) {
            uint64_t t = s[j];
            s[j] = s[j - 1];
            s[j - 1] = t;
        }
    }
    uint32_t count = (uint32_t)((uint64_t)PIT_HZ * WINDOW_US / 1000000u);
    /* A wide spread means the host disturbed the measurement (TCG on a loaded host): say so. */
    LOGI("tsc: %d windows of %u us: %llu..%llu cycles (median %llu), using the shortest", WINDOWS,
         WINDOW_US, (unsigned long long)s[0], (unsigned long long)s[WINDOWS - 1],
         (unsigned long long)s[WINDOWS / 2]);
    /* cycles / (count / PIT_HZ) seconds */
    return s[0] * PIT_HZ / count;
}

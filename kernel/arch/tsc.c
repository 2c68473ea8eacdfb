/* tsc.c: measures the TSC frequency against PIT channel 2 from (TSC, PIT count) pairs. */
#include "arch/tsc.h"
#include "arch/pit.h"
#include "core/log.h"
#include "lib/klib.h"

/*
 * Each run reads the PIT counter and the TSC together at the start and at the end of a ~15 ms
 * window: hz = delta_tsc * PIT_HZ / delta_pit. Unlike timing how long the PIT takes to reach
 * zero, a late poll (the vCPU descheduled by a busy host, common under TCG) does not bias the
 * result: the end point is whatever both clocks say at the same instant. Each end point keeps
 * the read with the tightest TSC bracket. The median of RUNS runs is used.
 */
#define WINDOW_TICKS 17898u /* 15 ms of the 1.193182 MHz PIT: well inside the 16-bit count */
#define RUNS         3

static bool one_run(uint64_t *hz)
{
    uint64_t t0, t1;
    uint16_t c0, c1;
    pit_ch2_start();
    if (!pit_sample(&t0, &c0))
        return false;
    for (;;) {
        if (!pit_sample(&t1, &c1))
            return false; /* reached zero: we were away too long, the count may have wrapped */
        if (c1 <= c0 && (uint32_t)(c0 - c1) >= WINDOW_TICKS)
            break;
        if (t1 - t0 > (1ull << 36))
            return false; /* tens of seconds and the PIT has not moved: give up this run */
    }
    uint32_t dpit = (uint32_t)(c0 - c1);
    *hz = (t1 - t0) * PIT_HZ / dpit;
    return true;
}

uint64_t tsc_calibrate(void)
{
    uint64_t s[RUNS];
    int n = 0;
    for (int tries = 0; n < RUNS && tries < 4 * RUNS; tries++) {
        if (one_run(&s[n]))
            n++;
    }
    if (n == 0)
        panic("tsc: no usable PIT channel 2 window; cannot calibrate");
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && s[j] < s[j - 1]; j--) {
            uint64_t t = s[j];
            s[j] = s[j - 1];
            s[j - 1] = t;
        }
    }
    LOGI("tsc: %d runs of 15 ms against the PIT: %llu..%llu Hz, median %llu", n,
         (unsigned long long)s[0], (unsigned long long)s[n - 1], (unsigned long long)s[n / 2]);
    return s[n / 2];
}

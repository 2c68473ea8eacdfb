/* clock.c: TSC-based monotonic clock; the frequency comes from arch/tsc.c's PIT calibration. */
#include "core/clock.h"
#include "arch/io.h"
#include "arch/tsc.h"
#include "core/log.h"
#include "lib/clockconv.h"

static struct clockconv conv;
static uint64_t tsc_base;
static bool running;

uint64_t clock_tsc_to_ns(uint64_t tsc)
{
    if (!running || tsc < tsc_base)
        return 0;
    return clockconv_ns(&conv, tsc - tsc_base);
}

uint64_t clock_ns(void)
{
    return clock_tsc_to_ns(rdtsc());
}

uint64_t clock_tsc_hz(void)
{
    return conv.hz;
}

void clock_init(void)
{
    uint64_t hz = tsc_calibrate();
    clockconv_init(&conv, hz);
    tsc_base = rdtsc();
    running = true;
    LOGI("clock: TSC %u.%03u MHz (calibrated against PIT channel 2), mult=%u shift=%u",
         (uint32_t)(hz / 1000000u), (uint32_t)(hz / 1000u % 1000u), conv.mult, conv.shift);
}

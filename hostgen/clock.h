/* clock.h: nanosecond clocks: CLOCK_MONOTONIC for every interval, CLOCK_REALTIME only to join logs.
 */
#ifndef HOSTGEN_CLOCK_H
#define HOSTGEN_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    /* clock_gettime cannot fail for these two clocks with a valid pointer (POSIX.1-2008). */
    (void)clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t mono_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

#endif

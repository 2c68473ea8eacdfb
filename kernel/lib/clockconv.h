/* clockconv.h: cycles -> nanoseconds by multiply-and-shift, with no 64-bit division on the fast
 * path. */
#ifndef NETSYNC_CLOCKCONV_H
#define NETSYNC_CLOCKCONV_H
#include "klib.h"

struct clockconv {
    uint32_t mult;
    uint32_t shift;
    uint64_t hz;
};

/* Chooses mult/shift so ns = cycles * mult >> shift is exact to ~1 ppb; hz must be >= 1000. */
void clockconv_init(struct clockconv *c, uint64_t hz);
uint64_t clockconv_ns(const struct clockconv *c, uint64_t cycles);
/* ns -> cycles (rounded down); uses 64-bit division, not for hot paths in the guest. */
uint64_t clockconv_cycles(const struct clockconv *c, uint64_t ns);

#endif

/* clockconv.c: fixed-point conversion between counter cycles and nanoseconds; host-tested. */
#include "clockconv.h"

void clockconv_init(struct clockconv *c, uint64_t hz)
{
    ASSERT(hz >= 1000, "clock frequency implausibly low");
    c->hz = hz;
    /* The largest shift <= 32 whose multiplier still fits 32 bits keeps the most precision. */
    for (uint32_t shift = 32;; shift--) {
        uint64_t mult = ((uint64_t)1000000000u << shift) / hz;
        if (mult <= 0xffffffffu || shift == 0) {
            ASSERT(mult <= 0xffffffffu, "no shift gives a 32-bit multiplier");
            c->mult = (uint32_t)mult;
            c->shift = shift;
            return;
        }
    }
}

uint64_t clockconv_ns(const struct clockconv *c, uint64_t cycles)
{
    /* (hi*2^32 + lo) * mult >> shift, split so no partial product exceeds 64 bits. */
    uint64_t hi = cycles >> 32, lo = cycles & 0xffffffffu;
    uint64_t lo_part = (lo * c->mult) >> c->shift;
    uint64_t hi_part = (hi * c->mult) << (32 - c->shift);
    return hi_part + lo_part;
}

uint64_t clockconv_cycles(const struct clockconv *c, uint64_t ns)
{
    /* ns * hz / 1e9 split to avoid overflow for large ns. */
    uint64_t sec = ns / 1000000000u, rem = ns % 1000000000u;
    return sec * c->hz + rem * c->hz / 1000000000u;
}

/* rng.h: seeded PRNG and netem's correlated-random helper, so a run can be replayed exactly. */
#ifndef NETSYNC_NETEM_RNG_H
#define NETSYNC_NETEM_RNG_H

#include <stdint.h>

/* splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014): one 64-bit state, full period, passes BigCrush; enough for emulation. */
struct rng {
    uint64_t s;
};

/* netem's struct crndstate: the last value and the correlation rho on the 2^32 scale. */
struct crnd {
    uint32_t last;
    uint32_t rho;
};

void rng_seed(struct rng *r, uint64_t seed);
uint32_t rng_u32(struct rng *r);
/* Uniform in [0, n); n > 0. */
uint32_t rng_below(struct rng *r, uint32_t n);
/* netem's get_crandom() (net/sched/sch_netem.c): with rho = 0 a fresh value, else
 * (value * (2^32 - (rho+1)) + last * (rho+1)) >> 32. */
uint32_t crnd_next(struct crnd *c, struct rng *r);

#endif

/* rng.h: seeded, reproducible random streams (xoshiro256**) and the draws hostgen needs. */
#ifndef HOSTGEN_RNG_H
#define HOSTGEN_RNG_H

#include <stdint.h>

/* xoshiro256** state (Blackman and Vigna, "Scrambled linear pseudorandom number generators"). */
struct rng {
    uint64_t s[4];
};

/* Seeds a stream from (seed, stream) with SplitMix64 so distinct streams are independent. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *r);
/* Exponential variate with the given mean (inverse transform of 1-U, never log(0)). */
double rng_exp(struct rng *r, double mean);
/* Uniform integer in [lo, hi] inclusive. */
uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi);

#endif

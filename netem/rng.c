/* rng.c: splitmix64 generator and netem's correlated random numbers. */
#include "rng.h"

void rng_seed(struct rng *r, uint64_t seed)
{
    r->s = seed;
}

uint32_t rng_u32(struct rng *r)
{
    /* constants of splitmix64 (Steele et al. 2014, figure 3) */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (uint32_t)(z >> 32);
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
    /* Lemire's multiply-shift; the tiny bias is far below what any test can see. */
    return (uint32_t)(((uint64_t)rng_u32(r) * n) >> 32);
}

uint32_t crnd_next(struct crnd *c, struct rng *r)
{
    uint32_t value = rng_u32(r);
    if (c->rho == 0)
        return value;
    uint64_t rho = (uint64_t)c->rho + 1;
    uint64_t answer = ((uint64_t)value * ((1ull << 32) - rho) + (uint64_t)c->last * rho) >> 32;
    c->last = (uint32_t)answer;
    return (uint32_t)answer;
}

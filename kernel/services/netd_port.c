/* netd_port.c: the stack's platform interface in the guest: clock, randomness, kernel heap. */
#include "arch/io.h"
#include "core/clock.h"
#include "mm/heap.h"
#include "net/port.h"

uint64_t ns_port_now_ns(void)
{
    return clock_ns();
}

/*
 * RFC 6528 wants initial sequence numbers that an off-path attacker cannot predict; the guest
 * has no entropy source, so this mixes the TSC (whose low bits move between calls) through
 * xorshift32 (Marsaglia 2003) and SplitMix-style finalisation. Good enough for a test bed that
 * only talks to namespaces it created; not for hostile networks (docs/guestnet.md says so).
 */
uint32_t ns_port_random(void)
{
    static uint32_t s = 0x9E3779B9u;
    uint64_t t = rdtsc();
    s ^= (uint32_t)t ^ (uint32_t)(t >> 32);
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    uint32_t z = s * 0x85EBCA6Bu;
    z ^= z >> 16;
    return z;
}

void *ns_port_alloc(size_t n)
{
    return kzalloc(n);
}

void ns_port_free(void *p)
{
    if (p)
        kfree(p);
}

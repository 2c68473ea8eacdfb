/* mptcp_sched.c: the packet scheduler's choice of subflow (see mptcp_sched.h). */
#include "mptcp_sched.h"

uint64_t mptcp_sched_delivery_us(const struct mptcp_sched_sf *sf)
{
    uint64_t rtt = sf->rtt_known ? sf->srtt_us : MPTCP_SCHED_UNKNOWN_RTT_US;
    if (rtt < MPTCP_SCHED_MIN_RTT_US)
        rtt = MPTCP_SCHED_MIN_RTT_US;
    uint64_t win = sf->cwnd > sf->mss ? sf->cwnd : sf->mss;
    if (win == 0)
        win = 1; /* no MSS known yet: the queue alone decides, never a division by zero */
    return rtt / 2 + rtt * sf->queued / win;
}

/* True when candidate a should be preferred to the current best b. */
static bool better(enum mptcp_sched_policy policy, const struct mptcp_sched_sf *a,
                   const struct mptcp_sched_sf *b)
{
    if (policy == MPTCP_SCHED_RTT) {
        uint64_t ta = mptcp_sched_delivery_us(a), tb = mptcp_sched_delivery_us(b);
        if (ta != tb)
            return ta < tb;
    }
    return a->room > b->room;
}

int mptcp_sched_pick(enum mptcp_sched_policy policy, const struct mptcp_sched_sf *sf, int n)
{
    ASSERT(policy == MPTCP_SCHED_RTT || policy == MPTCP_SCHED_ROOM, "unknown scheduler policy");
    /* A stalled subflow is a last resort even when the live ones are full: bytes put on a dead
     * path wait for a reinjection, bytes held back go out as soon as a live path has room. */
    bool any_live = false;
    for (int k = 0; k < n; k++)
        any_live |= sf[k].usable && !sf[k].stalled;
    int best = -1;
    for (int k = 0; k < n; k++) {
        if (!sf[k].usable || sf[k].room == 0 || (any_live && sf[k].stalled))
            continue;
        if (best < 0 || better(policy, &sf[k], &sf[best]))
            best = k;
    }
    return best;
}

/* mptcp_sched.h: the packet scheduler: which subflow new data goes on (RFC 8684 3.3.8 leaves the
 * choice to the implementation). Pure functions over a snapshot of each subflow's TCP state. */
#ifndef NETSYNC_MPTCP_SCHED_H
#define NETSYNC_MPTCP_SCHED_H
#include "../../lib/klib.h"

enum mptcp_sched_policy {
    /* Earliest expected delivery (default): the lowest-RTT subflow until its queue makes another
     * one deliver sooner. For request/response traffic this puts each response on the faster
     * path; for bulk transfers it splits bytes roughly in proportion to cwnd / RTT. */
    MPTCP_SCHED_RTT = 0,
    /* Most send-buffer room: the first scheduler, kept to compare against (kernel key
     * mp_sched=room). Blind to RTT: small writes all go on the first subflow. */
    MPTCP_SCHED_ROOM = 1,
};

/* RTT assumed for a subflow without a sample yet (RFC 6298 2.1 starts its RTO at 1 s; a join
 * without a handshake sample is rare: Linux sends timestamps). Large enough that a measured path
 * is preferred, small enough that a long queue elsewhere still spills onto it. */
#define MPTCP_SCHED_UNKNOWN_RTT_US 100000u
/* RTT floor: with millisecond timestamps (RFC 7323 4.1) a LAN path samples 0, which would make
 * its queue free of cost. */
#define MPTCP_SCHED_MIN_RTT_US 1000u

struct mptcp_sched_sf {
    bool usable;  /* established at both levels, open for sending, a mapping slot free */
    bool stalled; /* in RTO back-off (no ACK since its timer fired): maybe a dead path */
    bool rtt_known;
    uint32_t srtt_us;
    uint32_t queued; /* bytes in its send buffer: in flight plus not sent yet */
    uint32_t cwnd;   /* congestion window, bytes */
    uint32_t mss;
    uint32_t room; /* send-buffer room, bytes */
};

/* Expected time (us) until a byte appended now reaches the peer: half an RTT, plus the bytes
 * queued ahead of it drained at one congestion window per RTT. */
uint64_t mptcp_sched_delivery_us(const struct mptcp_sched_sf *sf);

/* The subflow to send on: among usable subflows with room, not stalled unless all are, the one
 * the policy prefers (ties: more room, then the lower index). -1 when none qualifies. */
int mptcp_sched_pick(enum mptcp_sched_policy policy, const struct mptcp_sched_sf *sf, int n);

#endif

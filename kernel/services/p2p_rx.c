/* p2p_rx.c: netd's side of the records and of Divsa: receive stamps per socket (interrupt entry
 * of the frames' batch, readability) and the hints netd gives the scheduler about the reader. */
#include "arch/io.h"
#include "core/clock.h"
#include "core/sched.h"
#include "net/tcp.h"
#include "net/tcp_mptcp.h"
#include "services/p2p_records.h"

/* The batch netd's bottom half is draining: which NIC, and its interrupt-entry time. */
static int batch_nic = -1;
static uint64_t batch_irq_ns;

void p2p_rx_batch(int nic, uint64_t irq_tsc)
{
    batch_nic = nic;
    batch_irq_ns = nic >= 0 ? clock_tsc_to_ns(irq_tsc) : 0;
}

static uint32_t conn_seq;

/* What the reader's socket holds now: in-order bytes, whether a sequence hole blocks more (at
 * the subflow or, for MPTCP, the data level), and the RTT of the path expected to bring them. */
struct rx_view {
    uint32_t readable;
    uint32_t ooo_bytes; /* held past a hole: TCP's out-of-order bytes, or the data-level span */
    bool hole;
    uint32_t srtt_us, rttvar_us;
    bool in_flight;   /* data-level hole only: the DSNs ride a slower subflow */
    uint32_t skew_us; /* then: half the RTT difference between the slowest and fastest subflow */
};

static uint32_t clamp32(uint64_t v)
{
    return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)v;
}

static void rx_view(struct tcp_pcb *pcb, struct rx_view *v)
{
    struct ns_tcp_info info;
    ns_tcp_get_info(pcb, &info);
    v->readable = clamp32(ns_mp_readable(pcb));
    v->ooo_bytes = info.ooo_bytes;
    v->hole = info.ooo_bytes > 0;
    v->srtt_us = info.srtt_us;
    v->rttvar_us = info.rttvar_us;
    v->in_flight = false;
    v->skew_us = 0;
    const struct mptcp_conn *c = ns_mp_conn(pcb);
    if (c == NULL || c->state != MPC_ESTABLISHED)
        return; /* plain TCP or fallback: the handle's own figures */
    /* MPTCP: bytes stored past rcv_nxt mean a data-level hole (RFC 8684 3.3.1: another subflow
     * still owes the DSNs in between); a subflow-level gap blocks its subflow. The subflow
     * expected to fill the hole is one with a gap of its own (it waits for a retransmission),
     * else the slowest established one (the missing DSNs are still in flight on it). */
    uint64_t span = c->rcv_high > c->rcv_nxt ? c->rcv_high - c->rcv_nxt : 0;
    int pick = -1;
    bool pick_gap = false;
    uint32_t fastest = 0;
    for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++) {
        const struct mptcp_subflow *sf = &c->sf[k];
        if (sf->state != SF_ESTABLISHED || sf->m.srtt_us == 0)
            continue;
        if (fastest == 0 || sf->m.srtt_us < fastest)
            fastest = sf->m.srtt_us;
        bool gap = sf->m.sf_hole_bytes > 0;
        if (pick < 0 || (gap && !pick_gap) ||
            (gap == pick_gap && sf->m.srtt_us > c->sf[pick].m.srtt_us)) {
            pick = k;
            pick_gap = gap;
        }
    }
    if (span > 0 || pick_gap) {
        v->hole = true;
        v->ooo_bytes = clamp32(span > info.ooo_bytes ? span : info.ooo_bytes);
    }
    if (pick >= 0) {
        v->srtt_us = c->sf[pick].m.srtt_us;
        v->rttvar_us = c->sf[pick].m.rttvar_us;
    }
    /* Nothing missing on any subflow: the DSNs are in flight on the slower path, one one-way
       delay difference behind (symmetric paths assumed: half the RTT difference). */
    if (span > 0 && !pick_gap && info.ooo_bytes == 0 && pick >= 0) {
        v->in_flight = true;
        v->skew_us = (c->sf[pick].m.srtt_us - fastest) / 2;
    }
}

void p2p_rx_reset(struct p2p_rxstate *s)
{
    memset(s, 0, sizeof(*s));
    dp_init(&s->flow);
    s->conn = ++conn_seq;
}

/* What hint() consulted the predictor with, for the ARRIVAL record (asked = false: it did not). */
struct hint_used {
    bool asked;
    struct rx_view view;
    uint64_t hole_since_ns;
};

/* Tells the scheduler what the reader of this socket waits for (DESIGN.md §2 "divsa");
   returns the predicted arrival it handed over, 0 when none. used may be NULL. */
static uint64_t hint(struct p2p_rxstate *s, struct tcp_pcb *pcb, uint32_t readable, uint64_t now,
                     struct hint_used *used)
{
    if (s->owner == NULL)
        return 0;
    struct sched_hint h;
    memset(&h, 0, sizeof h);
    h.subflow = s->subflow;
    /* want == 0: the reader is not blocked on this socket but busy (or queued behind other
       threads); the new bytes are for it all the same, so they count as complete. */
    if (readable >= s->want) {
        h.kind = SCHED_HINT_DATA_COMPLETE;
        s->flags |= P2P_F_BOOSTED;
        sched_hint(s->owner, &h);
        return 0;
    }
    struct rx_view info;
    rx_view(pcb, &info);
    bool hole = info.hole;
    if (hole && s->hole_since_ns == 0)
        s->hole_since_ns = now;
    if (!hole)
        s->hole_since_ns = 0;
    if (hole)
        s->flags |= P2P_F_HOLE;
    if (used != NULL) {
        used->asked = true;
        used->view = info;
        used->hole_since_ns = s->hole_since_ns;
    }
    struct dp_input in = {
        .now_ns = now,
        .bytes_missing = s->want - readable,
        .hole = hole,
        .hole_since_ns = s->hole_since_ns,
        .srtt_us = info.srtt_us,
        .rttvar_us = info.rttvar_us,
        .hole_in_flight = info.in_flight,
        .skew_us = info.skew_us,
    };
    uint64_t p = dp_predict(&s->flow, &in);
    if (p == 0)
        return 0;
    s->pred_ns = p;
    h.kind = SCHED_HINT_DATA_EXPECTED;
    h.predicted_ns = p;
    h.rtt_ns = (uint64_t)info.srtt_us * 1000u;
    h.bytes_missing = s->want - readable;
    sched_hint(s->owner, &h);
    return p;
}

/* An ARRIVAL record (arrivals=1): the predictor's inputs and answer, for exact host replays
   (docs/records.md §2.1). When hint() consulted the predictor, the view it used is recorded as
   it was, so the record says what the predictor saw; otherwise a fresh view, for reading the
   trace only. */
static void trace_arrival(const struct p2p_rxstate *s, struct tcp_pcb *pcb, uint64_t irq,
                          uint64_t now, uint32_t added, uint32_t readable, uint64_t pred,
                          const struct hint_used *used)
{
    struct rx_view info;
    if (used->asked)
        info = used->view;
    else
        rx_view(pcb, &info);
    struct p2p_arrival a;
    memset(&a, 0, sizeof a);
    a.conn = s->conn;
    a.nic = s->subflow; /* a NIC index (two NICs): p2p_arrival_pack asserts it fits */
    a.irq_ns = irq;
    a.now_d = p2p_delta(irq, now);
    a.pred_d = p2p_delta(irq, pred);
    a.readable = readable;
    a.added = added;
    a.want = s->want;
    a.srtt_us = info.srtt_us;
    a.rttvar_us = info.rttvar_us;
    a.ooo_bytes = info.ooo_bytes;
    a.view_known = true;
    a.asked = used->asked;
    a.hole = info.hole;
    a.in_flight = info.in_flight;
    a.skew_us = info.skew_us;
    /* The hole's start is netd's own state (it may have been set at a RECV, which is not
       traced): recorded as its age at `now`, what the predictor's hole rules add to. */
    if (used->asked && info.hole && used->hole_since_ns != 0 && used->hole_since_ns <= now)
        a.hole_age_ns = now - used->hole_since_ns >= P2P_NONE
                            ? P2P_NONE
                            : (uint32_t)(now - used->hole_since_ns);
    struct p2p_rec r;
    p2p_arrival_pack(&a, &r);
    (void)p2p_push(&r);
}

void p2p_rx_event(struct p2p_rxstate *s, struct tcp_pcb *pcb, unsigned events)
{
    if (!(events & NS_EV_IN) || pcb == NULL)
        return;
    uint64_t now = clock_ns();
    uint64_t irq = batch_nic >= 0 && batch_irq_ns != 0 && batch_irq_ns <= now ? batch_irq_ns : now;
    uint32_t readable = clamp32(ns_mp_readable(pcb));
    if (readable <= s->readable_seen && s->readable_seen != 0)
        return; /* no new bytes (an end of stream or a repeated event) */
    if (s->first_irq_ns == 0)
        s->first_irq_ns = irq;
    /* Never backwards: the stamps are taken per NIC, so with MPTCP's two NICs a batch can carry
       an interrupt stamp older than one drained before it, and a request's last stamp must not
       precede its first (docs/records.md §1; suite 80 saw a REQUEST with last < first, hence no
       last/hol). Records only: no hint reads it. */
    if (irq > s->last_irq_ns)
        s->last_irq_ns = irq;
    s->avail_ns = now;
    s->drain_ns = p2p_drain_ns();
    if (batch_nic >= 0)
        s->subflow = (uint32_t)batch_nic;
    uint32_t added = readable - s->readable_seen;
    dp_observe(&s->flow, irq, added, s->want > 0);
    s->readable_seen = readable;
    struct hint_used used;
    memset(&used, 0, sizeof used);
    uint64_t pred = hint(s, pcb, readable, now, &used);
    if (p2p_arrivals_on())
        trace_arrival(s, pcb, irq, now, added, readable, pred, &used);
}

void p2p_rx_recv(struct p2p_rxstate *s, struct tcp_pcb *pcb, uint32_t asked, long rc,
                 struct thread *caller, struct p2p_rxstamp *out)
{
    if (caller != NULL)
        s->owner = caller;
    if (out != NULL) {
        out->first_irq_ns = s->first_irq_ns;
        out->last_irq_ns = s->last_irq_ns;
        out->avail_ns = s->avail_ns;
        out->pred_ns = s->pred_ns;
        out->subflow = s->subflow;
        out->flags = s->flags;
        out->drain_ns = s->drain_ns;
    }
    /* Nothing more to read: the reader has taken what it was boosted for; the boost ends now
       instead of at its expiry (the CPU goes back to the others sooner). */
    if (rc == NS_EAGAIN && s->owner != NULL) {
        struct sched_hint h;
        memset(&h, 0, sizeof h);
        h.kind = SCHED_HINT_CANCEL;
        sched_hint(s->owner, &h);
    }
    /* The reader waits when it got less than it asked for: that is what hints are about. */
    s->want = rc == NS_EAGAIN ? asked : (rc > 0 && (uint32_t)rc < asked ? asked - (uint32_t)rc : 0);
    size_t left = ns_mp_readable(pcb);
    s->readable_seen = clamp32(left);
    if (rc > 0) {
        /* Bytes still unread start at the latest batch; none left: the next arrival starts. */
        s->first_irq_ns = left > 0 ? s->last_irq_ns : 0;
        s->flags = 0;
        s->pred_ns = 0;
        /* Queued requests still wait in the socket: the reader stays boosted for them (each
           re-boost is bounded like the first: expiry and the share). */
        if (left > 0)
            (void)hint(s, pcb, s->readable_seen, clock_ns(), NULL);
    }
    /* The reader now blocks in the middle of a request: predict the rest (the CANCEL above
       dropped earlier hints). */
    if (rc == NS_EAGAIN && s->want > 0 && s->owner != NULL && pcb != NULL)
        hint(s, pcb, s->readable_seen, clock_ns(), NULL);
}

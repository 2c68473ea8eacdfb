/* p2pdec_replay.c: the predictor replayed on ARRIVAL records, decision by decision. */
#include "tools/p2pdec_replay.h"
#include <stdlib.h>
#include <string.h>

void p2p_replay_init(struct p2p_replay *rp, bool legacy)
{
    memset(rp, 0, sizeof(*rp));
    rp->legacy = legacy;
}

void p2p_replay_free(struct p2p_replay *rp)
{
    free(rp->flow);
    free(rp->hole_seen);
    rp->flow = NULL;
    rp->hole_seen = NULL;
    rp->cap = 0;
}

static int grow(struct p2p_replay *rp, uint32_t conn)
{
    if (conn >= P2P_REPLAY_MAX_CONN)
        return -1;
    if ((size_t)conn < rp->cap)
        return 0;
    size_t cap = rp->cap ? rp->cap : 64;
    while (cap <= (size_t)conn)
        cap *= 2;
    struct dp_flow *f = realloc(rp->flow, cap * sizeof(*f));
    if (f == NULL)
        return -1;
    rp->flow = f;
    uint64_t *h = realloc(rp->hole_seen, cap * sizeof(*h));
    if (h == NULL)
        return -1;
    rp->hole_seen = h;
    for (size_t k = rp->cap; k < cap; k++) {
        dp_init(&rp->flow[k]); /* a new socket starts as p2p_rx_reset leaves it */
        rp->hole_seen[k] = 0;
    }
    rp->cap = cap;
    return 0;
}

int p2p_replay_step(struct p2p_replay *rp, const struct p2p_arrival *a, uint32_t *pred_d)
{
    if (pred_d != NULL)
        *pred_d = P2P_NONE;
    if (grow(rp, a->conn) != 0)
        return -1;
    rp->arrivals++;
    struct dp_flow *f = &rp->flow[a->conn];
    /* p2p_rx_event: statistics first (in a request = the reader waited), then the hint. */
    dp_observe(f, a->irq_ns, a->added, a->want > 0);
    if (a->now_d == P2P_NONE)
        return 0; /* netd's "now" was not taken: nothing to replay against */
    uint64_t now = a->irq_ns + a->now_d;
    struct dp_input in = {
        .now_ns = now,
        .bytes_missing = a->want > a->readable ? a->want - a->readable : 0,
        .srtt_us = a->srtt_us,
        .rttvar_us = a->rttvar_us,
    };
    if (rp->legacy || !a->view_known) {
        /* Before version 2: the predictor was assumed consulted whenever the reader waited for
           more than was readable; a hole was "out-of-order bytes held", never in flight. */
        if (a->readable >= a->want)
            return 0;
        in.hole = a->ooo_bytes > 0;
        if (!in.hole)
            rp->hole_seen[a->conn] = 0;
        else if (rp->hole_seen[a->conn] == 0)
            rp->hole_seen[a->conn] = now;
        in.hole_since_ns = rp->hole_seen[a->conn];
        if (!rp->legacy && in.hole) {
            rp->unknown++; /* a version-1 record: which hole, since when, is not known */
            return 0;
        }
    } else {
        if (!a->asked)
            return 0;
        in.hole = a->hole;
        in.hole_in_flight = a->in_flight;
        in.skew_us = a->skew_us;
        /* A saturated age dates the hole 4.29 s back: exact unless SRTT or skew exceed that. */
        in.hole_since_ns = a->hole && now >= a->hole_age_ns ? now - a->hole_age_ns : 0;
        rp->holes += a->hole;
        rp->in_flight += a->hole && a->in_flight;
    }
    rp->asked++;
    uint64_t p = dp_predict(f, &in);
    /* netd records the prediction as a delta from the interrupt time (p2p_delta; 0 = none). */
    uint32_t d = p == 0 ? P2P_NONE : p2p_delta(a->irq_ns, p);
    if (pred_d != NULL)
        *pred_d = d;
    if (d == a->pred_d) {
        rp->same++;
    } else {
        if (rp->differ == 0)
            rp->first_differ_seq = a->seq;
        rp->differ++;
    }
    return 0;
}

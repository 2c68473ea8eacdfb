/* divsa_predict.c: gap-EWMA arrival prediction for in-order data, one RTT for a sequence hole,
 * the subflows' delay skew for an MPTCP data-level hole. */
#include "lib/divsa_predict.h"

/* Longest gap that still counts as "inside a request": longer ones are idle time. */
#define DP_MAX_GAP_NS 200000000ull

void dp_init(struct dp_flow *f)
{
    memset(f, 0, sizeof(*f));
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

void dp_observe(struct dp_flow *f, uint64_t now_ns, uint32_t bytes, bool in_request)
{
    if (bytes == 0)
        return;
    /* Bytes per arrival: EWMA with gain 1/8 (the weight RFC 6298 §2 gives SRTT). */
    f->seg_bytes = f->seg_bytes == 0 ? bytes : f->seg_bytes - f->seg_bytes / 8 + bytes / 8;
    if (f->seg_bytes == 0)
        f->seg_bytes = 1;
    if (in_request && f->last_ns != 0 && now_ns > f->last_ns &&
        now_ns - f->last_ns < DP_MAX_GAP_NS) {
        uint64_t g = now_ns - f->last_ns;
        if (f->samples == 0) {
            /* First sample: mean = g, deviation = g/2 (RFC 6298 §2.2's initialisation). */
            f->gap_ns = g;
            f->gapvar_ns = g / 2;
        } else {
            /* RFC 6298 §2.3 gains: deviation 1/4, mean 1/8. */
            f->gapvar_ns = f->gapvar_ns - f->gapvar_ns / 4 + absdiff(f->gap_ns, g) / 4;
            f->gap_ns = f->gap_ns - f->gap_ns / 8 + g / 8;
        }
        f->samples++;
    }
    f->last_ns = now_ns;
}

uint64_t dp_predict(const struct dp_flow *f, const struct dp_input *in)
{
    uint64_t srtt = (uint64_t)in->srtt_us * 1000u;
    if (in->hole && in->hole_in_flight) {
        uint64_t p = in->hole_since_ns + (uint64_t)in->skew_us * 1000u;
        return p > in->now_ns ? p : in->now_ns;
    }
    if (in->hole) {
        /* A hole is filled by a retransmission: three duplicate ACKs reach the sender about half
           an RTT after the hole, its fast retransmit (RFC 5681 §3.2) arrives half an RTT later. */
        if (srtt == 0)
            return 0;
        uint64_t p = in->hole_since_ns + srtt;
        return p > in->now_ns ? p : in->now_ns;
    }
    if (in->bytes_missing == 0)
        return in->now_ns;
    if (f->samples == 0 || f->seg_bytes == 0)
        return 0;
    uint64_t segs = ((uint64_t)in->bytes_missing + f->seg_bytes - 1) / f->seg_bytes;
    uint64_t p = f->last_ns + segs * f->gap_ns;
    /* The rest of a request cannot take longer than the sender's whole window round: cap at
       last arrival + SRTT + 4 RTTVAR (RFC 6298's RTO without its 1 s floor). */
    if (srtt != 0) {
        uint64_t cap = f->last_ns + srtt + 4ull * in->rttvar_us * 1000u;
        if (p > cap)
            p = cap;
    }
    return p > in->now_ns ? p : in->now_ns;
}

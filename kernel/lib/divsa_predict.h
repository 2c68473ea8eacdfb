/* divsa_predict.h: Divsa's arrival predictor: when will the data that blocks a request arrive?
 * Host-buildable (klib.h only) so it is unit-tested on arrival traces (docs/divsa.md §2). */
#ifndef NETSYNC_DIVSA_PREDICT_H
#define NETSYNC_DIVSA_PREDICT_H
#include "lib/klib.h"

/* What one subflow has shown while a request was incomplete. */
struct dp_flow {
    uint64_t last_ns;   /* time of the latest arrival */
    uint64_t gap_ns;    /* smoothed gap between arrivals inside a request */
    uint64_t gapvar_ns; /* smoothed mean deviation of that gap */
    uint32_t seg_bytes; /* smoothed bytes per arrival */
    uint32_t samples;   /* gaps observed */
};

/* The facts netd has when the receiver blocks (subflow metrics from the stack). */
struct dp_input {
    uint64_t now_ns;
    uint32_t bytes_missing; /* bytes the receiver still needs for its request */
    bool hole;              /* the stack holds out-of-order data: a sequence hole blocks */
    uint64_t hole_since_ns; /* when the hole was first seen */
    uint32_t srtt_us, rttvar_us;
    /* MPTCP: the hole is at the data level only, no subflow misses anything: the DSNs are still
     * in flight on a slower subflow and arrive about one one-way-delay difference (skew_us)
     * after the hole appeared, not after a retransmission round trip. */
    bool hole_in_flight;
    uint32_t skew_us;
};

void dp_init(struct dp_flow *f);
/* An arrival of bytes at now_ns; in_request = the receiver was waiting for more of a request
   (only gaps inside a request say anything about when the rest comes). */
void dp_observe(struct dp_flow *f, uint64_t now_ns, uint32_t bytes, bool in_request);
/* Predicted absolute time (ns) the missing data arrives; 0 when there is no basis. */
uint64_t dp_predict(const struct dp_flow *f, const struct dp_input *in);

#endif

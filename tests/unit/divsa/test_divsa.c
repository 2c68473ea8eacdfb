/* test_divsa.c: host tests of the p2p record format, the COM2 decoder and Divsa's predictor
 * (ARRIVAL records and trace replays: test_replay.c). */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/divsa_predict.h"
#include "lib/p2p_wire.h"
#include "tests/unit/divsa/tests.h"
#include "tools/p2pdec_parse.h"

static struct p2p_rec mkrec(uint32_t seq, uint64_t id)
{
    struct p2p_rec r;
    memset(&r, 0, sizeof r);
    r.type = P2P_T_REQUEST;
    r.seq = seq;
    r.id = id;
    r.conn = 7;
    r.subflow = 1;
    r.t0 = 1000000000ull + id;
    for (int i = 0; i < P2P_NDELTA; i++)
        r.d[i] = (uint32_t)(100 * (i + 1));
    r.flags = P2P_F_BOOSTED;
    return r;
}

static void crc_known_vector(void **st)
{
    (void)st;
    /* The CRC-32 check value of "123456789" (the catalogue's CRC-32/ISO-HDLC). */
    assert_int_equal(p2p_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
}

static void roundtrip_and_corruption(void **st)
{
    (void)st;
    struct p2p_rec r = mkrec(5, 123456789012ull), o;
    uint8_t b[P2P_REC_LEN];
    p2p_encode(&r, b);
    assert_int_equal(p2p_decode(b, &o), 0);
    assert_int_equal(o.seq, 5);
    assert_true(o.id == r.id && o.t0 == r.t0 && o.flags == r.flags && o.conn == 7);
    assert_memory_equal(o.d, r.d, sizeof r.d);
    for (size_t i = 4; i < P2P_REC_LEN; i++) { /* any flipped bit after the magic is caught */
        uint8_t c[P2P_REC_LEN];
        memcpy(c, b, sizeof c);
        c[i] ^= 0x10;
        assert_int_not_equal(p2p_decode(c, &o), 0);
    }
    b[0] ^= 1;
    assert_int_equal(p2p_decode(b, &o), -1);
}

static void delta_edges(void **st)
{
    (void)st;
    assert_int_equal(p2p_delta(10, 0), P2P_NONE);
    assert_int_equal(p2p_delta(10, 5), P2P_NONE);
    assert_int_equal(p2p_delta(10, 10), 0);
    assert_int_equal(p2p_delta(0, 0xFFFFFFFFull), P2P_NONE);
    assert_int_equal(p2p_delta(1, 0xFFFFFFFFull), 0xFFFFFFFEu);
}

static int seen;
static void count(void *arg, const struct p2p_rec *r)
{
    (void)arg;
    (void)r;
    seen++;
}

/* Records with garbage between them and split at every possible point still decode. */
static void decoder_resyncs_and_splits(void **st)
{
    (void)st;
    uint8_t stream[10 * P2P_REC_LEN + 64];
    size_t n = 0;
    for (uint32_t i = 0; i < 10; i++) {
        struct p2p_rec r = mkrec(i, i);
        p2p_encode(&r, stream + n);
        n += P2P_REC_LEN;
        if (i == 3) { /* line noise, including a fake magic */
            memcpy(stream + n, "PR2P\x50\x32\x50\x52xx", 10);
            n += 10;
        }
    }
    for (size_t cut = 0; cut <= n; cut += 7) {
        struct p2pdec d;
        p2pdec_init(&d);
        seen = 0;
        assert_int_equal(p2pdec_feed(&d, stream, cut, count, NULL), 0);
        assert_int_equal(p2pdec_feed(&d, stream + cut, n - cut, count, NULL), 0);
        p2pdec_finish(&d);
        assert_int_equal(seen, 10);
        assert_int_equal(d.requests, 10);
        assert_int_equal(p2pdec_missing(&d), 0);
        assert_int_equal(d.seq_dup, 0);
        assert_int_equal(d.garbage_bytes, 10);
        p2pdec_free(&d);
    }
}

static void decoder_counts_gaps_dups_loss(void **st)
{
    (void)st;
    struct p2pdec d;
    p2pdec_init(&d);
    uint8_t b[P2P_REC_LEN];
    uint32_t seqs[] = {0, 1, 3, 3, 4};
    for (size_t i = 0; i < ARRAY_LEN(seqs); i++) {
        struct p2p_rec r = mkrec(seqs[i], i);
        p2p_encode(&r, b);
        assert_int_equal(p2pdec_feed(&d, b, sizeof b, NULL, NULL), 0);
    }
    struct p2p_rec l = mkrec(5, 42);
    l.type = P2P_T_LOSS;
    p2p_encode(&l, b);
    b[20] ^= 0xFF; /* garbled: must not count as the loss report */
    assert_int_equal(p2pdec_feed(&d, b, sizeof b, NULL, NULL), 0);
    assert_int_equal(d.bad_crc, 1);
    p2p_encode(&l, b);
    assert_int_equal(p2pdec_feed(&d, b, sizeof b, NULL, NULL), 0);
    p2pdec_finish(&d);
    assert_int_equal(p2pdec_missing(&d), 1); /* seq 2 */
    assert_int_equal(d.seq_dup, 1);          /* seq 3 twice */
    assert_int_equal(d.loss_reported, 42);
    assert_int_equal(d.requests, 5);
    p2pdec_free(&d);
}

static void decoder_hog_rates(void **st)
{
    (void)st;
    struct p2pdec d;
    p2pdec_init(&d);
    uint8_t b[P2P_REC_LEN];
    for (uint32_t k = 0; k < 3; k++) {
        struct p2p_rec r = mkrec(k, 1000u * k);
        r.type = P2P_T_HOG;
        r.conn = 0;
        r.t0 = 1000000000ull * (k + 1);
        p2p_encode(&r, b);
        assert_int_equal(p2pdec_feed(&d, b, sizeof b, NULL, NULL), 0);
    }
    assert_int_equal(d.hogs, 1);
    assert_true(d.hog_w_last[0] - d.hog_w_first[0] == 2000 &&
                d.hog_t_last[0] - d.hog_t_first[0] == 2000000000ull);
    p2pdec_free(&d);
}

/* Predictor on a trace: arrivals every 100 us of 1448 bytes inside a request. */
static void predict_steady_trace(void **st)
{
    (void)st;
    struct dp_flow f;
    dp_init(&f);
    uint64_t t = 5000000;
    for (int i = 0; i < 20; i++, t += 100000)
        dp_observe(&f, t, 1448, true);
    uint64_t last = t - 100000;
    struct dp_input in = {.now_ns = last, .bytes_missing = 4000, .srtt_us = 20000};
    uint64_t p = dp_predict(&f, &in);
    /* 3 more segments: 300 us after the last arrival, within 5%. */
    assert_true(p >= last + 285000 && p <= last + 315000);
}

static void predict_hole_is_one_rtt(void **st)
{
    (void)st;
    struct dp_flow f;
    dp_init(&f);
    dp_observe(&f, 1000, 1448, true);
    struct dp_input in = {.now_ns = 2000000,
                          .bytes_missing = 1448,
                          .hole = true,
                          .hole_since_ns = 1000000,
                          .srtt_us = 30000};
    assert_int_equal(dp_predict(&f, &in), 31000000ull);
    in.now_ns = 40000000; /* overdue: never a time in the past */
    assert_int_equal(dp_predict(&f, &in), 40000000ull);
    in.srtt_us = 0;
    assert_int_equal(dp_predict(&f, &in), 0);
}

/* An MPTCP data-level hole with nothing missing on any subflow: the DSNs ride the slower
   subflow, due one delay skew after the hole appeared, whatever the RTT. */
static void predict_in_flight_hole_is_the_skew(void **st)
{
    (void)st;
    struct dp_flow f;
    dp_init(&f);
    dp_observe(&f, 1000, 1448, true);
    struct dp_input in = {.now_ns = 2000000,
                          .bytes_missing = 1448,
                          .hole = true,
                          .hole_since_ns = 1000000,
                          .srtt_us = 50000,
                          .hole_in_flight = true,
                          .skew_us = 10000};
    assert_int_equal(dp_predict(&f, &in), 11000000ull);
    in.skew_us = 0; /* equal paths: due now */
    assert_int_equal(dp_predict(&f, &in), 2000000ull);
    in.hole_in_flight = false; /* a subflow gap: a retransmission round trip */
    assert_int_equal(dp_predict(&f, &in), 51000000ull);
}

static void predict_needs_basis_and_caps(void **st)
{
    (void)st;
    struct dp_flow f;
    dp_init(&f);
    struct dp_input in = {.now_ns = 100, .bytes_missing = 1000, .srtt_us = 1000};
    assert_int_equal(dp_predict(&f, &in), 0); /* no gap seen yet */
    dp_observe(&f, 1000000, 100, true);
    dp_observe(&f, 51000000, 100, true); /* a 50 ms gap */
    in.now_ns = 51000000;
    in.bytes_missing = 100000; /* 1000 segments of 100 B would be 50 s away */
    uint64_t p = dp_predict(&f, &in);
    assert_true(p <= 51000000ull + 1000000ull + 4ull * 0 * 1000u + 1u);
    /* Gaps between requests (idle) do not count. */
    struct dp_flow g;
    dp_init(&g);
    dp_observe(&g, 1000, 100, false);
    dp_observe(&g, 900000000, 100, false);
    assert_int_equal(g.samples, 0);
}

/* A trace as the guest records it (first, last arrival of each request): the predicted rest of a
   request lands within one gap of the true last arrival for a steady sender. */
static void predict_replay_request_trace(void **st)
{
    (void)st;
    const uint64_t gap = 250000;
    struct dp_flow f;
    dp_init(&f);
    double worst = 0;
    for (int req = 0; req < 30; req++) {
        uint64_t start = 10000000ull + (uint64_t)req * 20000000ull;
        const int segs = 6;
        for (int s = 0; s < segs; s++) {
            uint64_t t = start + (uint64_t)s * gap + (uint64_t)((req * 7 + s * 13) % 5) * 10000;
            if (s > 0 && req > 0) {
                struct dp_input in = {.now_ns = f.last_ns,
                                      .bytes_missing = (uint32_t)(segs - s) * 1448u,
                                      .srtt_us = 5000};
                uint64_t p = dp_predict(&f, &in);
                uint64_t truth = start + (uint64_t)(segs - 1) * gap;
                double e = p > truth ? (double)(p - truth) : (double)(truth - p);
                if (e > worst)
                    worst = e;
            }
            dp_observe(&f, t, 1448, s > 0);
        }
    }
    assert_true(worst < (double)gap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc_known_vector),
        cmocka_unit_test(roundtrip_and_corruption),
        cmocka_unit_test(delta_edges),
        cmocka_unit_test(decoder_resyncs_and_splits),
        cmocka_unit_test(decoder_counts_gaps_dups_loss),
        cmocka_unit_test(decoder_hog_rates),
        cmocka_unit_test(predict_steady_trace),
        cmocka_unit_test(predict_hole_is_one_rtt),
        cmocka_unit_test(predict_in_flight_hole_is_the_skew),
        cmocka_unit_test(predict_needs_basis_and_caps),
        cmocka_unit_test(predict_replay_request_trace),
        cmocka_unit_test(arrival_pack_roundtrip),
        cmocka_unit_test(arrival_v1_view_unknown),
        cmocka_unit_test(replay_synthetic_mptcp_trace),
        cmocka_unit_test(replay_guest_trace),
        cmocka_unit_test(trace_csv_rejects_bad_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

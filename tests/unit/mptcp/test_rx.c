/* test_rx.c: data-level receive: seeded random reassembly across 2 subflows, mapping rules,
 * DATA_FIN, receive window, 32-bit DSN expansion, DSS checksums, metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "harness.h"

static struct mptcp_token_table table;
static struct mptcp_conn *C;

static int setup(void **s)
{
    (void)s;
    mptcp_table_init(&table);
    C = calloc(1, sizeof(*C));
    return C ? 0 : -1;
}

static int teardown(void **s)
{
    (void)s;
    free(C);
    return 0;
}

static uint64_t rng_state;
static uint32_t rnd(void)
{
    /* xorshift64*: small, seeded, reproducible */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

struct tseg {
    int sf;
    uint32_t rel, len;
    uint64_t map_dsn;
    uint32_t map_ssn;
    uint16_t map_len;
    bool fin, dsn8;
    uint32_t off; /* offset of the payload in the stream */
};

#define STREAM  (256 * 1024)
#define MAXSEGS 4096
static uint8_t stream[STREAM], out[STREAM];
static struct tseg segs[MAXSEGS * 2];

static void dss_for(const struct tseg *t, struct mptcp_opt_set *set, uint64_t ack)
{
    memset(set, 0, sizeof(*set));
    struct mptcp_opt o = h_dss_map(t->map_dsn, t->map_ssn, t->map_len, t->dsn8, t->fin);
    o.u.dss.flags |= DSS_FLAG_A_ACK | DSS_FLAG_a_ACK8;
    o.u.dss.data_ack = ack;
    h_set_one(set, &o);
}

static size_t add(size_t n, struct tseg t)
{
    assert_true(n < MAXSEGS * 2);
    segs[n] = t;
    return n + 1;
}

/* Generates one seeded workload: random mappings over two subflows, random segmenting,
 * duplicates, overlapping retransmissions, a DATA_FIN, shuffled arrival order. */
static size_t gen(uint64_t seed, bool with_fin, uint32_t *size_out, struct mptcp_subflow *sfs[2],
                  size_t reorder)
{
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
    memset(C, 0, sizeof(*C));
    mptcp_table_init(&table);
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    sfs[0] = &C->sf[0];
    sfs[1] = h_join(C, &table, 0x7ffffff0u);
    assert_non_null(sfs[1]);
    uint32_t size = STREAM / 2 + rnd() % (STREAM / 2);
    for (uint32_t i = 0; i < size; i++)
        stream[i] = (uint8_t)rnd();
    uint64_t base = C->rcv_nxt;
    uint32_t ssn[2] = {1, 1};
    size_t n = 0;
    for (uint32_t off = 0; off < size;) {
        uint32_t mlen = 1 + rnd() % 6000;
        if (mlen > size - off)
            mlen = size - off;
        int sf = (int)(rnd() & 1);
        bool last = off + mlen == size;
        bool fin = with_fin && last;
        struct tseg m = {.sf = sf,
                         .map_dsn = base + off,
                         .map_ssn = ssn[sf],
                         .map_len = (uint16_t)(mlen + (fin ? 1 : 0)),
                         .fin = fin,
                         .dsn8 = rnd() & 1};
        for (uint32_t in = 0; in < mlen;) {
            uint32_t l = 1 + rnd() % 1460;
            if (l > mlen - in)
                l = mlen - in;
            struct tseg t = m;
            t.rel = ssn[sf] + in;
            t.len = l;
            t.off = off + in;
            n = add(n, t);
            if (rnd() % 5 == 0)
                n = add(n, t); /* duplicate */
            if (rnd() % 6 == 0 && mlen > 2) {
                /* retransmission cut differently: any sub-range of the mapping */
                uint32_t a = rnd() % mlen, b = rnd() % mlen;
                if (a > b) {
                    uint32_t x = a;
                    a = b;
                    b = x;
                }
                struct tseg r = m;
                r.rel = ssn[sf] + a;
                r.len = b - a + 1;
                r.off = off + a;
                n = add(n, r);
            }
            in += l;
        }
        ssn[sf] += mlen;
        off += mlen;
    }
    if (with_fin && rnd() % 2) {
        /* Linux also sends the DATA_FIN standalone on the other subflow: SSN 0, length 1 */
        struct tseg f = {.sf = 1, .map_dsn = base + size, .map_len = 1, .fin = true, .dsn8 = true};
        n = add(n, f);
    }
    /* reorder = 0: any order; else each segment moves at most `reorder` places */
    for (size_t i = n - 1; i > 0; i--) {
        size_t span = reorder && reorder < i + 1 ? reorder : i + 1;
        size_t j = i - rnd() % span;
        struct tseg x = segs[i];
        segs[i] = segs[j];
        segs[j] = x;
    }
    *size_out = size;
    return n;
}

static void verify_run(uint32_t size, uint64_t base, size_t got, bool eof, bool with_fin)
{
    assert_int_equal(got, size);
    assert_memory_equal(out, stream, size);
    assert_int_equal(eof, with_fin);
    assert_true(C->rcv_nxt == base + size + (with_fin ? 1 : 0));
    struct mptcp_conn_metrics m;
    mptcp_metrics_read(C, &m);
    assert_int_equal(m.dl_holes, 0);
    assert_true(m.sf[0].bytes + m.sf[1].bytes >= size);
    assert_int_equal(m.sf[0].sf_holes, 0);
    assert_int_equal(m.sf[1].sf_holes, 0);
    assert_true(m.bytes_delivered == size);
}

/* mptcp_rx_segment on every arrival, any order; refused bytes come back later. */
static void one_run(uint64_t seed, bool with_fin)
{
    struct mptcp_subflow *sfs[2];
    uint32_t size;
    size_t n = gen(seed, with_fin, &size, sfs, 0);
    uint64_t base = C->rcv_nxt;
    size_t got = 0, head = 0, tail = n, iters = 0;
    bool eof = false;
    while (head != tail) {
        struct tseg t = segs[head % (MAXSEGS * 2)];
        head++;
        struct mptcp_opt_set set;
        dss_for(&t, &set, C->snd_una);
        struct mptcp_rx_result r;
        h_seg(C, sfs[t.sf], t.rel, stream + t.off, t.len, &set, iters, &r);
        assert_false(r.verdict & (MPTCP_RX_RESET_SF | MPTCP_RX_RESET_CONN | MPTCP_RX_FALLBACK));
        if (r.accepted < t.len) {
            assert_int_equal(r.drop_reason, MPTCP_DROP_WINDOW);
            segs[tail % (MAXSEGS * 2)] = t; /* "retransmitted" later */
            tail++;
            assert_true(tail - head <= MAXSEGS * 2);
        }
        got += mptcp_read(C, out + got, STREAM - got);
        eof |= (r.verdict & MPTCP_RX_EOF) != 0;
        assert_true(++iters < 200000);
    }
    verify_run(size, base, got, eof, with_fin);
}

/* Split form: options at arrival (any order), payload only once TCP has it in subflow order,
 * as kernel/net's segment/deliver hooks do. A small per-subflow reassembly stands in for TCP. */
static uint8_t sfbuf[2][STREAM + 8];
static uint8_t sfhave[2][STREAM + 8];
static void one_run_split(uint64_t seed, bool with_fin)
{
    struct mptcp_subflow *sfs[2];
    uint32_t size;
    /* subflow windows bound how far ahead segments arrive: 64 segments (~47 KB on average) */
    size_t n = gen(seed, with_fin, &size, sfs, 64);
    uint64_t base = C->rcv_nxt;
    memset(sfhave, 0, sizeof(sfhave));
    uint32_t nxt[2] = {1, 1}; /* relative subflow sequence TCP delivers next */
    size_t got = 0;
    bool eof = false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            struct tseg t = segs[i];
            struct mptcp_opt_set set;
            dss_for(&t, &set, C->snd_una);
            struct mptcp_seg sg = {.seq = sfs[t.sf]->irs + t.rel,
                                   .tcp_flags = MPTCP_TCP_ACK,
                                   .payload = stream + t.off,
                                   .len = t.len,
                                   .opts = &set,
                                   .now_us = i};
            struct mptcp_rx_result r;
            mptcp_rx_options(C, sfs[t.sf], &sg, &r);
            assert_false(r.verdict & (MPTCP_RX_RESET_SF | MPTCP_RX_FALLBACK));
            eof |= (r.verdict & MPTCP_RX_EOF) != 0;
            for (uint32_t k = 0; k < t.len; k++) {
                sfbuf[t.sf][t.rel + k] = stream[t.off + k];
                sfhave[t.sf][t.rel + k] = 1;
            }
        }
        /* TCP hands over in-order bytes; what MPTCP refuses (window) stays queued */
        bool progress = true;
        while (progress) {
            progress = false;
            for (int f = 0; f < 2; f++) {
                uint32_t e = nxt[f];
                while (e < STREAM && sfhave[f][e])
                    e++;
                if (e == nxt[f])
                    continue;
                struct mptcp_rx_result r;
                mptcp_rx_data(C, sfs[f], sfs[f]->irs + nxt[f], sfbuf[f] + nxt[f], e - nxt[f], i,
                              &r);
                assert_false(r.verdict & (MPTCP_RX_RESET_SF | MPTCP_RX_FALLBACK));
                eof |= (r.verdict & MPTCP_RX_EOF) != 0;
                nxt[f] += r.accepted;
                if (r.accepted)
                    progress = true;
                size_t k = mptcp_read(C, out + got, STREAM - got);
                got += k;
                if (k)
                    progress = true;
            }
        }
    }
    verify_run(size, base, got, eof, with_fin);
}

static void reassembly_random_permutations(void **s)
{
    (void)s;
    for (uint64_t seed = 1; seed <= 40; seed++)
        one_run(seed, seed % 2 == 0);
}

static void reassembly_split_hooks_subflow_order(void **s)
{
    (void)s;
    for (uint64_t seed = 100; seed <= 120; seed++)
        one_run_split(seed, seed % 2 == 1);
}

static void one(uint32_t rel, const void *p, uint32_t len, const struct mptcp_opt *o,
                struct mptcp_rx_result *r)
{
    struct mptcp_opt_set set;
    memset(&set, 0, sizeof(set));
    if (o)
        h_set_one(&set, o);
    h_seg(C, &C->sf[0], rel, p, len, &set, 0, r);
}

static void mapping_rules(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    uint64_t d = C->rcv_nxt;
    struct mptcp_rx_result r;
    char buf[600];
    static uint8_t P[200];
    memset(P, 'p', sizeof(P));
    /* a mapping of 300 bytes over three segments; the second carries no DSS at all, the third a
     * DSS with only a DATA_ACK: both use the stored mapping */
    struct mptcp_opt m = h_dss_map(d, 1, 300, true, false);
    one(1, P, 100, &m, &r);
    assert_int_equal(r.accepted, 100);
    one(101, P, 100, NULL, &r);
    assert_int_equal(r.accepted, 100);
    struct mptcp_opt ack;
    memset(&ack, 0, sizeof(ack));
    ack.subtype = MPTCP_SUB_DSS;
    ack.u.dss.flags = DSS_FLAG_A_ACK;
    one(201, P, 100, &ack, &r);
    assert_int_equal(r.accepted, 100);
    assert_int_equal(mptcp_readable(C), 300);
    /* the same mapping repeated (GSO) is fine */
    one(101, P, 100, &m, &r);
    assert_false(r.verdict & MPTCP_RX_RESET_SF);
    /* data past every known mapping, after DSS were seen: not accepted */
    one(301, P, 50, NULL, &r);
    assert_int_equal(r.accepted, 0);
    assert_int_equal(r.drop_reason, MPTCP_DROP_UNMAPPED);
    /* a mapping contradicting the stored one for the same subflow bytes: reset */
    struct mptcp_opt bad = h_dss_map(d + 7, 101, 100, true, false);
    one(101, P, 100, &bad, &r);
    assert_true(r.verdict & MPTCP_RX_RESET_SF);
    assert_int_equal(mptcp_read(C, buf, sizeof(buf)), 300);
    /* infinite mapping (length 0): every later subflow byte maps linearly */
    struct mptcp_opt inf = h_dss_map(d + 300, 301, 0, true, false);
    one(301, P, 200, &inf, &r);
    assert_int_equal(r.accepted, 200);
    one(501, P, 200, NULL, &r);
    assert_int_equal(r.accepted, 200);
    assert_int_equal(mptcp_read(C, buf, sizeof(buf)), 400);
}

static void first_data_in_mp_capable(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    /* RFC 8684 3.1: MP_CAPABLE of length 22 maps DSN IDSN-A+1 to SSN 1 */
    struct mptcp_opt o = h_mpc(2, H_KEY_A, H_KEY_B, 5, false);
    struct mptcp_rx_result r;
    one(1, "hello", 5, &o, &r);
    assert_int_equal(r.accepted, 5);
    assert_true(r.verdict & MPTCP_RX_DATA_READY);
    char b[8];
    assert_int_equal(mptcp_read(C, b, sizeof(b)), 5);
    assert_memory_equal(b, "hello", 5);
}

static void data_fin_rules(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    uint64_t d = C->rcv_nxt;
    struct mptcp_rx_result r;
    /* standalone DATA_FIN (SSN 0, length 1) arrives before the data it follows */
    struct mptcp_opt f = h_dss_map(d + 10, 0, 1, true, true);
    one(1, NULL, 0, &f, &r);
    assert_false(r.verdict & MPTCP_RX_EOF);
    assert_true(C->rcv_nxt == d);
    /* data of the last mapping, with F set: length = payload + 1 */
    struct mptcp_opt m = h_dss_map(d + 5, 6, 6, true, true);
    one(6, "world", 5, &m, &r);
    assert_false(r.verdict & MPTCP_RX_EOF);
    m = h_dss_map(d, 1, 5, true, false);
    one(1, "hello", 5, &m, &r);
    assert_true(r.verdict & MPTCP_RX_EOF);
    assert_true(r.verdict & MPTCP_RX_ACK_NOW);
    assert_true(C->rcv_nxt == d + 11); /* DATA_ACK = DATA_FIN DSN + 1 */
    char b[16];
    assert_int_equal(mptcp_read(C, b, sizeof(b)), 10);
    assert_memory_equal(b, "helloworld", 10);
    assert_int_equal(mptcp_readable(C), 0);
    /* the DATA_ACK we send now covers the DATA_FIN */
    uint8_t ob[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, ob, 28);
    struct mptcp_opt_set set;
    mptcp_opts_parse_tcp(ob, n, &set);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.data_ack == d + 11);
    /* a repeated DATA_FIN changes nothing */
    one(1, NULL, 0, &f, &r);
    assert_true(C->rcv_nxt == d + 11);
}

static void receive_window(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    uint64_t d = C->rcv_nxt;
    static uint8_t blk[1000];
    memset(blk, 'w', sizeof(blk));
    assert_int_equal(mptcp_rcv_wnd(C), MPTCP_RCVBUF);
    uint32_t total = 0;
    struct mptcp_rx_result r;
    for (uint32_t i = 0; i < MPTCP_RCVBUF / 1000 + 2; i++) {
        struct mptcp_opt m = h_dss_map(d + total, 1 + total, 1000, true, false);
        one(1 + total, blk, 1000, &m, &r);
        total += r.accepted;
        if (r.accepted < 1000) {
            assert_int_equal(r.drop_reason, MPTCP_DROP_WINDOW);
            break;
        }
    }
    assert_int_equal(total, MPTCP_RCVBUF);
    assert_int_equal(mptcp_rcv_wnd(C), 0);
    static uint8_t sink[5000];
    assert_int_equal(mptcp_read(C, sink, sizeof(sink)), 5000);
    assert_int_equal(mptcp_rcv_wnd(C), 5000); /* right edge moves with the reader */
}

static void dsn32_expansion_across_wrap(void **s)
{
    (void)s;
    /* find a client key whose IDSN is just below a 2^32 boundary */
    uint64_t key = 1;
    while ((uint32_t)mptcp_key_idsn(key) < 0xffffd000u)
        key++;
    assert_int_equal(h_establish_keys(C, &table, key, H_KEY_B, false), 0);
    uint64_t d = C->rcv_nxt;
    static uint8_t blk[20000];
    for (size_t i = 0; i < sizeof(blk); i++)
        blk[i] = (uint8_t)(i * 13);
    struct mptcp_rx_result r;
    for (uint32_t off = 0; off < sizeof(blk); off += 1000) {
        struct mptcp_opt m = h_dss_map(d + off, 1 + off, 1000, false, false); /* 32-bit DSN */
        one(1 + off, blk + off, 1000, &m, &r);
        assert_int_equal(r.accepted, 1000);
    }
    assert_true((C->rcv_nxt >> 32) == (d >> 32) + 1); /* crossed into the next 2^32 block */
    static uint8_t o[20000];
    assert_int_equal(mptcp_read(C, o, sizeof(o)), sizeof(o));
    assert_memory_equal(o, blk, sizeof(blk));
}

static uint16_t csum_of(uint64_t dsn, uint32_t ssn, uint16_t len, const void *p, size_t n)
{
    struct mptcp_csum c;
    mptcp_csum_init(&c);
    mptcp_csum_add(&c, p, n);
    return mptcp_dss_csum(&c, dsn, ssn, len, 0);
}

static void dss_checksums(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, true), 0);
    uint64_t d = C->rcv_nxt;
    static uint8_t p[301];
    for (size_t i = 0; i < sizeof(p); i++)
        p[i] = (uint8_t)(i * 7 + 1);
    struct mptcp_rx_result r;
    struct mptcp_opt m = h_dss_map(d, 1, 301, true, false);
    m.u.dss.has_csum = true;
    m.u.dss.csum = csum_of(d, 1, 301, p, 301);
    /* second half first: out of subflow order inside a checksummed mapping waits */
    one(152, p + 151, 150, &m, &r);
    assert_int_equal(r.drop_reason, MPTCP_DROP_CSUM);
    assert_int_equal(r.accepted, 0);
    one(1, p, 151, &m, &r); /* odd split: the sum must carry the byte parity */
    assert_int_equal(r.accepted, 151);
    assert_int_equal(mptcp_readable(C), 0); /* held back until the whole mapping verifies */
    one(152, p + 151, 150, &m, &r);
    assert_int_equal(r.accepted, 150);
    assert_false(r.verdict & MPTCP_RX_FALLBACK);
    assert_int_equal(mptcp_readable(C), 301);
    /* a corrupted mapping on the only subflow: MP_FAIL and fallback (RFC 8684 3.7) */
    p[3] ^= 0x40;
    struct mptcp_opt m2 = h_dss_map(d + 301, 302, 301, true, false);
    m2.u.dss.has_csum = true;
    m2.u.dss.csum = csum_of(d + 301, 302, 301, p, 301) ^ 0x0101;
    one(302, p, 301, &m2, &r);
    assert_true(r.verdict & MPTCP_RX_FALLBACK);
    uint8_t ob[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, ob, 28);
    struct mptcp_opt_set set;
    mptcp_opts_parse_tcp(ob, n, &set);
    assert_true(mptcp_has(&set, MPTCP_SUB_FAIL));
    assert_true(set.opt[MPTCP_SUB_FAIL].u.fail.dsn == d + 301);
}

static void checksum_failure_with_two_subflows_resets_one(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, true), 0);
    struct mptcp_subflow *sf = h_join(C, &table, 4000);
    assert_non_null(sf);
    uint64_t d = C->rcv_nxt;
    struct mptcp_opt_set set;
    memset(&set, 0, sizeof(set));
    struct mptcp_opt m = h_dss_map(d, 1, 4, true, false);
    m.u.dss.has_csum = true;
    m.u.dss.csum = 0x1234;
    h_set_one(&set, &m);
    struct mptcp_rx_result r;
    h_seg(C, sf, 1, (const uint8_t *)"abcd", 4, &set, 0, &r);
    assert_true(r.verdict & MPTCP_RX_RESET_SF);
    assert_int_equal(r.reset_mask, 1u << sf->index);
    assert_int_not_equal(C->state, MPC_FALLBACK);
    assert_int_equal(mptcp_readable(C), 0); /* corrupted bytes never reach the reader */
}

static void metrics_for_the_scheduler(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    struct mptcp_subflow *sf1 = h_join(C, &table, 4000);
    assert_non_null(sf1);
    /* RFC 6298: first sample R -> SRTT R, RTTVAR R/2; then 1/8 and 1/4 gains */
    mptcp_sf_rtt_sample(&C->sf[0], 100000);
    assert_int_equal(C->sf[0].m.srtt_us, 100000);
    assert_int_equal(C->sf[0].m.rttvar_us, 50000);
    mptcp_sf_rtt_sample(&C->sf[0], 200000);
    assert_int_equal(C->sf[0].m.srtt_us, 112500);
    assert_int_equal(C->sf[0].m.rttvar_us, 62500);
    uint64_t d = C->rcv_nxt;
    static uint8_t p[100];
    memset(p, 'm', sizeof(p));
    struct mptcp_rx_result r;
    struct mptcp_opt_set set;
    /* sf0 carries DSN 0-99 and 200-299 (its SSN 1.. and 201..: a subflow hole at 101-200),
     * sf1 carries DSN 100-199 and fills the data-level hole */
    memset(&set, 0, sizeof(set));
    struct mptcp_opt m = h_dss_map(d, 1, 100, true, false);
    h_set_one(&set, &m);
    h_seg(C, &C->sf[0], 1, p, 100, &set, 1000, &r);
    m = h_dss_map(d + 200, 201, 100, true, false);
    h_set_one(&set, &m);
    h_seg(C, &C->sf[0], 201, p, 100, &set, 2000, &r);
    m = h_dss_map(d + 400, 401, 50, true, false);
    h_set_one(&set, &m);
    h_seg(C, &C->sf[0], 401, p, 50, &set, 4000, &r);
    struct mptcp_conn_metrics mm;
    mptcp_metrics_read(C, &mm);
    assert_int_equal(mm.sf[0].bytes, 250);
    assert_int_equal(mm.sf[0].segs, 3);
    assert_true(mm.sf[0].last_arrival_us == 4000);
    assert_int_equal(mm.sf[0].iat_ewma_us, 1000 - 125 + 250); /* gaps 1000 then 2000, gain 1/8 */
    assert_int_equal(mm.sf[0].sf_holes, 2);
    assert_int_equal(mm.sf[0].sf_hole_bytes, 200);
    assert_int_equal(mm.dl_holes, 2);
    assert_int_equal(mm.dl_hole_bytes, 200);
    assert_int_equal(mm.last_hole_filler, -1);
    assert_int_equal(mm.readable, 100);
    memset(&set, 0, sizeof(set));
    m = h_dss_map(d + 100, 1, 100, true, false);
    h_set_one(&set, &m);
    h_seg(C, sf1, 1, p, 100, &set, 5000, &r);
    mptcp_metrics_read(C, &mm);
    assert_int_equal(mm.dl_holes, 1);
    assert_int_equal(mm.dl_hole_bytes, 100);
    assert_int_equal(mm.last_hole_filler, sf1->index);
    assert_true(mm.last_hole_fill_us == 5000);
    assert_int_equal(mm.readable, 300);
    assert_int_equal(mm.nsubflows, 2);
    assert_int_equal(mm.sf[1].bytes, 100);
    /* cwnd estimate: 1000 bytes every 1 ms with SRTT 10 ms ~ 10 000 bytes per RTT */
    mptcp_sf_rtt_sample(sf1, 10000);
    static uint8_t q[1000];
    for (uint32_t i = 0; i < 60; i++) {
        memset(&set, 0, sizeof(set));
        m = h_dss_map(d + 10000 + 1000 * i, 101 + 1000 * i, 1000, true, false);
        h_set_one(&set, &m);
        h_seg(C, sf1, 101 + 1000 * i, q, 1000, &set, 10000 + 1000 * (uint64_t)i, &r);
    }
    mptcp_metrics_read(C, &mm);
    assert_in_range(mm.sf[1].cwnd_est_bytes, 9000, 11000);
}

/* Data-level hole counts against a plain per-byte reference, for random out-of-order pieces. */
static void data_level_holes_match_reference(void **s)
{
    (void)s;
    static uint8_t have[MPTCP_RCVBUF];
    static uint8_t blk[3000];
    for (uint64_t seed = 1; seed <= 30; seed++) {
        rng_state = seed * 77 + 3;
        memset(C, 0, sizeof(*C));
        mptcp_table_init(&table);
        assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
        uint64_t d = C->rcv_nxt;
        memset(have, 0, sizeof(have));
        for (int k = 0; k < 40; k++) {
            uint32_t off = 1 + rnd() % (MPTCP_RCVBUF - 3000), len = 1 + rnd() % 2999;
            struct mptcp_opt m = h_dss_map(d + off, 1 + off, (uint16_t)len, true, false);
            struct mptcp_rx_result r;
            one(1 + off, blk, len, &m, &r);
            assert_int_equal(r.accepted, len);
            memset(have + off, 1, len);
        }
        uint32_t holes = 0, bytes = 0, hi = 0;
        for (uint32_t i = 0; i < MPTCP_RCVBUF; i++)
            if (have[i])
                hi = i + 1;
        for (uint32_t i = 0; i < hi; i++) {
            if (!have[i]) {
                bytes++;
                if (i == 0 || have[i - 1])
                    holes++;
            }
        }
        struct mptcp_conn_metrics mm;
        mptcp_metrics_read(C, &mm);
        assert_int_equal(mm.dl_holes, holes);
        assert_int_equal(mm.dl_hole_bytes, bytes);
        assert_true(mm.rcv_high == d + hi);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest t[] = {
        T(reassembly_random_permutations),
        T(reassembly_split_hooks_subflow_order),
        T(mapping_rules),
        T(first_data_in_mp_capable),
        T(data_fin_rules),
        T(receive_window),
        T(dsn32_expansion_across_wrap),
        T(dss_checksums),
        T(checksum_failure_with_two_subflows_resets_one),
        T(metrics_for_the_scheduler),
        T(data_level_holes_match_reference),
    };
    return cmocka_run_group_tests_name("rx", t, NULL, NULL);
}

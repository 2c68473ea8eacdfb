/* test_conn.c: handshake, MP_JOIN, fallback, FASTCLOSE/TCPRST, ADD_ADDR, send side, token table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

/* Parses an option block we produced (after NOP padding) into a set. */
static void parse_block(const uint8_t *b, size_t n, struct mptcp_opt_set *set)
{
    assert_int_equal(n % 4, 0);
    assert_int_equal(mptcp_opts_parse_tcp(b, n, set), 0);
    assert_int_equal(set->nerrors, 0);
}

static void capable_handshake_and_first_data_ack(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    assert_int_equal(C->local_token, 0xccad45ac);
    assert_int_equal(C->remote_token, 0x66840dda);
    /* first DATA_ACK = IDSN-A + 1; first DSN we send = IDSN-B + 1 */
    assert_true(C->rcv_nxt == 0xf5a101d3d29d6f72ull + 1);
    /* a repeated MP_CAPABLE third ACK asks for our DATA_ACK again */
    struct mptcp_opt_set again;
    memset(&again, 0, sizeof(again));
    struct mptcp_opt m3 = h_mpc(2, H_KEY_A, H_KEY_B, 0, false);
    h_set_one(&again, &m3);
    struct mptcp_rx_result rr;
    h_seg(C, &C->sf[0], 1, NULL, 0, &again, 0, &rr);
    assert_true(rr.verdict & MPTCP_RX_ACK_NOW);
    assert_true(C->snd_nxt == 0x535beea38e087c8eull + 1);
    /* every segment after the SYN/ACK carries DSS with a DATA_ACK (interop pitfall 1) */
    uint8_t b[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28);
    struct mptcp_opt_set set;
    parse_block(b, n, &set);
    assert_true(mptcp_has(&set, MPTCP_SUB_DSS));
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_A_ACK);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.data_ack == C->rcv_nxt);
}

static void synack_carries_our_key(void **s)
{
    (void)s;
    assert_int_equal(h_accept_syn(C, &table, H_KEY_B, true), 0);
    uint8_t b[40];
    size_t n = mptcp_synack_opts(C, &C->sf[0], b, sizeof(b));
    assert_int_equal(n, 12);
    struct mptcp_opt_set set;
    parse_block(b, n, &set);
    assert_true(set.opt[MPTCP_SUB_CAPABLE].u.mpc.snd_key == H_KEY_B);
    /* the client asked for checksums: the answer keeps A set (RFC 8684 3.1) */
    assert_true(set.opt[MPTCP_SUB_CAPABLE].u.mpc.flags & MPC_FLAG_A_CSUM);
    assert_int_equal(mptcp_synack_opts(C, &C->sf[0], b, 8), 0); /* no room */
}

static void third_ack_with_foreign_key_resets(void **s)
{
    (void)s;
    struct mptcp_opt_set syn, ack;
    memset(&syn, 0, sizeof(syn));
    memset(&ack, 0, sizeof(ack));
    struct mptcp_opt o = h_mpc(0, 0, 0, 0, false);
    h_set_one(&syn, &o);
    assert_int_equal(mptcp_accept_capable(C, &table, &syn, H_KEY_B, H_ISS, H_IRS), 0);
    o = h_mpc(2, H_KEY_A, H_KEY_B + 1, 0, false);
    h_set_one(&ack, &o);
    struct mptcp_rx_result r;
    h_seg(C, &C->sf[0], 1, NULL, 0, &ack, 0, &r);
    assert_true(r.verdict & MPTCP_RX_RESET_SF);
    assert_int_equal(r.reset_reason, MPTCP_RST_MPTCP_ERR);
    assert_int_not_equal(C->state, MPC_ESTABLISHED);
}

static void syn_classification(void **s)
{
    (void)s;
    struct mptcp_opt_set syn;
    memset(&syn, 0, sizeof(syn));
    assert_int_equal(mptcp_syn_classify(&table, &syn), MPTCP_SYN_PLAIN);
    /* a version-0 MP_CAPABLE never parses, so a real SYN carrying it has no MPTCP option */
    uint8_t v0[] = {30, 4, 0x00, 0x01};
    assert_int_equal(mptcp_opts_parse_tcp(v0, sizeof(v0), &syn), 0);
    assert_int_equal(mptcp_syn_classify(&table, &syn), MPTCP_SYN_PLAIN);
    /* a higher version on the SYN is answered with v1 */
    uint8_t v2[] = {30, 4, 0x02, 0x01};
    assert_int_equal(mptcp_opts_parse_tcp(v2, sizeof(v2), &syn), 0);
    assert_int_equal(mptcp_syn_classify(&table, &syn), MPTCP_SYN_CAPABLE);
    /* MP_JOIN with an unknown token: RST */
    uint8_t j[] = {30, 12, 0x10, 1, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
    assert_int_equal(mptcp_opts_parse_tcp(j, sizeof(j), &syn), 0);
    assert_int_equal(mptcp_syn_classify(&table, &syn), MPTCP_SYN_RESET);
}

static void fallback_when_third_ack_lacks_mp_capable(void **s)
{
    (void)s;
    assert_int_equal(h_accept_syn(C, &table, H_KEY_B, false), 0);
    struct mptcp_rx_result r;
    const uint8_t d[] = "hello, plain TCP";
    h_seg(C, &C->sf[0], 1, d, 16, NULL, 0, &r);
    assert_true(r.verdict & MPTCP_RX_FALLBACK);
    assert_true(r.verdict & MPTCP_RX_DATA_READY);
    assert_int_equal(r.accepted, 16);
    assert_int_equal(C->state, MPC_FALLBACK);
    assert_null(mptcp_table_lookup(&table, C->local_token)); /* no joins to a TCP connection */
    /* out of order then in order, plain TCP semantics */
    h_seg(C, &C->sf[0], 21, d, 4, NULL, 0, &r);
    h_seg(C, &C->sf[0], 17, d, 4, NULL, 0, &r);
    char out[64];
    assert_int_equal(mptcp_read(C, out, sizeof(out)), 24);
    assert_memory_equal(out, "hello, plain TCPhellhell", 24);
    /* no MPTCP options any more */
    uint8_t b[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1, .tcp_flags = MPTCP_TCP_ACK};
    assert_int_equal(mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 40), 0);
}

/* The third ACK and the first data (the only segments that carry MP_CAPABLE) lost: what arrives
 * next has a DSS but no key. That is MPTCP, not a path stripping options: wait for the resent
 * first segment instead of falling back (RFC 8684 3.1). */
static void dss_before_the_third_ack_waits_for_mp_capable(void **s)
{
    (void)s;
    assert_int_equal(h_accept_syn(C, &table, H_KEY_B, false), 0);
    uint64_t dsn1 = mptcp_key_idsn(H_KEY_A) + 1;
    uint8_t d[200];
    for (int i = 0; i < 200; i++)
        d[i] = (uint8_t)i;
    /* the second data segment, out of order, with its mapping */
    struct mptcp_opt_set m2;
    memset(&m2, 0, sizeof(m2));
    struct mptcp_opt o = h_dss_map(dsn1 + 100, 101, 100, true, false);
    h_set_one(&m2, &o);
    struct mptcp_rx_result r;
    h_seg(C, &C->sf[0], 101, d + 100, 100, &m2, 0, &r);
    assert_true(r.verdict & MPTCP_RX_DROP_SEG);
    assert_false(r.verdict & (MPTCP_RX_FALLBACK | MPTCP_RX_SF_UP));
    assert_int_equal(r.accepted, 0);
    assert_int_not_equal(C->state, MPC_FALLBACK);
    /* a pure ACK with a DATA_ACK only: the same */
    struct mptcp_opt_set a;
    memset(&a, 0, sizeof(a));
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_DSS;
    o.u.dss.flags = DSS_FLAG_A_ACK | DSS_FLAG_a_ACK8;
    o.u.dss.data_ack = mptcp_key_idsn(H_KEY_B) + 1;
    h_set_one(&a, &o);
    h_seg(C, &C->sf[0], 201, NULL, 0, &a, 0, &r);
    assert_true(r.verdict & MPTCP_RX_DROP_SEG);
    assert_int_not_equal(C->state, MPC_FALLBACK);
    /* the first segment again, with MP_CAPABLE and its data-level length (3.1): established */
    struct mptcp_opt_set m1;
    memset(&m1, 0, sizeof(m1));
    o = h_mpc(2, H_KEY_A, H_KEY_B, 100, false);
    h_set_one(&m1, &o);
    h_seg(C, &C->sf[0], 1, d, 100, &m1, 0, &r);
    assert_true(r.verdict & MPTCP_RX_SF_UP);
    assert_int_equal(C->state, MPC_ESTABLISHED);
    assert_int_equal(r.accepted, 100);
    h_seg(C, &C->sf[0], 101, d + 100, 100, &m2, 0, &r); /* TCP offers the rest again */
    assert_int_equal(r.accepted, 100);
    uint8_t out[256];
    assert_int_equal(mptcp_read(C, out, sizeof(out)), 200);
    assert_memory_equal(out, d, 200);
}

static void fallback_when_options_vanish_before_any_dss(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    struct mptcp_rx_result r;
    h_seg(C, &C->sf[0], 1, (const uint8_t *)"abc", 3, NULL, 0, &r);
    assert_true(r.verdict & MPTCP_RX_FALLBACK); /* RFC 8684 3.7: middlebox stripped options */
    char out[8];
    assert_int_equal(mptcp_read(C, out, sizeof(out)), 3);
}

static void join_full_exchange(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    struct mptcp_opt_set syn;
    memset(&syn, 0, sizeof(syn));
    struct mptcp_opt j;
    memset(&j, 0, sizeof(j));
    j.subtype = MPTCP_SUB_JOIN;
    j.u.join.step = MPJ_SYN;
    j.u.join.addr_id = 0;
    j.u.join.token = 0xccad45ac; /* token of Key-B */
    j.u.join.nonce = H_R_A;
    h_set_one(&syn, &j);
    assert_int_equal(mptcp_syn_classify(&table, &syn), MPTCP_SYN_JOIN);
    struct mptcp_conn *jc;
    struct mptcp_subflow *sf = mptcp_accept_join(&table, &syn, 1, H_R_B, 7000, 9000, &jc);
    assert_non_null(sf);
    assert_ptr_equal(jc, C);
    uint8_t b[40];
    size_t n = mptcp_synack_opts(C, sf, b, sizeof(b));
    assert_int_equal(n, 16);
    struct mptcp_opt_set set;
    parse_block(b, n, &set);
    /* reference-note vector: truncated HMAC(Key-B||Key-A, R-B||R-A) */
    assert_true(set.opt[MPTCP_SUB_JOIN].u.join.hmac64 == 0x65ee096833f661d9ull);
    assert_int_equal(set.opt[MPTCP_SUB_JOIN].u.join.nonce, H_R_B);
    assert_int_equal(set.opt[MPTCP_SUB_JOIN].u.join.addr_id, 1);
    /* data before the fourth ACK is refused; a third ACK with the vector HMAC is accepted */
    struct mptcp_opt_set ack;
    memset(&ack, 0, sizeof(ack));
    memset(&j, 0, sizeof(j));
    j.subtype = MPTCP_SUB_JOIN;
    j.u.join.step = MPJ_ACK;
    static const uint8_t hm[20] = {0x24, 0xbd, 0xde, 0x08, 0xdf, 0xc5, 0x5c, 0x9b, 0x41, 0x85,
                                   0xe1, 0xb5, 0x6b, 0x2f, 0x89, 0xdb, 0x24, 0x1a, 0xc0, 0xf2};
    memcpy(j.u.join.hmac, hm, 20);
    h_set_one(&ack, &j);
    struct mptcp_rx_result r;
    h_seg(C, sf, 1, NULL, 0, &ack, 0, &r);
    assert_true(r.verdict & MPTCP_RX_SF_UP);
    assert_true(r.verdict & MPTCP_RX_ACK_NOW); /* the fourth ACK, at once */
    assert_int_equal(sf->state, SF_ESTABLISHED);
    /* the fourth ACK was lost: Linux repeats the third ACK, we answer again */
    h_seg(C, sf, 1, NULL, 0, &ack, 0, &r);
    assert_true(r.verdict & MPTCP_RX_ACK_NOW);
    assert_false(r.verdict & MPTCP_RX_RESET_SF);
    /* the fourth ACK: DSS with DATA_ACK */
    struct mptcp_tx_seg ts = {.seq = 7001, .tcp_flags = MPTCP_TCP_ACK};
    n = mptcp_tx_opts(C, sf, &ts, 0, b, 28);
    parse_block(b, n, &set);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_A_ACK);
    struct mptcp_conn_metrics m;
    mptcp_metrics_read(C, &m);
    assert_int_equal(m.nsubflows, 2);
}

static void join_with_bad_hmac_is_reset(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    struct mptcp_opt_set syn;
    memset(&syn, 0, sizeof(syn));
    struct mptcp_opt j;
    memset(&j, 0, sizeof(j));
    j.subtype = MPTCP_SUB_JOIN;
    j.u.join.step = MPJ_SYN;
    j.u.join.token = C->local_token;
    j.u.join.nonce = H_R_A;
    h_set_one(&syn, &j);
    struct mptcp_conn *jc;
    struct mptcp_subflow *sf = mptcp_accept_join(&table, &syn, 1, H_R_B, 7000, 9000, &jc);
    assert_non_null(sf);
    struct mptcp_opt_set ack;
    memset(&ack, 0, sizeof(ack));
    memset(&j, 0, sizeof(j));
    j.subtype = MPTCP_SUB_JOIN;
    j.u.join.step = MPJ_ACK;
    mptcp_join_ack_hmac(H_KEY_A, H_KEY_B, H_R_A, H_R_B, j.u.join.hmac);
    j.u.join.hmac[19] ^= 1;
    h_set_one(&ack, &j);
    struct mptcp_rx_result r;
    h_seg(C, sf, 1, NULL, 0, &ack, 0, &r);
    assert_true(r.verdict & MPTCP_RX_RESET_SF);
    assert_int_equal(r.reset_mask, 1u << sf->index);
    assert_int_equal(r.reset_reason, MPTCP_RST_MPTCP_ERR);
    /* the reset tells why: MP_TCPRST with reason 1 (RFC 8684 3.6) */
    uint8_t b[40];
    struct mptcp_tx_seg ts = {.seq = 7001, .tcp_flags = MPTCP_TCP_RST};
    size_t n = mptcp_tx_opts(C, sf, &ts, r.reset_reason, b, 40);
    struct mptcp_opt_set set;
    parse_block(b, n, &set);
    assert_int_equal(set.opt[MPTCP_SUB_TCPRST].u.tcprst.reason, MPTCP_RST_MPTCP_ERR);
    /* a third ACK without MP_JOIN at all is also a reset */
    sf = mptcp_accept_join(&table, &syn, 1, H_R_B, 7000, 9000, &jc);
    assert_non_null(sf);
    h_seg(C, sf, 1, NULL, 0, NULL, 0, &r);
    assert_true(r.verdict & MPTCP_RX_RESET_SF);
}

static void join_refused_before_established_and_when_full(void **s)
{
    (void)s;
    assert_int_equal(h_accept_syn(C, &table, H_KEY_B, false), 0);
    struct mptcp_opt_set js;
    memset(&js, 0, sizeof(js));
    struct mptcp_opt j;
    memset(&j, 0, sizeof(j));
    j.subtype = MPTCP_SUB_JOIN;
    j.u.join.step = MPJ_SYN;
    j.u.join.token = C->local_token;
    h_set_one(&js, &j);
    assert_int_equal(mptcp_syn_classify(&table, &js), MPTCP_SYN_RESET); /* not fully established */
    mptcp_table_init(&table);
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    for (int i = 1; i < MPTCP_MAX_SUBFLOWS; i++)
        assert_non_null(h_join(C, &table, 100u * (unsigned)i));
    struct mptcp_conn *jc;
    assert_null(mptcp_accept_join(&table, &js, 1, 1, 1, 1, &jc)); /* subflow limit */
    assert_null(jc);
}

static void fastclose_and_tcprst(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    struct mptcp_opt_set set;
    memset(&set, 0, sizeof(set));
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_FASTCLOSE;
    o.u.fastclose.key = H_KEY_B + 1; /* not our key: ignored */
    h_set_one(&set, &o);
    struct mptcp_rx_result r;
    h_seg(C, &C->sf[0], 1, NULL, 0, &set, 0, &r);
    assert_false(r.verdict & MPTCP_RX_RESET_CONN);
    set.opt[MPTCP_SUB_FASTCLOSE].u.fastclose.key = H_KEY_B;
    h_seg(C, &C->sf[0], 1, NULL, 0, &set, 0, &r);
    assert_true(r.verdict & MPTCP_RX_RESET_CONN);
    /* our own abort: RST + MP_FASTCLOSE with the peer's key */
    mptcp_table_init(&table);
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    mptcp_abort(C);
    uint8_t b[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1, .tcp_flags = MPTCP_TCP_RST};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 40);
    struct mptcp_opt_set got;
    parse_block(b, n, &got);
    assert_true(got.opt[MPTCP_SUB_FASTCLOSE].u.fastclose.key == H_KEY_A);
    /* an RST with MP_TCPRST: the reason lands in the subflow metrics */
    memset(&set, 0, sizeof(set));
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_TCPRST;
    o.u.tcprst.reason = MPTCP_RST_UNACCEPT;
    h_set_one(&set, &o);
    struct mptcp_seg seg = {.seq = H_IRS + 1, .tcp_flags = MPTCP_TCP_RST, .opts = &set};
    mptcp_rx_segment(C, &C->sf[0], &seg, &r);
    assert_int_equal(C->sf[0].m.rst_reason, MPTCP_RST_UNACCEPT);
}

static void add_addr_retransmitted_until_echoed(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    const uint8_t a[4] = {10, 0, 1, 2};
    mptcp_announce(C, 1, a, 0, 1000);
    uint8_t b[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28); /* 40 - timestamps */
    struct mptcp_opt_set set;
    parse_block(b, n, &set);
    assert_true(mptcp_has(&set, MPTCP_SUB_ADD_ADDR));
    assert_true(mptcp_has(&set, MPTCP_SUB_DSS));
    /* reference-note vector: ADD_ADDR by B, ID 1, 10.0.1.2, no port */
    assert_true(set.opt[MPTCP_SUB_ADD_ADDR].u.add_addr.hmac == 0xf8c5d88d003204bbull);
    /* not repeated on the next segment, only after the timer */
    n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28);
    parse_block(b, n, &set);
    assert_false(mptcp_has(&set, MPTCP_SUB_ADD_ADDR));
    assert_int_equal(mptcp_on_timer(C, 1000), -1);
    assert_true(mptcp_timer_deadline(C) == 1000 + MPTCP_ADD_ADDR_RTO_US);
    assert_int_equal(mptcp_on_timer(C, 1000 + MPTCP_ADD_ADDR_RTO_US), 0);
    n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28);
    parse_block(b, n, &set);
    assert_true(mptcp_has(&set, MPTCP_SUB_ADD_ADDR));
    /* with a port it is 18 bytes: the DATA_ACK shrinks to 32 bits to fit 28 */
    mptcp_announce(C, 1, a, 5201, 0);
    n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28);
    parse_block(b, n, &set);
    assert_true(mptcp_has(&set, MPTCP_SUB_ADD_ADDR));
    assert_int_equal(set.opt[MPTCP_SUB_ADD_ADDR].u.add_addr.port, 5201);
    assert_false(set.opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_a_ACK8);
    /* the echo (Linux: pure ACK, no HMAC) stops it */
    struct mptcp_opt_set e;
    memset(&e, 0, sizeof(e));
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_ADD_ADDR;
    o.u.add_addr.echo = true;
    o.u.add_addr.addr_id = 1;
    memcpy(o.u.add_addr.addr, a, 4);
    h_set_one(&e, &o);
    struct mptcp_rx_result r;
    h_seg(C, &C->sf[0], 1, NULL, 0, &e, 0, &r);
    assert_true(mptcp_timer_deadline(C) == UINT64_MAX);
    assert_int_equal(mptcp_on_timer(C, UINT64_MAX - 1), -1);
}

static void peer_add_addr_echoed_only_with_valid_hmac(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    struct mptcp_opt_set e;
    memset(&e, 0, sizeof(e));
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_ADD_ADDR;
    o.u.add_addr.addr_id = 5;
    const uint8_t a[4] = {192, 168, 7, 9};
    memcpy(o.u.add_addr.addr, a, 4);
    o.u.add_addr.hmac = mptcp_add_addr_hmac(H_KEY_A, H_KEY_B, 5, a, 4, 0) ^ 1;
    h_set_one(&e, &o);
    struct mptcp_rx_result r;
    h_seg(C, &C->sf[0], 1, NULL, 0, &e, 0, &r);
    assert_false(C->echo.due); /* RFC 8684 3.4.1: silently ignored */
    e.opt[MPTCP_SUB_ADD_ADDR].u.add_addr.hmac ^= 1;
    h_seg(C, &C->sf[0], 1, NULL, 0, &e, 0, &r);
    assert_true(r.verdict & MPTCP_RX_ACK_NOW);
    uint8_t b[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28);
    struct mptcp_opt_set set;
    parse_block(b, n, &set);
    assert_true(set.opt[MPTCP_SUB_ADD_ADDR].u.add_addr.echo);
    assert_int_equal(set.opt[MPTCP_SUB_ADD_ADDR].u.add_addr.addr_id, 5);
}

static void send_side_dsn_data_ack_and_data_fin(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    uint64_t first = 0x535beea38e087c8eull + 1;
    uint64_t dsn;
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], H_ISS + 1, NULL, 1000, &dsn), 0);
    assert_true(dsn == first);
    /* a segment goes out with the first mapping: the next write may not grow it */
    uint8_t b0[40];
    struct mptcp_tx_seg t0 = {.seq = H_ISS + 1, .len = 1000, .tcp_flags = MPTCP_TCP_ACK};
    assert_int_equal(mptcp_tx_opts(C, &C->sf[0], &t0, 0, b0, 28), 28);
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], H_ISS + 1001, NULL, 500, &dsn), 0);
    assert_true(dsn == first + 1000);
    uint8_t b[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1 + 600, .len = 1400, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28);
    assert_int_equal(n, 28); /* 64-bit ack + 64-bit map = 26, padded: exactly the budget */
    struct mptcp_opt_set set;
    parse_block(b, n, &set);
    const struct mptcp_opt *d = &set.opt[MPTCP_SUB_DSS];
    assert_true(d->u.dss.dsn == first);
    assert_int_equal(d->u.dss.ssn, 1);
    assert_int_equal(d->u.dss.data_len, 1000);
    assert_int_equal(ts.len, 400); /* clipped at the mapping's end */
    /* DATA_ACKs: 32-bit form expands; out of range acks are ignored */
    struct mptcp_opt_set a;
    memset(&a, 0, sizeof(a));
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_DSS;
    o.u.dss.flags = DSS_FLAG_A_ACK;
    o.u.dss.data_ack = (uint32_t)(first + 1000);
    h_set_one(&a, &o);
    struct mptcp_rx_result r;
    struct mptcp_seg w = {.seq = H_IRS + 1, .tcp_flags = MPTCP_TCP_ACK, .opts = &a, .wnd = 4000};
    mptcp_rx_segment(C, &C->sf[0], &w, &r);
    assert_true(C->snd_una == first + 1000);
    /* data-level window: DATA_ACK + 4000, of which 500 are sent already */
    assert_int_equal(mptcp_tx_room(C), 3500);
    w.wnd = 100; /* a smaller window never pulls the right edge back */
    mptcp_rx_segment(C, &C->sf[0], &w, &r);
    assert_int_equal(mptcp_tx_room(C), 3500);
    a.opt[MPTCP_SUB_DSS].u.dss.data_ack = (uint32_t)(first + 99999);
    h_seg(C, &C->sf[0], 1, NULL, 0, &a, 0, &r);
    assert_true(C->snd_una == first + 1000);
    /* DATA_FIN after the last byte is acknowledged */
    mptcp_tx_close(C);
    ts.len = 0;
    n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28);
    parse_block(b, n, &set);
    assert_false(set.opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_F_FIN);
    a.opt[MPTCP_SUB_DSS].u.dss.flags = DSS_FLAG_A_ACK | DSS_FLAG_a_ACK8;
    a.opt[MPTCP_SUB_DSS].u.dss.data_ack = first + 1500;
    h_seg(C, &C->sf[0], 1, NULL, 0, &a, 0, &r);
    n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28);
    parse_block(b, n, &set);
    d = &set.opt[MPTCP_SUB_DSS];
    assert_true(d->u.dss.flags & DSS_FLAG_F_FIN);
    assert_true(d->u.dss.dsn == first + 1500);
    assert_int_equal(d->u.dss.ssn, 0);
    assert_int_equal(d->u.dss.data_len, 1);
    a.opt[MPTCP_SUB_DSS].u.dss.data_ack = first + 1501;
    h_seg(C, &C->sf[0], 1, NULL, 0, &a, 0, &r);
    assert_true(C->fin_acked);
}

static void send_mappings_grow_fill_and_free(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, true), 0); /* with DSS checksums */
    uint64_t first = C->snd_nxt, dsn;
    static uint8_t data[3000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 11 + 5);
    /* three writes before anything is sent: one mapping, checksum over all of it */
    for (int k = 0; k < 3; k++)
        assert_int_equal(mptcp_tx_assign(C, &C->sf[0], H_ISS + 1 + 1000u * (unsigned)k,
                                         data + 1000 * k, 1000, &dsn),
                         0);
    uint8_t b[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1, .len = 1400, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 40);
    struct mptcp_opt_set set;
    assert_int_equal(mptcp_opts_parse_tcp(b, n, &set), 0);
    const struct mptcp_opt *d = &set.opt[MPTCP_SUB_DSS];
    assert_true(d->u.dss.dsn == first);
    assert_int_equal(d->u.dss.data_len, 3000);
    assert_true(d->u.dss.has_csum);
    struct mptcp_csum cs;
    mptcp_csum_init(&cs);
    mptcp_csum_add(&cs, data, sizeof(data));
    assert_int_equal(mptcp_dss_csum(&cs, first, 1, 3000, d->u.dss.csum), 0);
    assert_int_equal(ts.len, 1400); /* inside the mapping: not clipped */
    /* once sent, a mapping never grows: 31 more writes, each sent, fill every slot */
    uint32_t seq = H_ISS + 3001;
    for (int k = 0; k < MPTCP_TX_MAPS - 1; k++) {
        assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq, data, 10, &dsn), 0);
        struct mptcp_tx_seg t1 = {.seq = seq, .len = 10, .tcp_flags = MPTCP_TCP_ACK};
        mptcp_tx_opts(C, &C->sf[0], &t1, 0, b, 40);
        seq += 10;
    }
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq, data, 10, &dsn), -1); /* back-pressure */
    /* the peer DATA_ACKs the first mapping: not enough (this subflow's TCP may still resend
       its bytes, which must keep their DSS) */
    struct mptcp_opt_set a;
    memset(&a, 0, sizeof(a));
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_DSS;
    o.u.dss.flags = DSS_FLAG_A_ACK | DSS_FLAG_a_ACK8;
    o.u.dss.data_ack = first + 3000;
    h_set_one(&a, &o);
    struct mptcp_rx_result r;
    h_seg(C, &C->sf[0], 1, NULL, 0, &a, 0, &r);
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq, data, 10, &dsn), -1);
    /* a subflow retransmission of those DATA_ACKed bytes still carries their mapping */
    ts.seq = H_ISS + 1;
    ts.len = 1400;
    n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 40);
    assert_int_equal(mptcp_opts_parse_tcp(b, n, &set), 0);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_M_MAP);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.dsn == first);
    /* the subflow's TCP acknowledges the first mapping: its slot is free again */
    mptcp_sf_tx_acked(&C->sf[0], H_ISS + 3001);
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq, data, 10, &dsn), 0);
}

/* Mappings behind a data-level hole: the DATA_ACK cannot pass them until another subflow's lost
 * DSNs are sent again, so slots must free up once the subflow's own TCP acknowledged them, or the
 * reinjection that fills the hole finds no slot (the path-down stall). */
static void mapping_slots_free_once_the_subflow_acked_them(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    uint64_t dsn;
    uint8_t b[40];
    uint32_t seq = H_ISS + 1;
    for (int k = 0; k < MPTCP_TX_MAPS; k++) {
        assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq, NULL, 100, &dsn), 0);
        struct mptcp_tx_seg t = {.seq = seq, .len = 100, .tcp_flags = MPTCP_TCP_ACK};
        mptcp_tx_opts(C, &C->sf[0], &t, 0, b, 40);
        seq += 100;
    }
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq, NULL, 100, &dsn), -1);
    /* TCP acknowledged half of the first mapping: not enough to drop it */
    mptcp_sf_tx_acked(&C->sf[0], H_ISS + 1 + 50);
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq, NULL, 100, &dsn), -1);
    /* all of it: the slot is free although no DATA_ACK moved */
    mptcp_sf_tx_acked(&C->sf[0], H_ISS + 1 + 100);
    uint64_t una = C->snd_una;
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq, NULL, 100, &dsn), 0);
    assert_true(C->snd_una == una);
    /* an older acknowledgment never moves the mark back */
    mptcp_sf_tx_acked(&C->sf[0], H_ISS + 1);
    assert_int_equal(C->sf[0].tx_acked, 101); /* relative: the SYN took sequence 0 */
    /* once the new mapping is sent, the next write needs a slot: none until TCP acknowledges
       the second mapping too */
    struct mptcp_tx_seg t = {.seq = seq, .len = 100, .tcp_flags = MPTCP_TCP_ACK};
    mptcp_tx_opts(C, &C->sf[0], &t, 0, b, 40);
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq + 100, NULL, 100, &dsn), -1);
    mptcp_sf_tx_acked(&C->sf[0], H_ISS + 1 + 200);
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], seq + 100, NULL, 100, &dsn), 0);
}

static void reinjection_after_a_subflow_fails(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    struct mptcp_subflow *sf1 = h_join(C, &table, 4000);
    assert_non_null(sf1);
    uint64_t first = C->snd_nxt, dsn;
    uint8_t b[40];
    /* 3 mappings of 1000 bytes on subflow 0, each sent */
    for (uint32_t k = 0; k < 3; k++) {
        assert_int_equal(mptcp_tx_assign(C, &C->sf[0], H_ISS + 1 + 1000 * k, NULL, 1000, &dsn), 0);
        struct mptcp_tx_seg t = {
            .seq = H_ISS + 1 + 1000 * k, .len = 1000, .tcp_flags = MPTCP_TCP_ACK};
        mptcp_tx_opts(C, &C->sf[0], &t, 0, b, 40);
    }
    /* the peer DATA_ACKs 1500 bytes, then subflow 0 dies */
    struct mptcp_opt_set a;
    memset(&a, 0, sizeof(a));
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_DSS;
    o.u.dss.flags = DSS_FLAG_A_ACK | DSS_FLAG_a_ACK8;
    o.u.dss.data_ack = first + 1500;
    h_set_one(&a, &o);
    struct mptcp_rx_result r;
    h_seg(C, sf1, 1, NULL, 0, &a, 0, &r);
    mptcp_subflow_closed(C, &C->sf[0]);
    struct mptcp_tx_range rg[4];
    size_t n = mptcp_tx_unacked(C, &C->sf[0], rg, 4);
    assert_int_equal(n, 2);
    assert_true(rg[0].dsn == first + 1500);
    assert_int_equal(rg[0].len, 500);
    assert_true(rg[1].dsn == first + 2000);
    assert_int_equal(rg[1].len, 1000);
    assert_int_equal(mptcp_tx_unacked(C, &C->sf[0], rg, 1), 1); /* max respected, oldest kept */
    assert_true(rg[0].dsn == first + 1500);
    /* the same DSNs go out on subflow 1, at its own sequence numbers */
    assert_int_equal(mptcp_tx_assign_at(C, sf1, 7001, first + 1500, NULL, 1500), 0);
    struct mptcp_tx_seg t = {.seq = 7001, .len = 1500, .tcp_flags = MPTCP_TCP_ACK};
    size_t len = mptcp_tx_opts(C, sf1, &t, 0, b, 28);
    struct mptcp_opt_set got;
    assert_int_equal(mptcp_opts_parse_tcp(b, len, &got), 0);
    assert_true(got.opt[MPTCP_SUB_DSS].u.dss.dsn == first + 1500);
    assert_int_equal(got.opt[MPTCP_SUB_DSS].u.dss.ssn, 1);
    assert_int_equal(got.opt[MPTCP_SUB_DSS].u.dss.data_len, 1500);
    assert_true(C->snd_nxt == first + 3000); /* nothing new was assigned */
}

static void mp_fail_answered_with_infinite_mapping(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    uint64_t dsn;
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], H_ISS + 1, NULL, 100, &dsn), 0);
    struct mptcp_opt_set f;
    memset(&f, 0, sizeof(f));
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_FAIL;
    o.u.fail.dsn = C->snd_una;
    h_set_one(&f, &o);
    struct mptcp_rx_result r;
    h_seg(C, &C->sf[0], 1, NULL, 0, &f, 0, &r);
    uint8_t b[40];
    struct mptcp_tx_seg ts = {.seq = H_ISS + 1, .len = 100, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28);
    struct mptcp_opt_set set;
    parse_block(b, n, &set);
    assert_int_equal(set.opt[MPTCP_SUB_DSS].u.dss.data_len, 0);
    assert_int_equal(C->state, MPC_FALLBACK);
    assert_int_equal(mptcp_tx_opts(C, &C->sf[0], &ts, 0, b, 28), 0);
}

static void rm_addr_and_mp_prio(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    struct mptcp_subflow *sf = h_join(C, &table, 500);
    assert_non_null(sf);
    struct mptcp_opt_set set;
    memset(&set, 0, sizeof(set));
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_PRIO;
    o.u.prio.backup = true;
    h_set_one(&set, &o);
    struct mptcp_rx_result r;
    h_seg(C, sf, 1, NULL, 0, &set, 0, &r);
    assert_true(sf->backup);
    memset(&set, 0, sizeof(set));
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_RM_ADDR;
    o.u.rm_addr.n = 1;
    o.u.rm_addr.ids[0] = 2; /* h_join uses remote address id 2 */
    h_set_one(&set, &o);
    h_seg(C, &C->sf[0], 1, NULL, 0, &set, 0, &r);
    assert_true(r.verdict & MPTCP_RX_RESET_SF);
    assert_int_equal(r.reset_mask, 1u << sf->index);
}

static void token_table_64_connections_and_collision(void **s)
{
    (void)s;
    static struct mptcp_conn conns[65];
    struct mptcp_opt_set syn;
    memset(&syn, 0, sizeof(syn));
    struct mptcp_opt o = h_mpc(0, 0, 0, 0, false);
    h_set_one(&syn, &o);
    for (int i = 0; i < 64; i++)
        assert_int_equal(mptcp_accept_capable(&conns[i], &table, &syn, 1000u + (unsigned)i, 1, 1),
                         0);
    for (int i = 0; i < 64; i++)
        assert_ptr_equal(mptcp_table_lookup(&table, mptcp_key_token(1000u + (unsigned)i)),
                         &conns[i]);
    /* same key again = same token: refused, the caller draws a new key */
    assert_int_equal(mptcp_accept_capable(&conns[64], &table, &syn, 1000u, 1, 1), -1);
    mptcp_conn_release(&conns[3]);
    assert_null(mptcp_table_lookup(&table, mptcp_key_token(1003u)));
    assert_int_equal(mptcp_accept_capable(&conns[64], &table, &syn, 1003u, 1, 1), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest t[] = {
        T(capable_handshake_and_first_data_ack),
        T(synack_carries_our_key),
        T(third_ack_with_foreign_key_resets),
        T(syn_classification),
        T(fallback_when_third_ack_lacks_mp_capable),
        T(dss_before_the_third_ack_waits_for_mp_capable),
        T(fallback_when_options_vanish_before_any_dss),
        T(join_full_exchange),
        T(join_with_bad_hmac_is_reset),
        T(join_refused_before_established_and_when_full),
        T(fastclose_and_tcprst),
        T(add_addr_retransmitted_until_echoed),
        T(peer_add_addr_echoed_only_with_valid_hmac),
        T(send_side_dsn_data_ack_and_data_fin),
        T(send_mappings_grow_fill_and_free),
        T(mapping_slots_free_once_the_subflow_acked_them),
        T(reinjection_after_a_subflow_fails),
        T(mp_fail_answered_with_infinite_mapping),
        T(rm_addr_and_mp_prio),
        T(token_table_64_connections_and_collision),
    };
    return cmocka_run_group_tests_name("conn", t, NULL, NULL);
}

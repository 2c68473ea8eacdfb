/* test_fuzz_regress.c: regressions for what fuzz_glue (the stack plus kernel/net/tcp_mptcp.c)
 * found in the MPTCP modules, each reduced to the module calls that reproduce it. */
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

/* The peer DATA_ACKs everything we sent (on the initial subflow). */
static void data_ack_all(void)
{
    struct mptcp_opt_set a;
    memset(&a, 0, sizeof(a));
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_DSS;
    o.u.dss.flags = DSS_FLAG_A_ACK | DSS_FLAG_a_ACK8;
    o.u.dss.data_ack = C->snd_nxt;
    h_set_one(&a, &o);
    struct mptcp_rx_result r;
    h_seg(C, &C->sf[0], 1, NULL, 0, &a, 0, &r);
}

/* A subflow retransmission starting in data the peer DATA_ACKed (its mapping slot reused) used to
 * run on into bytes queued since, sending them without their DSS: a Linux receiver finds no
 * mapping for them (RFC 8684 3.3.1) and resets the subflow. It must stop at the next mapping. */
static void retransmission_of_acked_bytes_stops_at_the_next_mapping(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    uint8_t b[40];
    uint64_t dsn;
    /* 100 bytes at relative 1, sent, then DATA_ACKed (their subflow ACK was lost) */
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], H_ISS + 1, NULL, 100, &dsn), 0);
    struct mptcp_tx_seg t = {.seq = H_ISS + 1, .len = 100, .tcp_flags = MPTCP_TCP_ACK};
    mptcp_tx_opts(C, &C->sf[0], &t, 0, b, 28);
    data_ack_all();
    /* the next write takes the freed slot: 1348 bytes at relative 101, not sent yet */
    uint64_t second = C->snd_nxt;
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], H_ISS + 101, NULL, 1348, &dsn), 0);
    /* RTO: TCP retransmits from its snd_una (relative 1) a full segment of 1448 bytes */
    struct mptcp_tx_seg rt = {.seq = H_ISS + 1, .len = 1448, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &rt, 0, b, 28);
    struct mptcp_opt_set set;
    assert_int_equal(mptcp_opts_parse_tcp(b, n, &set), 0);
    /* only the first mapping's bytes, still with their DSS: a DATA_ACK alone does not drop a
       mapping this subflow's TCP has not had acknowledged */
    assert_int_equal(rt.len, 100);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_M_MAP);
    assert_int_equal(set.opt[MPTCP_SUB_DSS].u.dss.ssn, 1);
    /* the rest goes next, with its mapping */
    struct mptcp_tx_seg nx = {.seq = H_ISS + 101, .len = 1348, .tcp_flags = MPTCP_TCP_ACK};
    n = mptcp_tx_opts(C, &C->sf[0], &nx, 0, b, 28);
    assert_int_equal(mptcp_opts_parse_tcp(b, n, &set), 0);
    assert_int_equal(nx.len, 1348);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_M_MAP);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.dsn == second);
    assert_int_equal(set.opt[MPTCP_SUB_DSS].u.dss.ssn, 101);
    /* a retransmission wholly inside acknowledged bytes keeps its length */
    struct mptcp_tx_seg in = {.seq = H_ISS + 1, .len = 60, .tcp_flags = MPTCP_TCP_ACK};
    mptcp_tx_opts(C, &C->sf[0], &in, 0, b, 28);
    assert_int_equal(in.len, 60);
}

/* A reinjection queued on a subflow but not sent yet, whose DSNs the peer then DATA_ACKs (the
 * original transmission arrived after all): its slot used to be taken by the next write, and TCP
 * later sent the queued bytes with no mapping; Linux resets a subflow for unmapped data. */
static void unsent_reinjection_keeps_its_mapping_after_a_data_ack(void **s)
{
    (void)s;
    assert_int_equal(h_establish(C, &table, H_KEY_B, false), 0);
    struct mptcp_subflow *sf1 = h_join(C, &table, 4000);
    assert_non_null(sf1);
    uint8_t b[40];
    uint64_t first = C->snd_nxt, dsn;
    /* 2000 bytes on subflow 1, sent */
    assert_int_equal(mptcp_tx_assign(C, sf1, 7001, NULL, 2000, &dsn), 0);
    struct mptcp_tx_seg t1 = {.seq = 7001, .len = 2000, .tcp_flags = MPTCP_TCP_ACK};
    mptcp_tx_opts(C, sf1, &t1, 0, b, 28);
    /* the first 1000 queued again on subflow 0 (reinjection), not sent yet */
    assert_int_equal(mptcp_tx_assign_at(C, &C->sf[0], H_ISS + 1, first, NULL, 1000), 0);
    /* the peer DATA_ACKs all 2000 (the originals arrived) */
    data_ack_all();
    assert_true(C->snd_una == first + 2000);
    /* a new write on subflow 0 takes another slot */
    assert_int_equal(mptcp_tx_assign(C, &C->sf[0], H_ISS + 1001, NULL, 500, &dsn), 0);
    /* TCP sends the queued reinjection: with its mapping */
    struct mptcp_tx_seg t0 = {.seq = H_ISS + 1, .len = 1000, .tcp_flags = MPTCP_TCP_ACK};
    size_t n = mptcp_tx_opts(C, &C->sf[0], &t0, 0, b, 28);
    struct mptcp_opt_set set;
    assert_int_equal(mptcp_opts_parse_tcp(b, n, &set), 0);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_M_MAP);
    assert_true(set.opt[MPTCP_SUB_DSS].u.dss.dsn == first);
    assert_int_equal(set.opt[MPTCP_SUB_DSS].u.dss.ssn, 1);
    assert_int_equal(set.opt[MPTCP_SUB_DSS].u.dss.data_len, 1000);
    assert_int_equal(t0.len, 1000);
    /* the 30 other slots fill; the sent reinjection's slot frees once the subflow's TCP
       acknowledged its bytes (the DATA_ACK alone is not enough) */
    for (int k = 0; k < MPTCP_TX_MAPS - 2; k++)
        assert_int_equal(
            mptcp_tx_assign_at(C, &C->sf[0], H_ISS + 2001 + 10u * (unsigned)k, first, NULL, 10), 0);
    assert_int_equal(mptcp_tx_assign_at(C, &C->sf[0], H_ISS + 3000, first, NULL, 10), -1);
    mptcp_sf_tx_acked(&C->sf[0], H_ISS + 1001);
    assert_int_equal(mptcp_tx_assign_at(C, &C->sf[0], H_ISS + 3000, first, NULL, 10), 0);
    /* and no more: the unsent (DATA_ACKed) ones hold theirs */
    assert_int_equal(mptcp_tx_assign_at(C, &C->sf[0], H_ISS + 3010, first, NULL, 10), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest t[] = {
        T(retransmission_of_acked_bytes_stops_at_the_next_mapping),
        T(unsent_reinjection_keeps_its_mapping_after_a_data_ack),
    };
    return cmocka_run_group_tests_name("fuzz_regress", t, NULL, NULL);
}

/* test_opt.c: MPTCP option codec: every subtype and length round trips; malformed ones are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "../../../kernel/net/mptcp/mptcp_opt.h"

/* Builds o, parses it back, builds again: same bytes, same length, parse OK. */
static void round_trip(const struct mptcp_opt *o, size_t want_len)
{
    uint8_t a[TCP_OPT_SPACE], b[TCP_OPT_SPACE];
    struct mptcp_opt p;
    size_t n = mptcp_opt_build(o, a, sizeof(a));
    assert_int_equal(n, want_len);
    assert_int_equal(a[0], TCPOPT_MPTCP);
    assert_int_equal(a[1], want_len);
    assert_int_equal(a[2] >> 4, o->subtype);
    assert_int_equal(mptcp_opt_parse(a, n, &p), MPTCP_OPT_OK);
    assert_int_equal(p.len, want_len);
    assert_int_equal(p.subtype, o->subtype);
    assert_int_equal(mptcp_opt_build(&p, b, sizeof(b)), n);
    assert_memory_equal(a, b, n);
    /* one byte short of the claimed length: truncated, never read past the buffer */
    assert_int_equal(mptcp_opt_parse(a, n - 1, &p), MPTCP_OPT_ERR_TRUNCATED);
    /* not enough room to build */
    assert_int_equal(mptcp_opt_build(o, b, n - 1), 0);
}

static void capable_all_lengths(void **s)
{
    (void)s;
    struct mptcp_opt o;
    static const size_t lens[] = {MPC_LEN_SYN, MPC_LEN_SYNACK, MPC_LEN_ACK, MPC_LEN_DATA,
                                  MPC_LEN_DATA_CSUM};
    for (int csumflag = 0; csumflag < 2; csumflag++) {
        for (int i = 0; i < 5; i++) {
            memset(&o, 0, sizeof(o));
            o.subtype = MPTCP_SUB_CAPABLE;
            o.u.mpc.version = 1;
            o.u.mpc.flags = MPC_FLAG_H_SHA256 | (csumflag ? MPC_FLAG_A_CSUM : 0);
            o.u.mpc.nkeys = i == 0 ? 0 : i == 1 ? 1 : 2;
            o.u.mpc.snd_key = 0x0102030405060708ull;
            o.u.mpc.rcv_key = 0x1112131415161718ull;
            o.u.mpc.has_data_len = i >= 3;
            o.u.mpc.data_len = 1400;
            o.u.mpc.has_csum = i == 4;
            o.u.mpc.csum = 0xbeef;
            round_trip(&o, lens[i]);
        }
    }
    /* exact bytes of the SYN/ACK form (RFC 8684 Figure 4) */
    uint8_t b[12];
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_CAPABLE;
    o.u.mpc.version = 1;
    o.u.mpc.flags = MPC_FLAG_H_SHA256;
    o.u.mpc.nkeys = 1;
    o.u.mpc.snd_key = 0x1112131415161718ull;
    static const uint8_t want[12] = {30,   12,   0x01, 0x01, 0x11, 0x12,
                                     0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
    assert_int_equal(mptcp_opt_build(&o, b, sizeof(b)), 12);
    assert_memory_equal(b, want, 12);
}

static void join_all_steps(void **s)
{
    (void)s;
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_JOIN;
    o.u.join.step = MPJ_SYN;
    o.u.join.backup = true;
    o.u.join.addr_id = 3;
    o.u.join.token = 0xccad45ac;
    o.u.join.nonce = 0x01020304;
    round_trip(&o, MPJ_LEN_SYN);
    o.u.join.step = MPJ_SYNACK;
    o.u.join.hmac64 = 0x65ee096833f661d9ull;
    round_trip(&o, MPJ_LEN_SYNACK);
    o.u.join.backup = false;
    o.u.join.step = MPJ_ACK;
    for (int i = 0; i < MPJ_HMAC_LEN; i++)
        o.u.join.hmac[i] = (uint8_t)(0xa0 + i);
    round_trip(&o, MPJ_LEN_ACK);
    /* wire form of the SYN (Figure 5): subtype 1, B set, id, token, nonce */
    uint8_t b[12];
    o.u.join.step = MPJ_SYN;
    o.u.join.backup = true;
    mptcp_opt_build(&o, b, sizeof(b));
    static const uint8_t want[12] = {30, 12, 0x11, 3, 0xcc, 0xad, 0x45, 0xac, 1, 2, 3, 4};
    assert_memory_equal(b, want, 12);
}

/* Every combination of the five DSS flags, with and without checksum. */
static void dss_every_flag_combination(void **s)
{
    (void)s;
    int valid = 0;
    for (int f = 0; f < 32; f++) {
        for (int cs = 0; cs < 2; cs++) {
            struct mptcp_opt o;
            memset(&o, 0, sizeof(o));
            o.subtype = MPTCP_SUB_DSS;
            o.u.dss.flags = (uint8_t)f;
            o.u.dss.has_csum = cs;
            o.u.dss.data_ack = (f & DSS_FLAG_a_ACK8) ? 0x1122334455667788ull : 0x55667788u;
            o.u.dss.dsn = (f & DSS_FLAG_m_DSN8) ? 0x8877665544332211ull : 0x44332211u;
            o.u.dss.ssn = 0xdeadbeef;
            o.u.dss.data_len = 1000;
            o.u.dss.csum = cs ? 0x1234 : 0;
            bool ok = !((f & DSS_FLAG_a_ACK8) && !(f & DSS_FLAG_A_ACK)) &&
                      !((f & (DSS_FLAG_m_DSN8 | DSS_FLAG_F_FIN)) && !(f & DSS_FLAG_M_MAP)) &&
                      !(cs && !(f & DSS_FLAG_M_MAP));
            if (!ok) {
                uint8_t b[TCP_OPT_SPACE];
                assert_int_equal(mptcp_opt_build(&o, b, sizeof(b)), 0);
                continue;
            }
            size_t len = 4;
            if (f & DSS_FLAG_A_ACK)
                len += (f & DSS_FLAG_a_ACK8) ? 8 : 4;
            if (f & DSS_FLAG_M_MAP)
                len += ((f & DSS_FLAG_m_DSN8) ? 8 : 4) + 6 + (cs ? 2 : 0);
            round_trip(&o, len);
            uint8_t b[TCP_OPT_SPACE];
            struct mptcp_opt p;
            mptcp_opt_build(&o, b, sizeof(b));
            mptcp_opt_parse(b, len, &p);
            assert_true(p.u.dss.flags == f);
            assert_true(p.u.dss.has_csum == (bool)cs);
            if (f & DSS_FLAG_A_ACK)
                assert_true(p.u.dss.data_ack == o.u.dss.data_ack);
            if (f & DSS_FLAG_M_MAP) {
                assert_true(p.u.dss.dsn == o.u.dss.dsn);
                assert_true(p.u.dss.ssn == 0xdeadbeef);
                assert_int_equal(p.u.dss.data_len, 1000);
            }
            valid++;
        }
    }
    /* A(2) x M(m: 2, csum: 2, F: 2) + no-M combos: counted to make sure none was skipped */
    assert_int_equal(valid, 3 * (1 + 2 * 2 * 2));
    /* the largest form: 64-bit ack + 64-bit DSN + checksum = 28 bytes, as Linux can send */
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_DSS;
    o.u.dss.flags = 0x1f;
    o.u.dss.has_csum = true;
    o.u.dss.data_len = 1;
    assert_int_equal(mptcp_opt_len(&o), 28);
}

static void add_addr_all_forms(void **s)
{
    (void)s;
    struct mptcp_opt o;
    for (int v6 = 0; v6 < 2; v6++)
        for (int port = 0; port < 2; port++)
            for (int echo = 0; echo < 2; echo++) {
                memset(&o, 0, sizeof(o));
                o.subtype = MPTCP_SUB_ADD_ADDR;
                o.u.add_addr.ipv6 = v6;
                o.u.add_addr.has_port = port;
                o.u.add_addr.port = port ? 8080 : 0;
                o.u.add_addr.echo = echo;
                o.u.add_addr.addr_id = 1;
                for (int i = 0; i < (v6 ? 16 : 4); i++)
                    o.u.add_addr.addr[i] = (uint8_t)(10 + i);
                o.u.add_addr.hmac = echo ? 0 : 0xf8c5d88d003204bbull;
                size_t len = 4 + (v6 ? 16 : 4) + (port ? 2 : 0) + (echo ? 0 : 8);
                round_trip(&o, len);
            }
    /* RFC 8684 Figure 12 / reference notes: v4 16, v4+port 18, echo 8 / 10 */
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_ADD_ADDR;
    assert_int_equal(mptcp_opt_len(&o), 16);
    o.u.add_addr.echo = true;
    assert_int_equal(mptcp_opt_len(&o), 8);
}

static void rm_addr_prio_fail_fastclose_tcprst(void **s)
{
    (void)s;
    struct mptcp_opt o;
    for (int n = 1; n <= 37; n++) {
        memset(&o, 0, sizeof(o));
        o.subtype = MPTCP_SUB_RM_ADDR;
        o.u.rm_addr.n = (uint8_t)n;
        for (int i = 0; i < n; i++)
            o.u.rm_addr.ids[i] = (uint8_t)(i + 1);
        round_trip(&o, 3u + (size_t)n);
    }
    o.u.rm_addr.n = 0;
    assert_int_equal(mptcp_opt_len(&o), 0);
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_PRIO;
    o.u.prio.backup = true;
    round_trip(&o, 3);
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_FAIL;
    o.u.fail.dsn = 0x0102030405060708ull;
    round_trip(&o, 12);
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_FASTCLOSE;
    o.u.fastclose.key = 0x1112131415161718ull;
    round_trip(&o, 12);
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_TCPRST;
    o.u.tcprst.flags = MP_TCPRST_FLAG_T;
    o.u.tcprst.reason = MPTCP_RST_MIDDLEBOX;
    round_trip(&o, 4);
}

struct bad {
    const char *what;
    uint8_t b[TCP_OPT_SPACE];
    size_t avail;
    int err;
};

static void malformed_options_rejected_with_reason(void **s)
{
    (void)s;
    static const struct bad cases[] = {
        {"too short for a header", {30, 2}, 2, MPTCP_OPT_ERR_TRUNCATED},
        {"length beyond buffer", {30, 12, 0x01, 0x01}, 4, MPTCP_OPT_ERR_TRUNCATED},
        {"length byte below 3", {30, 1, 0x01, 0x01}, 4, MPTCP_OPT_ERR_TRUNCATED},
        {"not kind 30", {29, 4, 0x01, 0x01}, 4, MPTCP_OPT_ERR_KIND},
        {"subtype 9 unassigned", {30, 4, 0x90, 0}, 4, MPTCP_OPT_ERR_SUBTYPE},
        {"subtype 0xf (private) unsupported", {30, 4, 0xf0, 0}, 4, MPTCP_OPT_ERR_SUBTYPE},
        {"MP_CAPABLE length 5", {30, 5, 0x01, 0x01, 0}, 5, MPTCP_OPT_ERR_LENGTH},
        {"MP_CAPABLE length 16", {30, 16, 0x01, 0x01}, 16, MPTCP_OPT_ERR_LENGTH},
        {"MP_CAPABLE length 3", {30, 3, 0x01}, 3, MPTCP_OPT_ERR_LENGTH},
        {"MP_CAPABLE v0 (RFC 6824)", {30, 4, 0x00, 0x01}, 4, MPTCP_OPT_ERR_VERSION},
        {"MP_CAPABLE v2 on SYN/ACK", {30, 12, 0x02, 0x01}, 12, MPTCP_OPT_ERR_VERSION},
        {"MP_CAPABLE B flag", {30, 4, 0x01, 0x41}, 4, MPTCP_OPT_ERR_FLAGS},
        {"MP_CAPABLE without H", {30, 4, 0x01, 0x80}, 4, MPTCP_OPT_ERR_FLAGS},
        {"MP_JOIN length 13", {30, 13, 0x10, 0}, 13, MPTCP_OPT_ERR_LENGTH},
        {"MP_JOIN SYN reserved bits", {30, 12, 0x12, 0}, 12, MPTCP_OPT_ERR_FLAGS},
        {"MP_JOIN ACK reserved byte", {30, 24, 0x10, 0x01}, 24, MPTCP_OPT_ERR_FLAGS},
        {"DSS reserved flag", {30, 4, 0x20, 0x20}, 4, MPTCP_OPT_ERR_FLAGS},
        {"DSS reserved nibble", {30, 4, 0x21, 0x00}, 4, MPTCP_OPT_ERR_FLAGS},
        {"DSS a without A", {30, 4, 0x20, 0x02}, 4, MPTCP_OPT_ERR_FLAGS},
        {"DSS m without M", {30, 4, 0x20, 0x08}, 4, MPTCP_OPT_ERR_FLAGS},
        {"DSS F without M", {30, 4, 0x20, 0x10}, 4, MPTCP_OPT_ERR_FLAGS},
        {"DSS A with no room for ack", {30, 4, 0x20, 0x01}, 4, MPTCP_OPT_ERR_LENGTH},
        {"DSS A+a with 4-byte ack", {30, 8, 0x20, 0x03}, 8, MPTCP_OPT_ERR_LENGTH},
        {"DSS M one byte short", {30, 13, 0x20, 0x04}, 13, MPTCP_OPT_ERR_LENGTH},
        {"DSS M one byte long", {30, 15, 0x20, 0x04}, 15, MPTCP_OPT_ERR_LENGTH},
        {"DSS DATA_FIN with length 0",
         {30, 14, 0x20, 0x14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0},
         14,
         MPTCP_OPT_ERR_VALUE},
        {"ADD_ADDR length 15", {30, 15, 0x30, 1}, 15, MPTCP_OPT_ERR_LENGTH},
        {"ADD_ADDR echo with HMAC length", {30, 16, 0x31, 1}, 16, MPTCP_OPT_ERR_LENGTH},
        {"ADD_ADDR reserved bit", {30, 8, 0x33, 1, 10, 0, 0, 1}, 8, MPTCP_OPT_ERR_FLAGS},
        {"ADD_ADDR zero port sent", {30, 10, 0x31, 1, 10, 0, 0, 1, 0, 0}, 10, MPTCP_OPT_ERR_VALUE},
        {"ADD_ADDR too short", {30, 4, 0x31, 1}, 4, MPTCP_OPT_ERR_LENGTH},
        {"RM_ADDR without id", {30, 3, 0x40}, 3, MPTCP_OPT_ERR_LENGTH},
        {"MP_PRIO length 4", {30, 4, 0x50, 1}, 4, MPTCP_OPT_ERR_LENGTH},
        {"MP_PRIO reserved bit", {30, 3, 0x52}, 3, MPTCP_OPT_ERR_FLAGS},
        {"MP_FAIL length 8", {30, 8, 0x60, 0}, 8, MPTCP_OPT_ERR_LENGTH},
        {"MP_FAIL reserved", {30, 12, 0x60, 1}, 12, MPTCP_OPT_ERR_FLAGS},
        {"MP_FASTCLOSE length 4", {30, 4, 0x70, 0}, 4, MPTCP_OPT_ERR_LENGTH},
        {"MP_FASTCLOSE reserved", {30, 12, 0x71, 0}, 12, MPTCP_OPT_ERR_FLAGS},
        {"MP_TCPRST length 5", {30, 5, 0x80, 0, 0}, 5, MPTCP_OPT_ERR_LENGTH},
        {"length over 40", {30, 41, 0x20, 0}, 41, MPTCP_OPT_ERR_LENGTH},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mptcp_opt o;
        int rc = mptcp_opt_parse(cases[i].b, cases[i].avail, &o);
        if (rc != cases[i].err)
            fail_msg("%s: got %d (%s), want %d", cases[i].what, rc, mptcp_opt_strerror(rc),
                     cases[i].err);
    }
    assert_string_equal(mptcp_opt_strerror(MPTCP_OPT_ERR_LENGTH), "length invalid for subtype");
}

/* Every length 0..40 for every subtype with random-ish body: parse either succeeds with a length
 * that builds back to identical bytes, or fails; never crashes (ASan watches). */
static void every_length_every_subtype(void **s)
{
    (void)s;
    uint32_t x = 12345;
    for (int st = 0; st < 16; st++)
        for (int len = 0; len <= TCP_OPT_SPACE; len++)
            for (int rep = 0; rep < 20; rep++) {
                uint8_t b[TCP_OPT_SPACE], c[TCP_OPT_SPACE];
                for (int i = 0; i < TCP_OPT_SPACE; i++) {
                    x = x * 1103515245u + 12345u;
                    b[i] = (uint8_t)(x >> 16);
                }
                b[0] = 30;
                b[1] = (uint8_t)len;
                b[2] = (uint8_t)(st << 4 | (b[2] & 0x0f));
                struct mptcp_opt o;
                if (mptcp_opt_parse(b, (size_t)len, &o) != MPTCP_OPT_OK)
                    continue;
                assert_int_equal(o.len, len);
                size_t n = mptcp_opt_build(&o, c, sizeof(c));
                assert_int_equal(n, len);
                /* ignored bits (MP_TCPRST U/V/W are kept) aside, bytes are identical */
                assert_memory_equal(b, c, n);
            }
}

static void tcp_option_walk(void **s)
{
    (void)s;
    /* NOP NOP TS(10) then DSS ack4 (8), a broken MP_CAPABLE, a second DSS (dup), EOL */
    uint8_t opts[] = {1, 1, 8,  10, 0,    0,    0, 1,  0, 0,    0,    2, 30, 8, 0x20, 0x01, 0, 0,
                      0, 9, 30, 5,  0x01, 0x01, 0, 30, 8, 0x20, 0x01, 0, 0,  0, 7,    0,    0, 0};
    struct mptcp_opt_set set;
    assert_int_equal(mptcp_opts_parse_tcp(opts, sizeof(opts), &set), 0);
    assert_true(mptcp_has(&set, MPTCP_SUB_DSS));
    assert_false(mptcp_has(&set, MPTCP_SUB_CAPABLE));
    assert_int_equal(set.opt[MPTCP_SUB_DSS].u.dss.data_ack, 9); /* first one kept */
    assert_int_equal(set.nerrors, 1);
    assert_int_equal(set.last_err, MPTCP_OPT_ERR_LENGTH);
    assert_int_equal(set.ndup, 1);
    /* an option whose length runs past the header is a broken option list */
    uint8_t bad[] = {1, 30, 12, 0x20, 0};
    assert_int_equal(mptcp_opts_parse_tcp(bad, sizeof(bad), &set), MPTCP_OPT_ERR_TRUNCATED);
    uint8_t bad2[] = {8, 1};
    assert_int_equal(mptcp_opts_parse_tcp(bad2, sizeof(bad2), &set), MPTCP_OPT_ERR_TRUNCATED);
    /* the same through the one-option-at-a-time entry (raw options kept by kernel/net) */
    struct mptcp_opt_set one;
    memset(&one, 0, sizeof(one));
    assert_int_equal(mptcp_opt_set_add(&one, opts + 12, 8), MPTCP_OPT_OK);
    assert_int_equal(mptcp_opt_set_add(&one, opts + 20, 5), MPTCP_OPT_ERR_LENGTH);
    assert_int_equal(mptcp_opt_set_add(&one, opts + 25, 8), MPTCP_OPT_OK);
    assert_int_equal(one.present, 1u << MPTCP_SUB_DSS);
    assert_int_equal(one.nerrors, 1);
    assert_int_equal(one.ndup, 1);
    assert_int_equal(one.opt[MPTCP_SUB_DSS].u.dss.data_ack, 9);
    uint8_t bad3[] = {8};
    assert_int_equal(mptcp_opts_parse_tcp(bad3, sizeof(bad3), &set), MPTCP_OPT_ERR_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(capable_all_lengths),
        cmocka_unit_test(join_all_steps),
        cmocka_unit_test(dss_every_flag_combination),
        cmocka_unit_test(add_addr_all_forms),
        cmocka_unit_test(rm_addr_prio_fail_fastclose_tcprst),
        cmocka_unit_test(malformed_options_rejected_with_reason),
        cmocka_unit_test(every_length_every_subtype),
        cmocka_unit_test(tcp_option_walk),
    };
    return cmocka_run_group_tests_name("options", t, NULL, NULL);
}

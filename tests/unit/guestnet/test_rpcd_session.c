/* test_rpcd_session.c: host unit tests of rpcd's protocol state machine (docs/protocol.md §4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "services/rpcd_session.h"

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* A request: header plus pattern payload (optionally one byte flipped). */
static size_t make_req(uint8_t *buf, uint64_t id, uint32_t req_len, uint32_t resp_len,
                       uint8_t flags, long flip_at)
{
    struct rpc_hdr h;
    rpc_hdr_init(&h, id, req_len, resp_len, 123456789ull, flags);
    rpc_hdr_pack(&h, buf);
    rpc_payload_fill(id, RPC_DIR_REQUEST, 0, buf + RPC_HDR_LEN, req_len);
    if (flip_at >= 0)
        buf[RPC_HDR_LEN + flip_at] ^= 0x5A;
    return RPC_HDR_LEN + req_len;
}

/* Drains the whole pending response, `step` bytes per peek/advance. */
static size_t drain(struct rpcd_session *s, uint8_t *out, size_t cap, size_t step)
{
    size_t got = 0;
    for (;;) {
        size_t want = cap - got < step ? cap - got : step;
        size_t k = rpcd_session_peek(s, out + got, want);
        if (k == 0)
            return got;
        rpcd_session_advance(s, k);
        got += k;
    }
}

static void check_response(const uint8_t *out, size_t n, uint64_t id, uint32_t req_len,
                           uint32_t resp_len, uint8_t flags, uint8_t status)
{
    assert_int_equal(n, RPC_HDR_LEN + resp_len);
    struct rpc_hdr r;
    assert_int_equal(rpc_hdr_unpack(out, n, &r), RPC_OK);
    assert_int_equal(r.flags, flags | RPC_F_RESPONSE);
    assert_int_equal(r.status, status);
    assert_true(r.id == id);
    assert_int_equal(r.req_len, req_len);
    assert_int_equal(r.resp_len, resp_len);
    assert_true(r.send_ns == 123456789ull);
    assert_int_equal(rpc_payload_check(id, RPC_DIR_RESPONSE, 0, out + RPC_HDR_LEN, resp_len), 0);
}

static uint8_t in[1 << 16], out[1 << 16];

static void test_one_request(void **st)
{
    (void)st;
    struct rpcd_counters c = {0};
    struct rpcd_session s;
    rpcd_session_init(&s, &c);
    size_t n = make_req(in, 5, 100, 200, 0, -1);
    assert_int_equal(rpcd_session_input(&s, in, n), n);
    assert_int_equal(rpcd_session_want(&s), 0); /* answering: no more input */
    size_t m = drain(&s, out, sizeof out, 4096);
    check_response(out, m, 5, 100, 200, 0, RPC_ST_OK);
    assert_int_equal(c.requests, 1);
    assert_int_equal(c.bad_requests, 0);
    assert_int_equal(c.resp_bytes, 200);
    assert_int_equal(rpcd_session_want(&s), RPC_HDR_LEN);
}

static void test_byte_at_a_time(void **st)
{
    (void)st;
    struct rpcd_counters c = {0};
    struct rpcd_session s;
    rpcd_session_init(&s, &c);
    size_t n = make_req(in, 77, 1000, 333, 0, -1);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rpcd_session_input(&s, in + i, 1), 1);
    size_t m = drain(&s, out, sizeof out, 1);
    check_response(out, m, 77, 1000, 333, 0, RPC_ST_OK);
    assert_int_equal(c.requests, 1);
}

static void test_bad_payload(void **st)
{
    (void)st;
    struct rpcd_counters c = {0};
    struct rpcd_session s;
    rpcd_session_init(&s, &c);
    size_t n = make_req(in, 9, 64, 10, 0, 17);
    assert_int_equal(rpcd_session_input(&s, in, n), n);
    size_t m = drain(&s, out, sizeof out, 7);
    check_response(out, m, 9, 64, 10, 0, RPC_ST_BAD_PAYLOAD);
    assert_int_equal(c.bad_bytes, 1);
    assert_int_equal(c.bad_requests, 1);
    assert_true(s.last_bad_id == 9);
}

static void test_bad_flags_win(void **st)
{
    (void)st;
    struct rpcd_counters c = {0};
    struct rpcd_session s;
    rpcd_session_init(&s, &c);
    size_t n = make_req(in, 10, 8, 4, 0x80, 0); /* unknown flag and a bad byte */
    assert_int_equal(rpcd_session_input(&s, in, n), n);
    size_t m = drain(&s, out, sizeof out, 100);
    check_response(out, m, 10, 8, 4, 0x80, RPC_ST_BAD_FLAGS);
    rpcd_session_init(&s, &c);
    n = make_req(in, 11, 0, 0, RPC_F_RESPONSE, -1); /* a client must never set RESPONSE */
    assert_int_equal(rpcd_session_input(&s, in, n), n);
    m = drain(&s, out, sizeof out, 100);
    check_response(out, m, 11, 0, 0, RPC_F_RESPONSE, RPC_ST_BAD_FLAGS);
}

static void test_framing_errors(void **st)
{
    (void)st;
    struct rpcd_counters c = {0};
    struct rpcd_session s;
    struct {
        size_t off;
        uint8_t val;
        int err;
    } cases[] = {{0, 'X', RPC_E_MAGIC},
                 {4, 2, RPC_E_VERSION},
                 {7, 1, RPC_E_RESERVED},
                 {16, 0x02, RPC_E_LEN} /* req_len 0x02xxxxxx > 16 MiB */};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rpcd_session_init(&s, &c);
        size_t n = make_req(in, 1, 4, 4, 0, -1);
        in[cases[i].off] = cases[i].val;
        rpcd_session_input(&s, in, n);
        assert_int_equal(s.ph, RPCD_BROKEN);
        assert_int_equal(s.error, cases[i].err);
        assert_int_equal(rpcd_session_want(&s), 0);
        assert_int_equal(rpcd_session_peek(&s, out, sizeof out), 0); /* nothing more answered */
    }
    assert_int_equal(c.framing_errors, 4);
    assert_int_equal(c.requests, 0);
}

static void test_close_flag(void **st)
{
    (void)st;
    struct rpcd_counters c = {0};
    struct rpcd_session s;
    rpcd_session_init(&s, &c);
    size_t n = make_req(in, 3, 5, 6, RPC_F_CLOSE, -1);
    assert_int_equal(rpcd_session_input(&s, in, n), n);
    size_t m = drain(&s, out, sizeof out, 3);
    check_response(out, m, 3, 5, 6, RPC_F_CLOSE, RPC_ST_OK);
    assert_int_equal(s.ph, RPCD_CLOSING);
    assert_int_equal(rpcd_session_want(&s), 0);
}

static void test_pipelined_backpressure(void **st)
{
    (void)st;
    struct rpcd_counters c = {0};
    struct rpcd_session s;
    rpcd_session_init(&s, &c);
    size_t a = make_req(in, 100, 50, 70, 0, -1);
    size_t b = make_req(in + a, 101, 0, 0, 0, -1);
    size_t d = make_req(in + a + b, 102, 20, 1, 0, -1);
    size_t total = a + b + d, used = 0, got = 0;
    uint8_t *o = out;
    while (used < total) {
        size_t k = rpcd_session_input(&s, in + used, total - used);
        used += k;
        got += drain(&s, o + got, sizeof out - got, 9);
        assert_true(k > 0 || got > 0);
    }
    assert_int_equal(used, total);
    assert_int_equal(got, 3 * RPC_HDR_LEN + 70 + 0 + 1);
    check_response(out, RPC_HDR_LEN + 70, 100, 50, 70, 0, RPC_ST_OK);
    check_response(out + RPC_HDR_LEN + 70, RPC_HDR_LEN, 101, 0, 0, 0, RPC_ST_OK);
    check_response(out + 2 * RPC_HDR_LEN + 70, RPC_HDR_LEN + 1, 102, 20, 1, 0, RPC_ST_OK);
    assert_int_equal(c.requests, 3);
}

static void test_first_input_refused_while_answering(void **st)
{
    (void)st;
    struct rpcd_counters c = {0};
    struct rpcd_session s;
    rpcd_session_init(&s, &c);
    size_t a = make_req(in, 1, 0, 10, 0, -1);
    size_t b = make_req(in + a, 2, 0, 10, 0, -1);
    assert_int_equal(rpcd_session_input(&s, in, a + b), a); /* stops after the first request */
    assert_int_equal(rpcd_session_input(&s, in + a, b), 0);
    size_t k = rpcd_session_peek(&s, out, 5);
    assert_int_equal(k, 5);
    rpcd_session_advance(&s, 2); /* a partial send: the next peek restarts at byte 2 */
    uint8_t again[8];
    assert_int_equal(rpcd_session_peek(&s, again, 3), 3);
    assert_memory_equal(again, out + 2, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_request),
        cmocka_unit_test(test_byte_at_a_time),
        cmocka_unit_test(test_bad_payload),
        cmocka_unit_test(test_bad_flags_win),
        cmocka_unit_test(test_framing_errors),
        cmocka_unit_test(test_close_flag),
        cmocka_unit_test(test_pipelined_backpressure),
        cmocka_unit_test(test_first_input_refused_while_answering),
    };
    return cmocka_run_group_tests_name("guestnet-rpcd-session", tests, NULL, NULL);
}

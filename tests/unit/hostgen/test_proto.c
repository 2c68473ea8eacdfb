/* test_proto.c: unit tests of the request protocol codec (kernel/lib/proto/rpc_proto.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "kernel/lib/proto/rpc_proto.h"

/* Vectors from docs/protocol.md §3, computed independently with Python integers. */
static const struct {
    uint64_t id;
    enum rpc_dir dir;
    uint8_t bytes[12];
} vectors[] = {
    {0, RPC_DIR_REQUEST, {0xaf, 0xcd, 0x1d, 0x7b, 0x39, 0xa8, 0x20, 0xe2, 0xc1, 0x5c, 0x02, 0x89}},
    {0, RPC_DIR_RESPONSE, {0xf4, 0x65, 0xb9, 0xa1, 0x6a, 0x9e, 0x78, 0x6e, 0x67, 0xec, 0x8e, 0x65}},
    {1, RPC_DIR_REQUEST, {0x4f, 0x45, 0x09, 0x80, 0x18, 0x5d, 0xc4, 0x06, 0x5e, 0x55, 0x32, 0xfb}},
    {12345678901ull,
     RPC_DIR_RESPONSE,
     {0xa4, 0x46, 0xc0, 0xe6, 0x30, 0x64, 0x81, 0xbc, 0x19, 0x1b, 0xd2, 0x34}},
};

static void test_payload_vectors(void **state)
{
    (void)state;
    for (size_t v = 0; v < ARRAY_LEN(vectors); v++) {
        uint8_t buf[12];
        rpc_payload_fill(vectors[v].id, vectors[v].dir, 0, buf, sizeof(buf));
        assert_memory_equal(buf, vectors[v].bytes, sizeof(buf));
        for (unsigned i = 0; i < 12; i++)
            assert_int_equal(rpc_payload_byte(vectors[v].id, vectors[v].dir, i),
                             vectors[v].bytes[i]);
    }
}

/* fill at an unaligned offset must agree with byte-by-byte generation. */
static void test_fill_unaligned(void **state)
{
    (void)state;
    uint8_t buf[100];
    rpc_payload_fill(77, RPC_DIR_RESPONSE, 13, buf, sizeof(buf));
    for (unsigned i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], rpc_payload_byte(77, RPC_DIR_RESPONSE, 13 + i));
    assert_int_equal(rpc_payload_check(77, RPC_DIR_RESPONSE, 13, buf, sizeof(buf)), 0);
    buf[50] ^= 1;
    buf[51] ^= 0x80;
    assert_int_equal(rpc_payload_check(77, RPC_DIR_RESPONSE, 13, buf, sizeof(buf)), 2);
}

static void test_header_roundtrip(void **state)
{
    (void)state;
    struct rpc_hdr h, g;
    uint8_t wire[RPC_HDR_LEN];
    rpc_hdr_init(&h, 0x0102030405060708ull, 1000, RPC_MAX_LEN, 0x1122334455667788ull, RPC_F_CLOSE);
    rpc_hdr_pack(&h, wire);
    /* Byte order check against the table in docs/protocol.md §2. */
    const uint8_t head[8] = {0x4e, 0x53, 0x52, 0x50, 1, RPC_F_CLOSE, 0, 0};
    assert_memory_equal(wire, head, 8);
    assert_int_equal(wire[8], 0x01);
    assert_int_equal(wire[15], 0x08);
    assert_int_equal(wire[19], 0xe8); /* 1000 = 0x3e8 */
    assert_int_equal(wire[24], 0x11);
    assert_int_equal(rpc_hdr_unpack(wire, sizeof(wire), &g), RPC_OK);
    assert_memory_equal(&h, &g, sizeof(h));
}

static void test_header_errors(void **state)
{
    (void)state;
    struct rpc_hdr h, g;
    uint8_t wire[RPC_HDR_LEN];
    rpc_hdr_init(&h, 5, 10, 10, 0, 0);
    rpc_hdr_pack(&h, wire);
    assert_int_equal(rpc_hdr_unpack(wire, RPC_HDR_LEN - 1, &g), RPC_E_SHORT);
    wire[0] ^= 0xff;
    assert_int_equal(rpc_hdr_unpack(wire, sizeof(wire), &g), RPC_E_MAGIC);
    wire[0] ^= 0xff;
    wire[4] = 2;
    assert_int_equal(rpc_hdr_unpack(wire, sizeof(wire), &g), RPC_E_VERSION);
    wire[4] = 1;
    h.resp_len = RPC_MAX_LEN + 1;
    rpc_hdr_pack(&h, wire);
    assert_int_equal(rpc_hdr_unpack(wire, sizeof(wire), &g), RPC_E_LEN);
    h.resp_len = 0;
    h.reserved = 9;
    rpc_hdr_pack(&h, wire);
    assert_int_equal(rpc_hdr_unpack(wire, sizeof(wire), &g), RPC_E_RESERVED);
    assert_string_equal(rpc_err_name(RPC_E_MAGIC), "bad magic");
}

/* The verifier must give the same verdict whatever the split and order of the pieces. */
static void test_verifier_pieces(void **state)
{
    (void)state;
    enum { N = 5000 };
    static uint8_t buf[N];
    rpc_payload_fill(999, RPC_DIR_REQUEST, 0, buf, N);
    buf[17] ^= 0x55;
    buf[4000] ^= 0x01;
    struct rpc_verifier v;
    rpc_verify_init(&v, 999, RPC_DIR_REQUEST, N);
    size_t off = 0, step = 1;
    while (off < N) {
        size_t n = (N - off < step) ? N - off : step;
        rpc_verify_feed(&v, buf + off, n);
        off += n;
        step = step * 3 + 1; /* 1, 4, 13, 40 ... odd sizes cross block boundaries */
    }
    assert_true(rpc_verify_done(&v));
    assert_false(rpc_verify_ok(&v));
    assert_int_equal(v.bad, 2);
    assert_int_equal(v.first_bad, 17);

    /* Out of order: second half first, then the first half in 7-byte pieces. */
    rpc_verify_init(&v, 999, RPC_DIR_REQUEST, N);
    rpc_verify_at(&v, 2500, buf + 2500, N - 2500);
    assert_int_equal(v.first_bad, 4000);
    for (size_t o = 0; o < 2500; o += 7)
        rpc_verify_at(&v, o, buf + o, (2500 - o < 7) ? 2500 - o : 7);
    assert_true(rpc_verify_done(&v));
    assert_int_equal(v.bad, 2);
    assert_int_equal(v.first_bad, 17);

    /* Excess bytes beyond the length are counted, not checked against the pattern. */
    rpc_payload_fill(3, RPC_DIR_RESPONSE, 0, buf, 20);
    rpc_verify_init(&v, 3, RPC_DIR_RESPONSE, 16);
    rpc_verify_feed(&v, buf, 20);
    assert_true(rpc_verify_done(&v));
    assert_int_equal(v.bad, 0);
    assert_int_equal(v.excess, 4);
    assert_false(rpc_verify_ok(&v));

    /* A zero-length payload is done at once. */
    rpc_verify_init(&v, 3, RPC_DIR_RESPONSE, 0);
    assert_true(rpc_verify_ok(&v));
}

/* A zero-filled buffer must not pass for any id (the +1 in the seed, §3). */
static void test_zero_buffer_fails(void **state)
{
    (void)state;
    uint8_t zero[64] = {0};
    for (uint64_t id = 0; id < 64; id++)
        assert_true(rpc_payload_check(id, RPC_DIR_REQUEST, 0, zero, sizeof(zero)) > 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payload_vectors),  cmocka_unit_test(test_fill_unaligned),
        cmocka_unit_test(test_header_roundtrip), cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_verifier_pieces),  cmocka_unit_test(test_zero_buffer_fails),
    };
    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}

/* test_keys.c: token, IDSN, MP_JOIN and ADD_ADDR HMACs (reference-note vectors), DSS checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "../../../kernel/net/mptcp/mptcp_keys.h"

#define KEY_A 0x0102030405060708ull
#define KEY_B 0x1112131415161718ull
#define R_A   0x01020304u
#define R_B   0x05060708u

static void token_and_idsn(void **s)
{
    (void)s;
    assert_int_equal(mptcp_key_token(KEY_A), 0x66840dda);
    assert_true(mptcp_key_idsn(KEY_A) == 0xf5a101d3d29d6f72ull);
    assert_int_equal(mptcp_key_token(KEY_B), 0xccad45ac);
    assert_true(mptcp_key_idsn(KEY_B) == 0x535beea38e087c8eull);
}

static void join_synack_hmac(void **s)
{
    (void)s;
    assert_true(mptcp_join_synack_hmac(KEY_B, KEY_A, R_B, R_A) == 0x65ee096833f661d9ull);
    /* argument order matters: swapping keys gives another value */
    assert_false(mptcp_join_synack_hmac(KEY_A, KEY_B, R_B, R_A) == 0x65ee096833f661d9ull);
}

static void join_ack_hmac(void **s)
{
    (void)s;
    static const uint8_t want[20] = {0x24, 0xbd, 0xde, 0x08, 0xdf, 0xc5, 0x5c, 0x9b, 0x41, 0x85,
                                     0xe1, 0xb5, 0x6b, 0x2f, 0x89, 0xdb, 0x24, 0x1a, 0xc0, 0xf2};
    uint8_t got[20];
    mptcp_join_ack_hmac(KEY_A, KEY_B, R_A, R_B, got);
    assert_memory_equal(got, want, 20);
}

static void add_addr_hmac(void **s)
{
    (void)s;
    static const uint8_t a[4] = {10, 0, 1, 2};
    assert_true(mptcp_add_addr_hmac(KEY_B, KEY_A, 1, a, 4, 0) == 0xf8c5d88d003204bbull);
    assert_false(mptcp_add_addr_hmac(KEY_B, KEY_A, 1, a, 4, 8080) == 0xf8c5d88d003204bbull);
    assert_false(mptcp_add_addr_hmac(KEY_B, KEY_A, 2, a, 4, 0) == 0xf8c5d88d003204bbull);
}

/* RFC 1071 one's-complement sum, written independently (plain loop over a flat buffer). */
static uint16_t ref_csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i < n; i += 2)
        s += (uint32_t)(p[i] << 8) | (i + 1 < n ? p[i + 1] : 0);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void dss_checksum_matches_reference_and_verifies(void **s)
{
    (void)s;
    uint8_t flat[16 + 301];
    uint8_t *data = flat + 16;
    for (int i = 0; i < 301; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    uint64_t dsn = 0x0123456789abcdefull;
    uint32_t ssn = 0x11223344;
    uint16_t len = 301;
    /* pseudo-header first (RFC 8684 3.3.1 Figure 10), checksum field zero */
    const uint8_t ph[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                            0x11, 0x22, 0x33, 0x44, 0x01, 0x2d, 0,    0};
    memcpy(flat, ph, 16);
    uint16_t want = ref_csum(flat, sizeof(flat));
    /* data summed in odd-sized pieces, as segments of one mapping would arrive */
    struct mptcp_csum c;
    mptcp_csum_init(&c);
    mptcp_csum_add(&c, data, 7);
    mptcp_csum_add(&c, data + 7, 100);
    mptcp_csum_add(&c, data + 107, 1);
    mptcp_csum_add(&c, data + 108, 193);
    uint16_t got = mptcp_dss_csum(&c, dsn, ssn, len, 0);
    assert_int_equal(got, want);
    /* the receiver's check: including the transmitted value yields zero */
    assert_int_equal(mptcp_dss_csum(&c, dsn, ssn, len, got), 0);
    assert_int_not_equal(mptcp_dss_csum(&c, dsn + 1, ssn, len, got), 0);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(token_and_idsn),
        cmocka_unit_test(join_synack_hmac),
        cmocka_unit_test(join_ack_hmac),
        cmocka_unit_test(add_addr_hmac),
        cmocka_unit_test(dss_checksum_matches_reference_and_verifies),
    };
    return cmocka_run_group_tests_name("keys", t, NULL, NULL);
}

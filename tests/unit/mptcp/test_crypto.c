/* test_crypto.c: SHA-256 against FIPS 180-4 examples, HMAC-SHA256 against RFC 4231, ct compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "../../../kernel/lib/crypto/sha256.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_sha(const void *msg, size_t len, const char *want)
{
    uint8_t d[32];
    char h[65];
    sha256(msg, len, d);
    hex(d, 32, h);
    assert_string_equal(h, want);
}

/* FIPS 180-4 / NIST CSRC "SHA256.pdf" examples: one block, two blocks. */
static void sha256_fips_abc(void **s)
{
    (void)s;
    check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void sha256_empty(void **s)
{
    (void)s;
    check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void sha256_fips_448bit(void **s)
{
    (void)s;
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_sha(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void sha256_fips_896bit(void **s)
{
    (void)s;
    const char *m =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
        "klmnopqrlmnopqrsmnopqrstnopqrstu";
    check_sha(m, strlen(m), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a', fed in uneven chunks to exercise the partial-block path. */
static void sha256_million_a(void **s)
{
    (void)s;
    static uint8_t buf[1000];
    struct sha256_ctx c;
    uint8_t d[32];
    char h[65];
    memset(buf, 'a', sizeof(buf));
    sha256_init(&c);
    size_t left = 1000000, step = 1;
    while (left) {
        size_t n = step < left ? step : left;
        sha256_update(&c, buf, n);
        left -= n;
        step = step % 983 + 13; /* stays below sizeof(buf) */
    }
    sha256_final(&c, d);
    hex(d, 32, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Padding boundaries: 55, 56, 63, 64, 65 bytes must equal the one-shot digest byte by byte. */
static void sha256_split_equals_oneshot(void **s)
{
    (void)s;
    uint8_t msg[200];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    for (size_t len = 50; len < sizeof(msg); len++) {
        uint8_t a[32], b[32];
        sha256(msg, len, a);
        struct sha256_ctx c;
        sha256_init(&c);
        for (size_t i = 0; i < len; i++)
            sha256_update(&c, msg + i, 1);
        sha256_final(&c, b);
        assert_memory_equal(a, b, 32);
    }
}

static void check_hmac(const void *key, size_t klen, const void *msg, size_t mlen, const char *want)
{
    uint8_t d[32];
    char h[65];
    hmac_sha256(key, klen, msg, mlen, d);
    hex(d, 32, h);
    h[strlen(want)] = 0; /* RFC 4231 case 5 compares a 128-bit truncation */
    assert_string_equal(h, want);
}

static void hmac_rfc4231(void **s)
{
    (void)s;
    uint8_t k[131], m[50];
    memset(k, 0x0b, 20);
    check_hmac(k, 20, "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"); /* 4.2 */
    check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"); /* 4.3 */
    memset(k, 0xaa, 20);
    memset(m, 0xdd, 50);
    check_hmac(k, 20, m, 50,
               "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"); /* 4.4 */
    for (int i = 0; i < 25; i++)
        k[i] = (uint8_t)(i + 1);
    memset(m, 0xcd, 50);
    check_hmac(k, 25, m, 50,
               "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"); /* 4.5 */
    memset(k, 0x0c, 20);
    check_hmac(k, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b"); /* 4.6 */
    memset(k, 0xaa, 131);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    check_hmac(k, 131, m6, strlen(m6),
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"); /* 4.7 */
    const char *m7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the HMAC "
                     "algorithm.";
    check_hmac(k, 131, m7, strlen(m7),
               "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"); /* 4.8 */
}

/* Linux net/mptcp/crypto_test.c vectors: 16-byte key = two 64-bit keys, 8-byte message, both
 * given there as ASCII text. */
static void hmac_linux_mptcp_vectors(void **s)
{
    (void)s;
    check_hmac("0b0b0b0b0b0b0b0b", 16, "48692054", 8,
               "8385e24fb4235ac37556b6b886db106284a1da671699f46db1f235ec622dcafa");
    check_hmac("aaaaaaaaaaaaaaaa", 16, "dddddddd", 8,
               "2c5e219164ff1dca1c4a92318d847bb6b9d44492984e1eb71aff9022f71046e9");
    check_hmac("0102030405060708", 16, "cdcdcdcd", 8,
               "e73b9ba9969969cefb04aa0d6df18ec2fcc075b6f23b4d8c4da736a5dbbc6e7d");
}

static void ct_equal_detects_every_position(void **s)
{
    (void)s;
    uint8_t a[20], b[20];
    memset(a, 0x5a, sizeof(a));
    memcpy(b, a, sizeof(b));
    assert_true(crypto_ct_equal(a, b, 20));
    for (int i = 0; i < 20; i++) {
        b[i] ^= 0x01;
        assert_false(crypto_ct_equal(a, b, 20));
        b[i] ^= 0x01;
    }
    assert_true(crypto_ct_equal(a, b, 0));
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(sha256_fips_abc),
        cmocka_unit_test(sha256_empty),
        cmocka_unit_test(sha256_fips_448bit),
        cmocka_unit_test(sha256_fips_896bit),
        cmocka_unit_test(sha256_million_a),
        cmocka_unit_test(sha256_split_equals_oneshot),
        cmocka_unit_test(hmac_rfc4231),
        cmocka_unit_test(hmac_linux_mptcp_vectors),
        cmocka_unit_test(ct_equal_detects_every_position),
    };
    return cmocka_run_group_tests_name("crypto", t, NULL, NULL);
}

/* mptcp_keys.c: MPTCP v1 derivations (RFC 8684 3.1, 3.2, 3.3.1, 3.4.1) on top of SHA-256. */
#include "mptcp_keys.h"
#include "mptcp_wire.h"
#include "../../lib/crypto/sha256.h"

uint32_t mptcp_key_token(uint64_t key)
{
    uint8_t k[8], d[SHA256_DIGEST_LEN];
    put_be64(k, key);
    sha256(k, sizeof(k), d);
    return get_be32(d);
}

uint64_t mptcp_key_idsn(uint64_t key)
{
    uint8_t k[8], d[SHA256_DIGEST_LEN];
    put_be64(k, key);
    sha256(k, sizeof(k), d);
    return get_be64(d + SHA256_DIGEST_LEN - 8);
}

/* HMAC keyed by K1 || K2 (16 bytes, RFC 8684 3.2) over msg. */
static void hmac_keys(uint64_t k1, uint64_t k2, const uint8_t *msg, size_t len,
                      uint8_t out[SHA256_DIGEST_LEN])
{
    uint8_t key[16];
    put_be64(key, k1);
    put_be64(key + 8, k2);
    hmac_sha256(key, sizeof(key), msg, len, out);
}

uint64_t mptcp_join_synack_hmac(uint64_t key_b, uint64_t key_a, uint32_t r_b, uint32_t r_a)
{
    uint8_t msg[8], d[SHA256_DIGEST_LEN];
    put_be32(msg, r_b);
    put_be32(msg + 4, r_a);
    hmac_keys(key_b, key_a, msg, sizeof(msg), d);
    return get_be64(d);
}

void mptcp_join_ack_hmac(uint64_t key_a, uint64_t key_b, uint32_t r_a, uint32_t r_b,
                         uint8_t out[20])
{
    uint8_t msg[8], d[SHA256_DIGEST_LEN];
    put_be32(msg, r_a);
    put_be32(msg + 4, r_b);
    hmac_keys(key_a, key_b, msg, sizeof(msg), d);
    memcpy(out, d, 20);
}

uint64_t mptcp_add_addr_hmac(uint64_t key_sender, uint64_t key_receiver, uint8_t addr_id,
                             const uint8_t *addr, size_t addr_len, uint16_t port)
{
    uint8_t msg[1 + 16 + 2], d[SHA256_DIGEST_LEN];
    ASSERT(addr_len == 4 || addr_len == 16, "ADD_ADDR address must be IPv4 or IPv6");
    msg[0] = addr_id;
    memcpy(msg + 1, addr, addr_len);
    put_be16(msg + 1 + addr_len, port);
    hmac_keys(key_sender, key_receiver, msg, 1 + addr_len + 2, d);
    return get_be64(d + SHA256_DIGEST_LEN - 8);
}

void mptcp_csum_init(struct mptcp_csum *c)
{
    c->sum = 0;
    c->odd = false;
}

static uint32_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return s;
}

void mptcp_csum_add(struct mptcp_csum *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t s = c->sum;
    size_t i = 0;
    if (c->odd && len) {
        s += p[0]; /* completes the word whose high byte came last time */
        i = 1;
        c->odd = false;
    }
    for (; i + 1 < len; i += 2)
        s = fold(s + (uint32_t)(p[i] << 8 | p[i + 1]));
    if (i < len) {
        s += (uint32_t)p[i] << 8;
        c->odd = true;
    }
    c->sum = fold(s);
}

uint16_t mptcp_dss_csum(const struct mptcp_csum *data, uint64_t dsn, uint32_t ssn,
                        uint16_t data_len, uint16_t csum_field)
{
    uint8_t ph[16];
    struct mptcp_csum c = {.sum = data->sum, .odd = false};
    put_be64(ph, dsn);
    put_be32(ph + 8, ssn);
    put_be16(ph + 12, data_len);
    put_be16(ph + 14, csum_field);
    /* The pseudo-header is 16 bytes (even), so where it goes in the sum does not matter. */
    mptcp_csum_add(&c, ph, sizeof(ph));
    return (uint16_t)~c.sum;
}

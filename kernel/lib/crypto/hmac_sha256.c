/* hmac_sha256.c: HMAC-SHA256 (RFC 2104, test vectors in RFC 4231) and a constant-time compare. */
#include "sha256.h"

/* RFC 2104 section 2: ipad = 0x36 and opad = 0x5C repeated B (= 64) times. */
#define HMAC_IPAD 0x36
#define HMAC_OPAD 0x5c

void hmac_sha256_init(struct hmac_sha256_ctx *c, const void *key, size_t key_len)
{
    uint8_t k[SHA256_BLOCK_LEN];
    uint8_t pad[SHA256_BLOCK_LEN];
    memset(k, 0, sizeof(k));
    if (key_len > SHA256_BLOCK_LEN)
        sha256(key, key_len, k); /* RFC 2104: keys longer than B are hashed first */
    else if (key_len)
        memcpy(k, key, key_len);
    for (size_t i = 0; i < SHA256_BLOCK_LEN; i++)
        pad[i] = k[i] ^ HMAC_IPAD;
    sha256_init(&c->inner);
    sha256_update(&c->inner, pad, sizeof(pad));
    for (size_t i = 0; i < SHA256_BLOCK_LEN; i++)
        pad[i] = k[i] ^ HMAC_OPAD;
    sha256_init(&c->outer);
    sha256_update(&c->outer, pad, sizeof(pad));
    memset(k, 0, sizeof(k));
    memset(pad, 0, sizeof(pad));
}

void hmac_sha256_update(struct hmac_sha256_ctx *c, const void *data, size_t len)
{
    sha256_update(&c->inner, data, len);
}

void hmac_sha256_final(struct hmac_sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN])
{
    uint8_t ih[SHA256_DIGEST_LEN];
    sha256_final(&c->inner, ih);
    sha256_update(&c->outer, ih, sizeof(ih));
    sha256_final(&c->outer, out);
    memset(ih, 0, sizeof(ih));
}

void hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                 uint8_t out[SHA256_DIGEST_LEN])
{
    struct hmac_sha256_ctx c;
    hmac_sha256_init(&c, key, key_len);
    hmac_sha256_update(&c, msg, msg_len);
    hmac_sha256_final(&c, out);
}

int crypto_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (uint8_t)(x[i] ^ y[i]);
    return diff == 0;
}

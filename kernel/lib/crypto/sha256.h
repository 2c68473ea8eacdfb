/* sha256.h: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), freestanding, no allocation. */
#ifndef NETSYNC_SHA256_H
#define NETSYNC_SHA256_H

#include "../klib.h"

/* FIPS 180-4 section 1: SHA-256 digest is 256 bits, message block 512 bits. */
#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN  64

struct sha256_ctx {
    uint32_t h[8];                 /* FIPS 180-4 5.3.3 hash value H(i) */
    uint64_t total;                /* bytes hashed so far (for the length field, 5.1.1) */
    uint8_t buf[SHA256_BLOCK_LEN]; /* partial block not yet compressed */
    size_t used;                   /* bytes valid in buf */
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);

/* HMAC (RFC 2104) over SHA-256; keys longer than the block are hashed first (RFC 2104 section 2).
 */
struct hmac_sha256_ctx {
    struct sha256_ctx inner;
    struct sha256_ctx outer;
};

void hmac_sha256_init(struct hmac_sha256_ctx *c, const void *key, size_t key_len);
void hmac_sha256_update(struct hmac_sha256_ctx *c, const void *data, size_t len);
void hmac_sha256_final(struct hmac_sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);
void hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                 uint8_t out[SHA256_DIGEST_LEN]);

/* Compares n bytes in time independent of where they differ (no early exit): 1 if equal. */
int crypto_ct_equal(const void *a, const void *b, size_t n);

#endif

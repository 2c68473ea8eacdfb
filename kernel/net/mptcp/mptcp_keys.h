/* mptcp_keys.h: MPTCP v1 key material: token, IDSN, MP_JOIN and ADD_ADDR HMACs, DSS checksum. */
#ifndef NETSYNC_MPTCP_KEYS_H
#define NETSYNC_MPTCP_KEYS_H

#include "../../lib/klib.h"

/* RFC 8684 3.2: token = most significant 32 bits of SHA-256(key) (key as 8 big-endian bytes). */
uint32_t mptcp_key_token(uint64_t key);
/* RFC 8684 3.1: IDSN = least significant 64 bits of SHA-256(key). */
uint64_t mptcp_key_idsn(uint64_t key);

/* RFC 8684 3.2: SYN/ACK of MP_JOIN carries the leftmost 64 bits of
 * HMAC-SHA256(Key-B || Key-A, R-B || R-A), B being the responder (this side, the server). */
uint64_t mptcp_join_synack_hmac(uint64_t key_b, uint64_t key_a, uint32_t r_b, uint32_t r_a);
/* RFC 8684 3.2: third ACK carries the leftmost 160 bits of HMAC(Key-A || Key-B, R-A || R-B). */
void mptcp_join_ack_hmac(uint64_t key_a, uint64_t key_b, uint32_t r_a, uint32_t r_b,
                         uint8_t out[20]);
/* RFC 8684 3.4.1: ADD_ADDR HMAC = rightmost 64 bits of HMAC(Key of sender || Key of receiver,
 * Address ID || IP address || Port), port 2 bytes, zero when no port is sent. */
uint64_t mptcp_add_addr_hmac(uint64_t key_sender, uint64_t key_receiver, uint8_t addr_id,
                             const uint8_t *addr, size_t addr_len, uint16_t port);

/* RFC 8684 3.3.1 / RFC 1071: one's-complement sum state that can span several segments. */
struct mptcp_csum {
    uint32_t sum; /* folded 16-bit partial sum, big-endian words */
    bool odd;     /* an odd number of bytes has been summed: the next byte is a low byte */
};
void mptcp_csum_init(struct mptcp_csum *c);
void mptcp_csum_add(struct mptcp_csum *c, const void *data, size_t len);
/* Finishes the DSS checksum: pseudo-header DSN(64) || SSN(32) || data-level length(16) ||
 * zero checksum(16), added to the data sum, complemented (RFC 8684 3.3.1 Figure 10). A receiver
 * that sums the data and calls this with the received value included gets 0 when it is valid. */
uint16_t mptcp_dss_csum(const struct mptcp_csum *data, uint64_t dsn, uint32_t ssn,
                        uint16_t data_len, uint16_t csum_field);

#endif

/* rpc_proto.h: the NetSync request protocol (docs/protocol.md): header codec and payload pattern.
 */
#ifndef NETSYNC_RPC_PROTO_H
#define NETSYNC_RPC_PROTO_H

/*
 * Shared by hostgen, its reference responder, the guest's rpcd and the tap-hosted stack, so it
 * uses only klib.h and the compiler's freestanding headers: no libc, no allocation, no 64-bit
 * division (the i686 guest has no libgcc division helpers linked in every build).
 */
#include "../klib.h"

/* docs/protocol.md §2: "NSRP" read as a big-endian u32. */
#define RPC_MAGIC 0x4E535250u
/* docs/protocol.md §2: version 1 is the only one defined. */
#define RPC_VERSION 1u
/* docs/protocol.md §2: fixed header size in bytes. */
#define RPC_HDR_LEN 32u
/* docs/protocol.md §6: largest request or response payload a peer must accept (16 MiB). */
#define RPC_MAX_LEN (16u * 1024u * 1024u)
/* docs/protocol.md §6: default TCP/MPTCP port of the responder. */
#define RPC_DEFAULT_PORT 7100u

/* docs/protocol.md §2 flags: set by the server in every response, never in a request. */
#define RPC_F_RESPONSE 0x01u
/* docs/protocol.md §2 flags: the client asks the server to close after this response. */
#define RPC_F_CLOSE 0x02u
/* docs/protocol.md §2: bits a version-1 peer knows; any other bit is an error. */
#define RPC_F_KNOWN (RPC_F_RESPONSE | RPC_F_CLOSE)

/* docs/protocol.md §4 status byte of a response. */
enum rpc_status {
    RPC_ST_OK = 0,          /* request payload verified, response follows */
    RPC_ST_BAD_PAYLOAD = 1, /* request payload differed from the pattern; response still follows */
    RPC_ST_BAD_FLAGS = 2,   /* unknown flag bits in the request; response still follows */
};

/* Payload direction: the two byte streams of one id differ (docs/protocol.md §3). */
enum rpc_dir {
    RPC_DIR_REQUEST = 0,
    RPC_DIR_RESPONSE = 1,
};

/* Results of rpc_hdr_unpack; negative values are errors that break framing (§5). */
enum rpc_err {
    RPC_OK = 0,
    RPC_E_SHORT = -1,   /* fewer than RPC_HDR_LEN bytes given */
    RPC_E_MAGIC = -2,   /* magic is not RPC_MAGIC */
    RPC_E_VERSION = -3, /* version is not RPC_VERSION */
    RPC_E_LEN = -4,     /* req_len or resp_len above RPC_MAX_LEN */
    RPC_E_RESERVED = -5 /* reserved byte not zero */
};

/* The header in host byte order; on the wire every field is big-endian (§2). */
struct rpc_hdr {
    uint32_t magic;
    uint8_t version;
    uint8_t flags;
    uint8_t status;
    uint8_t reserved;
    uint64_t id;
    uint32_t req_len;
    uint32_t resp_len;
    uint64_t send_ns;
};

/* Fills a request header with magic, version and zero status/reserved. */
void rpc_hdr_init(struct rpc_hdr *h, uint64_t id, uint32_t req_len, uint32_t resp_len,
                  uint64_t send_ns, uint8_t flags);
/* Writes h as RPC_HDR_LEN wire bytes. */
void rpc_hdr_pack(const struct rpc_hdr *h, uint8_t out[RPC_HDR_LEN]);
/* Parses len bytes into h (always filled as far as len allows); returns RPC_OK or an rpc_err. */
int rpc_hdr_unpack(const uint8_t *in, size_t len, struct rpc_hdr *h);
/* Human name of an rpc_err or rpc_status value, for logs. */
const char *rpc_err_name(int err);

/* The payload byte at offset off of the stream (id, dir): the pure function of §3. */
uint8_t rpc_payload_byte(uint64_t id, enum rpc_dir dir, uint64_t off);
/* Writes n pattern bytes of stream (id, dir) starting at offset off into buf. */
void rpc_payload_fill(uint64_t id, enum rpc_dir dir, uint64_t off, uint8_t *buf, size_t n);
/* Counts the bytes of buf that differ from the pattern at offsets off..off+n-1. */
uint64_t rpc_payload_check(uint64_t id, enum rpc_dir dir, uint64_t off, const uint8_t *buf,
                           size_t n);

/*
 * Incremental verifier for one payload of known length: bytes may arrive in pieces, in order
 * (rpc_verify_feed) or at any offset (rpc_verify_at, e.g. out-of-order segments). Every byte
 * is counted once as good or bad; bytes beyond the length are counted as excess.
 */
struct rpc_verifier {
    uint64_t id;
    enum rpc_dir dir;
    uint64_t len;       /* expected payload length */
    uint64_t next;      /* next in-order offset for rpc_verify_feed */
    uint64_t seen;      /* bytes checked so far (in range) */
    uint64_t bad;       /* bytes that differed */
    uint64_t excess;    /* bytes offered beyond len */
    uint64_t first_bad; /* offset of the first differing byte, or UINT64_MAX */
};

void rpc_verify_init(struct rpc_verifier *v, uint64_t id, enum rpc_dir dir, uint64_t len);
/* Checks the next n in-order bytes; returns how many of them differed. */
uint64_t rpc_verify_feed(struct rpc_verifier *v, const uint8_t *buf, size_t n);
/* Checks n bytes placed at offset off (the caller guarantees each offset is given once). */
uint64_t rpc_verify_at(struct rpc_verifier *v, uint64_t off, const uint8_t *buf, size_t n);
/* True once len in-range bytes were checked. */
bool rpc_verify_done(const struct rpc_verifier *v);
/* True when done and no byte differed or overflowed. */
bool rpc_verify_ok(const struct rpc_verifier *v);

#endif

/* rpcd_session.h: one rpcd connection's protocol state machine (docs/protocol.md §4), free of I/O
 * so the guest, host unit tests and a fuzzer run the same code. */
#ifndef NETSYNC_RPCD_SESSION_H
#define NETSYNC_RPCD_SESSION_H
#include "lib/klib.h"
#include "lib/proto/rpc_proto.h"

/* Counters several sessions may share (rpcd's totals). */
struct rpcd_counters {
    uint64_t requests;       /* responses completely produced */
    uint64_t bad_bytes;      /* request payload bytes that differed from the pattern */
    uint64_t bad_requests;   /* requests answered with status BAD_PAYLOAD or BAD_FLAGS */
    uint64_t framing_errors; /* headers that did not parse: the connection must be reset */
    uint64_t resp_bytes;     /* response payload bytes produced */
};

enum rpcd_phase {
    RPCD_HDR,
    RPCD_PAYLOAD,
    RPCD_RESP_HDR,
    RPCD_RESP_PAYLOAD,
    RPCD_CLOSING,
    RPCD_BROKEN
};

struct rpcd_session {
    enum rpcd_phase ph;
    uint8_t in[RPC_HDR_LEN];
    uint32_t in_got;
    struct rpc_hdr req;
    struct rpc_verifier v;
    uint8_t out[RPC_HDR_LEN];
    uint32_t out_sent;
    uint64_t resp_off;
    int error;            /* the rpc_err that broke framing (RPCD_BROKEN) */
    uint64_t last_bad_id; /* id of the last request with bad payload bytes (for the log) */
    struct rpcd_counters *cnt;
};

void rpcd_session_init(struct rpcd_session *s, struct rpcd_counters *cnt);
/* Bytes the session will take now: 0 while a response is pending, closing or broken. */
size_t rpcd_session_want(const struct rpcd_session *s);
/* Consumes up to n request bytes (never more than rpcd_session_want); returns how many. */
size_t rpcd_session_input(struct rpcd_session *s, const uint8_t *p, size_t n);
/* Copies up to n pending response bytes into buf without consuming them; returns how many. */
size_t rpcd_session_peek(const struct rpcd_session *s, uint8_t *buf, size_t n);
/* Marks k of the peeked bytes as sent (k <= what peek returned). */
void rpcd_session_advance(struct rpcd_session *s, size_t k);

#endif

/* rpc_svc.h: the request server of docs/protocol.md over the stack's socket API (tap process). */
#ifndef NETSYNC_NET_PORT_RPC_SVC_H
#define NETSYNC_NET_PORT_RPC_SVC_H

#include "../tcp_mptcp.h"

struct rpc_svc_counts {
    uint64_t connections, requests, ok, bad_payload, bad_flags;
    uint64_t mismatched_bytes; /* request payload bytes that differed from the pattern */
    uint64_t framing_errors;   /* headers that broke framing: connection reset (§4.1) */
    uint64_t truncated;        /* connections that ended inside a request */
    uint64_t no_memory;        /* connections refused for lack of state */
};

/* Listens on port (docs/protocol.md §6 default 7100); returns 0 or an NS_E* code. */
/* mp: accept MPTCP connections through it (NULL: plain TCP only). */
int rpc_svc_start(struct ns_stack *st, struct ns_mp *mp, uint16_t port, int backlog);
void rpc_svc_get_counts(struct rpc_svc_counts *c);

#endif

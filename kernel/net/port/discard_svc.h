/* discard_svc.h: RFC 863 discard over the stack's socket API (goodput sink for benchmarks). */
#ifndef NETSYNC_NET_PORT_DISCARD_SVC_H
#define NETSYNC_NET_PORT_DISCARD_SVC_H

#include "../tcp_mptcp.h"

/* Listens on port (9 = RFC 863) on every address; returns 0 or an NS_E* code. */
int discard_svc_start(struct ns_stack *st, struct ns_mp *mp, uint16_t port, int backlog);
uint64_t discard_svc_bytes(void);

#endif

/* echo_svc.h: RFC 862 echo over the stack's socket API, for the tap-hosted process. */
#ifndef NETSYNC_NET_PORT_ECHO_SVC_H
#define NETSYNC_NET_PORT_ECHO_SVC_H

#include "../tcp_mptcp.h"

/* Listens on port (7 = RFC 862) on every address, accepting MPTCP through mp (NULL: plain TCP
 * only); returns 0 or an NS_E* code. */
int echo_svc_start(struct ns_stack *st, struct ns_mp *mp, uint16_t port, int backlog);
/* Connections served and bytes echoed so far. */
void echo_svc_counts(uint64_t *conns, uint64_t *bytes);

#endif

/* tcp_mptcp.h: MPTCP v1 (RFC 8684) server sockets on top of the TCP stack's extension hooks. */
#ifndef NETSYNC_NET_TCP_MPTCP_H
#define NETSYNC_NET_TCP_MPTCP_H

#include "tcp.h"
#include "mptcp/mptcp.h"
#include "mptcp/mptcp_sched.h"

/*
 * A service uses these calls instead of the ns_tcp_* ones on an MPTCP listener. The handle the
 * service holds is the connection's initial subflow (what ns_mp_accept returns); joined subflows
 * (MP_JOIN, RFC 8684 3.2) never reach the service: ns_mp_accept takes them off the queue and the
 * connection's events from any subflow are reported on the handle. A client that does not speak
 * MPTCP gets plain TCP and the same calls pass straight through (RFC 8684 3.7).
 */
struct ns_mp; /* per stack: token table, addresses we announce */

/* Allocates the MPTCP state for a stack (NULL when out of memory). */
struct ns_mp *ns_mp_create(struct ns_stack *st);
void ns_mp_destroy(struct ns_mp *mp);
/* Makes a listener accept MP_CAPABLE and MP_JOIN (on any local address). */
void ns_mp_attach(struct ns_mp *mp, struct tcp_pcb *listener);
/* A service listener on 0.0.0.0:port (so MP_JOINs to any local address reach it), MPTCP when mp
 * is not NULL, with its accept callback set. NULL and *err (NS_E*) on failure. */
struct tcp_pcb *ns_mp_listen(struct ns_stack *st, struct ns_mp *mp, uint16_t port, int backlog,
                             ns_tcp_cb on_accept, void *arg, int *err);
/* Runs the MPTCP timers (ADD_ADDR retransmission); call at least every 100 ms. */
void ns_mp_poll(struct ns_mp *mp);

struct tcp_pcb *ns_mp_accept(struct tcp_pcb *listener);
void ns_mp_set_callback(struct tcp_pcb *s, ns_tcp_cb cb, void *arg);
long ns_mp_recv(struct tcp_pcb *s, void *buf, size_t len);
long ns_mp_send(struct tcp_pcb *s, const void *buf, size_t len);
size_t ns_mp_send_space(const struct tcp_pcb *s);
int ns_mp_error(const struct tcp_pcb *s);
/* In-order bytes the service can read now (data level for MPTCP, the socket for plain TCP). */
size_t ns_mp_readable(const struct tcp_pcb *s);
void ns_mp_close(struct tcp_pcb *s);
/* Resets the connection: MP_FASTCLOSE (RFC 8684 3.5) on RSTs of every subflow. */
void ns_mp_abort(struct tcp_pcb *s);

/* The connection behind a handle (NULL for plain TCP), for metrics (mptcp_metrics_read). */
const struct mptcp_conn *ns_mp_conn(const struct tcp_pcb *s);
/* Counters: connections that spoke MPTCP, joins accepted, plain TCP, fallbacks, subflow resets. */
struct ns_mp_stats {
    uint64_t capable, joins, plain, fallbacks, sf_resets, join_refused, announced;
    uint64_t reinjected; /* bytes sent again at data level (RFC 8684 3.3.6) */
    uint64_t fastclosed; /* connections the peer closed with MP_FASTCLOSE (3.5), on an ACK or RST */
    /* fallbacks by cause (enum mptcp_fallback_why): handshake without MP_CAPABLE, data without
     * a mapping, checksum failure */
    uint64_t fb_no_mpc_ack, fb_no_mapping, fb_csum;
};
void ns_mp_get_stats(const struct ns_mp *mp, struct ns_mp_stats *out);
/* Which subflow new data goes on (mptcp_sched.h); MPTCP_SCHED_RTT unless set. */
void ns_mp_set_sched(struct ns_mp *mp, enum mptcp_sched_policy policy);

#endif

/* netapi.h: the IPC service API of netd: sockets for service threads, one ipc_call per operation.
 */
#ifndef NETSYNC_NETAPI_H
#define NETSYNC_NETAPI_H
#include "lib/klib.h"
#include "core/ipc.h"
#include "net/tcp.h"

/*
 * A service thread never touches the stack: it sends a request message to netd's endpoint
 * (netapi_ep) with ipc_call and gets one reply. Sockets are small integer handles. Readiness
 * comes back asynchronously: a socket created by LISTEN names the caller's notification and a
 * bit; netd signals it whenever a socket of that owner has new events, and the owner collects
 * them with EVENTS. Data moves through a buffer the caller names in the message (a memory
 * grant: same address space today; a shared window once services move to ring 3).
 */
enum netapi_op {
    NETAPI_LISTEN = 1, /* port, backlog, notify, bit -> handle */
    NETAPI_ACCEPT,     /* listener handle -> connection handle, or NETAPI_EAGAIN */
    NETAPI_RECV,       /* handle, buf, len -> bytes (0 = end of stream), NETAPI_EAGAIN, error */
    NETAPI_SEND,       /* handle, buf, len -> bytes queued (maybe fewer), NETAPI_EAGAIN, error */
    NETAPI_CLOSE,      /* handle -> 0 (FIN after queued data; RST if unread data remains) */
    NETAPI_ABORT,      /* handle -> 0 (RST now) */
    NETAPI_EVENTS,     /* notify -> up to NETAPI_MAX_EVENTS (handle, events) pairs, cleared */
    NETAPI_INFO,       /* handle -> 0 and the connection's ns_tcp_info (RTT, cwnd, options...) */
};

/* Results (negative). Stack errors (NS_ERESET, NS_ETIMEOUT ...) pass through unchanged. */
#define NETAPI_EAGAIN  (-11)
#define NETAPI_EBADH   (-9)  /* no such handle, or not the caller's kind of socket */
#define NETAPI_ENOSLOT (-24) /* handle table full */
#define NETAPI_EINVAL  (-22)

/* Event bits, the stack's NS_EV_* values (net/tcp.h). */
#define NETAPI_EV_IN     0x01u
#define NETAPI_EV_OUT    0x02u
#define NETAPI_EV_ACCEPT 0x04u
#define NETAPI_EV_ERR    0x08u

#define NETAPI_MAX_HANDLES 512
#define NETAPI_MAX_EVENTS  28

struct p2p_rxstamp; /* services/p2p_records.h */

struct netapi_req {
    int32_t handle;
    uint32_t port, backlog, len, bit;
    void *buf;
    struct notification *notify;
    struct p2p_rxstamp *stamp; /* RECV: where netd writes the bytes' stamps (may be NULL) */
};

struct netapi_event {
    int32_t handle;
    uint32_t events;
};

struct netapi_resp {
    int32_t rc;
    uint32_t n_events;
    union {
        struct netapi_event ev[NETAPI_MAX_EVENTS]; /* NETAPI_EVENTS */
        struct ns_tcp_info info;                   /* NETAPI_INFO */
    };
};

/* netd's request endpoint. */
extern struct endpoint netapi_ep;

/* Client wrappers (netapi_client.c): each is one ipc_call. */
int net_listen(uint16_t port, int backlog, struct notification *n, uint32_t bit);
int net_accept(int listener);
long net_recv(int h, void *buf, size_t len);
/* net_recv that also fills *st with the receive stamps of what it returned (p2p records). */
long net_recv_stamped(int h, void *buf, size_t len, struct p2p_rxstamp *st);
long net_send(int h, const void *buf, size_t len);
int net_close(int h);
int net_abort(int h);
/* Connection facts (state, addresses, RTT, cwnd, negotiated options) for metrics and tests. */
int net_info(int h, struct ns_tcp_info *info);
/* Fills ev[] with pending events of sockets owned by n; returns how many. */
int net_events(struct notification *n, struct netapi_event *ev, int max);

#endif

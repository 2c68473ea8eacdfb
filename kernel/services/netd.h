/* netd.h: netd's internals shared by its two threads (bottom halves + stack, and the API server).
 */
#ifndef NETSYNC_NETD_H
#define NETSYNC_NETD_H
#include "lib/klib.h"
#include "core/ipc.h"
#include "core/waitq.h"
#include "drivers/virtio_net.h"
#include "net/net.h"

#define NETD_MAX_NICS 2
/* Notification bits of netd's main thread: bit i = NIC i's interrupt; KICK = re-read deadlines. */
#define NETD_BIT_NIC(i) (1u << (i))
#define NETD_BIT_KICK   (1u << 31)

/* The one stack instance and the lock that serialises every use of it (both netd threads). */
extern struct ns_stack netd_stack;
extern struct mutex netd_lock;
extern struct notification netd_note;
/* MPTCP v1 state of the stack (token table, announced addresses); NULL with mptcp=0. */
struct ns_mp;
extern struct ns_mp *netd_mp;

/* Starts netd (NICs, stack, API thread); returns 0 once it serves, -1 when no NIC came up. */
int netd_start(void);
int netd_nic_count(void);
const struct vnet *netd_nic(int i);
/* With netd_lock held, after an API call changed the stack: run pending callbacks and wake the
   main thread when its sleep would overshoot a new, earlier deadline. */
void netd_after_op(void);
/* With netd_lock held: frames sent until netd_tx_flush share one notify per NIC. */
void netd_tx_batch_begin(void);
void netd_tx_flush(void);

/* The API server thread (netd_api.c) and the counters/shutdown port (netd_stats.c). */
void netd_api_thread(void *arg);
/* Socket handles in use (services' listeners and connections), for leak checks. */
int netd_api_handles_used(void);
/* Calls fn for every connection a service holds (with netd_lock held). */
struct ns_tcp_info;
struct mptcp_conn;
/* mp: the connection's MPTCP state (NULL for plain TCP or a fallen-back client). */
void netd_api_foreach_conn(void (*fn)(int32_t h, const struct ns_tcp_info *info,
                                      const struct mptcp_conn *mp, void *arg),
                           void *arg);
int netd_stats_start(uint16_t port);
/* Writes every counter (per NIC, stack, services) as "name value" lines through out(). */
void netd_stats_write(void (*out)(void *arg, const char *line), void *arg);

/* Service counters published for the stats port (read-only outside their owner). */
struct svc_counters {
    uint64_t echo_conns, echo_bytes;
    uint64_t rpcd_conns, rpcd_requests, rpcd_bad_bytes, rpcd_bad_requests, rpcd_framing_errors;
    uint64_t rpcd_resp_bytes;
    uint64_t discard_conns, discard_bytes;
};
extern struct svc_counters svc_counters;

/* Service thread entry points. */
void echo_thread(void *arg);
void rpcd_thread(void *arg);
void discard_thread(void *arg);

#endif

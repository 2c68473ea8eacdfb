/* stats.h: the stack's per-protocol counters, one X-macro list so names and fields never drift. */
#ifndef NETSYNC_NET_STATS_H
#define NETSYNC_NET_STATS_H

#include "../lib/klib.h"

/* X(field) for every counter; drop_* counters say why a packet went nowhere. */
#define NS_STATS_LIST(X)                                                                           \
    X(eth_rx)                                                                                      \
    X(eth_tx)                                                                                      \
    X(eth_drop_short)                                                                              \
    X(eth_drop_not_for_us)                                                                         \
    X(eth_drop_ethertype)                                                                          \
    X(eth_drop_tx_fail)                                                                            \
    X(arp_rx)                                                                                      \
    X(arp_tx_request)                                                                              \
    X(arp_tx_reply)                                                                                \
    X(arp_tx_gratuitous)                                                                           \
    X(arp_drop_malformed)                                                                          \
    X(arp_drop_not_for_us)                                                                         \
    X(arp_drop_unresolved)                                                                         \
    X(arp_cache_expired)                                                                           \
    X(ip_rx)                                                                                       \
    X(ip_tx)                                                                                       \
    X(ip_drop_short)                                                                               \
    X(ip_drop_version)                                                                             \
    X(ip_drop_hdrlen)                                                                              \
    X(ip_drop_totlen)                                                                              \
    X(ip_drop_checksum)                                                                            \
    X(ip_drop_fragment)                                                                            \
    X(ip_drop_ttl)                                                                                 \
    X(ip_drop_not_for_us)                                                                          \
    X(ip_drop_bad_src)                                                                             \
    X(ip_drop_proto)                                                                               \
    X(ip_drop_no_route)                                                                            \
    X(icmp_rx)                                                                                     \
    X(icmp_echo_reply_tx)                                                                          \
    X(icmp_drop_short)                                                                             \
    X(icmp_drop_checksum)                                                                          \
    X(icmp_drop_type)                                                                              \
    X(tcp_rx)                                                                                      \
    X(tcp_tx)                                                                                      \
    X(tcp_drop_short)                                                                              \
    X(tcp_drop_checksum)                                                                           \
    X(tcp_drop_offset)                                                                             \
    X(tcp_drop_bad_option)                                                                         \
    X(tcp_drop_no_socket)                                                                          \
    X(tcp_drop_backlog)                                                                            \
    X(tcp_drop_no_memory)                                                                          \
    X(tcp_drop_out_of_window)                                                                      \
    X(tcp_drop_bad_ack)                                                                            \
    X(tcp_drop_flags)                                                                              \
    X(tcp_rst_tx)                                                                                  \
    X(tcp_rst_rx)                                                                                  \
    X(tcp_ooo_segments)                                                                            \
    X(tcp_ooo_dropped)                                                                             \
    X(tcp_dup_segments)                                                                            \
    X(tcp_dup_acks)                                                                                \
    X(tcp_retransmits)                                                                             \
    X(tcp_fast_retransmits)                                                                        \
    X(tcp_rto_expired)                                                                             \
    X(tcp_tlp_probes)                                                                              \
    X(tcp_sack_blocks_rx)                                                                          \
    X(tcp_sack_blocks_tx)                                                                          \
    X(tcp_delayed_acks)                                                                            \
    X(tcp_conn_opened)                                                                             \
    X(tcp_conn_closed)                                                                             \
    X(tcp_conn_reset)

struct ns_stats {
#define NS_STATS_FIELD(name) uint64_t name;
    NS_STATS_LIST(NS_STATS_FIELD)
#undef NS_STATS_FIELD
};

/* Walks every counter in a fixed order: fn(name, value, arg). For printing and tests. */
struct ns_stack;
void ns_stats_foreach(const struct ns_stack *st,
                      void (*fn)(const char *name, uint64_t v, void *arg), void *arg);

#endif

/* net.h: the network stack's public interface: stack setup, interfaces, frame input, timers. */
#ifndef NETSYNC_NET_H
#define NETSYNC_NET_H

#include "../lib/klib.h"
#include "port.h"
#include "stats.h"

#define NS_MAX_NETIF 4
#define NS_ARP_SLOTS 32
/* Ethernet II frame without FCS: 14-byte header + 1500-byte payload (IEEE 802.3 / RFC 894). */
#define NS_ETH_HDR     14
#define NS_ETH_MTU     1500
#define NS_ETH_MAX     (NS_ETH_HDR + NS_ETH_MTU)
#define NS_ETH_MIN_PAY 46 /* IEEE 802.3 minimum payload: short frames are padded on output. */

struct ns_netif;
typedef int (*ns_linkout_fn)(struct ns_netif *nif, const uint8_t *frame, size_t len);

/* Per-interface counters, readable by tests and logged at shutdown. */
struct ns_netif_stats {
    uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes, rx_drops, tx_drops;
};

struct ns_netif {
    struct ns_stack *st;
    int index;
    bool up;
    uint8_t mac[6];
    uint32_t ip;   /* host byte order */
    uint32_t mask; /* host byte order */
    ns_linkout_fn linkout;
    void *port_arg; /* the port's own per-NIC data (tap fd, virtio queue ...) */
    struct ns_netif_stats stats;
};

/* One ARP cache slot (RFC 826); a slot may hold one frame waiting for the resolution. */
struct ns_arp_entry {
    uint32_t ip;
    uint8_t mac[6];
    uint8_t state; /* 0 free, 1 pending, 2 resolved */
    uint8_t tries;
    int nif;
    uint64_t expires_ns; /* resolved: entry lifetime; pending: next request */
    uint64_t used_ns;    /* last time a packet went out through this entry */
    uint16_t pending_len;
    uint8_t *pending; /* one queued IPv4 packet (without Ethernet header), port-allocated */
};

/* Tunables; ns_config_default() fills values that follow the cited RFCs. */
struct ns_config {
    uint32_t arp_ttl_ms;   /* resolved entry lifetime */
    uint32_t rto_init_ms;  /* RFC 6298 section 2.1: 1 s */
    uint32_t rto_min_ms;   /* RFC 6298 section 2.4 says 1 s; Linux uses 200 ms (see docs/net.md) */
    uint32_t rto_max_ms;   /* RFC 6298 section 2.5: at least 60 s */
    uint32_t delack_ms;    /* RFC 5681 section 4.2: < 500 ms */
    uint32_t msl_ms;       /* RFC 9293 section 3.4.2: MSL, TIME-WAIT lasts 2 MSL */
    uint32_t sndbuf;       /* bytes per connection */
    uint32_t rcvbuf;       /* bytes per connection; sets the window scale we offer */
    uint32_t max_conns;    /* live TCP control blocks, all states */
    uint32_t syn_retries;  /* SYN-ACK retransmissions before giving up */
    uint32_t data_retries; /* RTO expiries in a row before the connection is reset */
};

struct tcp_pcb;

struct ns_stack {
    struct ns_config cfg;
    struct ns_netif nifs[NS_MAX_NETIF];
    int n_nif;
    struct ns_arp_entry arp[NS_ARP_SLOTS];
    struct ns_stats stats;
    struct tcp_pcb *pcbs; /* every control block, listeners included */
    uint32_t n_pcbs;
    uint16_t ip_id;
    uint16_t next_port;
    bool in_dispatch;
};

void ns_config_default(struct ns_config *cfg);
/* Zeroes st and applies cfg (NULL: defaults). */
void ns_stack_init(struct ns_stack *st, const struct ns_config *cfg);
/* Frees every connection and queued frame. */
void ns_stack_destroy(struct ns_stack *st);

/* Adds an interface; returns it or NULL when full. ip/mask in host byte order. */
struct ns_netif *ns_netif_add(struct ns_stack *st, const uint8_t mac[6], uint32_t ip, uint32_t mask,
                              ns_linkout_fn linkout, void *port_arg);
/* Brings an interface up and announces it with a gratuitous ARP (RFC 5227 section 3). */
void ns_netif_up(struct ns_netif *nif);

/* Hands one received Ethernet frame (no FCS) to the stack. Never fails: bad frames are counted. */
void ns_input(struct ns_netif *nif, const uint8_t *frame, size_t len);

/* Runs expired timers (TCP retransmission, delayed ACK, TIME-WAIT, ARP). Call often. */
void ns_poll(struct ns_stack *st);
/* The earliest time (port clock, ns) at which ns_poll has work; UINT64_MAX when none. */
uint64_t ns_next_deadline(const struct ns_stack *st);

/* Helpers for ports and tests: dotted quad parsing/formatting without libc. */
bool ns_parse_ipv4(const char *s, uint32_t *ip);
void ns_format_ipv4(uint32_t ip, char out[16]);

#endif

/* net_priv.h: internals shared by the stack's own files: byte access, protocol entry points. */
#ifndef NETSYNC_NET_PRIV_H
#define NETSYNC_NET_PRIV_H

#include "net.h"

/* Network byte order (big endian, RFC 1700 "Data Notations") loads and stores. */
static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint64_t ns_now_ms(void)
{
    return ns_port_now_ns() / 1000000u;
}

/* EtherTypes (IEEE 802 numbers registry): IPv4 0x0800 (RFC 894), ARP 0x0806 (RFC 826). */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806

/* IPv4 protocol numbers (IANA protocol-numbers registry). */
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_  6

#define IPV4_HDR_MIN 20 /* RFC 791 section 3.1: IHL minimum 5 words */

/* Internet checksum (RFC 1071): sum of 16-bit words, folded; start with 0 or a pseudo-header sum.
 */
uint32_t ns_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t ns_csum_fold(uint32_t sum);
/* Pseudo-header sum for TCP (RFC 9293 section 3.1, "pseudo-header"). */
uint32_t ns_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/* Frames are built in place: a buffer of NS_ETH_MAX bytes, the transport payload written at
 * NS_L4_OFF, then IPv4 and Ethernet fill their headers in front — no copy per layer. */
#define NS_L4_OFF (NS_ETH_HDR + IPV4_HDR_MIN)
int ns_eth_send_frame(struct ns_netif *nif, const uint8_t dst[6], uint16_t type, uint8_t *frame,
                      size_t len);
int ns_ipv4_send_frame(struct ns_stack *st, uint32_t src, uint32_t dst, uint8_t proto,
                       uint8_t *frame, size_t len);

/* Ethernet output of a separate payload (copies it): prepends the header, pads, counts. */
int ns_eth_output(struct ns_netif *nif, const uint8_t dst[6], uint16_t type, const uint8_t *payload,
                  size_t len);

void ns_arp_input(struct ns_netif *nif, const uint8_t *eth_src, const uint8_t *p, size_t len);
/* Sends the IPv4 packet at frame + NS_ETH_HDR (len bytes) to next hop `nh` on nif, resolving
 * it (queues a copy of one packet while pending). */
int ns_arp_output(struct ns_netif *nif, uint32_t nh, uint8_t *frame, size_t len);
void ns_arp_request(struct ns_netif *nif, uint32_t target);
void ns_arp_poll(struct ns_stack *st, uint64_t now_ns);
uint64_t ns_arp_deadline(const struct ns_stack *st);
void ns_arp_flush(struct ns_stack *st);

void ns_ipv4_input(struct ns_netif *nif, const uint8_t *p, size_t len);
/* Sends payload (already carrying its transport checksum) from src to dst. */
int ns_ipv4_output(struct ns_stack *st, uint32_t src, uint32_t dst, uint8_t proto,
                   const uint8_t *payload, size_t len);
/* The interface whose subnet holds dst (or whose address is src when given), or NULL. */
struct ns_netif *ns_ipv4_route(struct ns_stack *st, uint32_t src, uint32_t dst);
bool ns_ipv4_is_local(const struct ns_stack *st, uint32_t ip);

void ns_icmp_input(struct ns_netif *nif, uint32_t src, uint32_t dst, const uint8_t *p, size_t len);

void ns_tcp_input(struct ns_stack *st, uint32_t src, uint32_t dst, const uint8_t *p, size_t len);
void ns_tcp_poll(struct ns_stack *st, uint64_t now_ns);
uint64_t ns_tcp_deadline(const struct ns_stack *st);
void ns_tcp_destroy_all(struct ns_stack *st);
/* Delivers queued socket events and frees dead control blocks (after input and timers). */
void ns_tcp_dispatch(struct ns_stack *st);

#endif

/* ipv4.c: IPv4 (RFC 791) input checks and demultiplexing, output with on-link routing; no
 * fragments. */
#include "net_priv.h"

#define IP_VERSION  4
#define IP_TTL      64     /* RFC 1700 / RFC 1122 section 3.2.1.7: default TTL */
#define IP_FLAG_DF  0x4000 /* RFC 791 section 3.1 "Flags" bit 1: Don't Fragment */
#define IP_FLAG_MF  0x2000 /* RFC 791 section 3.1 "Flags" bit 2: More Fragments */
#define IP_FRAG_OFF 0x1fff /* RFC 791 section 3.1 "Fragment Offset", 13 bits */

bool ns_ipv4_is_local(const struct ns_stack *st, uint32_t ip)
{
    for (int i = 0; i < st->n_nif; i++)
        if (st->nifs[i].up && st->nifs[i].ip == ip)
            return true;
    return false;
}

/* RFC 1122 section 3.2.1.3: a source may not be broadcast, multicast, loopback or "this net". */
static bool bad_source(const struct ns_netif *nif, uint32_t src)
{
    if (src == 0xffffffffu || (src >> 28) == 0xe || (src >> 24) == 127 || (src >> 24) == 0)
        return true;
    /* Subnet-directed broadcast of the receiving interface. */
    return nif->mask != 0xffffffffu && (src & ~nif->mask) == ~nif->mask;
}

void ns_ipv4_input(struct ns_netif *nif, const uint8_t *p, size_t len)
{
    struct ns_stack *st = nif->st;
    st->stats.ip_rx++;
    if (len < IPV4_HDR_MIN) {
        st->stats.ip_drop_short++;
        goto drop;
    }
    /* RFC 791 section 3.1: Version (4 bits) and IHL (4 bits, in 32-bit words, >= 5). */
    if ((p[0] >> 4) != IP_VERSION) {
        st->stats.ip_drop_version++;
        goto drop;
    }
    size_t hl = (size_t)(p[0] & 0x0f) * 4;
    if (hl < IPV4_HDR_MIN || hl > len) {
        st->stats.ip_drop_hdrlen++;
        goto drop;
    }
    /* Total Length covers header and data; the frame may carry Ethernet padding beyond it. */
    size_t tot = get16(p + 2);
    if (tot < hl || tot > len) {
        st->stats.ip_drop_totlen++;
        goto drop;
    }
    /* RFC 791 section 3.1 "Header Checksum": the sum over a valid header folds to zero. */
    if (ns_csum_fold(ns_csum_add(0, p, hl)) != 0) {
        st->stats.ip_drop_checksum++;
        goto drop;
    }
    uint16_t frag = get16(p + 6);
    if ((frag & IP_FLAG_MF) || (frag & IP_FRAG_OFF)) {
        /* No reassembly (docs/net.md): peers use path MTU discovery and our MSS. */
        st->stats.ip_drop_fragment++;
        goto drop;
    }
    /* RFC 791 section 3.1 "Time to Live": a datagram with TTL zero must be destroyed. */
    if (p[8] == 0) {
        st->stats.ip_drop_ttl++;
        goto drop;
    }
    uint32_t src = get32(p + 12), dst = get32(p + 16);
    if (!ns_ipv4_is_local(st, dst)) {
        st->stats.ip_drop_not_for_us++;
        goto drop;
    }
    if (bad_source(nif, src)) {
        st->stats.ip_drop_bad_src++;
        goto drop;
    }
    switch (p[9]) {
    case IPPROTO_ICMP_:
        ns_icmp_input(nif, src, dst, p + hl, tot - hl);
        return;
    case IPPROTO_TCP_:
        ns_tcp_input(st, src, dst, p + hl, tot - hl);
        return;
    default:
        /* RFC 1122 3.2.2.1 would have us send Protocol Unreachable; we only count. */
        st->stats.ip_drop_proto++;
        goto drop;
    }
drop:
    nif->stats.rx_drops++;
}

struct ns_netif *ns_ipv4_route(struct ns_stack *st, uint32_t src, uint32_t dst)
{
    struct ns_netif *best = NULL;
    for (int i = 0; i < st->n_nif; i++) {
        struct ns_netif *n = &st->nifs[i];
        if (!n->up || (dst & n->mask) != (n->ip & n->mask))
            continue;
        if (src == 0 || n->ip == src)
            return n;
        if (!best)
            best = n;
    }
    return best;
}

int ns_ipv4_send_frame(struct ns_stack *st, uint32_t src, uint32_t dst, uint8_t proto,
                       uint8_t *frame, size_t len)
{
    uint8_t *pkt = frame + NS_ETH_HDR;
    ASSERT(len + IPV4_HDR_MIN <= NS_ETH_MTU, "transport handed IPv4 more than the MTU");
    struct ns_netif *nif = ns_ipv4_route(st, src, dst);
    if (!nif) {
        st->stats.ip_drop_no_route++;
        return -1;
    }
    pkt[0] = (IP_VERSION << 4) | (IPV4_HDR_MIN / 4); /* version 4, IHL 5: no options */
    pkt[1] = 0; /* DSCP/ECN (RFC 2474, RFC 3168): best effort */
    put16(pkt + 2, (uint16_t)(IPV4_HDR_MIN + len));
    put16(pkt + 4, st->ip_id++); /* RFC 6864 section 4.1: unique enough for atomic datagrams */
    put16(pkt + 6, IP_FLAG_DF);  /* we never fragment; RFC 1191 path MTU discovery style */
    pkt[8] = IP_TTL;
    pkt[9] = proto;
    put16(pkt + 10, 0);
    put32(pkt + 12, src ? src : nif->ip);
    put32(pkt + 16, dst);
    put16(pkt + 10, ns_csum_fold(ns_csum_add(0, pkt, IPV4_HDR_MIN)));
    st->stats.ip_tx++;
    return ns_arp_output(nif, dst, frame, IPV4_HDR_MIN + len);
}

int ns_ipv4_output(struct ns_stack *st, uint32_t src, uint32_t dst, uint8_t proto,
                   const uint8_t *payload, size_t len)
{
    uint8_t frame[NS_ETH_MAX];
    ASSERT(len + IPV4_HDR_MIN <= NS_ETH_MTU, "transport handed IPv4 more than the MTU");
    memcpy(frame + NS_L4_OFF, payload, len);
    return ns_ipv4_send_frame(st, src, dst, proto, frame, len);
}

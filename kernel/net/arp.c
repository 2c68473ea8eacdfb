/* arp.c: ARP for IPv4 over Ethernet (RFC 826): cache with expiry, requests, replies, one queued
 * packet. */
#include "net_priv.h"

/* RFC 826 packet: hrd(2) pro(2) hln(1) pln(1) op(2) sha(6) spa(4) tha(6) tpa(4) = 28 bytes. */
#define ARP_LEN        28
#define ARP_HRD_ETHER  1 /* RFC 826 "ar$hrd": Ethernet (IANA arp-parameters hardware type 1) */
#define ARP_OP_REQUEST 1 /* RFC 826 "ar$op" */
#define ARP_OP_REPLY   2
#define ARP_RETRY_MS                                                                               \
    1000 /* RFC 1122 section 2.3.2.1: at most one request per second per target                    \
          */
#define ARP_MAX_TRIES 3

enum { ARP_FREE = 0, ARP_PENDING = 1, ARP_RESOLVED = 2 };

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void arp_send(struct ns_netif *nif, uint16_t op, const uint8_t tha[6], uint32_t tpa,
                     const uint8_t dst[6])
{
    uint8_t p[ARP_LEN];
    put16(p, ARP_HRD_ETHER);
    put16(p + 2, ETHERTYPE_IPV4);
    p[4] = 6; /* hln: Ethernet address length */
    p[5] = 4; /* pln: IPv4 address length */
    put16(p + 6, op);
    memcpy(p + 8, nif->mac, 6);
    put32(p + 14, nif->ip);
    memcpy(p + 18, tha, 6);
    put32(p + 24, tpa);
    (void)ns_eth_output(nif, dst, ETHERTYPE_ARP, p, sizeof(p));
}

void ns_arp_request(struct ns_netif *nif, uint32_t target)
{
    static const uint8_t zero[6];
    /* RFC 826: target hardware address is unknown in a request; RFC 5227 section 2.3 sets 0. */
    arp_send(nif, ARP_OP_REQUEST, zero, target, bcast);
    nif->st->stats.arp_tx_request++;
}

static struct ns_arp_entry *arp_find(struct ns_stack *st, uint32_t ip)
{
    for (int i = 0; i < NS_ARP_SLOTS; i++)
        if (st->arp[i].state != ARP_FREE && st->arp[i].ip == ip)
            return &st->arp[i];
    return NULL;
}

static void arp_clear(struct ns_arp_entry *e)
{
    if (e->pending)
        ns_port_free(e->pending);
    memset(e, 0, sizeof(*e));
}

/* A free slot, else the resolved entry that expires first (never evict a pending one first). */
static struct ns_arp_entry *arp_slot(struct ns_stack *st)
{
    struct ns_arp_entry *victim = NULL;
    for (int i = 0; i < NS_ARP_SLOTS; i++) {
        struct ns_arp_entry *e = &st->arp[i];
        if (e->state == ARP_FREE)
            return e;
        if (!victim || (e->state == ARP_RESOLVED && victim->state != ARP_RESOLVED) ||
            (e->state == victim->state && e->expires_ns < victim->expires_ns))
            victim = e;
    }
    if (victim->state == ARP_PENDING && victim->pending)
        st->stats.arp_drop_unresolved++;
    arp_clear(victim);
    return victim;
}

static void arp_resolved(struct ns_netif *nif, struct ns_arp_entry *e, uint32_t ip,
                         const uint8_t mac[6])
{
    struct ns_stack *st = nif->st;
    e->ip = ip;
    memcpy(e->mac, mac, 6);
    e->nif = nif->index;
    e->state = ARP_RESOLVED;
    e->tries = 0;
    e->expires_ns = ns_port_now_ns() + (uint64_t)st->cfg.arp_ttl_ms * 1000000u;
    if (e->pending) {
        uint8_t *pkt = e->pending;
        uint16_t plen = e->pending_len;
        e->pending = NULL;
        e->pending_len = 0;
        (void)ns_eth_output(nif, mac, ETHERTYPE_IPV4, pkt, plen);
        ns_port_free(pkt);
    }
}

void ns_arp_input(struct ns_netif *nif, const uint8_t *eth_src, const uint8_t *p, size_t len)
{
    struct ns_stack *st = nif->st;
    (void)eth_src;
    st->stats.arp_rx++;
    if (len < ARP_LEN || get16(p) != ARP_HRD_ETHER || get16(p + 2) != ETHERTYPE_IPV4 || p[4] != 6 ||
        p[5] != 4) {
        st->stats.arp_drop_malformed++;
        nif->stats.rx_drops++;
        return;
    }
    uint16_t op = get16(p + 6);
    const uint8_t *sha = p + 8;
    uint32_t spa = get32(p + 14);
    uint32_t tpa = get32(p + 24);
    if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
        st->stats.arp_drop_malformed++;
        nif->stats.rx_drops++;
        return;
    }
    /* A broadcast or multicast sender hardware address is never a neighbour (RFC 1812 3.3.2). */
    if (sha[0] & 1) {
        st->stats.arp_drop_malformed++;
        nif->stats.rx_drops++;
        return;
    }
    /* RFC 826 "Packet Reception": update an existing entry for the sender (merge_flag). */
    bool merged = false;
    struct ns_arp_entry *e = spa ? arp_find(st, spa) : NULL;
    if (e && spa != nif->ip) {
        arp_resolved(nif, e, spa, sha);
        merged = true;
    }
    if (tpa != nif->ip || spa == nif->ip) {
        if (!merged)
            st->stats.arp_drop_not_for_us++;
        return;
    }
    /* "If the merge_flag is false, add the triplet" — only for packets aimed at us. */
    if (!merged && spa != 0)
        arp_resolved(nif, arp_slot(st), spa, sha);
    if (op == ARP_OP_REQUEST) {
        arp_send(nif, ARP_OP_REPLY, sha, spa, sha);
        st->stats.arp_tx_reply++;
    }
}

int ns_arp_output(struct ns_netif *nif, uint32_t nh, uint8_t *frame, size_t len)
{
    struct ns_stack *st = nif->st;
    const uint8_t *pkt = frame + NS_ETH_HDR;
    struct ns_arp_entry *e = arp_find(st, nh);
    if (e && e->state == ARP_RESOLVED) {
        e->used_ns = ns_port_now_ns();
        return ns_eth_send_frame(nif, e->mac, ETHERTYPE_IPV4, frame, len);
    }
    if (!e) {
        e = arp_slot(st);
        e->ip = nh;
        e->nif = nif->index;
        e->state = ARP_PENDING;
        e->tries = 1;
        e->expires_ns = ns_port_now_ns() + (uint64_t)ARP_RETRY_MS * 1000000u;
        ns_arp_request(nif, nh);
    }
    /* Keep the newest packet (RFC 1122 section 2.3.2.2: SHOULD save at least one). */
    uint8_t *copy = ns_port_alloc(len);
    if (!copy) {
        st->stats.arp_drop_unresolved++;
        return -1;
    }
    memcpy(copy, pkt, len);
    if (e->pending) {
        ns_port_free(e->pending);
        st->stats.arp_drop_unresolved++;
    }
    e->pending = copy;
    e->pending_len = (uint16_t)len;
    return 0;
}

void ns_arp_poll(struct ns_stack *st, uint64_t now)
{
    for (int i = 0; i < NS_ARP_SLOTS; i++) {
        struct ns_arp_entry *e = &st->arp[i];
        if (e->state == ARP_FREE || now < e->expires_ns)
            continue;
        if (e->state == ARP_RESOLVED) {
            uint64_t ttl = (uint64_t)st->cfg.arp_ttl_ms * 1000000u;
            if (e->tries < ARP_MAX_TRIES && now - e->used_ns < ttl) {
                /* In use: keep sending to the known address while asking again (as Linux's
                 * STALE/PROBE states do), so a busy flow never stalls on re-resolution. */
                e->tries++;
                e->expires_ns = now + (uint64_t)ARP_RETRY_MS * 1000000u;
                ns_arp_request(&st->nifs[e->nif], e->ip);
            } else {
                st->stats.arp_cache_expired++;
                arp_clear(e);
            }
        } else if (e->tries >= ARP_MAX_TRIES) {
            if (e->pending)
                st->stats.arp_drop_unresolved++;
            arp_clear(e);
        } else {
            e->tries++;
            e->expires_ns = now + (uint64_t)ARP_RETRY_MS * 1000000u;
            ns_arp_request(&st->nifs[e->nif], e->ip);
        }
    }
}

uint64_t ns_arp_deadline(const struct ns_stack *st)
{
    uint64_t d = UINT64_MAX;
    for (int i = 0; i < NS_ARP_SLOTS; i++)
        if (st->arp[i].state != ARP_FREE && st->arp[i].expires_ns < d)
            d = st->arp[i].expires_ns;
    return d;
}

void ns_arp_flush(struct ns_stack *st)
{
    for (int i = 0; i < NS_ARP_SLOTS; i++)
        arp_clear(&st->arp[i]);
}

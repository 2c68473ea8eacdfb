/* fuzz_glue.c: libFuzzer target: segments arriving on a real MPTCP connection through the whole
 * stack and kernel/net/tcp_mptcp.c (hooks, joins, DATA_FIN, MP_FASTCLOSE, MP_TCPRST, fallback,
 * reinjection, ns_mp_poll), with an echo-like service on two interfaces and a fake clock. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "tcp.h"
#include "tcp_mptcp.h"
#include "mptcp/mptcp_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Each input first drives a valid MP_CAPABLE handshake on interface 0 (client key from the input,
 * so the connection is really MPTCP) and, when asked, a valid MP_JOIN on interface 1. The rest is
 * a list of records, each an op byte and its arguments (missing bytes end the input):
 *   0 ctl seqd ackd opt var dsnd plen   one segment; offsets are relative to the live state:
 *        ctl: bit 0 subflow, 1 FIN, 2 RST, 3 no ACK flag, 4 SYN, 5 big offsets, 6 PSH;
 *        bit 7 instead: what the stack sends on that subflow is lost from now on (or again heard)
 *        opt: which MPTCP option (see add_option), var: its variant bits, plen * 8 payload bytes
 *   1 n    the clock moves n * 7 ms; stack timers (ns_poll) and MPTCP timers (ns_mp_poll) run
 *   2 n    the service reads up to n * 64 bytes and writes n * 32 bytes
 *   3 n    the service closes (n even) or aborts (n odd) its connection
 *   4 v    another MP_JOIN SYN (v: interface, bad token, bad HMAC, backup, no third ACK)
 *   5 ctl len plen bytes   an in-order segment: option area = `len` raw bytes of the input
 *   6 k    a well-behaved ACK on subflow k: DATA_ACK of everything, ADD_ADDR echo if one is due
 *   7 k n  in-order data on subflow k with a correct mapping, n * 8 bytes
 *   8 n    the service stops accepting (n even; a busy service) or accepts again (n odd). The
 *          listener's backlog is 2, so joins queued behind a service that does not accept would
 *          fill it; joined subflows must never wait there (ns_mp_accept asserts it)
 * Header bits: 0 join at once, 1 ask for DSS checksums, 2 the service echoes on its own (like
 * kernel/net/port/echo_svc.c), 3 data in the MP_CAPABLE third ACK, 4 abort (not close) at the
 * end, 5 freed memory is reused at once (see ns_port_alloc),
 * 6 the service writes more than the send space, 7 every 5th allocation fails after the handshake.
 * Crashes, leaks, sanitizer reports and the checks below (abort) are findings.
 */

/* ---------------------------------------------------------------- port: clock, memory, random */
static uint64_t now_ns;
static long live;
static uint32_t rnd;

uint64_t ns_port_now_ns(void)
{
    return now_ns;
}
uint32_t ns_port_random(void)
{
    rnd = rnd * 1103515245u + 12345u; /* deterministic: a crash replays */
    return rnd;
}
/* With header bit 5 the allocator hands a freed block straight back to the next request of the
 * same size, as the guest's heap may: a pointer kept to a freed control block then meets a new
 * one at the same address (ASan's quarantine would hide that). Blocks carry their size in front. */
#define HDR 16
static bool reuse;
static bool starve; /* header bit 7: after the handshake every 5th allocation fails */
static unsigned nalloc;
static void *cache[8];
static unsigned ncache;
void *ns_port_alloc(size_t n)
{
    if (starve && ++nalloc % 5 == 0)
        return NULL; /* the port may run out (port.h): the stack must cope */
    uint8_t *b = NULL;
    for (unsigned i = 0; i < ncache; i++)
        if (*(size_t *)cache[i] == n) {
            b = cache[i];
            cache[i] = cache[--ncache];
            memset(b + HDR, 0, n);
            break;
        }
    if (!b && (b = calloc(1, n + HDR)) != NULL)
        *(size_t *)b = n;
    if (b)
        live++;
    return b ? b + HDR : NULL;
}
void ns_port_free(void *p)
{
    if (!p)
        return;
    live--;
    uint8_t *b = (uint8_t *)p - HDR;
    if (reuse && ncache < 8)
        cache[ncache++] = b;
    else
        free(b);
}
static void cache_drain(void)
{
    while (ncache)
        free(cache[--ncache]);
}
void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static int trace; /* FUZZ_GLUE_TRACE: 1 a summary per input, 2 also every segment the stack sent */
static void summary(void);
static void fail(const char *why)
{
    if (trace)
        summary();
    fprintf(stderr, "fuzz_glue: %s\n", why);
    abort();
}

/* ---------------------------------------------------------------- the two links */
#define NLINK 2
static const uint8_t mac_us[NLINK][6] = {{2, 0, 0, 0, 1, 2}, {2, 0, 0, 0, 2, 2}};
static const uint8_t mac_peer[NLINK][6] = {{2, 0, 0, 0, 1, 1}, {2, 0, 0, 0, 2, 1}};
static const uint32_t ip_us[NLINK] = {0x0a010002u, 0x0a020002u};   /* 10.1.0.2, 10.2.0.2 */
static const uint32_t ip_peer[NLINK] = {0x0a010001u, 0x0a020001u}; /* 10.1.0.1, 10.2.0.1 */
#define SVC_PORT 7

/* TCP header flags (RFC 9293 3.1). */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static struct ns_stack st;
static struct ns_netif *nif[NLINK];
static struct ns_mp *mp;
static struct tcp_pcb *listener, *handle;
static bool auto_echo, arp_due[NLINK];

/* ---------------------------------------------------------------- the fuzzing client's state */
#define NSF 4
struct csf {
    bool used, est, dead;
    int link;
    uint16_t port;
    uint32_t isn, snd_nxt; /* ours */
    uint32_t s_isn, s_nxt; /* the stack's, s_nxt = one past the highest the client heard */
    uint32_t s_top;        /* one past the highest the stack sent (heard or not) */
    bool deaf;             /* the path lost what the stack sends on it (op 0, ctl bit 7) */
    uint32_t r_a, r_b;
    struct { /* the stack's recent send mappings on this subflow (RFC 8684 3.3.1) */
        uint64_t dsn;
        uint32_t ssn;
        uint16_t len;
    } map[64]; /* twice MPTCP_TX_MAPS: retransmissions find mappings long reused */
    unsigned nmap;
};
static struct csf sf[NSF];
static void check_sent(const struct csf *c, uint32_t seq, uint32_t prev_top, const uint8_t *p,
                       size_t plen);
static int nsf;
static uint64_t key_a, key_b, idsn_a, dsn_nxt, s_dsn_high;
/* The client's data-level receive side: s_rcv is what a correct client DATA_ACKs (contiguous
 * DSNs it received, RFC 8684 3.3.2), rooo what it holds beyond a hole, s_fin a DATA_FIN's DSN. */
static uint64_t s_rcv, s_fin, rooo[16][2];
static int nrooo;
static bool s_fin_known;
static bool acked_ahead; /* the client DATA_ACKed bytes it never received (a misbehaving peer) */
static bool mpc_ok, csum, s_dsn_seen;
static bool s_infinite; /* the stack sent an infinite mapping: plain TCP from there (3.7) */
static bool echo_due;
/* Stream checks: what the service wrote (the stack must send exactly these bytes at DSN
 * IDSN-B + 1 + offset), and, while the client behaved (only ops 1-4, 6, 7), what it read. */
static uint8_t out_log[1 << 20];
static size_t out_len;
static uint64_t in_read;
static bool clean;
static bool checks_off; /* a second connection reused the ports: streams no longer comparable */
static int accepted;
static bool no_accept; /* op 8: the service is busy and does not accept */
static bool pushy;     /* header bit 6: the service writes more than the send space it was told */
static struct mptcp_opt add_addr_seen;

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16)), put16(p + 2, (uint16_t)v);
}

/* RFC 1071 Internet checksum. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        s += (uint32_t)p[len - 1] << 8;
    return s;
}
static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}
static uint32_t pseudo(uint32_t src, uint32_t dst, size_t len)
{
    /* RFC 9293 3.1: source, destination, zero, protocol 6, TCP length */
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + (uint32_t)len;
}

/* Reads what the stack sent on one link: learns its ISNs, sequence numbers, key, nonces and
 * DSNs, and checks what must hold of every MPTCP segment it emits. */
static void learn(int link, const uint8_t *f, size_t len)
{
    if (len < NS_ETH_HDR + 20)
        return;
    const uint8_t *ip = f + NS_ETH_HDR;
    if (f[12] == 0x08 && f[13] == 0x06) { /* ARP (RFC 826): answer requests for the peer */
        if (len >= NS_ETH_HDR + 28 && ip[7] == 1 && get32(ip + 24) == ip_peer[link])
            arp_due[link] = true;
        return;
    }
    if (f[12] != 0x08 || f[13] != 0x00 || ip[9] != 6)
        return;
    size_t ihl = (size_t)(ip[0] & 15) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
    if (ihl < 20 || tot > len - NS_ETH_HDR || tot < ihl + 20)
        fail("stack sent a malformed IPv4 packet");
    const uint8_t *t = ip + ihl;
    size_t tl = tot - ihl, doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || doff > tl)
        fail("stack sent a TCP header longer than its packet");
    if (fold(sum16(t, tl, pseudo(get32(ip + 12), get32(ip + 16), tl))) != 0)
        fail("stack sent a TCP segment with a wrong checksum");
    uint16_t dport = (uint16_t)(t[2] << 8 | t[3]);
    struct csf *c = NULL;
    for (int i = 0; i < nsf; i++)
        if (sf[i].used && sf[i].link == link && sf[i].port == dport)
            c = &sf[i];
    if (!c)
        return;
    uint8_t fl = t[13];
    uint32_t seq = get32(t + 4);
    size_t plen = tl - doff;
    struct mptcp_opt_set set;
    if (mptcp_opts_parse_tcp(t + 20, doff - 20, &set) != 0 || set.nerrors)
        fail("stack sent a malformed MPTCP option");
    if (fl & F_RST) {
        c->dead = true;
        return;
    }
    if (fl & F_SYN) {
        if (c->s_nxt && c->s_isn != seq)
            checks_off = true; /* a new connection on this 4-tuple (after a RST) */
        c->s_isn = seq;
        c->s_nxt = c->s_top = seq + 1;
        if (mptcp_has(&set, MPTCP_SUB_CAPABLE) && set.opt[MPTCP_SUB_CAPABLE].u.mpc.nkeys == 1) {
            key_b = set.opt[MPTCP_SUB_CAPABLE].u.mpc.snd_key;
            s_rcv = mptcp_key_idsn(key_b) + 1; /* RFC 8684 3.1: first DSN is IDSN + 1 */
            csum = set.opt[MPTCP_SUB_CAPABLE].u.mpc.flags & MPC_FLAG_A_CSUM;
            mpc_ok = true;
        }
        if (mptcp_has(&set, MPTCP_SUB_JOIN)) {
            const struct mptcp_opt *j = &set.opt[MPTCP_SUB_JOIN];
            c->r_b = j->u.join.nonce;
            /* RFC 8684 3.2: SYN/ACK HMAC = HMAC(Key-B || Key-A, R-B || R-A), leftmost 64 bits */
            if (j->u.join.hmac64 != mptcp_join_synack_hmac(key_b, key_a, c->r_b, c->r_a))
                fail("MP_JOIN SYN/ACK carries a wrong HMAC");
        }
        return;
    }
    uint32_t end = seq + (uint32_t)plen + (fl & F_FIN ? 1u : 0u), prev_top = c->s_top;
    if ((int32_t)(end - c->s_top) > 0)
        c->s_top = end;
    if (!c->deaf && (int32_t)(end - c->s_nxt) > 0)
        c->s_nxt = end;
    if (mptcp_has(&set, MPTCP_SUB_DSS)) {
        const struct mptcp_opt *d = &set.opt[MPTCP_SUB_DSS];
        if (d->u.dss.flags & DSS_FLAG_M_MAP) {
            uint64_t ref = s_dsn_seen ? s_dsn_high : mptcp_key_idsn(key_b) + 1;
            uint64_t dsn = (d->u.dss.flags & DSS_FLAG_m_DSN8)
                               ? d->u.dss.dsn
                               : mptcp_expand32(ref, (uint32_t)d->u.dss.dsn);
            uint64_t top = dsn + d->u.dss.data_len;
            if (!s_dsn_seen || top > s_dsn_high)
                s_dsn_high = top;
            s_dsn_seen = true;
            if (d->u.dss.data_len == 0)
                s_infinite = true;                 /* RFC 8684 3.3.1: data-level length 0 */
            if (d->u.dss.flags & DSS_FLAG_F_FIN) { /* 3.3.3: the mapping's last DSN */
                s_fin = dsn + d->u.dss.data_len - 1;
                s_fin_known = true;
            }
            unsigned k = c->nmap++ % 64;
            c->map[k].dsn = dsn;
            c->map[k].ssn = d->u.dss.ssn;
            c->map[k].len = d->u.dss.data_len;
            uint32_t rel = seq - c->s_isn;
            /* RFC 8684 3.3.1: a mapping wholly in this segment verifies with its checksum */
            if (d->u.dss.has_csum && rel == d->u.dss.ssn && plen &&
                plen == (size_t)d->u.dss.data_len - (d->u.dss.flags & DSS_FLAG_F_FIN ? 1 : 0)) {
                struct mptcp_csum acc;
                mptcp_csum_init(&acc);
                mptcp_csum_add(&acc, t + doff, plen);
                if (mptcp_dss_csum(&acc, dsn, d->u.dss.ssn, d->u.dss.data_len, d->u.dss.csum))
                    fail("stack sent a DSS checksum that does not verify");
            }
        }
    }
    if (trace > 1) {
        const struct mptcp_opt *d = &set.opt[MPTCP_SUB_DSS];
        bool map = mptcp_has(&set, MPTCP_SUB_DSS) && (d->u.dss.flags & DSS_FLAG_M_MAP);
        fprintf(stderr, "out sf%d flags %02x rel %u len %zu map %d ssn %u dlen %u\n", (int)(c - sf),
                (unsigned)fl, seq - c->s_isn, plen, map, map ? d->u.dss.ssn : 0u,
                map ? (unsigned)d->u.dss.data_len : 0u);
    }
    check_sent(c, seq, prev_top, t + doff, plen);
    if (s_fin_known && s_rcv == s_fin && !c->deaf)
        s_rcv++; /* the DATA_FIN is received in order */
    if (mptcp_has(&set, MPTCP_SUB_ADD_ADDR) && !set.opt[MPTCP_SUB_ADD_ADDR].u.add_addr.echo) {
        const struct mptcp_opt *a = &set.opt[MPTCP_SUB_ADD_ADDR];
        /* RFC 8684 3.4.1: HMAC(Key-B || Key-A, ID || address || port), rightmost 64 bits */
        if (a->u.add_addr.hmac != mptcp_add_addr_hmac(key_b, key_a, a->u.add_addr.addr_id,
                                                      a->u.add_addr.addr, 4, a->u.add_addr.port))
            fail("ADD_ADDR carries a wrong HMAC");
        add_addr_seen = *a;
        echo_due = !c->deaf;
    }
}

/* Every payload byte the stack sends on an MPTCP subflow lies in a mapping it sent, and is the
 * byte the service wrote at that DSN (reinjected copies included). */
/* The client received DSNs [a, b). */
static void rcv_add(uint64_t a, uint64_t b)
{
    if (b <= s_rcv)
        return;
    if (a > s_rcv) {
        if (nrooo < 16)
            rooo[nrooo][0] = a, rooo[nrooo][1] = b, nrooo++;
        return;
    }
    s_rcv = b;
    for (bool moved = true; moved;) {
        moved = false;
        for (int i = 0; i < nrooo; i++)
            if (rooo[i][0] <= s_rcv && rooo[i][1] > s_rcv)
                s_rcv = rooo[i][1], moved = true;
    }
}

/* Every payload byte the stack sends on an MPTCP subflow for the first time (at or beyond
 * prev_top, the subflow's highest sequence before this segment) lies in a mapping it sent
 * (RFC 8684 3.3.1: the receiver drops or resets on unmapped data), and every mapped byte is the
 * byte the service wrote at that DSN (reinjected copies included). Retransmitted bytes may go
 * without mapping: mptcp_tx_opts sends those when the peer already DATA_ACKed them. */
static void check_sent(const struct csf *c, uint32_t seq, uint32_t prev_top, const uint8_t *p,
                       size_t plen)
{
    struct ns_mp_stats ms;
    ns_mp_get_stats(mp, &ms);
    if (!plen || !mpc_ok || ms.fallbacks || s_infinite || checks_off)
        return; /* plain TCP after a fallback (RFC 8684 3.7) has no mappings */
    uint64_t base = mptcp_key_idsn(key_b) + 1;
    for (size_t k = 0; k < plen; k++) {
        uint32_t rel = seq - c->s_isn + (uint32_t)k;
        bool found = false;
        for (unsigned i = 0; i < 64 && i < c->nmap && !found; i++) {
            uint32_t into = rel - c->map[i].ssn;
            if (c->map[i].len == 0 || into >= c->map[i].len)
                continue;
            found = true;
            uint64_t off = c->map[i].dsn + into - base;
            if (!c->deaf)
                rcv_add(c->map[i].dsn + into, c->map[i].dsn + into + 1);
            if (off >= out_len)
                fail("stack sent data-level bytes the service never wrote");
            if (p[k] != out_log[off])
                fail("stack sent other bytes than the service wrote at that DSN");
        }
        if (!found && (int32_t)(seq + (uint32_t)k - prev_top) >= 0 && !acked_ahead)
            fail("stack sent new payload no mapping covers");
    }
}

static int linkout(struct ns_netif *n, const uint8_t *f, size_t len)
{
    if (len < 60 || len > NS_ETH_MAX)
        fail("stack emitted a runt or an oversized frame");
    learn(n->index, f, len);
    return 0;
}

/* The peer asks for our address: the stack learns the peer's MAC (RFC 826) and replies. */
static void arp_from_peer(int link)
{
    uint8_t f[60] = {0};
    memset(f, 0xff, 6);
    memcpy(f + 6, mac_peer[link], 6);
    f[12] = 0x08, f[13] = 0x06;
    uint8_t *a = f + 14;
    a[1] = 1, a[2] = 0x08, a[4] = 6, a[5] = 4, a[7] = 1; /* Ethernet, IPv4, request */
    memcpy(a + 8, mac_peer[link], 6);
    put32(a + 14, ip_peer[link]);
    put32(a + 24, ip_us[link]);
    ns_input(nif[link], f, sizeof(f));
}

/* ARP requests the stack sent from inside a call are answered after it returns. */
static void settle(void)
{
    for (int i = 0; i < NLINK; i++)
        if (arp_due[i]) {
            arp_due[i] = false;
            arp_from_peer(i);
        }
}

/* Sends one segment from the peer on subflow c: options `opt` (olen bytes, padded here). */
static void send_seg(struct csf *c, uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *opt,
                     size_t olen, const uint8_t *pay, size_t plen)
{
    uint8_t f[NS_ETH_MAX];
    if (olen > TCP_OPT_SPACE)
        olen = TCP_OPT_SPACE;
    struct mptcp_opt_set set; /* a DATA_ACK beyond what the client has: it misbehaves */
    if (mpc_ok && mptcp_opts_parse_tcp(opt, olen, &set) == 0 && mptcp_has(&set, MPTCP_SUB_DSS) &&
        (set.opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_A_ACK)) {
        const struct mptcp_opt *d = &set.opt[MPTCP_SUB_DSS];
        uint64_t v = d->u.dss.flags & DSS_FLAG_a_ACK8
                         ? d->u.dss.data_ack
                         : mptcp_expand32(s_rcv, (uint32_t)d->u.dss.data_ack);
        if (v > s_rcv)
            acked_ahead = true;
    }
    size_t ol4 = (olen + 3) & ~(size_t)3, tl = 20 + ol4;
    if (plen > NS_ETH_MTU - 20 - tl)
        plen = NS_ETH_MTU - 20 - tl;
    tl += plen;
    memset(f, 0, sizeof(f));
    memcpy(f, mac_us[c->link], 6);
    memcpy(f + 6, mac_peer[c->link], 6);
    f[12] = 0x08;
    uint8_t *ip = f + NS_ETH_HDR, *t = ip + 20;
    ip[0] = 0x45, ip[8] = 64, ip[9] = 6; /* RFC 791: version 4, IHL 5, TTL, protocol TCP */
    put16(ip + 2, (uint16_t)(20 + tl));
    put32(ip + 12, ip_peer[c->link]);
    put32(ip + 16, ip_us[c->link]);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    put16(t, c->port);
    put16(t + 2, SVC_PORT);
    put32(t + 4, seq);
    put32(t + 8, ack);
    t[12] = (uint8_t)((20 + ol4) / 4 << 4);
    t[13] = flags;
    put16(t + 14, 0xffff);
    memcpy(t + 20, opt, olen);
    memset(t + 20 + olen, 1, ol4 - olen); /* NOP padding (RFC 9293 3.1) */
    if (plen)
        memcpy(t + 20 + ol4, pay, plen);
    put16(t + 16, fold(sum16(t, tl, pseudo(ip_peer[c->link], ip_us[c->link], tl))));
    size_t fl = NS_ETH_HDR + 20 + tl;
    ns_input(nif[c->link], f, fl < 60 ? 60 : fl);
    settle();
}

static size_t put_opt(const struct mptcp_opt *o, uint8_t *buf, size_t n)
{
    size_t k = mptcp_opt_build(o, buf + n, TCP_OPT_SPACE - n);
    return n + k;
}

/* ---------------------------------------------------------------- the service */
static uint8_t pattern[8192]; /* what the service writes: up to 255 * 32 bytes */
static uint8_t rbuf[16384];

/* The client's byte at DSN d is (d * 7) mod 256 (fill()): while it behaved, reads must match. */
static void check_read(const uint8_t *p, long n)
{
    if (n <= 0)
        return;
    for (long k = 0; clean && k < n; k++)
        if (p[k] != (uint8_t)((idsn_a + 1 + in_read + (uint64_t)k) * 7))
            fail("the service read other bytes than the client sent");
    in_read += (uint64_t)n;
    if (clean && in_read > dsn_nxt - idsn_a - 1)
        fail("the service read more bytes than the client sent");
}

/* Appends what the service is about to send; returns the length before. */
static size_t log_sent(const uint8_t *p, long n)
{
    size_t mark = out_len;
    for (long k = 0; k < n && out_len < sizeof(out_log); k++)
        out_log[out_len++] = p[k];
    return mark;
}

static void service(void *arg, struct tcp_pcb *s, unsigned ev)
{
    (void)arg, (void)ev;
    if (s != handle)
        fail("service called on a handle it does not hold");
    if (ns_mp_readable(s) > MPTCP_RCVBUF)
        fail("more readable bytes than the data-level buffer holds");
    while (auto_echo && handle) {
        size_t room = ns_mp_send_space(s);
        if (room == 0) {
            if (ns_mp_error(s) != 0) { /* like echo_svc: an error with no room ends it */
                handle = NULL;
                ns_mp_close(s);
            }
            return;
        }
        long n = ns_mp_recv(s, rbuf, room < sizeof(rbuf) ? room : sizeof(rbuf));
        if (n == NS_EAGAIN)
            return;
        if (n <= 0) {
            handle = NULL;
            ns_mp_close(s); /* end of stream or error: like echo_svc */
            return;
        }
        check_read(rbuf, n);
        (void)log_sent(rbuf, n); /* first: the stack transmits from inside the call */
        long w = ns_mp_send(s, rbuf, (size_t)n);
        if (w != n)
            fail("send took less than the send space it reported");
    }
}

static void on_accept(void *arg, struct tcp_pcb *l, unsigned ev)
{
    (void)arg, (void)ev;
    if (no_accept)
        return;
    struct tcp_pcb *c;
    while ((c = ns_mp_accept(l)) != NULL) {
        if (handle) {
            ns_mp_close(c); /* one connection is the subject; others are refused politely */
            continue;
        }
        if (accepted++) /* a new connection after the first one was given back: other streams */
            clean = false, checks_off = true;
        handle = c;
        ns_mp_set_callback(c, service, NULL);
    }
}

static void app_rw(uint8_t n)
{
    if (!handle)
        return;
    long r = ns_mp_recv(handle, rbuf, (size_t)n * 64);
    if (r > (long)n * 64)
        fail("recv returned more than asked");
    check_read(rbuf, r);
    if (!handle)
        return;
    size_t room = ns_mp_send_space(handle), want = (size_t)n * 32;
    if (want > room && !pushy)
        want = room;
    if (want) {
        size_t mark = log_sent(pattern, (long)want);
        long w = ns_mp_send(handle, pattern, want);
        if (pushy) { /* more than the room: any prefix, or an error code, is fine */
            if (w > (long)want)
                fail("send took more than it was given");
            out_len = mark + (w > 0 ? (size_t)w : 0);
            return;
        }
        if (w != (long)want && w != NS_EAGAIN)
            fail("send within the reported space failed");
        if (w <= 0 && out_len - mark == want)
            out_len = mark; /* nothing was queued */
    }
}

/* ---------------------------------------------------------------- building the client's side */
static struct csf *new_sf(int link)
{
    if (nsf == NSF)
        return NULL;
    struct csf *c = &sf[nsf++];
    memset(c, 0, sizeof(*c));
    c->used = true;
    c->link = link;
    c->port = (uint16_t)(40000 + nsf);
    c->isn = 0x10000000u * (uint32_t)nsf + 0x0fffff00u; /* wraps 2^32 soon on some subflows */
    c->snd_nxt = c->isn + 1;
    return c;
}

/* MSS 1460, window scale 7, SACK permitted (RFC 9293 3.7.1, RFC 7323 2.2, RFC 2018 2). */
static size_t syn_opts(uint8_t *o)
{
    static const uint8_t base[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1};
    memcpy(o, base, sizeof(base));
    return sizeof(base);
}

static struct mptcp_opt mk(uint8_t subtype)
{
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = subtype;
    return o;
}

/* The DSS of data the client sends on c: mapping [dsn, +dl), checksum when negotiated. */
static struct mptcp_opt dss_map(const struct csf *c, uint64_t dsn, uint32_t seq, const uint8_t *p,
                                uint32_t len, bool fin, uint8_t var)
{
    struct mptcp_opt o = mk(MPTCP_SUB_DSS);
    o.u.dss.flags = DSS_FLAG_M_MAP | (var & 1 ? 0 : DSS_FLAG_m_DSN8);
    if (s_dsn_seen && !(var & 2))
        o.u.dss.flags |= DSS_FLAG_A_ACK | (var & 4 ? DSS_FLAG_a_ACK8 : 0);
    uint64_t da = var & 0x40 ? s_dsn_high : s_rcv; /* 0x40: acks what it never received */
    o.u.dss.data_ack = var & 4 ? da : (uint32_t)da;
    o.u.dss.dsn = var & 1 ? (uint32_t)dsn : dsn;
    /* RFC 8684 3.3.3: a DATA_FIN alone maps SSN 0 with length 1 */
    o.u.dss.ssn = len ? seq - c->isn : 0;
    o.u.dss.data_len = (uint16_t)(len + (fin ? 1 : 0));
    if (fin)
        o.u.dss.flags |= DSS_FLAG_F_FIN;
    if (csum) { /* RFC 8684 3.3.1: checksum over the data and the pseudo-header */
        struct mptcp_csum acc;
        mptcp_csum_init(&acc);
        mptcp_csum_add(&acc, p, len);
        o.u.dss.has_csum = true;
        o.u.dss.csum = mptcp_dss_csum(&acc, dsn, o.u.dss.ssn, o.u.dss.data_len, 0);
        if (var & 8)
            o.u.dss.csum ^= 0x0101; /* a corrupted mapping: MP_FAIL / fallback paths */
    }
    return o;
}

/* A pure DATA_ACK (RFC 8684 3.3.2). */
static struct mptcp_opt dss_ack(bool ack8)
{
    struct mptcp_opt o = mk(MPTCP_SUB_DSS);
    o.u.dss.flags = DSS_FLAG_A_ACK | (ack8 ? DSS_FLAG_a_ACK8 : 0);
    o.u.dss.data_ack = ack8 ? s_rcv : (uint32_t)s_rcv;
    return o;
}

/* Appends the MPTCP option `sel` to buf; payload p/len and the segment's seq feed mappings. */
static size_t add_option(uint8_t sel, uint8_t var, struct csf *c, uint32_t seq, int8_t dsnd,
                         const uint8_t *p, uint32_t len, bool fin, uint8_t *buf, size_t n)
{
    struct mptcp_opt o;
    uint64_t dsn = dsn_nxt + (uint64_t)(int64_t)dsnd * (var & 0x10 ? 997 : 1);
    switch (sel % 14) {
    case 0:
        return n; /* no MPTCP option: a plain segment on an MPTCP subflow */
    case 1:       /* data with a mapping, DATA_FIN if the segment has FIN asked */
        o = dss_map(c, dsn, seq, p, len, fin, var);
        break;
    case 2:
        o = dss_ack(var & 1);
        break;
    case 3: /* DATA_FIN alone, or an infinite mapping (3.3.1: length 0) */
        o = dss_map(c, dsn, seq, p, var & 0x20 ? 0 : len, true, var);
        if (var & 0x20) {
            o.u.dss.data_len = 0;
            o.u.dss.flags &= (uint8_t)~DSS_FLAG_F_FIN;
        }
        break;
    case 4: /* ADD_ADDR echo (3.4.1), of what the stack announced or of something else */
        o = mk(MPTCP_SUB_ADD_ADDR);
        o.u.add_addr.echo = true;
        if (var & 1) {
            o.u.add_addr = add_addr_seen.u.add_addr;
            o.u.add_addr.echo = true;
        } else {
            o.u.add_addr.addr_id = (uint8_t)dsnd;
            put32(o.u.add_addr.addr, ip_us[var >> 1 & 1]);
        }
        break;
    case 5: /* MP_FASTCLOSE (3.5) with the receiver's key, or a wrong one */
        o = mk(MPTCP_SUB_FASTCLOSE);
        o.u.fastclose.key = var & 1 ? key_b ^ 1 : key_b;
        break;
    case 6: /* MP_TCPRST (3.6) */
        o = mk(MPTCP_SUB_TCPRST);
        o.u.tcprst.flags = var & 0x0f;
        o.u.tcprst.reason = (uint8_t)dsnd;
        break;
    case 7: /* MP_PRIO (3.3.8) */
        o = mk(MPTCP_SUB_PRIO);
        o.u.prio.backup = var & 1;
        break;
    case 8: /* RM_ADDR (3.4.2) */
        o = mk(MPTCP_SUB_RM_ADDR);
        o.u.rm_addr.n = (uint8_t)(1 + (var & 3));
        for (int i = 0; i < o.u.rm_addr.n; i++)
            o.u.rm_addr.ids[i] = (uint8_t)(dsnd + i);
        break;
    case 9: /* MP_FAIL (3.7) */
        o = mk(MPTCP_SUB_FAIL);
        o.u.fail.dsn = dsn;
        break;
    case 10: /* a repeated MP_CAPABLE third ACK, with data or not (3.1) */
        o = mk(MPTCP_SUB_CAPABLE);
        o.u.mpc.version = MPTCP_VERSION;
        o.u.mpc.flags = MPC_FLAG_H_SHA256 | (csum ? MPC_FLAG_A_CSUM : 0);
        o.u.mpc.nkeys = 2;
        o.u.mpc.snd_key = var & 2 ? key_a ^ 4 : key_a;
        o.u.mpc.rcv_key = key_b;
        o.u.mpc.has_data_len = (var & 1) && len;
        o.u.mpc.data_len = (uint16_t)len;
        break;
    case 11: /* MP_JOIN third ACK on an established subflow (3.2) */
        o = mk(MPTCP_SUB_JOIN);
        o.u.join.step = MPJ_ACK;
        mptcp_join_ack_hmac(key_a, key_b, c->r_a, c->r_b, o.u.join.hmac);
        o.u.join.hmac[0] ^= (uint8_t)(var & 1);
        break;
    case 12: /* DSS mapping and ADD_ADDR echo together */
        o = dss_map(c, dsn, seq, p, len, fin, var | 2);
        n = put_opt(&o, buf, n);
        o = mk(MPTCP_SUB_ADD_ADDR);
        o.u.add_addr = add_addr_seen.u.add_addr;
        o.u.add_addr.echo = true;
        break;
    default: /* a DSS whose fields contradict the segment: length past the payload, big DSN */
        o = dss_map(c, dsn + ((uint64_t)var << 40), seq + (uint32_t)dsnd, p, len, fin, var);
        o.u.dss.data_len = (uint16_t)(o.u.dss.data_len + (uint16_t)(var * 3));
        break;
    }
    return put_opt(&o, buf, n);
}

/* Payload bytes a segment at data-level position dsn carries (the client's stream). */
static void fill(uint8_t *p, uint64_t dsn, size_t len)
{
    for (size_t k = 0; k < len; k++)
        p[k] = (uint8_t)((dsn + k) * 7);
}

/* In-order data with a correct mapping on c (op 7): what a well-behaved client sends. */
static void send_data(struct csf *c, size_t len)
{
    if (!c->est || c->dead)
        return;
    uint8_t p[1400], o[TCP_OPT_SPACE];
    if (len > sizeof(p))
        len = sizeof(p);
    fill(p, dsn_nxt, len);
    struct mptcp_opt d = dss_map(c, dsn_nxt, c->snd_nxt, p, (uint32_t)len, false, 0);
    size_t n = put_opt(&d, o, 0);
    uint32_t seq = c->snd_nxt;
    c->snd_nxt += (uint32_t)len; /* moved first: the service reads from inside send_seg */
    dsn_nxt += len;
    send_seg(c, F_ACK | F_PSH, seq, c->s_nxt, o, n, p, len);
}

/* A pure ACK with the DATA_ACK of everything (op 6), echoing an ADD_ADDR when one is due. */
static void good_ack(struct csf *c)
{
    if (!c->est || c->dead)
        return;
    uint8_t o[TCP_OPT_SPACE];
    size_t n = 0;
    if (s_dsn_seen) {
        struct mptcp_opt d = dss_ack(true);
        n = put_opt(&d, o, n);
    }
    if (echo_due) { /* 3.4.1: Linux echoes on a pure ACK */
        struct mptcp_opt e = add_addr_seen;
        e.u.add_addr.echo = true;
        n = put_opt(&e, o, n);
        echo_due = false;
    }
    send_seg(c, F_ACK, c->snd_nxt, c->s_nxt, o, n, NULL, 0);
}

/* MP_JOIN (RFC 8684 3.2): SYN with the token and R-A, SYN/ACK checked in learn(), third ACK with
 * HMAC(Key-A || Key-B, R-A || R-B). v: bit 0 link, 1 bad token, 2 bad HMAC, 3 backup, 4 stop
 * after the SYN/ACK. */
static void join(uint8_t v)
{
    if (!mpc_ok)
        return;
    struct csf *c = new_sf(v & 1 ? 1 : 0);
    if (!c)
        return;
    c->r_a = 0x5a5a0000u ^ (uint32_t)nsf;
    uint8_t o[TCP_OPT_SPACE];
    size_t n = syn_opts(o);
    struct mptcp_opt j = mk(MPTCP_SUB_JOIN);
    j.u.join.step = MPJ_SYN;
    j.u.join.backup = v & 8;
    j.u.join.addr_id = (uint8_t)(nsf + 1);
    j.u.join.token = mptcp_key_token(key_b) ^ (v & 2 ? 1u : 0u);
    j.u.join.nonce = c->r_a;
    n = put_opt(&j, o, n);
    send_seg(c, F_SYN, c->isn, 0, o, n, NULL, 0);
    if (c->s_nxt == 0 || c->dead || (v & 16))
        return;
    j = mk(MPTCP_SUB_JOIN);
    j.u.join.step = MPJ_ACK;
    mptcp_join_ack_hmac(key_a, key_b, c->r_a, c->r_b, j.u.join.hmac);
    j.u.join.hmac[3] ^= (uint8_t)(v & 4);
    n = put_opt(&j, o, 0);
    send_seg(c, F_ACK, c->snd_nxt, c->s_nxt, o, n, NULL, 0);
    c->est = !c->dead;
}

/* ---------------------------------------------------------------- the input */
struct rd {
    const uint8_t *p;
    size_t n, i;
};
static bool take(struct rd *r, uint8_t *out, size_t k)
{
    if (r->n - r->i < k)
        return false;
    memcpy(out, r->p + r->i, k);
    r->i += k;
    return true;
}

static void tick(uint64_t ns)
{
    now_ns += ns;
    ns_poll(&st);
    ns_mp_poll(mp);
    settle();
}

/* op 0 and op 5: one segment on subflow ctl&1 (of those that exist). */
static void segment(const uint8_t *a, const uint8_t *raw, size_t rawlen)
{
    struct csf *c = &sf[a[0] & 1 ? (nsf > 1 ? 1 : 0) : 0];
    if (!c->used || !c->s_nxt)
        return;
    if (a[0] & 128 && !raw) { /* the path goes down (or comes back) for what the stack sends */
        c->deaf = !c->deaf;
        return;
    }
    uint8_t flags =
        (uint8_t)((a[0] & 2 ? F_FIN : 0) | (a[0] & 4 ? F_RST : 0) | (a[0] & 8 ? 0 : F_ACK) |
                  (a[0] & 16 ? F_SYN : 0) | (a[0] & 64 ? F_PSH : 0));
    int32_t scale = a[0] & 32 ? 4099 : 1;
    uint32_t seq = c->snd_nxt + (uint32_t)((int8_t)a[1] * scale);
    uint32_t ack = c->s_nxt + (uint32_t)((int8_t)a[2] * scale);
    size_t plen = raw ? a[3] : (size_t)a[6] * 8;
    uint8_t p[2048], o[TCP_OPT_SPACE];
    if (plen > sizeof(p))
        plen = sizeof(p);
    uint64_t dsn = dsn_nxt + (uint64_t)(int64_t)(int8_t)a[5];
    fill(p, dsn, plen);
    size_t n;
    if (raw) {
        n = rawlen > TCP_OPT_SPACE ? TCP_OPT_SPACE : rawlen;
        memcpy(o, raw, n);
    } else {
        n = add_option(a[3], a[4], c, seq, (int8_t)a[5], p, (uint32_t)plen, flags & F_FIN, o, 0);
    }
    send_seg(c, flags, seq, ack, o, n, p, plen);
    /* the client's view moves forward with what it sent in order */
    if (seq == c->snd_nxt && !(flags & (F_RST | F_SYN))) {
        c->snd_nxt += (uint32_t)plen + (flags & F_FIN ? 1u : 0u);
        if (dsn == dsn_nxt)
            dsn_nxt += plen;
    }
}

static void handshake(uint8_t hdr, struct rd *r)
{
    struct csf *c = new_sf(0);
    uint8_t o[TCP_OPT_SPACE];
    size_t n = syn_opts(o);
    struct mptcp_opt m = mk(MPTCP_SUB_CAPABLE);
    m.u.mpc.version = MPTCP_VERSION;
    m.u.mpc.flags = MPC_FLAG_H_SHA256 | (hdr & 2 ? MPC_FLAG_A_CSUM : 0);
    n = put_opt(&m, o, n);
    send_seg(c, F_SYN, c->isn, 0, o, n, NULL, 0);
    if (!c->s_nxt)
        fail("no SYN/ACK to an MP_CAPABLE SYN");
    if (!mpc_ok)
        fail("the SYN/ACK does not carry MP_CAPABLE");
    /* RFC 8684 3.1: third ACK with both keys; with header bit 3 it carries data (length 22/24) */
    uint8_t p[200];
    size_t plen = 0;
    m.u.mpc.nkeys = 2;
    m.u.mpc.snd_key = key_a;
    m.u.mpc.rcv_key = key_b;
    m.u.mpc.flags = MPC_FLAG_H_SHA256 | (csum ? MPC_FLAG_A_CSUM : 0);
    if (hdr & 8) {
        plen = 100;
        fill(p, dsn_nxt, plen);
        m.u.mpc.has_data_len = true;
        m.u.mpc.data_len = (uint16_t)plen;
        if (csum) {
            struct mptcp_csum acc;
            mptcp_csum_init(&acc);
            mptcp_csum_add(&acc, p, plen);
            m.u.mpc.has_csum = true;
            m.u.mpc.csum = mptcp_dss_csum(&acc, dsn_nxt, 1, (uint16_t)plen, 0);
        }
    }
    n = put_opt(&m, o, 0);
    uint32_t seq = c->snd_nxt;
    c->snd_nxt += (uint32_t)plen; /* moved first: the service reads from inside send_seg */
    dsn_nxt += plen;
    send_seg(c, F_ACK, seq, c->s_nxt, o, n, p, plen);
    if (!handle)
        fail("the MPTCP connection was not accepted");
    if (!ns_mp_conn(handle) || ns_mp_conn(handle)->state != MPC_ESTABLISHED)
        fail("a valid MP_CAPABLE handshake did not establish MPTCP");
    c->est = true;
    if (hdr & 1) {
        uint8_t v = 1;
        (void)take(r, &v, 1);
        join((uint8_t)(v | 1) & (uint8_t)~16);
    }
}

/* What an input reached (FUZZ_GLUE_TRACE), for checking the seeds and reading findings. */
static void summary(void)
{
    struct ns_mp_stats ms;
    ns_mp_get_stats(mp, &ms);
    int est = 0;
    for (int i = 0; i < nsf; i++)
        est += sf[i].est && !sf[i].dead;
    fprintf(
        stderr,
        "glue: capable %llu joins %llu refused %llu fallbacks %llu sf_resets %llu "
        "announced %llu reinjected %llu fastclosed %llu; client subflows %d (%d up), sent %llu, "
        "stack sent %llu data bytes\n",
        (unsigned long long)ms.capable, (unsigned long long)ms.joins,
        (unsigned long long)ms.join_refused, (unsigned long long)ms.fallbacks,
        (unsigned long long)ms.sf_resets, (unsigned long long)ms.announced,
        (unsigned long long)ms.reinjected, (unsigned long long)ms.fastclosed, nsf, est,
        (unsigned long long)(dsn_nxt - idsn_a - 1),
        (unsigned long long)(s_dsn_seen ? s_dsn_high - mptcp_key_idsn(key_b) - 1 : 0));
}

static void reset_all(void)
{
    memset(sf, 0, sizeof(sf));
    nsf = 0;
    key_b = 0;
    mpc_ok = csum = s_dsn_seen = echo_due = s_infinite = false;
    s_dsn_high = s_rcv = s_fin = 0;
    nrooo = 0;
    s_fin_known = acked_ahead = false;
    memset(&add_addr_seen, 0, sizeof(add_addr_seen));
    handle = NULL;
    out_len = 0;
    checks_off = false;
    accepted = 0;
    no_accept = false;
    in_read = 0;
    clean = true;
    now_ns = 1000000000ull;
    rnd = 1;
    live = 0;
    arp_due[0] = arp_due[1] = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rd r = {data, size, 0};
    uint8_t hdr, kb[8];
    if (!take(&r, &hdr, 1) || !take(&r, kb, 8))
        return 0;
    reset_all();
    const char *tr = getenv("FUZZ_GLUE_TRACE");
    trace = tr ? atoi(tr) : 0;
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 13 + 5);
    key_a = 0;
    for (int i = 0; i < 8; i++)
        key_a = key_a << 8 | kb[i];
    idsn_a = mptcp_key_idsn(key_a);
    dsn_nxt = idsn_a + 1; /* RFC 8684 3.1: the first data byte has DSN IDSN + 1 */
    auto_echo = hdr & 4;
    reuse = hdr & 32;
    pushy = hdr & 64;
    starve = false;
    nalloc = 0;

    struct ns_config cfg;
    ns_config_default(&cfg);
    cfg.sndbuf = cfg.rcvbuf = 16384; /* small buffers reach window edges quickly */
    cfg.max_conns = 16;
    ns_stack_init(&st, &cfg);
    mp = ns_mp_create(&st);
    if (!mp)
        fail("ns_mp_create");
    for (int i = 0; i < NLINK; i++) {
        nif[i] = ns_netif_add(&st, mac_us[i], ip_us[i], 0xffffff00u, linkout, NULL);
        if (!nif[i])
            fail("ns_netif_add");
        ns_netif_up(nif[i]);
        arp_due[i] = false;
        arp_from_peer(i);
    }
    int err = 0;
    listener = ns_tcp_listen(&st, 0, SVC_PORT, 2, &err);
    if (!listener)
        fail("ns_tcp_listen");
    ns_mp_attach(mp, listener);
    ns_tcp_set_callback(listener, on_accept, NULL);

    handshake(hdr, &r);
    starve = hdr & 128;
    uint8_t op, a[8];
    while (take(&r, &op, 1)) {
        switch (op % 9) {
        case 0:
            if (!take(&r, a, 7))
                break;
            clean = false;
            segment(a, NULL, 0);
            break;
        case 1:
            if (!take(&r, a, 1))
                break;
            tick((uint64_t)a[0] * 7000000ull);
            break;
        case 2:
            if (take(&r, a, 1))
                app_rw(a[0]);
            settle();
            break;
        case 3:
            if (!take(&r, a, 1) || !handle)
                break;
            if (a[0] & 1)
                ns_mp_abort(handle);
            else
                ns_mp_close(handle);
            handle = NULL;
            settle();
            break;
        case 4:
            if (take(&r, a, 1))
                join(a[0]);
            break;
        case 5: {
            if (!take(&r, a, 3))
                break;
            size_t k = a[1] % (TCP_OPT_SPACE + 1);
            if (r.n - r.i < k)
                k = r.n - r.i;
            uint8_t raw[TCP_OPT_SPACE];
            if (!take(&r, raw, k))
                break;
            uint8_t seg[7] = {a[0], 0, 0, a[2], 0, 0, 0}; /* in order; a[2] payload bytes */
            clean = false;
            segment(seg, raw, k);
            break;
        }
        case 6:
            if (take(&r, a, 1))
                good_ack(&sf[a[0] % (nsf ? nsf : 1)]);
            break;
        case 8:
            if (!take(&r, a, 1))
                break;
            no_accept = !(a[0] & 1);
            if (!no_accept)
                on_accept(NULL, listener, 0);
            settle();
            break;
        default:
            if (take(&r, a, 2))
                send_data(&sf[a[0] % (nsf ? nsf : 1)], (size_t)a[1] * 8);
            break;
        }
    }
    if (trace)
        summary();
    /* The end: the service gives its connection back, time runs until every timer has had its
     * say (linger, retransmissions, zombies freed by ns_mp_poll), then everything is torn down. */
    if (handle) {
        if (hdr & 16)
            ns_mp_abort(handle);
        else
            ns_mp_close(handle);
        handle = NULL;
    }
    for (int i = 0; i < 40; i++)
        tick(3000000000ull);
    ns_tcp_close(listener);
    tick(1000000);
    ns_stack_destroy(&st);
    ns_mp_destroy(mp);
    cache_drain();
    if (live != 0) {
        fprintf(stderr, "leak: %ld allocations outstanding\n", live);
        abort();
    }
    return 0;
}

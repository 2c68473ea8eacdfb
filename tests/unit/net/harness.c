/* harness.c: the unit-test port of the stack: fake clock, counted allocator, recording netif. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

const uint8_t h_stack_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
const uint8_t h_peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
uint64_t h_now_ns = 1000000000ull;
long h_live_allocs;
struct h_frame h_out[H_MAX_FRAMES];
int h_n_out;
int h_fail_output;
static struct ns_stack stack;
static struct ns_netif *nif;
static uint32_t rnd = 12345;

uint64_t ns_port_now_ns(void)
{
    return h_now_ns;
}

uint32_t ns_port_random(void)
{
    /* Deterministic (xorshift32) so failures reproduce. */
    rnd ^= rnd << 13;
    rnd ^= rnd >> 17;
    rnd ^= rnd << 5;
    return rnd;
}

void *ns_port_alloc(size_t n)
{
    void *p = calloc(1, n);
    if (p)
        h_live_allocs++;
    return p;
}

void ns_port_free(void *p)
{
    if (p)
        h_live_allocs--;
    free(p);
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

static int linkout(struct ns_netif *n, const uint8_t *frame, size_t len)
{
    (void)n;
    if (h_fail_output)
        return -1;
    assert_true(len <= H_FRAME_MAX);
    assert_true(len >= 60); /* padded to the Ethernet minimum */
    if (h_n_out < H_MAX_FRAMES) {
        memcpy(h_out[h_n_out].data, frame, len);
        h_out[h_n_out].len = len;
        h_n_out++;
    }
    return 0;
}

void h_clear_out(void)
{
    h_n_out = 0;
}

struct ns_stack *h_stack(void)
{
    return &stack;
}

struct ns_netif *h_nif(void)
{
    return nif;
}

void h_advance_ms(uint64_t ms)
{
    h_now_ns += ms * 1000000ull;
    ns_poll(&stack);
}

uint16_t h_csum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The peer asks for our address: the stack learns the peer (RFC 826 merge) and replies. */
static void arp_request_from_peer(void)
{
    uint8_t f[60] = {0};
    memset(f, 0xff, 6);
    memcpy(f + 6, h_peer_mac, 6);
    f[12] = 0x08, f[13] = 0x06;
    uint8_t *a = f + 14;
    a[0] = 0, a[1] = 1, a[2] = 0x08, a[3] = 0, a[4] = 6, a[5] = 4, a[6] = 0, a[7] = 1;
    memcpy(a + 8, h_peer_mac, 6);
    a[14] = 10, a[15] = 1, a[16] = 0, a[17] = 1;
    a[24] = 10, a[25] = 1, a[26] = 0, a[27] = 2;
    ns_input(nif, f, sizeof(f));
}

struct ns_stack *h_setup(const struct ns_config *cfg)
{
    h_now_ns = 1000000000ull;
    h_live_allocs = 0;
    h_fail_output = 0;
    rnd = 12345;
    h_clear_out();
    ns_stack_init(&stack, cfg);
    nif = ns_netif_add(&stack, h_stack_mac, H_STACK_IP, 0xffffff00u, linkout, NULL);
    assert_non_null(nif);
    ns_netif_up(nif);
    h_clear_out();
    arp_request_from_peer();
    assert_int_equal(h_n_out, 1); /* the reply */
    h_clear_out();
    return &stack;
}

void h_teardown(void)
{
    ns_stack_destroy(&stack);
    assert_int_equal(h_live_allocs, 0);
}

void h_send_ip(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len)
{
    uint8_t f[H_FRAME_MAX] = {0};
    memcpy(f, h_stack_mac, 6);
    memcpy(f + 6, h_peer_mac, 6);
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((20 + len) >> 8), ip[3] = (uint8_t)(20 + len);
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = proto;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    uint16_t c = h_csum(ip, 20, 0);
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    memcpy(ip + 20, l4, len);
    size_t flen = 14 + 20 + len;
    ns_input(nif, f, flen < 60 ? 60 : flen);
}

static uint32_t pseudo(uint32_t src, uint32_t dst, size_t len)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + (uint32_t)len;
}

void h_send_tcp(const struct h_seg *s, bool bad_csum)
{
    uint8_t t[H_FRAME_MAX] = {0};
    size_t hl = 20 + s->optlen;
    assert_true(s->optlen % 4 == 0 && s->optlen <= 40);
    t[0] = (uint8_t)(s->sport >> 8), t[1] = (uint8_t)s->sport;
    t[2] = (uint8_t)(s->dport >> 8), t[3] = (uint8_t)s->dport;
    for (int i = 0; i < 4; i++) {
        t[4 + i] = (uint8_t)(s->seq >> (24 - 8 * i));
        t[8 + i] = (uint8_t)(s->ack >> (24 - 8 * i));
    }
    t[12] = (uint8_t)((hl / 4) << 4);
    t[13] = s->flags;
    t[14] = (uint8_t)(s->wnd >> 8), t[15] = (uint8_t)s->wnd;
    memcpy(t + 20, s->opt, s->optlen);
    memcpy(t + hl, s->data, s->len);
    uint16_t c = h_csum(t, hl + s->len, pseudo(H_PEER_IP, H_STACK_IP, hl + s->len));
    if (bad_csum)
        c ^= 0x1234;
    t[16] = (uint8_t)(c >> 8), t[17] = (uint8_t)c;
    h_send_ip(H_PEER_IP, H_STACK_IP, 6, t, hl + s->len);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool h_parse_tcp(int i, struct h_seg *s)
{
    const uint8_t *f = h_out[i].data;
    if (h_out[i].len < 54 || f[12] != 0x08 || f[13] != 0x00)
        return false;
    const uint8_t *ip = f + 14;
    size_t tot = (size_t)(ip[2] << 8 | ip[3]);
    if (ip[9] != 6 || (ip[0] & 0xf) != 5 || h_csum(ip, 20, 0) != 0 || tot + 14 > h_out[i].len)
        return false;
    assert_int_equal(ip[8], 64);
    assert_int_equal(rd32(ip + 16), H_PEER_IP);
    const uint8_t *t = ip + 20;
    size_t tl = tot - 20;
    assert_int_equal(h_csum(t, tl, pseudo(H_STACK_IP, H_PEER_IP, tl)), 0);
    memset(s, 0, sizeof(*s));
    s->sport = (uint16_t)(t[0] << 8 | t[1]);
    s->dport = (uint16_t)(t[2] << 8 | t[3]);
    s->seq = rd32(t + 4);
    s->ack = rd32(t + 8);
    size_t hl = (size_t)(t[12] >> 4) * 4;
    s->flags = t[13];
    s->wnd = (uint16_t)(t[14] << 8 | t[15]);
    s->optlen = hl - 20;
    memcpy(s->opt, t + 20, s->optlen);
    s->len = tl - hl;
    memcpy(s->data, t + hl, s->len);
    return true;
}

int h_last_tcp(void)
{
    struct h_seg s;
    for (int i = h_n_out - 1; i >= 0; i--)
        if (h_parse_tcp(i, &s))
            return i;
    return -1;
}

int h_count_tcp(void)
{
    struct h_seg s;
    int n = 0;
    for (int i = 0; i < h_n_out; i++)
        n += h_parse_tcp(i, &s);
    return n;
}

const uint8_t *h_find_opt(const struct h_seg *s, uint8_t kind)
{
    size_t i = 0;
    while (i < s->optlen) {
        if (s->opt[i] == 0)
            return NULL;
        if (s->opt[i] == 1) {
            i++;
            continue;
        }
        if (i + 1 >= s->optlen || s->opt[i + 1] < 2)
            return NULL;
        if (s->opt[i] == kind)
            return &s->opt[i];
        i += s->opt[i + 1];
    }
    return NULL;
}

void h_peer_send(struct h_peer *p, uint8_t flags, const void *data, size_t len, bool ts)
{
    struct h_seg s;
    memset(&s, 0, sizeof(s));
    s.sport = p->port;
    s.dport = p->dport;
    s.seq = p->snd_nxt;
    s.ack = p->rcv_nxt;
    s.flags = flags;
    s.wnd = 0xffff;
    if (ts) {
        /* NOP NOP TS(10): RFC 7323 appendix A layout. */
        uint8_t o[12] = {1, 1, 8, 10};
        p->tsval++;
        for (int i = 0; i < 4; i++)
            o[4 + i] = (uint8_t)(p->tsval >> (24 - 8 * i));
        memcpy(s.opt, o, 12);
        s.optlen = 12;
    }
    if (len)
        memcpy(s.data, data, len);
    s.len = len;
    h_send_tcp(&s, false);
    p->snd_nxt += (uint32_t)len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
}

struct tcp_pcb *h_handshake(struct h_peer *p, struct tcp_pcb *listener, bool opts)
{
    struct h_seg s;
    memset(&s, 0, sizeof(s));
    s.sport = p->port;
    s.dport = p->dport;
    s.seq = p->snd_nxt;
    s.flags = F_SYN;
    s.wnd = 0xffff;
    if (opts) {
        /* MSS 1460, SACK-permitted, TS, NOP, WS 7: the order Linux uses. */
        uint8_t o[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
        memcpy(s.opt, o, 20);
        s.optlen = 20;
        p->tsval = 1;
    }
    int before = h_n_out;
    h_send_tcp(&s, false);
    p->snd_nxt++;
    assert_true(h_n_out > before);
    struct h_seg sa;
    assert_true(h_parse_tcp(h_n_out - 1, &sa));
    assert_int_equal(sa.flags, F_SYN | F_ACK);
    assert_int_equal(sa.ack, p->snd_nxt);
    p->rcv_nxt = sa.seq + 1;
    h_peer_send(p, F_ACK, NULL, 0, opts);
    struct tcp_pcb *c = ns_tcp_accept(listener);
    assert_non_null(c);
    return c;
}

/* fuzz_frames.c: libFuzzer target: arbitrary frame sequences, clock steps and socket calls into the
 * stack. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "tcp.h"

/*
 * Input: a list of records, each starting with an op byte:
 *   0 len16 bytes   raw Ethernet frame, as received
 *   1 len16 bytes   TCP segment; the harness wraps it in Ethernet + IPv4 from the peer and fixes
 *                   the IPv4 and TCP checksums so the fuzzer reaches the TCP state machine
 *   2 len16 bytes   ICMP/any IPv4 payload with protocol = first byte, checksums fixed for ICMP
 *   3 n             advance the clock by n * 7 ms and run timers
 *   4 n             application: read everything, write n bytes back, on every open socket
 *   5 n             application: close (n even) or abort (n odd) the oldest open socket
 */

static uint64_t now_ns = 1000000000ull;
static long live;
static uint32_t rnd;

uint64_t ns_port_now_ns(void)
{
    return now_ns;
}
uint32_t ns_port_random(void)
{
    rnd = rnd * 1103515245u + 12345u;
    return rnd;
}
void *ns_port_alloc(size_t n)
{
    void *p = calloc(1, n);
    if (p)
        live++;
    return p;
}
void ns_port_free(void *p)
{
    if (p)
        live--;
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

static const uint8_t mac_us[6] = {2, 0, 0, 0, 0, 2}, mac_peer[6] = {2, 0, 0, 0, 0, 1};
#define IP_US   0x0a010002u
#define IP_PEER 0x0a010001u
#define MAXS    16
static struct tcp_pcb *socks[MAXS];
static int nsocks;

static int linkout(struct ns_netif *n, const uint8_t *f, size_t len)
{
    (void)n, (void)f;
    if (len < 60 || len > NS_ETH_MAX)
        abort(); /* the stack must never emit a runt or an oversized frame */
    return 0;
}

static void on_listen(void *arg, struct tcp_pcb *l, unsigned ev)
{
    (void)arg, (void)ev;
    struct tcp_pcb *c;
    while ((c = ns_tcp_accept(l)) != NULL) {
        if (nsocks < MAXS)
            socks[nsocks++] = c;
        else
            ns_tcp_abort(c);
    }
}

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

static void send_ip(struct ns_netif *nif, uint8_t proto, const uint8_t *l4, size_t len)
{
    uint8_t f[NS_ETH_MAX];
    if (len > NS_ETH_MTU - 20)
        len = NS_ETH_MTU - 20;
    memset(f, 0, 60);
    memcpy(f, mac_us, 6);
    memcpy(f + 6, mac_peer, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45, ip[2] = (uint8_t)((20 + len) >> 8), ip[3] = (uint8_t)(20 + len);
    ip[8] = 64, ip[9] = proto;
    ip[12] = 10, ip[13] = 1, ip[15] = 1, ip[16] = 10, ip[17] = 1, ip[19] = 2;
    uint16_t c = fold(sum16(ip, 20, 0));
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    uint8_t *t = ip + 20;
    memcpy(t, l4, len);
    if (proto == 6 && len >= 18) {
        t[16] = t[17] = 0;
        uint32_t ps = 0x0a01 + 0x0001 + 0x0a01 + 0x0002 + 6 + (uint32_t)len;
        c = fold(sum16(t, len, ps));
        t[16] = (uint8_t)(c >> 8), t[17] = (uint8_t)c;
    } else if (proto == 1 && len >= 4) {
        t[2] = t[3] = 0;
        c = fold(sum16(t, len, 0));
        t[2] = (uint8_t)(c >> 8), t[3] = (uint8_t)c;
    }
    size_t fl = 34 + len;
    ns_input(nif, f, fl < 60 ? 60 : fl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ns_stack st;
    struct ns_config cfg;
    ns_config_default(&cfg);
    cfg.sndbuf = cfg.rcvbuf = 8192; /* small buffers reach window edges quickly */
    cfg.max_conns = 24;
    now_ns = 1000000000ull;
    rnd = 1;
    live = 0;
    nsocks = 0;
    ns_stack_init(&st, &cfg);
    struct ns_netif *nif = ns_netif_add(&st, mac_us, IP_US, 0xffffff00u, linkout, NULL);
    ns_netif_up(nif);
    struct tcp_pcb *l = ns_tcp_listen(&st, 0, 7, 8, NULL);
    ns_tcp_set_callback(l, on_listen, NULL);
    size_t i = 0;
    uint8_t buf[4096];
    while (i < size) {
        uint8_t op = data[i++] % 6;
        if (op <= 2) {
            if (i + 2 > size)
                break;
            size_t len = (size_t)(data[i] << 8 | data[i + 1]) % 1600;
            i += 2;
            if (len > size - i)
                len = size - i;
            if (op == 0)
                ns_input(nif, data + i, len);
            else if (op == 1)
                send_ip(nif, 6, data + i, len);
            else if (len > 0)
                send_ip(nif, data[i], data + i + 1, len - 1);
            i += len;
        } else {
            if (i >= size)
                break;
            uint8_t n = data[i++];
            if (op == 3) {
                now_ns += (uint64_t)n * 7000000ull;
                ns_poll(&st);
            } else if (op == 4) {
                for (int k = 0; k < nsocks; k++) {
                    long r = ns_tcp_recv(socks[k], buf, sizeof(buf));
                    (void)r;
                    memset(buf, 'x', n);
                    (void)ns_tcp_send(socks[k], buf, n);
                }
            } else if (nsocks > 0) {
                if (n & 1)
                    ns_tcp_abort(socks[0]);
                else
                    ns_tcp_close(socks[0]);
                memmove(socks, socks + 1, sizeof(socks[0]) * (size_t)(nsocks - 1));
                nsocks--;
                ns_poll(&st);
            }
        }
    }
    for (int k = 0; k < nsocks; k++)
        ns_tcp_abort(socks[k]);
    ns_tcp_close(l);
    ns_poll(&st);
    ns_stack_destroy(&st);
    if (live != 0) {
        fprintf(stderr, "leak: %ld allocations outstanding\n", live);
        abort();
    }
    return 0;
}

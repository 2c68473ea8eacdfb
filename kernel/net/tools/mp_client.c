/* mp_client.c: Linux IPPROTO_MPTCP echo client for the interop tests: streams seeded bytes, checks
 * the echo by SHA-256, and reports what the kernel says about the connection and its subflows. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/mptcp.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/crypto/sha256.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262 /* include/uapi/linux/in.h */
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284 /* include/linux/socket.h */
#endif
#define MAX_SF 8

/* klib's panic, which the shared SHA-256 calls on a broken invariant. */
void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mp-client panic: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint8_t next_byte(void)
{
    /* splitmix64: any fixed stream will do, both ends hash it */
    rng += 0x9e3779b97f4a7c15ull;
    uint64_t z = rng;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint8_t)(z ^ (z >> 31));
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sf_snap {
    int n;
    unsigned long long acked[MAX_SF], rcvd[MAX_SF];
};

/* MPTCP_TCPINFO (include/uapi/linux/mptcp.h): struct mptcp_subflow_data, then one tcp_info per
 * subflow, each size_user bytes. Returns -1 when the connection is not MPTCP (EOPNOTSUPP). */
static int subflow_snap(int fd, struct sf_snap *s)
{
    struct {
        struct mptcp_subflow_data d;
        struct tcp_info ti[MAX_SF];
    } b;
    memset(&b, 0, sizeof(b));
    b.d.size_subflow_data = sizeof(b.d);
    b.d.size_user = sizeof(struct tcp_info);
    socklen_t len = sizeof(b);
    if (getsockopt(fd, SOL_MPTCP, MPTCP_TCPINFO, &b, &len) != 0)
        return -1;
    s->n = (int)(b.d.num_subflows < MAX_SF ? b.d.num_subflows : MAX_SF);
    for (int i = 0; i < s->n; i++) {
        s->acked[i] = b.ti[i].tcpi_bytes_acked;
        s->rcvd[i] = b.ti[i].tcpi_bytes_received;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr,
                "usage: mp-client IP PORT BYTES [tcp]\n"
                "  echoes BYTES seeded bytes through IPPROTO_MPTCP (or plain TCP with 'tcp'),\n"
                "  prints one JSON line: sha match, MPTCP_INFO, per-subflow bytes\n");
        return 2;
    }
    char *end;
    unsigned long long total = strtoull(argv[3], &end, 10);
    long port = strtol(argv[2], NULL, 10);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (*end || port <= 0 || port > 65535 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
        fprintf(stderr, "mp-client: bad address, port or byte count\n");
        return 2;
    }
    bool plain = argc > 4 && !strcmp(argv[4], "tcp");
    int fd = socket(AF_INET, SOCK_STREAM, plain ? IPPROTO_TCP : IPPROTO_MPTCP);
    if (fd < 0) {
        perror("mp-client: socket");
        return 1;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("mp-client: connect");
        return 1;
    }
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
        perror("mp-client: fcntl");
        return 1;
    }
    struct sha256_ctx hs, hr;
    sha256_init(&hs);
    sha256_init(&hr);
    unsigned long long sent = 0, got = 0;
    uint8_t out[65536], in[65536];
    size_t out_len = 0, out_off = 0;
    struct sf_snap snap = {0};
    int max_sf = 0;
    double t0 = now_s(), last = t0;
    while (got < total) {
        struct pollfd p = {.fd = fd, .events = POLLIN | (sent < total ? POLLOUT : 0)};
        if (poll(&p, 1, 1000) < 0 && errno != EINTR) {
            perror("mp-client: poll");
            return 1;
        }
        if (now_s() - last > 120) {
            fprintf(stderr, "mp-client: stalled at %llu/%llu bytes back\n", got, total);
            return 1;
        }
        if (sent < total && out_off == out_len) {
            size_t k = total - sent < sizeof(out) ? (size_t)(total - sent) : sizeof(out);
            for (size_t i = 0; i < k; i++)
                out[i] = next_byte();
            sha256_update(&hs, out, k);
            out_len = k;
            out_off = 0;
        }
        if (out_off < out_len) {
            ssize_t w = send(fd, out + out_off, out_len - out_off, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                perror("mp-client: send");
                return 1;
            }
            if (w > 0) {
                out_off += (size_t)w;
                sent += (unsigned long long)w;
                last = now_s();
            }
        }
        ssize_t r = recv(fd, in, sizeof(in), 0);
        if (r == 0) {
            fprintf(stderr, "mp-client: end of stream after %llu/%llu bytes\n", got, total);
            return 1;
        }
        if (r < 0 && errno != EAGAIN && errno != EINTR) {
            perror("mp-client: recv");
            return 1;
        }
        if (r > 0) {
            sha256_update(&hr, in, (size_t)r);
            got += (unsigned long long)r;
            last = now_s();
        }
        /* Keep the subflow figures while the connection lives (the end takes them away). */
        struct sf_snap s2;
        if (!plain && subflow_snap(fd, &s2) == 0) {
            snap = s2;
            if (s2.n > max_sf)
                max_sf = s2.n;
        }
    }
    double dt = now_s() - t0;
    struct mptcp_info mi;
    memset(&mi, 0, sizeof(mi));
    socklen_t ml = sizeof(mi);
    int info_ok = !plain && getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &mi, &ml) == 0;
    uint8_t ds[32], dr[32];
    sha256_final(&hs, ds);
    sha256_final(&hr, dr);
    shutdown(fd, SHUT_WR); /* DATA_FIN (RFC 8684 3.3.3) */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0) {
        struct timeval tv = {.tv_sec = 10};
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void)recv(fd, in, sizeof(in), 0); /* wait for the server's end of stream */
    }
    close(fd);
    bool match = memcmp(ds, dr, 32) == 0;
    printf("{\"bytes\":%llu,\"seconds\":%.3f,\"mbit_s\":%.1f,\"sha_match\":%s,\"mptcp_info\":%s,"
           "\"fallback\":%s,\"subflows_max\":%d,\"sf_bytes_acked\":[",
           total, dt, dt > 0 ? (double)total * 8 / dt / 1e6 : 0.0, match ? "true" : "false",
           info_ok ? "true" : "false",
           info_ok && (mi.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK) ? "true" : "false", max_sf);
    for (int i = 0; i < snap.n; i++)
        printf("%s%llu", i ? "," : "", snap.acked[i]);
    printf("],\"sf_bytes_received\":[");
    for (int i = 0; i < snap.n; i++)
        printf("%s%llu", i ? "," : "", snap.rcvd[i]);
    printf("]}\n");
    return match ? 0 : 1;
}

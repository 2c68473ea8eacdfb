/* rr_client.c: Linux TCP request/response client for tests and benchmarks: ping-pong over echo
 * (RFC 862) or the NetSync request protocol (docs/protocol.md), every byte checked. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/proto/rpc_proto.h"

void panic(const char *fmt, ...)
{
    (void)fmt;
    abort();
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: rr-client IP PORT MODE BYTES LIMIT\n"
                    "  MODE  echo | rpc | rpc-corrupt (every 10th request carries a wrong byte\n"
                    "        and must come back with status BAD_PAYLOAD)\n"
                    "  BYTES message size (echo) or req_len = resp_len (rpc)\n"
                    "  LIMIT <n>s for a duration, <n> for a request count\n"
                    "  prints one JSON line; exit 1 on any mismatch or error\n");
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        usage();
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    const char *mode = argv[3];
    long msg = atol(argv[4]);
    char *end;
    double lim = strtod(argv[5], &end);
    bool timed = *end == 's';
    bool rpc = !strcmp(mode, "rpc") || !strcmp(mode, "rpc-corrupt");
    bool corrupt = !strcmp(mode, "rpc-corrupt");
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || msg < 1 || msg > (1 << 20) || lim <= 0 ||
        (*end && !timed) || (!rpc && strcmp(mode, "echo"))) {
        usage();
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "rr-client: connect: %s\n", strerror(errno));
        return 1;
    }
    size_t cap = 1 << 20, n = 0;
    uint64_t *lat = malloc(cap * sizeof(*lat));
    size_t bufsz = (size_t)msg + RPC_HDR_LEN;
    uint8_t *out = malloc(bufsz), *in = malloc(bufsz);
    if (!lat || !out || !in) {
        fprintf(stderr, "rr-client: out of memory\n");
        return 1;
    }
    uint64_t start = now_ns(), deadline = start + (uint64_t)(lim * 1e9);
    uint64_t mismatches = 0, status_errors = 0, expected_bad = 0, id;
    for (id = 0; timed ? now_ns() < deadline : id < (uint64_t)lim; id++) {
        uint64_t t0 = now_ns();
        size_t len = (size_t)msg;
        if (rpc) {
            struct rpc_hdr h;
            rpc_hdr_init(&h, id, (uint32_t)msg, (uint32_t)msg, t0, 0);
            rpc_hdr_pack(&h, out);
            rpc_payload_fill(id, RPC_DIR_REQUEST, 0, out + RPC_HDR_LEN, (size_t)msg);
            if (corrupt && id % 10 == 9) {
                out[RPC_HDR_LEN + (size_t)msg / 2] ^= 0x5a;
                expected_bad++;
            }
            len += RPC_HDR_LEN;
        } else {
            memset(out, (int)(id & 0xff), len);
        }
        if (write_all(fd, out, len) != 0 || read_all(fd, in, len) != 0) {
            fprintf(stderr, "rr-client: connection failed at request %llu: %s\n",
                    (unsigned long long)id, strerror(errno));
            return 1;
        }
        if (rpc) {
            struct rpc_hdr r;
            uint8_t want = (corrupt && id % 10 == 9) ? RPC_ST_BAD_PAYLOAD : RPC_ST_OK;
            if (rpc_hdr_unpack(in, RPC_HDR_LEN, &r) != RPC_OK || r.id != id || r.status != want ||
                !(r.flags & RPC_F_RESPONSE) || r.resp_len != (uint32_t)msg || r.send_ns != t0)
                status_errors++;
            mismatches += rpc_payload_check(id, RPC_DIR_RESPONSE, 0, in + RPC_HDR_LEN, (size_t)msg);
        } else {
            mismatches += memcmp(in, out, len) != 0;
        }
        if (n < cap)
            lat[n++] = now_ns() - t0;
    }
    double elapsed = (double)(now_ns() - start) / 1e9;
    close(fd);
    if (n == 0) {
        fprintf(stderr, "rr-client: no round trip completed\n");
        return 1;
    }
    qsort(lat, n, sizeof(*lat), cmp_u64);
    printf("{\"mode\":\"%s\",\"requests\":%zu,\"rate_per_s\":%.0f,\"rtt_p50_us\":%.1f,"
           "\"rtt_p99_us\":%.1f,\"msg_bytes\":%ld,\"mismatches\":%llu,\"status_errors\":%llu,"
           "\"expected_bad_payload\":%llu}\n",
           mode, n, (double)n / elapsed, (double)lat[n / 2] / 1e3, (double)lat[n * 99 / 100] / 1e3,
           msg, (unsigned long long)mismatches, (unsigned long long)status_errors,
           (unsigned long long)expected_bad);
    free(lat);
    free(out);
    free(in);
    return mismatches || status_errors ? 1 : 0;
}

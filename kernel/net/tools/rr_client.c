/* rr_client.c: Linux TCP request/response client for benchmarks: fixed-size ping-pong over echo. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: rr-client IP PORT MSG_BYTES SECONDS\n"
                        "  sends MSG_BYTES, waits for the same bytes back (an echo server),\n"
                        "  repeats for SECONDS, prints one JSON line\n");
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    long msg = atol(argv[3]);
    double secs = atof(argv[4]);
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || msg < 1 || msg > 65536 || secs <= 0) {
        fprintf(stderr, "rr-client: bad arguments\n");
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
    char *out = malloc((size_t)msg), *in = malloc((size_t)msg);
    if (!lat || !out || !in) {
        fprintf(stderr, "rr-client: out of memory\n");
        return 1;
    }
    uint64_t start = now_ns(), end = start + (uint64_t)(secs * 1e9), mismatches = 0;
    for (uint64_t id = 0; now_ns() < end; id++) {
        memset(out, (int)(id & 0xff), (size_t)msg);
        uint64_t t0 = now_ns();
        if (write(fd, out, (size_t)msg) != msg) {
            fprintf(stderr, "rr-client: write: %s\n", strerror(errno));
            return 1;
        }
        for (long got = 0; got < msg;) {
            ssize_t r = read(fd, in + got, (size_t)(msg - got));
            if (r <= 0) {
                fprintf(stderr, "rr-client: read: %s\n", r ? strerror(errno) : "closed");
                return 1;
            }
            got += r;
        }
        mismatches += memcmp(in, out, (size_t)msg) != 0;
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
    printf("{\"requests\":%zu,\"rate_per_s\":%.0f,\"rtt_p50_us\":%.1f,\"rtt_p99_us\":%.1f,"
           "\"msg_bytes\":%ld,\"mismatches\":%llu}\n",
           n, (double)n / elapsed, (double)lat[n / 2] / 1e3, (double)lat[n * 99 / 100] / 1e3, msg,
           (unsigned long long)mismatches);
    free(lat);
    free(out);
    free(in);
    return mismatches ? 1 : 0;
}

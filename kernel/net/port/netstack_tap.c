/* netstack_tap.c: the stack as a Linux process on tap devices: echo service, impairment, counters.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../net.h"
#include "../tcp.h"
#include "discard_svc.h"
#include "echo_svc.h"
#include "impair.h"
#include "rpc_svc.h"
#include "tap.h"

#define MAX_TAPS       NS_MAX_NETIF
#define REORDER_MAX_NS 2000000ull /* a held frame waits at most 2 ms for a follower */

struct tap_link {
    const char *name;
    int fd;
    struct ns_netif *nif;
    struct impair in, out;
    uint64_t write_errors;
};

static volatile sig_atomic_t stop;
static struct tap_link links[MAX_TAPS];
static int n_links;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: netstack-tap --tap NAME,IP/PREFIX [--tap ...] [options]\n"
            "  --echo-port N     RFC 862 echo port (default 7; 0 = off)\n"
            "  --discard-port N  RFC 863 discard port (default 9; 0 = off)\n"
            "  --rpc-port N      request server of docs/protocol.md (default 7100; 0 = off)\n"
            "  --mptcp 0|1       accept MPTCP v1 on every service (default 1; 0 = plain TCP)\n"
            "  --mp-sched rtt|room  subflow for new data: earliest expected delivery (default)\n"
            "                    or most send-buffer room (the first scheduler, to compare)\n"
            "  --loss PCT        drop PCT%% of frames in each direction (seeded)\n"
            "  --reorder PCT     hold PCT%% of frames back behind the next one\n"
            "  --dup PCT         send PCT%% of frames twice\n"
            "  --seed N          impairment RNG seed (default 1)\n"
            "  --rto-min MS      RFC 6298 minimum RTO (default 200)\n"
            "  --max-conns N     TCP control blocks (default 256)\n"
            "  --sndbuf B --rcvbuf B  per-connection buffers (default 131072)\n"
            "  --msl MS          maximum segment lifetime (TIME-WAIT = 2 MSL)\n");
}

static void write_frame(void *arg, const uint8_t *frame, size_t len)
{
    struct tap_link *l = arg;
    ssize_t w = write(l->fd, frame, len);
    if (w != (ssize_t)len)
        l->write_errors++;
}

static int linkout(struct ns_netif *nif, const uint8_t *frame, size_t len)
{
    struct tap_link *l = nif->port_arg;
    impair_frame(&l->out, frame, len, ns_port_now_ns(), write_frame, l);
    return 0;
}

static void deliver_in(void *arg, const uint8_t *frame, size_t len)
{
    struct tap_link *l = arg;
    ns_input(l->nif, frame, len);
}

static bool parse_tap(const char *arg, struct tap_link *l, uint32_t *ip, uint32_t *mask)
{
    static char names[MAX_TAPS][32];
    const char *comma = strchr(arg, ',');
    const char *slash = comma ? strchr(comma, '/') : NULL;
    if (!comma || !slash || comma == arg || (size_t)(comma - arg) >= sizeof(names[0]))
        return false;
    char ipbuf[16];
    size_t iplen = (size_t)(slash - comma - 1);
    if (iplen == 0 || iplen >= sizeof(ipbuf))
        return false;
    memcpy(ipbuf, comma + 1, iplen);
    ipbuf[iplen] = '\0';
    char *end;
    long prefix = strtol(slash + 1, &end, 10);
    if (*end != '\0' || prefix < 1 || prefix > 32 || !ns_parse_ipv4(ipbuf, ip))
        return false;
    memcpy(names[n_links], arg, (size_t)(comma - arg));
    names[n_links][comma - arg] = '\0';
    l->name = names[n_links];
    *mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
    return true;
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end != '\0' || end == s || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static void print_stat(const char *name, uint64_t v, void *arg)
{
    (void)arg;
    if (v)
        printf("counter %s %llu\n", name, (unsigned long long)v);
}

static struct ns_mp *mp; /* NULL with --mptcp 0 */

static void print_counters(const struct ns_stack *st)
{
    uint64_t conns, bytes;
    if (mp) {
        struct ns_mp_stats m;
        ns_mp_get_stats(mp, &m);
        printf("mptcp capable=%llu joins=%llu plain=%llu fallbacks=%llu sf_resets=%llu "
               "join_refused=%llu announced=%llu reinjected=%llu fb_no_mpc_ack=%llu "
               "fb_no_mapping=%llu fb_csum=%llu fastclosed=%llu\n",
               (unsigned long long)m.capable, (unsigned long long)m.joins,
               (unsigned long long)m.plain, (unsigned long long)m.fallbacks,
               (unsigned long long)m.sf_resets, (unsigned long long)m.join_refused,
               (unsigned long long)m.announced, (unsigned long long)m.reinjected,
               (unsigned long long)m.fb_no_mpc_ack, (unsigned long long)m.fb_no_mapping,
               (unsigned long long)m.fb_csum, (unsigned long long)m.fastclosed);
    }
    for (int i = 0; i < n_links; i++) {
        const struct tap_link *l = &links[i];
        const struct ns_netif_stats *s = &l->nif->stats;
        printf("netif %s rx_frames=%llu rx_bytes=%llu tx_frames=%llu tx_bytes=%llu rx_drops=%llu "
               "tx_drops=%llu write_errors=%llu\n",
               l->name, (unsigned long long)s->rx_frames, (unsigned long long)s->rx_bytes,
               (unsigned long long)s->tx_frames, (unsigned long long)s->tx_bytes,
               (unsigned long long)s->rx_drops, (unsigned long long)s->tx_drops,
               (unsigned long long)l->write_errors);
        printf("impair %s in: frames=%llu lost=%llu reordered=%llu duplicated=%llu; out: "
               "frames=%llu lost=%llu reordered=%llu duplicated=%llu\n",
               l->name, (unsigned long long)l->in.n_in, (unsigned long long)l->in.n_lost,
               (unsigned long long)l->in.n_reordered, (unsigned long long)l->in.n_duplicated,
               (unsigned long long)l->out.n_in, (unsigned long long)l->out.n_lost,
               (unsigned long long)l->out.n_reordered, (unsigned long long)l->out.n_duplicated);
    }
    echo_svc_counts(&conns, &bytes);
    printf("echo connections=%llu bytes=%llu\n", (unsigned long long)conns,
           (unsigned long long)bytes);
    printf("discard bytes=%llu\n", (unsigned long long)discard_svc_bytes());
    struct rpc_svc_counts rc;
    rpc_svc_get_counts(&rc);
    printf("rpc connections=%llu requests=%llu ok=%llu bad_payload=%llu bad_flags=%llu "
           "mismatched_bytes=%llu framing_errors=%llu truncated=%llu no_memory=%llu\n",
           (unsigned long long)rc.connections, (unsigned long long)rc.requests,
           (unsigned long long)rc.ok, (unsigned long long)rc.bad_payload,
           (unsigned long long)rc.bad_flags, (unsigned long long)rc.mismatched_bytes,
           (unsigned long long)rc.framing_errors, (unsigned long long)rc.truncated,
           (unsigned long long)rc.no_memory);
    ns_stats_foreach(st, print_stat, NULL);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static struct ns_stack st;
    struct ns_config cfg;
    double loss = 0, reorder = 0, dup = 0, seed = 1, v;
    double echo_port = 7, discard_port = 9, rpc_port = 7100, use_mptcp = 1;
    enum mptcp_sched_policy sched = MPTCP_SCHED_RTT;
    uint32_t ips[MAX_TAPS], masks[MAX_TAPS];
    ns_config_default(&cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = val != NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return 0;
        } else if (!strcmp(a, "--tap") && val) {
            ok = n_links < MAX_TAPS &&
                 parse_tap(val, &links[n_links], &ips[n_links], &masks[n_links]);
            if (ok)
                n_links++;
        } else if (!strcmp(a, "--echo-port") && val) {
            ok = parse_num(val, 0, 65535, &echo_port);
        } else if (!strcmp(a, "--discard-port") && val) {
            ok = parse_num(val, 0, 65535, &discard_port);
        } else if (!strcmp(a, "--rpc-port") && val) {
            ok = parse_num(val, 0, 65535, &rpc_port);
        } else if (!strcmp(a, "--mptcp") && val) {
            ok = parse_num(val, 0, 1, &use_mptcp);
        } else if (!strcmp(a, "--mp-sched") && val) {
            ok = !strcmp(val, "rtt") || !strcmp(val, "room");
            sched = !strcmp(val, "room") ? MPTCP_SCHED_ROOM : MPTCP_SCHED_RTT;
        } else if (!strcmp(a, "--loss") && val) {
            ok = parse_num(val, 0, 100, &loss);
        } else if (!strcmp(a, "--reorder") && val) {
            ok = parse_num(val, 0, 100, &reorder);
        } else if (!strcmp(a, "--dup") && val) {
            ok = parse_num(val, 0, 100, &dup);
        } else if (!strcmp(a, "--seed") && val) {
            ok = parse_num(val, 0, 4294967295.0, &seed);
        } else if (!strcmp(a, "--rto-min") && val) {
            ok = parse_num(val, 1, 60000, &v);
            cfg.rto_min_ms = (uint32_t)v;
        } else if (!strcmp(a, "--max-conns") && val) {
            ok = parse_num(val, 1, 100000, &v);
            cfg.max_conns = (uint32_t)v;
        } else if (!strcmp(a, "--sndbuf") && val) {
            ok = parse_num(val, 4096, 64 << 20, &v);
            cfg.sndbuf = (uint32_t)v;
        } else if (!strcmp(a, "--rcvbuf") && val) {
            ok = parse_num(val, 4096, 64 << 20, &v);
            cfg.rcvbuf = (uint32_t)v;
        } else if (!strcmp(a, "--msl") && val) {
            ok = parse_num(val, 1, 600000, &v);
            cfg.msl_ms = (uint32_t)v;
        } else {
            fprintf(stderr, "netstack-tap: unknown option '%s'\n", a);
            usage();
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "netstack-tap: bad value for %s: '%s'\n", a, val ? val : "(missing)");
            return 2;
        }
        i++;
    }
    if (n_links == 0) {
        fprintf(stderr, "netstack-tap: at least one --tap NAME,IP/PREFIX is required\n");
        usage();
        return 2;
    }
    ns_stack_init(&st, &cfg);
    if (use_mptcp > 0) {
        mp = ns_mp_create(&st);
        if (!mp) {
            fprintf(stderr, "netstack-tap: no memory for MPTCP\n");
            return 1;
        }
        ns_mp_set_sched(mp, sched);
    }
    for (int i = 0; i < n_links; i++) {
        struct tap_link *l = &links[i];
        l->fd = tap_open(l->name);
        if (l->fd < 0)
            return 1;
        /* Locally administered unicast MAC (IEEE 802 U/L bit): 02:4e:53:<nic>:<ip low 16>. */
        uint8_t mac[6] = {0x02, 0x4e, 0x53, (uint8_t)i, (uint8_t)(ips[i] >> 8), (uint8_t)ips[i]};
        uint64_t s = (uint64_t)seed;
        impair_init(&l->in, loss, reorder, dup, s * 4 + (uint64_t)i * 2);
        impair_init(&l->out, loss, reorder, dup, s * 4 + (uint64_t)i * 2 + 1);
        l->nif = ns_netif_add(&st, mac, ips[i], masks[i], linkout, l);
        if (!l->nif) {
            fprintf(stderr, "netstack-tap: too many interfaces\n");
            return 1;
        }
        ns_netif_up(l->nif);
    }
    if (echo_port > 0) {
        int rc = echo_svc_start(&st, mp, (uint16_t)echo_port, 128);
        if (rc != 0) {
            fprintf(stderr, "netstack-tap: echo listen failed (%d)\n", rc);
            return 1;
        }
    }
    if (discard_port > 0) {
        int rc = discard_svc_start(&st, mp, (uint16_t)discard_port, 128);
        if (rc != 0) {
            fprintf(stderr, "netstack-tap: discard listen failed (%d)\n", rc);
            return 1;
        }
    }
    if (rpc_port > 0) {
        int rc = rpc_svc_start(&st, mp, (uint16_t)rpc_port, 128);
        if (rc != 0) {
            fprintf(stderr, "netstack-tap: rpc listen failed (%d)\n", rc);
            return 1;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) {
        perror("netstack-tap: sigaction");
        return 1;
    }
    printf("ready");
    for (int i = 0; i < n_links; i++) {
        char ip[16];
        ns_format_ipv4(ips[i], ip);
        printf(" %s=%s", links[i].name, ip);
    }
    printf("\n");
    fflush(stdout);

    struct pollfd pfd[MAX_TAPS];
    uint8_t frame[IMPAIR_FRAME_MAX];
    while (!stop) {
        uint64_t now = ns_port_now_ns(), dl = ns_next_deadline(&st);
        int timeout = 100;
        if (dl != UINT64_MAX)
            timeout = dl <= now ? 0 : (int)((dl - now + 999999) / 1000000);
        if (timeout > 100)
            timeout = 100;
        for (int i = 0; i < n_links; i++) {
            pfd[i].fd = links[i].fd;
            pfd[i].events = POLLIN;
            if (links[i].in.held_len || links[i].out.held_len)
                timeout = timeout > 1 ? 1 : timeout;
        }
        int n = poll(pfd, (nfds_t)n_links, timeout);
        if (n < 0 && errno != EINTR) {
            perror("netstack-tap: poll");
            break;
        }
        for (int i = 0; n > 0 && i < n_links; i++) {
            if (!(pfd[i].revents & POLLIN))
                continue;
            /* A bounded batch per link keeps timers and the other link served. */
            for (int k = 0; k < 256; k++) {
                ssize_t r = read(links[i].fd, frame, sizeof(frame));
                if (r <= 0)
                    break;
                impair_frame(&links[i].in, frame, (size_t)r, ns_port_now_ns(), deliver_in,
                             &links[i]);
            }
        }
        now = ns_port_now_ns();
        for (int i = 0; i < n_links; i++) {
            impair_flush(&links[i].in, now, REORDER_MAX_NS, deliver_in, &links[i]);
            impair_flush(&links[i].out, now, REORDER_MAX_NS, write_frame, &links[i]);
        }
        ns_poll(&st);
        if (mp)
            ns_mp_poll(mp);
    }
    print_counters(&st);
    ns_stack_destroy(&st);
    if (mp)
        ns_mp_destroy(mp);
    for (int i = 0; i < n_links; i++)
        close(links[i].fd);
    return 0;
}

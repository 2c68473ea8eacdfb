/* linkem.c: user-space link emulator between a tap/unix end (host) and QEMU's dgram socket (guest).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lk_link.h"
#include "units.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: linkem --host EP --guest EP [--profile FILE | --down FILE --up FILE]\n"
               "              [--extra-delay TIME] [--extra-loss PCT%%] [--set-down CLAUSES]\n"
               "              [--set-up CLAUSES] [--seed N] [--ctl PATH] [--pcap FILE] [--quiet]\n"
               "  EP = tap:NAME | unix:LOCAL,REMOTE  (linkem binds LOCAL and sends to REMOTE)\n"
               "  downlink = host -> guest (the [downlink] block), uplink = guest -> host\n"
               "  see docs/profiles.md\n");
}

/* Loads the block for direction d of FILE into out. */
static int load_dir(const char *file, int d, struct prof_dir *out, char *err, size_t errlen)
{
    struct profile p;
    if (prof_load(file, &p, err, errlen) != 0)
        return -1;
    int rc = prof_dir_copy(out, &p.dir[d]);
    prof_free(&p);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

int main(int argc, char **argv)
{
    const char *host = NULL, *guest = NULL, *file[2] = {NULL, NULL}, *ctl = NULL, *pcapf = NULL;
    const char *set[2] = {NULL, NULL};
    int64_t extra_delay = 0;
    uint32_t extra_loss = 0;
    uint64_t seed = 1;
    int quiet = 0;
    const char *why;
    static const struct option opts[] = {{"host", required_argument, 0, 'H'},
                                         {"guest", required_argument, 0, 'G'},
                                         {"profile", required_argument, 0, 'p'},
                                         {"down", required_argument, 0, 'd'},
                                         {"up", required_argument, 0, 'u'},
                                         {"extra-delay", required_argument, 0, 'D'},
                                         {"extra-loss", required_argument, 0, 'L'},
                                         {"set-down", required_argument, 0, 's'},
                                         {"set-up", required_argument, 0, 'S'},
                                         {"seed", required_argument, 0, 'r'},
                                         {"ctl", required_argument, 0, 'c'},
                                         {"pcap", required_argument, 0, 'w'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'H':
            host = optarg;
            break;
        case 'G':
            guest = optarg;
            break;
        case 'p':
            file[0] = file[1] = optarg;
            break;
        case 'd':
            file[0] = optarg;
            break;
        case 'u':
            file[1] = optarg;
            break;
        case 'D':
            if (units_time_ns(optarg, &extra_delay, &why) != 0) {
                fprintf(stderr, "linkem: --extra-delay %s: %s\n", optarg, why);
                return 2;
            }
            break;
        case 'L':
            if (units_percent(optarg, &extra_loss, &why) != 0) {
                fprintf(stderr, "linkem: --extra-loss %s: %s\n", optarg, why);
                return 2;
            }
            break;
        case 's':
            set[0] = optarg;
            break;
        case 'S':
            set[1] = optarg;
            break;
        case 'r': {
            uint64_t v;
            if (units_uint(optarg, UINT64_MAX, &v, &why) != 0) {
                fprintf(stderr, "linkem: --seed %s: %s\n", optarg, why);
                return 2;
            }
            seed = v;
            break;
        }
        case 'c':
            ctl = optarg;
            break;
        case 'w':
            pcapf = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || host == NULL || guest == NULL) {
        fprintf(stderr, "linkem: --host and --guest are required\n");
        usage(stderr);
        return 2;
    }
    /* Timer slack defaults to 50 us; emulated delays want the hrtimer's own precision. */
    if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) != 0)
        perror("linkem: PR_SET_TIMERSLACK (continuing)");

    static struct lk_link l;
    l.ctl_fd = -1;
    for (int i = 0; i < LK_CTL_CLIENTS; i++)
        l.cli[i].fd = -1;
    char err[1024];
    struct prof_dir dir[2];
    int64_t now = lk_now();
    for (int d = 0; d < 2; d++) {
        prof_dir_init(&dir[d]);
        if (file[d] != NULL && load_dir(file[d], d, &dir[d], err, sizeof(err)) != 0) {
            fprintf(stderr, "linkem: %s\n", err);
            return 2;
        }
        if (set[d] != NULL && prof_apply_line(&dir[d], set[d], NULL, err, sizeof(err)) != 0) {
            fprintf(stderr, "linkem: --set-%s: %s\n", d ? "up" : "down", err);
            return 2;
        }
        if (prof_add_delay(&dir[d], extra_delay, err, sizeof(err)) != 0 ||
            prof_add_loss(&dir[d], extra_loss, err, sizeof(err)) != 0) {
            fprintf(stderr, "linkem: %s: %s\n", d ? "uplink" : "downlink", err);
            return 2;
        }
        /* each direction has its own stream: the golden-ratio step keeps them apart */
        if (shp_init(&l.sh[d], &dir[d], seed * 2 + (uint64_t)d, now, err, sizeof(err)) != 0) {
            fprintf(stderr, "linkem: %s: %s\n", d ? "uplink" : "downlink", err);
            return 2;
        }
        prof_dir_free(&dir[d]);
    }
    if (ep_open(host, &l.ep[0], err, sizeof(err)) != 0) {
        fprintf(stderr, "linkem: --host: %s\n", err);
        return 2;
    }
    if (ep_open(guest, &l.ep[1], err, sizeof(err)) != 0) {
        fprintf(stderr, "linkem: --guest: %s\n", err);
        ep_close(&l.ep[0]);
        return 2;
    }
    int rc = 0;
    if (pcapf != NULL && pcap_open(&l.pcap, pcapf, err, sizeof(err)) != 0) {
        fprintf(stderr, "linkem: %s\n", err);
        rc = 2;
    }
    if (rc == 0 && ctl != NULL && lk_ctl_open(&l, ctl, err, sizeof(err)) != 0) {
        fprintf(stderr, "linkem: %s\n", err);
        rc = 2;
    }
    if (rc == 0) {
        if (!quiet) {
            char a[1024], b[1024];
            prof_format(&l.sh[0].p, a, sizeof(a));
            prof_format(&l.sh[1].p, b, sizeof(b));
            fprintf(stderr,
                    "linkem: host %s, guest %s, seed %llu\nlinkem: downlink %s\n"
                    "linkem: uplink %s\n",
                    l.ep[0].desc, l.ep[1].desc, (unsigned long long)seed, a, b);
        }
        rc = lk_run(&l) == 0 ? 0 : 1;
        lk_print_counters(&l, stdout);
    }
    if (pcap_close(&l.pcap) != 0) {
        fprintf(stderr, "linkem: pcap close failed\n");
        rc = rc ? rc : 1;
    }
    if (l.ctl_fd >= 0) {
        close(l.ctl_fd);
        unlink(l.ctl_path);
    }
    ep_close(&l.ep[0]);
    ep_close(&l.ep[1]);
    shp_free(&l.sh[0]);
    shp_free(&l.sh[1]);
    return rc;
}

/* netsync-shape.c: front end that shapes a link with kernel tc-netem or linkem (--backend
 * auto|netem|linkem) and says which and why. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <unistd.h>

#include "ifb.h"
#include "nlnetem.h"
#include "units.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: netsync-shape [--backend auto|netem|linkem] [--probe] [--dry-run]\n"
        "         [--profile FILE | --down FILE --up FILE] [--extra-delay T] [--extra-loss P%%]\n"
        "         [--set-down CLAUSES] [--set-up CLAUSES]\n"
        "   netem : --dev-down IF --dev-up IF   (netem on the egress of each; see "
        "docs/profiles.md)\n"
        "           or --tap TAP --ifb IFB   (downlink on TAP, uplink on IFB fed by TAP's "
        "ingress)\n"
        "           [--remove]               (undo: root qdiscs back to default, IFB deleted)\n"
        "   linkem: --host EP --guest EP [--seed N] [--ctl PATH] [--pcap FILE]  (execs "
        "linkem)\n"
        "  --probe prints BACKEND=netem|linkem and the reason, and exits\n");
}

struct opts {
    const char *backend, *file[2], *set[2], *dev[2], *extra_delay, *extra_loss;
    const char *host, *guest, *seed, *ctl, *pcap, *tap, *ifb;
    int probe, dry, remove;
};

static int load(const struct opts *o, int d, struct prof_dir *out, char *err, size_t n)
{
    prof_dir_init(out);
    if (o->file[d] != NULL) {
        struct profile p;
        if (prof_load(o->file[d], &p, err, n) != 0)
            return -1;
        int rc = prof_dir_copy(out, &p.dir[d]);
        prof_free(&p);
        if (rc != 0) {
            snprintf(err, n, "out of memory");
            return -1;
        }
    }
    if (o->set[d] != NULL && prof_apply_line(out, o->set[d], NULL, err, n) != 0)
        return -1;
    const char *why;
    int64_t ns = 0;
    uint32_t p = 0;
    if (o->extra_delay && units_time_ns(o->extra_delay, &ns, &why) != 0) {
        snprintf(err, n, "--extra-delay: %s", why);
        return -1;
    }
    if (o->extra_loss && units_percent(o->extra_loss, &p, &why) != 0) {
        snprintf(err, n, "--extra-loss: %s", why);
        return -1;
    }
    if (prof_add_delay(out, ns, err, n) != 0 || prof_add_loss(out, p, err, n) != 0)
        return -1;
    return 0;
}

/* linkem sits next to this binary (both are built into build/). */
static int exec_linkem(const struct opts *o)
{
    char self[PATH_MAX], path[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        perror("netsync-shape: /proc/self/exe");
        return 1;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(path, sizeof(path), "%s/linkem", self);
    const char *av[32];
    int a = 0;
    av[a++] = path;
    const char *pairs[][2] = {{"--host", o->host},
                              {"--guest", o->guest},
                              {"--down", o->file[0]},
                              {"--up", o->file[1]},
                              {"--set-down", o->set[0]},
                              {"--set-up", o->set[1]},
                              {"--extra-delay", o->extra_delay},
                              {"--extra-loss", o->extra_loss},
                              {"--seed", o->seed},
                              {"--ctl", o->ctl},
                              {"--pcap", o->pcap}};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        if (pairs[i][1] != NULL) {
            av[a++] = pairs[i][0];
            av[a++] = pairs[i][1];
        }
    }
    av[a] = NULL;
    execv(path, (char *const *)av);
    fprintf(stderr, "netsync-shape: exec %s: %s\n", path, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    struct opts o = {.backend = "auto"};
    static const struct option lo[] = {{"backend", required_argument, 0, 'b'},
                                       {"probe", no_argument, 0, 'P'},
                                       {"dry-run", no_argument, 0, 'n'},
                                       {"profile", required_argument, 0, 'p'},
                                       {"down", required_argument, 0, 'd'},
                                       {"up", required_argument, 0, 'u'},
                                       {"set-down", required_argument, 0, 's'},
                                       {"set-up", required_argument, 0, 'S'},
                                       {"dev-down", required_argument, 0, 'i'},
                                       {"dev-up", required_argument, 0, 'I'},
                                       {"extra-delay", required_argument, 0, 'D'},
                                       {"extra-loss", required_argument, 0, 'L'},
                                       {"host", required_argument, 0, 'H'},
                                       {"guest", required_argument, 0, 'G'},
                                       {"seed", required_argument, 0, 'r'},
                                       {"ctl", required_argument, 0, 'c'},
                                       {"pcap", required_argument, 0, 'w'},
                                       {"help", no_argument, 0, 'h'},
                                       {"tap", required_argument, 0, 't'},
                                       {"ifb", required_argument, 0, 'f'},
                                       {"remove", no_argument, 0, 'x'},
                                       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'b':
            o.backend = optarg;
            break;
        case 'P':
            o.probe = 1;
            break;
        case 'n':
            o.dry = 1;
            break;
        case 'p':
            o.file[0] = o.file[1] = optarg;
            break;
        case 'd':
            o.file[0] = optarg;
            break;
        case 'u':
            o.file[1] = optarg;
            break;
        case 's':
            o.set[0] = optarg;
            break;
        case 'S':
            o.set[1] = optarg;
            break;
        case 'i':
            o.dev[0] = optarg;
            break;
        case 'I':
            o.dev[1] = optarg;
            break;
        case 'D':
            o.extra_delay = optarg;
            break;
        case 'L':
            o.extra_loss = optarg;
            break;
        case 'H':
            o.host = optarg;
            break;
        case 'G':
            o.guest = optarg;
            break;
        case 'r':
            o.seed = optarg;
            break;
        case 'c':
            o.ctl = optarg;
            break;
        case 'w':
            o.pcap = optarg;
            break;
        case 't':
            o.tap = optarg;
            break;
        case 'f':
            o.ifb = optarg;
            break;
        case 'x':
            o.remove = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    int want_netem;
    if (!strcmp(o.backend, "netem"))
        want_netem = 1;
    else if (!strcmp(o.backend, "linkem"))
        want_netem = 0;
    else if (!strcmp(o.backend, "auto"))
        want_netem = -1;
    else {
        fprintf(stderr, "netsync-shape: --backend %s: want auto, netem or linkem\n", o.backend);
        return 2;
    }
    /* validate the profiles before anything is touched */
    struct prof_dir dir[2];
    char err[1024];
    for (int d = 0; d < 2; d++) {
        if (load(&o, d, &dir[d], err, sizeof(err)) != 0) {
            fprintf(stderr, "netsync-shape: %s\n", err);
            return 2;
        }
    }
    char why[300] = "";
    if (want_netem == -1) {
        int has = nlq_probe(why, sizeof(why));
        want_netem = has == 1;
        fprintf(stderr, "netsync-shape: backend %s (auto: %s%s)\n", want_netem ? "netem" : "linkem",
                has == 1   ? "kernel has sch_netem: "
                : has == 0 ? "kernel lacks sch_netem: "
                           : "cannot probe the kernel: ",
                why);
    } else {
        fprintf(stderr, "netsync-shape: backend %s (asked for)\n", want_netem ? "netem" : "linkem");
    }
    if (o.probe) {
        printf("BACKEND=%s\n", want_netem ? "netem" : "linkem");
        prof_dir_free(&dir[0]);
        prof_dir_free(&dir[1]);
        return 0;
    }
    if (!want_netem) {
        prof_dir_free(&dir[0]);
        prof_dir_free(&dir[1]);
        if (o.host == NULL || o.guest == NULL) {
            fprintf(stderr, "netsync-shape: linkem needs --host EP and --guest EP\n");
            return 2;
        }
        return exec_linkem(&o);
    }
    int rc = 0;
    if ((o.tap != NULL) != (o.ifb != NULL)) {
        fprintf(stderr, "netsync-shape: --tap and --ifb go together\n");
        rc = 2;
    } else if (o.tap != NULL) {
        o.dev[0] = o.tap;
        o.dev[1] = o.ifb;
    }
    if (rc == 0 && o.remove) {
        for (int d = 0; d < 2; d++)
            if (o.dev[d] != NULL && if_nametoindex(o.dev[d]) != 0 &&
                nlq_remove(o.dev[d], err, sizeof(err)) != 0) {
                fprintf(stderr, "netsync-shape: %s\n", err);
                rc = 1;
            }
        if (o.tap != NULL && ifb_unwire(o.tap, o.ifb, err, sizeof(err)) != 0) {
            fprintf(stderr, "netsync-shape: %s\n", err);
            rc = 1;
        }
        prof_dir_free(&dir[0]);
        prof_dir_free(&dir[1]);
        return rc;
    }
    for (int d = 0; d < 2 && rc == 0; d++) {
        /* uplink through an ifb: wire it once the downlink proved the kernel takes netem */
        if (d == 1 && o.tap != NULL && !o.dry && ifb_wire(o.tap, o.ifb, err, sizeof(err)) != 0) {
            fprintf(stderr, "netsync-shape: uplink: %s\n", err);
            rc = 1;
            break;
        }
        const char *name = d ? "uplink" : "downlink";
        if (o.dev[d] == NULL) {
            fprintf(stderr, "netsync-shape: netem needs --dev-%s IF\n", d ? "up" : "down");
            rc = 2;
            break;
        }
        char line[1024];
        prof_format(&dir[d], line, sizeof(line));
        if (o.dry) {
            struct nl_msg *m;
            if (nlq_build(&dir[d], 1, &m, err, sizeof(err)) != 0) {
                fprintf(stderr, "netsync-shape: %s: %s\n", name, err);
                rc = 2;
                break;
            }
            printf("%s dev %s: netem %s (%u bytes of netlink)\n", name, o.dev[d], line,
                   nlmsg_hdr(m)->nlmsg_len);
            nlmsg_free(m);
        } else if (nlq_apply(&dir[d], o.dev[d], err, sizeof(err)) != 0) {
            fprintf(stderr, "netsync-shape: %s: %s\n", name, err);
            rc = 1;
        } else {
            fprintf(stderr, "netsync-shape: %s dev %s: netem %s\n", name, o.dev[d], line);
        }
    }
    prof_dir_free(&dir[0]);
    prof_dir_free(&dir[1]);
    return rc;
}

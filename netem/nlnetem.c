/* nlnetem.c: builds and sends netem qdisc messages with libnl, and probes the kernel for sch_netem.
 */
#include "nlnetem.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "dist.h"

/* The kernel keeps qopt latency/jitter in psched ticks of 64 ns (PSCHED_SHIFT 6,
 * include/net/pkt_sched.h); TCA_NETEM_LATENCY64/JITTER64 carry exact ns and win. */
#define PSCHED_SHIFT 6

static uint32_t ticks(int64_t ns)
{
    uint64_t t = (uint64_t)ns >> PSCHED_SHIFT;
    return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static int put_loss_model(struct nl_msg *m, const struct prof_dir *d)
{
    /* TCA_NETEM_LOSS is a nest holding one NETEM_LOSS_GI or NETEM_LOSS_GE struct */
    struct nlattr *nest = nla_nest_start(m, TCA_NETEM_LOSS);
    if (nest == NULL)
        return -1;
    if (d->loss == LOSS_STATE) {
        struct tc_netem_gimodel gi = {
            .p13 = d->p13, .p31 = d->p31, .p32 = d->p32, .p14 = d->p14, .p23 = d->p23};
        if (nla_put(m, NETEM_LOSS_GI, sizeof(gi), &gi) < 0)
            return -1;
    } else {
        /* the kernel wants h (no-loss probability in bad), tc's users write 1-h */
        struct tc_netem_gemodel ge = {
            .p = d->ge_p, .r = d->ge_r, .h = UINT32_MAX - d->ge_1h, .k1 = d->ge_1k};
        if (nla_put(m, NETEM_LOSS_GE, sizeof(ge), &ge) < 0)
            return -1;
    }
    return nla_nest_end(m, nest) < 0 ? -1 : 0;
}

static int put_options(struct nl_msg *m, const struct prof_dir *d, const struct dist_table *t)
{
    struct tc_netem_qopt q = {
        .latency = ticks(d->delay_ns),
        .limit = d->limit,
        .loss = d->loss == LOSS_RANDOM ? d->loss_p : 0,
        .gap = d->gap,
        .duplicate = d->dup_p,
        .jitter = ticks(d->jitter_ns),
    };
    struct nlattr *opt = nla_nest_start(m, TCA_OPTIONS);
    if (opt == NULL)
        return -1;
    /* netem's TCA_OPTIONS is not a plain nest: the qopt struct comes first, the attributes
     * follow it (sch_netem.c parse_attr() skips sizeof(struct tc_netem_qopt)) */
    if (nlmsg_append(m, &q, sizeof(q), NLMSG_ALIGNTO) < 0)
        return -1;
    int64_t lat = d->delay_ns, jit = d->jitter_ns;
    if (nla_put(m, TCA_NETEM_LATENCY64, sizeof(lat), &lat) < 0 ||
        nla_put(m, TCA_NETEM_JITTER64, sizeof(jit), &jit) < 0)
        return -1;
    struct tc_netem_corr corr = {
        .delay_corr = d->delay_corr, .loss_corr = d->loss_corr, .dup_corr = d->dup_corr};
    if (nla_put(m, TCA_NETEM_CORR, sizeof(corr), &corr) < 0)
        return -1;
    if (d->reorder_p) {
        struct tc_netem_reorder r = {.probability = d->reorder_p, .correlation = d->reorder_corr};
        if (nla_put(m, TCA_NETEM_REORDER, sizeof(r), &r) < 0)
            return -1;
    }
    if (d->corrupt_p) {
        struct tc_netem_corrupt c = {.probability = d->corrupt_p, .correlation = d->corrupt_corr};
        if (nla_put(m, TCA_NETEM_CORRUPT, sizeof(c), &c) < 0)
            return -1;
    }
    if (d->loss == LOSS_GEMODEL || d->loss == LOSS_STATE)
        if (put_loss_model(m, d) != 0)
            return -1;
    if (d->rate_Bps) {
        /* rates of 2^32 bytes/s and more go in TCA_NETEM_RATE64, the u32 field saturates */
        struct tc_netem_rate r = {
            .rate = d->rate_Bps >= UINT32_MAX ? UINT32_MAX : (uint32_t)d->rate_Bps,
            .packet_overhead = d->pkt_overhead,
            .cell_size = d->cell_size,
            .cell_overhead = d->cell_overhead,
        };
        if (nla_put(m, TCA_NETEM_RATE, sizeof(r), &r) < 0)
            return -1;
        if (d->rate_Bps >= UINT32_MAX) {
            uint64_t r64 = d->rate_Bps;
            if (nla_put(m, TCA_NETEM_RATE64, sizeof(r64), &r64) < 0)
                return -1;
        }
    }
    if (d->slot) {
        struct tc_netem_slot s = {
            .min_delay = d->slot_min_ns,
            .max_delay = d->slot_max_ns,
            .max_packets = d->slot_packets,
            .max_bytes = d->slot_bytes,
        };
        if (nla_put(m, TCA_NETEM_SLOT, sizeof(s), &s) < 0)
            return -1;
    }
    if (t != NULL && t->n > 0)
        if (nla_put(m, TCA_NETEM_DELAY_DIST, (int)(t->n * sizeof(int16_t)), t->v) < 0)
            return -1;
    return nla_nest_end(m, opt) < 0 ? -1 : 0;
}

int nlq_build(const struct prof_dir *d, int ifindex, struct nl_msg **out, char *err, size_t errlen)
{
    *out = NULL;
    if (d->trace != NULL) {
        snprintf(err, errlen,
                 "trace-driven rate (%s) has no kernel netem equivalent; use "
                 "--backend linkem",
                 d->trace_path);
        return -1;
    }
    struct dist_table t = {0};
    if (d->jitter_ns != 0 && dist_load(d->dist, &t, err, errlen) != 0)
        return -1;
    /* tc qdisc replace: create or change the root qdisc */
    /* room for the largest delay table (NETEM_DIST_MAX s16 values) and everything else */
    struct nl_msg *m = nlmsg_alloc_size(DIST_MAX * sizeof(int16_t) + 4096);
    if (m != NULL && nlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, RTM_NEWQDISC, 0,
                               NLM_F_CREATE | NLM_F_REPLACE) == NULL) {
        nlmsg_free(m);
        m = NULL;
    }
    struct tcmsg tc = {
        .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_handle = 0, .tcm_parent = TC_H_ROOT};
    int rc = -1;
    if (m == NULL || nlmsg_append(m, &tc, sizeof(tc), NLMSG_ALIGNTO) < 0 ||
        nla_put_string(m, TCA_KIND, "netem") < 0 || put_options(m, d, &t) != 0) {
        snprintf(err, errlen, "building the netem message failed (out of space)");
        if (m)
            nlmsg_free(m);
    } else {
        nlmsg_set_proto(m, NETLINK_ROUTE); /* lets libnl's parsers recognise it */
        *out = m;
        rc = 0;
    }
    dist_free(&t);
    return rc;
}

int nlq_apply(const struct prof_dir *d, const char *ifname, char *err, size_t errlen)
{
    unsigned idx = if_nametoindex(ifname);
    if (idx == 0) {
        snprintf(err, errlen, "interface %s: %s", ifname, strerror(errno));
        return -1;
    }
    struct nl_msg *m;
    if (nlq_build(d, (int)idx, &m, err, errlen) != 0)
        return -1;
    struct nl_sock *s = nl_socket_alloc();
    int rc = s ? nl_connect(s, NETLINK_ROUTE) : -NLE_NOMEM;
    if (rc == 0)
        rc = nl_send_auto(s, m);
    if (rc >= 0)
        rc = nl_wait_for_ack(s);
    nlmsg_free(m);
    if (s)
        nl_socket_free(s);
    if (rc >= 0)
        return 0;
    /* the kernel answers ENOENT ("Specified qdisc kind is unknown") when sch_netem is
     * neither built in nor loadable; libnl maps ENOENT to NLE_OBJ_NOTFOUND */
    if (rc == -NLE_OBJ_NOTFOUND)
        snprintf(err, errlen,
                 "%s: this kernel has no sch_netem (qdisc kind 'netem' unknown); "
                 "use --backend linkem",
                 ifname);
    else
        snprintf(err, errlen, "%s: adding netem failed: %s", ifname, nl_geterror(rc));
    return -1;
}

int nlq_remove(const char *ifname, char *err, size_t errlen)
{
    unsigned idx = if_nametoindex(ifname);
    if (idx == 0) {
        snprintf(err, errlen, "interface %s: %s", ifname, strerror(errno));
        return -1;
    }
    /* RTM_DELQDISC for the root: the kernel puts the default qdisc back */
    struct nl_msg *m = nlmsg_alloc_simple(RTM_DELQDISC, 0);
    struct tcmsg tc = {.tcm_family = AF_UNSPEC, .tcm_ifindex = (int)idx, .tcm_parent = TC_H_ROOT};
    struct nl_sock *s = nl_socket_alloc();
    int rc = (m == NULL || s == NULL) ? -NLE_NOMEM : 0;
    if (rc == 0 && nlmsg_append(m, &tc, sizeof(tc), NLMSG_ALIGNTO) < 0)
        rc = -NLE_NOMEM;
    if (rc == 0)
        rc = nl_connect(s, NETLINK_ROUTE);
    if (rc == 0)
        rc = nl_send_auto(s, m);
    if (rc >= 0)
        rc = nl_wait_for_ack(s);
    if (m)
        nlmsg_free(m);
    if (s)
        nl_socket_free(s);
    /* nothing to remove is not an error */
    if (rc >= 0 || rc == -NLE_OBJ_NOTFOUND || rc == -NLE_INVAL)
        return 0;
    snprintf(err, errlen, "%s: removing the root qdisc failed: %s", ifname, nl_geterror(rc));
    return -1;
}

int nlq_probe(char *why, size_t whylen)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, whylen, "fork: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        /* child: a private network namespace that vanishes with it; its lo is enough */
        close(pipefd[0]);
        char msg[256];
        int code;
        if (unshare(CLONE_NEWNET) != 0) {
            snprintf(msg, sizeof(msg), "unshare(CLONE_NEWNET): %s (needs root)", strerror(errno));
            code = 2;
        } else {
            struct prof_dir d;
            prof_dir_init(&d);
            d.delay_ns = 1000000;
            if (nlq_apply(&d, "lo", msg, sizeof(msg)) == 0) {
                snprintf(msg, sizeof(msg), "netem qdisc accepted in a throwaway namespace");
                code = 0;
            } else {
                code = strstr(msg, "no sch_netem") ? 1 : 2;
            }
        }
        ssize_t w = write(pipefd[1], msg, strlen(msg));
        (void)w;
        _exit(code);
    }
    close(pipefd[1]);
    char msg[256];
    ssize_t n = read(pipefd[0], msg, sizeof(msg) - 1);
    close(pipefd[0]);
    msg[n > 0 ? n : 0] = '\0';
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
        snprintf(why, whylen, "probe process failed");
        return -1;
    }
    snprintf(why, whylen, "%s", msg);
    switch (WEXITSTATUS(st)) {
    case 0:
        return 1;
    case 1:
        return 0;
    default:
        return -1;
    }
}

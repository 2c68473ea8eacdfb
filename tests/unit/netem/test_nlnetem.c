/* test_nlnetem.c: the netem backend's netlink message, read back through libnl, and its
 * missing-sch_netem path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/tc.h>

#include "endpoint.h"
#include "ifb.h"
#include "nlnetem.h"
#include "units.h"

static void dir_from(struct prof_dir *d, const char *line)
{
    char err[256];
    prof_dir_init(d);
    if (prof_apply_line(d, line, NULL, err, sizeof(err)) != 0)
        fail_msg("%s: %s", line, err);
}

/* libnl's own route/qdisc parser turns our message into an rtnl_qdisc object. */
static void take_qdisc(struct nl_object *obj, void *arg)
{
    nl_object_get(obj);
    *(struct rtnl_qdisc **)arg = (struct rtnl_qdisc *)obj;
}

/* Our own walk of the attributes after struct tc_netem_qopt (sch_netem.c parse_attr()). */
static void netem_attrs(struct nl_msg *m, struct nlattr **tb)
{
    struct nlattr *top[TCA_MAX + 1];
    assert_int_equal(nlmsg_parse(nlmsg_hdr(m), sizeof(struct tcmsg), top, TCA_MAX, NULL), 0);
    assert_non_null(top[TCA_KIND]);
    assert_string_equal(nla_get_string(top[TCA_KIND]), "netem");
    struct nlattr *o = top[TCA_OPTIONS];
    assert_non_null(o);
    assert_true(nla_len(o) >= (int)sizeof(struct tc_netem_qopt));
    int skip = NLA_ALIGN(sizeof(struct tc_netem_qopt));
    assert_int_equal(nla_parse(tb, TCA_NETEM_MAX, (struct nlattr *)((char *)nla_data(o) + skip),
                               nla_len(o) - skip, NULL),
                     0);
}

static void test_build_readback(void **st)
{
    (void)st;
    struct prof_dir d;
    dir_from(&d, "delay 10ms 2ms 25% distribution normal loss random 1% 10% limit 700 "
                 "reorder 5% 50% gap 3 duplicate 2% 20% corrupt 0.5% 5%");
    struct nl_msg *m;
    char err[256];
    assert_int_equal(nlq_build(&d, 7, &m, err, sizeof(err)), 0);
    struct rtnl_qdisc *q = NULL;
    assert_int_equal(nl_msg_parse(m, take_qdisc, &q), 0);
    assert_non_null(q);
    assert_string_equal(rtnl_tc_get_kind(TC_CAST(q)), "netem");
    assert_int_equal(rtnl_tc_get_ifindex(TC_CAST(q)), 7);
    assert_int_equal(rtnl_tc_get_parent(TC_CAST(q)), TC_H_ROOT);
    /* libnl reports delay and jitter in us from the qopt ticks (64 ns each) */
    assert_true(abs(rtnl_netem_get_delay(q) - 10000) <= 1);
    assert_true(abs(rtnl_netem_get_jitter(q) - 2000) <= 1);
    assert_int_equal(rtnl_netem_get_limit(q), 700);
    assert_int_equal((uint32_t)rtnl_netem_get_loss(q), units_p_from_double(0.01));
    assert_int_equal((uint32_t)rtnl_netem_get_loss_correlation(q), units_p_from_double(0.10));
    assert_int_equal((uint32_t)rtnl_netem_get_delay_correlation(q), units_p_from_double(0.25));
    assert_int_equal(rtnl_netem_get_gap(q), 3);
    assert_int_equal((uint32_t)rtnl_netem_get_reorder_probability(q), units_p_from_double(0.05));
    assert_int_equal((uint32_t)rtnl_netem_get_reorder_correlation(q), units_p_from_double(0.5));
    assert_int_equal((uint32_t)rtnl_netem_get_duplicate(q), units_p_from_double(0.02));
    assert_int_equal((uint32_t)rtnl_netem_get_duplicate_correlation(q), units_p_from_double(0.2));
    assert_int_equal((uint32_t)rtnl_netem_get_corruption_probability(q),
                     units_p_from_double(0.005));
    rtnl_qdisc_put(q);
    /* exact 64-bit times */
    struct nlattr *tb[TCA_NETEM_MAX + 1];
    netem_attrs(m, tb);
    assert_non_null(tb[TCA_NETEM_LATENCY64]);
    assert_int_equal(nla_get_s64(tb[TCA_NETEM_LATENCY64]), 10000000);
    assert_int_equal(nla_get_s64(tb[TCA_NETEM_JITTER64]), 2000000);
    assert_null(tb[TCA_NETEM_RATE]);
    /* the distribution travels as the table itself (libnl 3.7 does not parse it back) */
    assert_non_null(tb[TCA_NETEM_DELAY_DIST]);
    struct dist_table t;
    assert_int_equal(dist_load(DIST_NORMAL, &t, err, sizeof(err)), 0);
    assert_int_equal(nla_len(tb[TCA_NETEM_DELAY_DIST]), (int)(t.n * sizeof(int16_t)));
    assert_memory_equal(nla_data(tb[TCA_NETEM_DELAY_DIST]), t.v, t.n * sizeof(int16_t));
    dist_free(&t);
    assert_null(tb[TCA_NETEM_LOSS]);
    nlmsg_free(m);
    prof_dir_free(&d);
}

static void test_rate_slot_loss_models(void **st)
{
    (void)st;
    struct prof_dir d;
    dir_from(&d, "delay 1ms rate 100mbit 14 48 5 slot 1ms 2ms packets 4 bytes 6000 "
                 "loss gemodel 1% 10% 70% 0.1%");
    struct nl_msg *m;
    char err[256];
    assert_int_equal(nlq_build(&d, 1, &m, err, sizeof(err)), 0);
    struct nlattr *tb[TCA_NETEM_MAX + 1];
    netem_attrs(m, tb);
    assert_non_null(tb[TCA_NETEM_RATE]);
    struct tc_netem_rate r;
    memcpy(&r, nla_data(tb[TCA_NETEM_RATE]), sizeof(r));
    assert_int_equal(r.rate, 12500000);
    assert_int_equal(r.packet_overhead, 14);
    assert_int_equal(r.cell_size, 48);
    assert_int_equal(r.cell_overhead, 5);
    assert_null(tb[TCA_NETEM_RATE64]);
    struct tc_netem_slot s;
    assert_non_null(tb[TCA_NETEM_SLOT]);
    memcpy(&s, nla_data(tb[TCA_NETEM_SLOT]), sizeof(s));
    assert_int_equal(s.min_delay, 1000000);
    assert_int_equal(s.max_delay, 2000000);
    assert_int_equal(s.max_packets, 4);
    assert_int_equal(s.max_bytes, 6000);
    struct nlattr *lm[NETEM_LOSS_MAX + 1];
    assert_int_equal(nla_parse_nested(lm, NETEM_LOSS_MAX, tb[TCA_NETEM_LOSS], NULL), 0);
    assert_non_null(lm[NETEM_LOSS_GE]);
    struct tc_netem_gemodel ge;
    memcpy(&ge, nla_data(lm[NETEM_LOSS_GE]), sizeof(ge));
    assert_int_equal(ge.p, units_p_from_double(0.01));
    assert_int_equal(ge.r, units_p_from_double(0.10));
    /* the kernel's h is 1 - (1-h): tc's conversion */
    assert_int_equal(ge.h, UINT32_MAX - units_p_from_double(0.70));
    assert_int_equal(ge.k1, units_p_from_double(0.001));
    nlmsg_free(m);
    /* 4-state model and a rate beyond u32 bytes/s */
    dir_from(&d, "loss state 1% 30% 2% 40% 0.5% rate 40gbit");
    assert_int_equal(nlq_build(&d, 1, &m, err, sizeof(err)), 0);
    netem_attrs(m, tb);
    assert_int_equal(nla_parse_nested(lm, NETEM_LOSS_MAX, tb[TCA_NETEM_LOSS], NULL), 0);
    struct tc_netem_gimodel gi;
    memcpy(&gi, nla_data(lm[NETEM_LOSS_GI]), sizeof(gi));
    assert_int_equal(gi.p13, units_p_from_double(0.01));
    assert_int_equal(gi.p31, units_p_from_double(0.30));
    assert_int_equal(gi.p32, units_p_from_double(0.02));
    assert_int_equal(gi.p23, units_p_from_double(0.40));
    assert_int_equal(gi.p14, units_p_from_double(0.005));
    memcpy(&r, nla_data(tb[TCA_NETEM_RATE]), sizeof(r));
    assert_int_equal(r.rate, UINT32_MAX);
    assert_non_null(tb[TCA_NETEM_RATE64]);
    assert_int_equal(nla_get_u64(tb[TCA_NETEM_RATE64]), 5000000000ull);
    nlmsg_free(m);
}

static void test_trace_refused(void **st)
{
    (void)st;
    struct prof_dir d;
    prof_dir_init(&d);
    d.trace = calloc(1, sizeof(*d.trace));
    char err[256];
    assert_int_equal(trace_parse("1\n", 2, d.trace, err, sizeof(err)), 0);
    snprintf(d.trace_path, sizeof(d.trace_path), "x.trace");
    struct nl_msg *m;
    assert_int_equal(nlq_build(&d, 1, &m, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "use --backend linkem"));
    prof_dir_free(&d);
}

/* The truth for this kernel, independently of our code: tc itself in a throwaway netns. */
static int tc_has_netem(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) != 0)
            _exit(2);
        _exit(system("tc qdisc add dev lo root netem delay 1ms 2>/dev/null") == 0 ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void test_probe_and_apply(void **st)
{
    (void)st;
    char why[300];
    int has = nlq_probe(why, sizeof(why));
    int truth = tc_has_netem();
    assert_int_equal(has, truth);
    if (!truth)
        assert_non_null(strstr(why, "no sch_netem"));
    /* apply in a throwaway namespace: success on a netem kernel, the plain error otherwise */
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) != 0)
            _exit(3);
        struct prof_dir d;
        char err[300];
        dir_from(&d, "delay 5ms loss 1% rate 10mbit");
        int rc = nlq_apply(&d, "lo", err, sizeof(err));
        if (truth)
            _exit(rc == 0 ? 0 : 4);
        _exit(rc == -1 && strstr(err, "lo: this kernel has no sch_netem") ? 0 : 5);
    }
    int s;
    waitpid(pid, &s, 0);
    assert_true(WIFEXITED(s));
    assert_int_equal(WEXITSTATUS(s), 0);
    struct prof_dir d;
    char err[300];
    prof_dir_init(&d);
    assert_int_equal(nlq_apply(&d, "nonexistent-if0", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "interface nonexistent-if0"));
}

/* Uplink wiring for a tap: frames the guest side writes into the tap (its ingress) must pass
 * the ifb's egress. Checked for real in a throwaway netns: the kernel has ifb, ingress, u32
 * and mirred even where it lacks sch_netem. */
static void test_ifb_wiring(void **st)
{
    (void)st;
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) != 0)
            _exit(3);
        struct endpoint ep;
        char err[300];
        if (ep_open("tap:nstap0", &ep, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            _exit(4);
        }
        if (ifb_wire("nstap0", "nsifb0", err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            _exit(5);
        }
        int64_t before = ifb_tx_packets("nsifb0");
        /* a broadcast ARP request, as a guest would send */
        static const uint8_t arp[42] = {
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0,    0x12, 0x34, 0x56, 0x08, 0x06,
            0,    1,    0x08, 0,    6,    4,    0,    1,    0x52, 0x54, 0,    0x12, 0x34, 0x56,
            10,   9,    9,    2,    0,    0,    0,    0,    0,    0,    10,   9,    9,    1};
        for (int i = 0; i < 5; i++)
            if (ep_send(&ep, arp, sizeof(arp)) != 0)
                _exit(6);
        usleep(100000);
        int64_t after = ifb_tx_packets("nsifb0");
        if (before < 0 || after - before < 5) {
            fprintf(stderr, "ifb tx %lld -> %lld\n", (long long)before, (long long)after);
            _exit(7);
        }
        if (ifb_unwire("nstap0", "nsifb0", err, sizeof(err)) != 0 ||
            if_nametoindex("nsifb0") != 0) {
            fprintf(stderr, "%s\n", err);
            _exit(8);
        }
        if (ifb_wire("nosuchdev0", "nsifb1", err, sizeof(err)) != -1 ||
            strstr(err, "interface nosuchdev0") == NULL)
            _exit(9);
        ep_close(&ep);
        _exit(0);
    }
    int s;
    waitpid(pid, &s, 0);
    assert_true(WIFEXITED(s));
    assert_int_equal(WEXITSTATUS(s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_readback), cmocka_unit_test(test_rate_slot_loss_models),
        cmocka_unit_test(test_trace_refused),  cmocka_unit_test(test_probe_and_apply),
        cmocka_unit_test(test_ifb_wiring),
    };
    return cmocka_run_group_tests_name("netem-netlink", tests, NULL, NULL);
}

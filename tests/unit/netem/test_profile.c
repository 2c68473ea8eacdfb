/* test_profile.c: the profile parser, units, composition rule, traces, dist tables; good and bad
 * input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "profile.h"
#include "trace.h"
#include "units.h"

static int parse(const char *text, struct profile *p, char *err, size_t n)
{
    return prof_parse(text, strlen(text), "t.profile", NULL, p, err, n);
}

static void test_units(void **st)
{
    (void)st;
    int64_t ns;
    uint64_t b;
    uint32_t p;
    const char *why;
    assert_int_equal(units_time_ns("10ms", &ns, &why), 0);
    assert_int_equal(ns, 10000000);
    assert_int_equal(units_time_ns("1.5s", &ns, &why), 0);
    assert_int_equal(ns, 1500000000);
    assert_int_equal(units_time_ns("250us", &ns, &why), 0);
    assert_int_equal(ns, 250000);
    assert_int_equal(units_time_ns("10", &ns, &why), -1);
    assert_int_equal(units_time_ns("-1ms", &ns, &why), -1);
    assert_int_equal(units_time_ns("1e3ms", &ns, &why), -1);
    assert_int_equal(units_time_ns("nanms", &ns, &why), -1);
    assert_int_equal(units_rate_Bps("100mbit", &b, &why), 0);
    assert_int_equal(b, 12500000);
    assert_int_equal(units_rate_Bps("1gbit", &b, &why), 0);
    assert_int_equal(b, 125000000);
    assert_int_equal(units_rate_Bps("2mbps", &b, &why), 0);
    assert_int_equal(b, 2000000);
    assert_int_equal(units_rate_Bps("100", &b, &why), -1);
    assert_int_equal(units_rate_Bps("100furlongs", &b, &why), -1);
    assert_int_equal(units_percent("100%", &p, &why), 0);
    assert_int_equal(p, UINT32_MAX);
    assert_int_equal(units_percent("0%", &p, &why), 0);
    assert_int_equal(p, 0);
    assert_int_equal(units_percent("50%", &p, &why), 0);
    assert_true(p > UINT32_MAX / 2 - 2 && p < UINT32_MAX / 2 + 2);
    assert_int_equal(units_percent("0.5", &p, &why), -1);
    assert_int_equal(units_percent("101%", &p, &why), -1);
}

static void test_full_profile(void **st)
{
    (void)st;
    struct profile p;
    char err[512];
    const char *text = "# comment\n"
                       "limit 500   # both directions\n"
                       "[downlink]\n"
                       "delay 10ms 2ms 25% distribution normal\n"
                       "loss random 1% 10%\n"
                       "rate 100mbit 14 48 5\n"
                       "reorder 5% 50% gap 3\n"
                       "duplicate 0.5% corrupt 0.1% 1%\n"
                       "slot 1ms 2ms packets 4 bytes 6000\n"
                       "[uplink]\n"
                       "delay 20ms\n"
                       "loss gemodel 1% 10% 70% 0.1%\n"
                       "[both]\n"
                       "[uplink]\n"
                       "loss state 1% 30% 2% 40% 0.5%\n";
    assert_int_equal(parse(text, &p, err, sizeof(err)), 0);
    const struct prof_dir *d = &p.dir[PROF_DOWN], *u = &p.dir[PROF_UP];
    assert_int_equal(d->limit, 500);
    assert_int_equal(u->limit, 500);
    assert_int_equal(d->delay_ns, 10000000);
    assert_int_equal(d->jitter_ns, 2000000);
    assert_int_equal(d->delay_corr, units_p_from_double(0.25));
    assert_int_equal(d->dist, DIST_NORMAL);
    assert_int_equal(d->loss, LOSS_RANDOM);
    assert_int_equal(d->loss_p, units_p_from_double(0.01));
    assert_int_equal(d->loss_corr, units_p_from_double(0.10));
    assert_int_equal(d->rate_Bps, 12500000);
    assert_int_equal(d->pkt_overhead, 14);
    assert_int_equal(d->cell_size, 48);
    assert_int_equal(d->cell_overhead, 5);
    assert_int_equal(d->reorder_p, units_p_from_double(0.05));
    assert_int_equal(d->gap, 3);
    assert_int_equal(d->dup_p, units_p_from_double(0.005));
    assert_int_equal(d->corrupt_corr, units_p_from_double(0.01));
    assert_true(d->slot);
    assert_int_equal(d->slot_min_ns, 1000000);
    assert_int_equal(d->slot_max_ns, 2000000);
    assert_int_equal(d->slot_packets, 4);
    assert_int_equal(d->slot_bytes, 6000);
    assert_int_equal(u->delay_ns, 20000000);
    assert_int_equal(u->jitter_ns, 0);
    assert_int_equal(u->loss, LOSS_STATE);
    assert_int_equal(u->p13, units_p_from_double(0.01));
    assert_int_equal(u->p31, units_p_from_double(0.30));
    assert_int_equal(u->p32, units_p_from_double(0.02));
    assert_int_equal(u->p23, units_p_from_double(0.40));
    assert_int_equal(u->p14, units_p_from_double(0.005));
    assert_int_equal(u->rate_Bps, 0);
    prof_free(&p);
}

static void test_defaults(void **st)
{
    (void)st;
    struct profile p;
    char err[512];
    assert_int_equal(parse("loss gemodel 2%\nreorder 10%\ndelay 1ms\n", &p, err, sizeof(err)), 0);
    const struct prof_dir *d = &p.dir[PROF_DOWN];
    /* tc defaults: r = 1-p, 1-h = 100%, 1-k = 0; gap 1 with reorder; limit 1000 */
    assert_int_equal(d->ge_r, UINT32_MAX - units_p_from_double(0.02));
    assert_int_equal(d->ge_1h, UINT32_MAX);
    assert_int_equal(d->ge_1k, 0);
    assert_int_equal(d->gap, 1);
    assert_int_equal(d->limit, 1000);
    prof_free(&p);
    assert_int_equal(parse("loss state 3%\n", &p, err, sizeof(err)), 0);
    d = &p.dir[PROF_UP];
    assert_int_equal(d->p31, UINT32_MAX - units_p_from_double(0.03));
    assert_int_equal(d->p32, 0);
    assert_int_equal(d->p23, UINT32_MAX);
    assert_int_equal(d->p14, 0);
    prof_free(&p);
}

/* Each bad file must give "t.profile:LINE: ..." with the reason. */
static void test_bad_files(void **st)
{
    (void)st;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"delay 10\n", "t.profile:1: delay: time needs a unit"},
        {"\n\ndelay ms\n", "t.profile:3: delay: missing value"},
        {"delay 10ms\nloss 5\n", "t.profile:2: loss random: probability needs a % sign"},
        {"loss 150%\n", "t.profile:1: loss random: probability above 100%"},
        {"rate fast\n", "t.profile:1: rate: missing value"},
        {"rate 10furlongs\n", "t.profile:1: rate: unknown rate unit"},
        {"frobnicate 1\n", "t.profile:1: unknown keyword 'frobnicate'"},
        {"[sideways]\n", "t.profile:1: unknown block '[sideways]'"},
        {"[downlink] delay 1ms\n", "t.profile:1: a block header stands alone"},
        {"distribution gaussian\n", "t.profile:1: distribution: unknown"},
        {"loss bursty 1%\n", "t.profile:1: loss: unknown model"},
        {"limit 0\n", "t.profile:1: limit: integer out of range"},
        {"limit -5\n", "t.profile:1: limit: integer out of range"},
        {"slot 2ms 1ms\n", "t.profile:1: slot: max is below min"},
        {"slot distribution normal 1ms 1ms\n", "t.profile:1: slot: 'slot distribution' is not"},
        {"trace /nonexistent/trace.txt\n",
         "t.profile:1: trace: /nonexistent/trace.txt: cannot open"},
        {"reorder 5%\n", "t.profile: downlink: reorder needs a delay"},
        {"delay 1ms 5ms\n", "jitter larger than delay"},
        {"delay 1ms 3s\n", "jitter above 2.147s"},
        {"[uplink]\ndelay 1ms\nrate\n", "t.profile:3: rate: missing value"},
        {"delay 1ms 1ms 1% 7\n", "t.profile:1: unknown keyword '7'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct profile p;
        char err[512] = "";
        int rc = parse(cases[i].text, &p, err, sizeof(err));
        if (rc != -1 || strstr(err, cases[i].want) == NULL)
            fail_msg("case %zu: rc=%d err='%s' want '%s'", i, rc, err, cases[i].want);
        prof_free(&p);
    }
}

static void test_shipped_profiles(void **st)
{
    (void)st;
    const char *names[] = {"ideal", "5g-sub6", "5g-mmwave", "wifi5-ac", "wifi6-ax"};
    for (size_t i = 0; i < 5; i++) {
        char path[256], err[512];
        snprintf(path, sizeof(path), "netem/profiles/%s.profile", names[i]);
        struct profile p;
        if (prof_load(path, &p, err, sizeof(err)) != 0)
            fail_msg("%s: %s", path, err);
        prof_free(&p);
    }
    struct profile p;
    char err[512];
    assert_int_equal(prof_load("netem/profiles/5g-sub6.profile", &p, err, sizeof(err)), 0);
    assert_int_equal(p.dir[PROF_DOWN].delay_ns, 10000000);
    assert_int_equal(p.dir[PROF_UP].delay_ns, 18000000);
    assert_int_equal(p.dir[PROF_DOWN].rate_Bps, 25000000);
    prof_free(&p);
    assert_int_equal(prof_load("netem/profiles/missing.profile", &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "netem/profiles/missing.profile: cannot open"));
}

static void test_composition(void **st)
{
    (void)st;
    struct prof_dir d;
    char err[256];
    prof_dir_init(&d);
    assert_int_equal(prof_apply_line(&d, "delay 10ms 2ms loss 10%", NULL, err, sizeof(err)), 0);
    assert_int_equal(prof_add_delay(&d, 5000000, err, sizeof(err)), 0);
    assert_int_equal(d.delay_ns, 15000000);
    assert_int_equal(d.jitter_ns, 2000000);
    assert_int_equal(prof_add_loss(&d, units_p_from_double(0.10), err, sizeof(err)), 0);
    /* 1 - 0.9 * 0.9 = 19% */
    assert_true(fabs(units_p_to_double(d.loss_p) - 0.19) < 1e-9);
    prof_dir_init(&d);
    assert_int_equal(prof_add_loss(&d, units_p_from_double(0.02), err, sizeof(err)), 0);
    assert_int_equal(d.loss, LOSS_RANDOM);
    assert_int_equal(prof_apply_line(&d, "loss gemodel 1% 10% 50% 0%", NULL, err, sizeof(err)), 0);
    assert_int_equal(prof_add_loss(&d, units_p_from_double(0.5), err, sizeof(err)), 0);
    assert_true(fabs(units_p_to_double(d.ge_1h) - 0.75) < 1e-9);
    assert_true(fabs(units_p_to_double(d.ge_1k) - 0.5) < 1e-9);
    assert_int_equal(prof_apply_line(&d, "loss state 1% 20%", NULL, err, sizeof(err)), 0);
    assert_int_equal(prof_add_loss(&d, units_p_from_double(0.01), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "4-state"));
    assert_int_equal(prof_add_delay(&d, -1, err, sizeof(err)), -1);
}

static void test_format_roundtrip(void **st)
{
    (void)st;
    struct profile p;
    char err[512], line[1024];
    assert_int_equal(prof_load("netem/profiles/5g-mmwave.profile", &p, err, sizeof(err)), 0);
    prof_format(&p.dir[PROF_DOWN], line, sizeof(line));
    struct prof_dir d;
    prof_dir_init(&d);
    if (prof_apply_line(&d, line, NULL, err, sizeof(err)) != 0)
        fail_msg("reparse of '%s': %s", line, err);
    assert_int_equal(d.delay_ns, p.dir[PROF_DOWN].delay_ns);
    assert_int_equal(d.rate_Bps, p.dir[PROF_DOWN].rate_Bps);
    assert_int_equal(d.loss, LOSS_GEMODEL);
    assert_true(abs((int)(d.ge_p - p.dir[PROF_DOWN].ge_p)) < 100);
    prof_free(&p);
}

static void test_trace(void **st)
{
    (void)st;
    struct trace t;
    char err[256];
    const char *good = "1\n1\r\n\n5\n";
    assert_int_equal(trace_parse(good, strlen(good), &t, err, sizeof(err)), 0);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.period_ms, 5);
    trace_free(&t);
    assert_int_equal(trace_parse("3\n2\n", 4, &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 2: timestamps must not decrease"));
    assert_int_equal(trace_parse("0\n0\n", 4, &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "last timestamp must be > 0"));
    assert_int_equal(trace_parse("1\nx\n", 4, &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 2: not a millisecond"));
    assert_int_equal(trace_parse("", 0, &t, err, sizeof(err)), -1);
}

static void test_dist(void **st)
{
    (void)st;
    struct dist_table t;
    char err[256];
    assert_int_equal(dist_parse("# x\n 1 -2\n3\n", &t, err, sizeof(err)), 0);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.v[1], -2);
    dist_free(&t);
    assert_int_equal(dist_parse("1 40000\n", &t, err, sizeof(err)), -1);
    assert_int_equal(dist_parse("1 2x\n", &t, err, sizeof(err)), -1);
    /* the real iproute2 tables load at run time */
    for (int k = DIST_NORMAL; k <= DIST_PARETONORMAL; k++) {
        if (dist_load((enum dist_kind)k, &t, err, sizeof(err)) != 0)
            fail_msg("%s", err);
        assert_int_equal(t.n, 4096);
        dist_free(&t);
    }
    setenv("NETSYNC_TC_DIST_DIR", "/nonexistent", 1);
    unsetenv("NETSYNC_TC_DIST_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_full_profile),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_shipped_profiles),
        cmocka_unit_test(test_composition),
        cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_dist),
    };
    return cmocka_run_group_tests_name("netem-profile", tests, NULL, NULL);
}

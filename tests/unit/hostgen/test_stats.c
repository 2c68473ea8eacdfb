/* test_stats.c: percentiles, order-statistic CIs, quickselect and the arrival/size draws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "dist.h"
#include "rng.h"
#include "stats.h"

static void test_quantiles_known(void **state)
{
    (void)state;
    enum { N = 1000 };
    static int64_t x[N];
    for (int i = 0; i < N; i++)
        x[i] = N - i; /* 1000..1: summarize must sort */
    struct stats_summary s;
    stats_summarize(x, N, &s);
    /* Nearest rank on 1..1000: P50 = 500, P90 = 900, P99 = 990, P99.9 = 999. */
    assert_int_equal(s.p50, 500);
    assert_int_equal(s.p90, 900);
    assert_int_equal(s.p99, 990);
    assert_int_equal(s.p999, 999);
    assert_int_equal(s.max, 1000);
    assert_int_equal(s.min, 1);
    assert_true(fabs(s.mean - 500.5) < 1e-9);
    /* Exact binomial ranks for n=1000, p=0.99 are 983 and 997 (Python fractions, exact). */
    assert_true(s.p99_ci);
    assert_int_equal(s.p99_lo, 983);
    assert_int_equal(s.p99_hi, 997);
    int64_t one = 42;
    stats_summarize(&one, 1, &s);
    assert_int_equal(s.p50, 42);
    assert_int_equal(s.p999, 42);
    assert_false(s.p99_ci);
}

/* Known answers computed exactly with Python's fractions.Fraction and math.comb. */
static void test_ci_ranks_known(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        double p;
        bool ok;
        size_t lo, hi;
    } cases[] = {
        {100, 0.5, true, 40, 61},        {1000, 0.5, true, 469, 532},
        {1000, 0.99, true, 983, 997},    {10000, 0.99, true, 9880, 9920},
        {5000, 0.999, true, 4990, 5000}, {300, 0.99, false, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t lo = 0, hi = 0;
        bool ok = stats_ci_ranks(cases[i].n, cases[i].p, 0.95, &lo, &hi);
        assert_int_equal(ok, cases[i].ok);
        if (ok) {
            assert_int_equal(lo, cases[i].lo);
            assert_int_equal(hi, cases[i].hi);
        }
    }
    size_t lo, hi;
    assert_false(stats_ci_ranks(0, 0.99, 0.95, &lo, &hi));
}

static void test_select(void **state)
{
    (void)state;
    enum { N = 777 };
    static int64_t x[N], y[N];
    struct rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < N; i++)
        x[i] = (int64_t)rng_range(&r, 0, 50); /* many duplicates */
    for (size_t k = 0; k < N; k += 37) {
        for (int i = 0; i < N; i++)
            y[i] = x[i];
        int64_t v = stats_select(y, N, k);
        size_t below = 0, eq = 0;
        for (int i = 0; i < N; i++) {
            below += x[i] < v;
            eq += x[i] == v;
        }
        assert_true(below <= k && k < below + eq);
    }
}

/* Poisson gaps: mean 1/rate and coefficient of variation 1; constant: CV 0. */
static void test_arrivals(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 12345, 1);
    enum { N = 200000 };
    double rate = 10000.0, sum = 0, sum2 = 0;
    for (int i = 0; i < N; i++) {
        double g = arrival_gap_ns(ARRIVAL_POISSON, rate, &r);
        assert_true(g >= 0.0);
        sum += g;
        sum2 += g * g;
    }
    double mean = sum / N, var = sum2 / N - mean * mean, cv = sqrt(var) / mean;
    /* Standard error of the mean is 1e5/sqrt(2e5) ~ 224 ns: 1% (1000 ns) is > 4 sigma. */
    assert_true(fabs(mean - 1e5) < 1e3);
    assert_true(fabs(cv - 1.0) < 0.02);
    /* Counts per 1 ms window are Poisson(10): index of dispersion var/mean ~ 1. */
    double t = 0;
    enum { W = 20000 };
    static int counts[W];
    for (int i = 0; i < W; i++)
        counts[i] = 0;
    for (;;) {
        t += arrival_gap_ns(ARRIVAL_POISSON, rate, &r);
        size_t w = (size_t)(t / 1e6);
        if (w >= W)
            break;
        counts[w]++;
    }
    double cm = 0, cv2 = 0;
    for (int i = 0; i < W; i++)
        cm += counts[i];
    cm /= W;
    for (int i = 0; i < W; i++)
        cv2 += (counts[i] - cm) * (counts[i] - cm);
    cv2 /= W - 1;
    assert_true(fabs(cm - 10.0) < 0.2);
    assert_true(fabs(cv2 / cm - 1.0) < 0.05);
    for (int i = 0; i < 100; i++)
        assert_true(arrival_gap_ns(ARRIVAL_CONSTANT, rate, &r) == 1e5);
}

static void test_reproducible(void **state)
{
    (void)state;
    struct rng a, b, c;
    rng_seed(&a, 7, 0);
    rng_seed(&b, 7, 0);
    rng_seed(&c, 7, 1);
    int same_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_next(&a);
        assert_true(x == rng_next(&b));
        same_c += x == rng_next(&c);
    }
    assert_true(same_c == 0);
}

static void test_dist_parse(void **state)
{
    (void)state;
    struct dist d;
    char err[200];
    struct rng r;
    rng_seed(&r, 1, 2);
    assert_true(dist_parse("64", 1000, &d, err, sizeof(err)));
    assert_int_equal(dist_draw(&d, &r), 64);
    assert_true(dist_parse("fixed:0", 1000, &d, err, sizeof(err)));
    assert_int_equal(dist_draw(&d, &r), 0);
    assert_true(dist_parse("uniform:10:20", 1000, &d, err, sizeof(err)));
    for (int i = 0; i < 1000; i++) {
        uint64_t v = dist_draw(&d, &r);
        assert_true(v >= 10 && v <= 20);
    }
    assert_true(dist_parse("exp:100", 1000, &d, err, sizeof(err)));
    double s = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t v = dist_draw(&d, &r);
        assert_true(v <= 1000);
        s += (double)v;
    }
    /* floor() of an exponential with mean 100 has mean ~99.5 (geometric), clamping cuts ~0.005. */
    assert_true(fabs(s / 100000 - 99.5) < 1.5);
    assert_true(dist_parse("bimodal:1:500:0.25", 1000, &d, err, sizeof(err)));
    int big = 0;
    for (int i = 0; i < 100000; i++)
        big += dist_draw(&d, &r) == 500;
    assert_true(abs(big - 25000) < 600);
    const char *bad[] = {"",      "-1",        "1001",        "uniform:5:4",
                         "exp:0", "uniform:1", "bimodal:1:2", "bimodal:1:2:1.5",
                         "x:1",   "1:2:3:4:5", "12abc",       "fixed:",
                         " 5",    "0x10"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_false(dist_parse(bad[i], 1000, &d, err, sizeof(err)));
        assert_true(err[0] != '\0');
    }
    enum arrival_kind k;
    assert_true(arrival_parse("poisson", &k) && k == ARRIVAL_POISSON);
    assert_true(arrival_parse("constant", &k) && k == ARRIVAL_CONSTANT);
    assert_false(arrival_parse("bursty", &k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantiles_known), cmocka_unit_test(test_ci_ranks_known),
        cmocka_unit_test(test_select),          cmocka_unit_test(test_arrivals),
        cmocka_unit_test(test_reproducible),    cmocka_unit_test(test_dist_parse),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}

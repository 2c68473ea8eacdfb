/* test_shaper.c: statistical and exact checks of the netem-semantics engine on a virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shaper.h"
#include "stats.h"
#include "units.h"

#define MS 1000000ll
/* 4.5 standard errors: with fixed seeds the tests are deterministic; the band keeps them
 * meaningful (a wrong mean or rate falls far outside) without tuning to one seed. */
#define Z 4.5

static void setup_dir(struct prof_dir *d, const char *line)
{
    char err[256];
    prof_dir_init(d);
    if (prof_apply_line(d, line, NULL, err, sizeof(err)) != 0)
        fail_msg("'%s': %s", line, err);
}

static void mk(struct shaper *s, const char *line, uint64_t seed)
{
    struct prof_dir d;
    char err[256];
    setup_dir(&d, line);
    if (shp_init(s, &d, seed, 0, err, sizeof(err)) != 0)
        fail_msg("shp_init: %s", err);
    prof_dir_free(&d);
}

static uint8_t frame[1500];

/* Sends n frames spaced gap ns apart, draining as time goes; returns delays (ns) in arrival
 * order of the output, and the ids (first 4 bytes) in output order. */
static size_t run(struct shaper *s, size_t n, int64_t gap, uint32_t len, int64_t *delays,
                  uint32_t *ids)
{
    size_t out = 0;
    int64_t *sent = calloc(n + 1, sizeof(*sent));
    assert_non_null(sent);
    int64_t now = 0;
    for (size_t i = 0; i < n; i++) {
        now = (int64_t)i * gap;
        /* deliver everything due before this arrival */
        for (;;) {
            int64_t t = shp_next_time(s);
            if (t > now)
                break;
            struct shp_pkt *p = shp_dequeue(s, t < 0 ? 0 : t);
            if (p == NULL)
                p = shp_dequeue(s, now);
            if (p == NULL)
                break;
            uint32_t id;
            memcpy(&id, p->data, 4);
            if (delays)
                delays[out] = (t < 0 ? 0 : t) - sent[id];
            if (ids)
                ids[out] = id;
            out++;
            free(p);
        }
        uint32_t id = (uint32_t)i;
        memcpy(frame, &id, 4);
        sent[i] = now;
        shp_enqueue(s, now, frame, len);
    }
    for (;;) {
        int64_t t = shp_next_time(s);
        if (t == INT64_MAX)
            break;
        if (t < now)
            t = now;
        struct shp_pkt *p = shp_dequeue(s, t);
        if (p == NULL) {
            now = t + 1;
            continue;
        }
        now = t;
        uint32_t id;
        memcpy(&id, p->data, 4);
        if (delays)
            delays[out] = t - sent[id];
        if (ids)
            ids[out] = id;
        out++;
        free(p);
    }
    free(sent);
    return out;
}

static void test_constant_delay(void **st)
{
    (void)st;
    struct shaper s;
    mk(&s, "delay 10ms", 1);
    int64_t d[1000];
    uint32_t ids[1000];
    assert_int_equal(run(&s, 1000, MS / 10, 100, d, ids), 1000);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(d[i], 10 * MS);
        assert_int_equal(ids[i], i);
    }
    assert_int_equal(s.c.tx_pkts, 1000);
    shp_free(&s);
}

/* The empirical quantiles must sit inside the band of the distribution's own quantiles:
 * the model's exact law is mu + sigma * table[U] / 8192 (U uniform over the table). */
static void check_dist(const char *line, int64_t mu, int64_t sigma, enum dist_kind k)
{
    enum { N = 40000 };
    struct shaper s;
    mk(&s, line, 7);
    int64_t *d = calloc(N * 2, sizeof(*d));
    assert_non_null(d);
    /* 100 ms spacing > any delay here: no queueing, each delay is its own sample */
    size_t n = run(&s, N, 100 * MS, 100, d, NULL);
    assert_int_equal(n, N);
    st_sort(d, n);
    /* theoretical law */
    int64_t *law;
    size_t ln;
    if (k == DIST_UNIFORM) {
        ln = 2000;
        law = calloc(ln, sizeof(*law));
        for (size_t i = 0; i < ln; i++)
            law[i] = mu - sigma + (int64_t)((2 * sigma * (int64_t)i) / (int64_t)ln);
    } else {
        struct dist_table t;
        char err[256];
        assert_int_equal(dist_load(k, &t, err, sizeof(err)), 0);
        ln = t.n;
        law = calloc(ln, sizeof(*law));
        for (size_t i = 0; i < ln; i++)
            law[i] = mu + (sigma * t.v[i]) / DIST_SCALE;
        dist_free(&t);
    }
    st_sort(law, ln);
    const double qs[] = {0.1, 0.5, 0.9, 0.99};
    for (size_t i = 0; i < 4; i++) {
        double lo, hi;
        st_qband(qs[i], n, Z, &lo, &hi);
        int64_t got = st_quantile(d, n, qs[i]);
        /* +-1 us absorbs tabledist's rounding of sigma * value / 8192 */
        int64_t a = st_quantile(law, ln, lo) - 1000, b = st_quantile(law, ln, hi) + 1000;
        if (got < a || got > b)
            fail_msg("%s: P%g = %lld ns outside [%lld, %lld]", line, qs[i] * 100, (long long)got,
                     (long long)a, (long long)b);
    }
    double m = st_mean(d, n), lm = st_mean(law, ln), sd = st_sd(law, ln);
    if (fabs(m - lm) > Z * sd / sqrt((double)n) + 1000)
        fail_msg("%s: mean %.0f ns, law %.0f ns", line, m, lm);
    free(law);
    free(d);
    shp_free(&s);
}

static void test_dist_uniform(void **st)
{
    (void)st;
    check_dist("delay 50ms 10ms", 50 * MS, 10 * MS, DIST_UNIFORM);
}

static void test_dist_normal(void **st)
{
    (void)st;
    check_dist("delay 50ms 10ms distribution normal", 50 * MS, 10 * MS, DIST_NORMAL);
}

static void test_dist_pareto(void **st)
{
    (void)st;
    check_dist("delay 20ms 10ms distribution pareto", 20 * MS, 10 * MS, DIST_PARETO);
}

static void test_dist_paretonormal(void **st)
{
    (void)st;
    check_dist("delay 30ms 10ms distribution paretonormal", 30 * MS, 10 * MS, DIST_PARETONORMAL);
}

static void test_loss_random(void **st)
{
    (void)st;
    struct shaper s;
    mk(&s, "loss 5%", 3);
    enum { N = 100000 };
    uint64_t passed = 0;
    for (int i = 0; i < N; i++) {
        passed += (uint64_t)shp_enqueue(&s, i, frame, 64);
        struct shp_pkt *p;
        while ((p = shp_dequeue(&s, i)) != NULL)
            free(p);
    }
    assert_true(st_binom_ok(s.c.drop_loss, N, 0.05, Z));
    assert_int_equal(s.c.drop_loss + passed, N);
    shp_free(&s);
}

/* Loss sequence helper: 1 = lost. */
static void loss_seq(struct shaper *s, uint8_t *lost, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t before = s->c.drop_loss;
        shp_enqueue(s, (int64_t)i, frame, 64);
        lost[i] = s->c.drop_loss != before;
        struct shp_pkt *p;
        while ((p = shp_dequeue(s, (int64_t)i)) != NULL)
            free(p);
    }
}

static void test_gilbert_elliott_bursts(void **st)
{
    (void)st;
    struct shaper s;
    /* p = 1%, r = 10%, lose everything in bad, nothing in good: bursts are geometric with
     * mean 1/r = 10, loss rate p/(p+r) = 1/11 */
    mk(&s, "loss gemodel 1% 10% 100% 0%", 11);
    enum { N = 400000 };
    uint8_t *lost = malloc(N);
    loss_seq(&s, lost, N);
    uint64_t bursts = 0, lostn = 0;
    for (size_t i = 0; i < N; i++) {
        lostn += lost[i];
        if (lost[i] && (i == 0 || !lost[i - 1]))
            bursts++;
    }
    double mean_burst = (double)lostn / (double)bursts;
    /* geometric burst length: sd = sqrt(1-r)/r = 9.49; standard error over ~3600 bursts */
    double se = sqrt(0.9) / 0.1 / sqrt((double)bursts);
    if (fabs(mean_burst - 10.0) > Z * se)
        fail_msg("mean burst %.2f (bursts %llu)", mean_burst, (unsigned long long)bursts);
    /* loss rate: the bursts make the count overdispersed; test against the burst count */
    double rate = (double)lostn / N;
    if (fabs(rate - 1.0 / 11) > 0.01)
        fail_msg("GE loss rate %.4f, want %.4f", rate, 1.0 / 11);
    free(lost);
    shp_free(&s);
}

static void test_four_state(void **st)
{
    (void)st;
    /* stationary loss of the chain, by power iteration on its transition matrix */
    const double p13 = 0.02, p31 = 0.3, p32 = 0.2, p23 = 0.1, p14 = 0.01;
    double P[4][4] = {{1 - p13 - p14, 0, p13, p14},
                      {0, 1 - p23, p23, 0},
                      {p31, p32, 1 - p31 - p32, 0},
                      {1, 0, 0, 0}};
    double pi[4] = {1, 0, 0, 0};
    for (int it = 0; it < 10000; it++) {
        double nx[4] = {0};
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                nx[j] += pi[i] * P[i][j];
        memcpy(pi, nx, sizeof(pi));
    }
    double want = pi[2] + pi[3];
    struct shaper s;
    mk(&s, "loss state 2% 30% 20% 10% 1%", 5);
    enum { N = 400000 };
    uint8_t *lost = malloc(N);
    loss_seq(&s, lost, N);
    uint64_t k = 0;
    for (size_t i = 0; i < N; i++)
        k += lost[i];
    double got = (double)k / N;
    /* correlated losses: allow 10% relative (the i.i.d. band would be ~1%) */
    if (fabs(got - want) > 0.1 * want)
        fail_msg("4-state loss %.4f, stationary %.4f", got, want);
    free(lost);
    shp_free(&s);
    /* with only p13, the model is Bernoulli(p13) */
    mk(&s, "loss state 3%", 9);
    lost = malloc(N);
    loss_seq(&s, lost, N);
    k = 0;
    for (size_t i = 0; i < N; i++)
        k += lost[i];
    assert_true(st_binom_ok(k, N, 0.03, Z));
    free(lost);
    shp_free(&s);
}

static void test_rate_exact(void **st)
{
    (void)st;
    struct shaper s;
    /* 100 Mbit/s: a 1500-byte frame takes 120 us; a burst at t=0 leaves at (i+1)*120 us */
    mk(&s, "rate 100mbit limit 5000", 1);
    for (int i = 0; i < 1000; i++) {
        uint32_t id = (uint32_t)i;
        memcpy(frame, &id, 4);
        assert_int_equal(shp_enqueue(&s, 0, frame, 1500), 1);
    }
    for (int i = 0; i < 1000; i++) {
        int64_t t = shp_next_time(&s);
        assert_int_equal(t, (int64_t)(i + 1) * 120000);
        struct shp_pkt *p = shp_dequeue(&s, t);
        assert_non_null(p);
        free(p);
    }
    shp_free(&s);
    /* overhead and cells (tc-netem(8) rate ... 14 48 5): 1000+14 = 1014 -> 22 cells of 53 */
    struct prof_dir d;
    setup_dir(&d, "rate 1mbps 14 48 5");
    assert_int_equal(shp_packet_time_ns(&d, 1000), (int64_t)22 * 53 * 1000);
    setup_dir(&d, "rate 1gbit");
    assert_int_equal(shp_packet_time_ns(&d, 1500), 12000);
}

static void test_rate_with_delay(void **st)
{
    (void)st;
    struct shaper s;
    /* send = max(prev, now + delay) + len/rate */
    mk(&s, "delay 10ms rate 8mbit", 1);
    shp_enqueue(&s, 0, frame, 1000);       /* 0 + 10ms + 1ms */
    shp_enqueue(&s, 0, frame, 1000);       /* max(11ms, 10ms) + 1ms = 12ms */
    shp_enqueue(&s, 20 * MS, frame, 1000); /* max(12, 30) + 1 = 31ms */
    int64_t want[] = {11 * MS, 12 * MS, 31 * MS};
    for (int i = 0; i < 3; i++) {
        int64_t t = shp_next_time(&s);
        assert_int_equal(t, want[i]);
        free(shp_dequeue(&s, t));
    }
    shp_free(&s);
}

static size_t inversions(const uint32_t *ids, size_t n)
{
    size_t inv = 0;
    for (size_t i = 1; i < n; i++)
        inv += ids[i] < ids[i - 1];
    return inv;
}

static void test_ordering(void **st)
{
    (void)st;
    enum { N = 5000 };
    uint32_t *ids = calloc(N, sizeof(*ids));
    struct shaper s;
    /* 1 ms spacing with +-10 ms jitter: packets overtake each other */
    mk(&s, "delay 20ms 10ms", 2);
    assert_int_equal(run(&s, N, MS, 100, NULL, ids), N);
    assert_true(inversions(ids, N) > N / 10);
    shp_free(&s);
    /* the same jitter with a rate: time-ordered, never reordered */
    mk(&s, "delay 20ms 10ms rate 1gbit", 2);
    assert_int_equal(run(&s, N, MS, 100, NULL, ids), N);
    assert_int_equal(inversions(ids, N), 0);
    shp_free(&s);
    free(ids);
}

static void test_reorder_gap(void **st)
{
    (void)st;
    enum { N = 20000 };
    struct shaper s;
    /* reorder 100% gap 5: every 5th packet goes out immediately (netem's gap semantics) */
    mk(&s, "delay 10ms reorder 100% gap 5", 4);
    uint32_t *ids = calloc(N, sizeof(*ids));
    int64_t *d = calloc(N, sizeof(*d));
    assert_int_equal(run(&s, N, MS / 10, 100, d, ids), N);
    size_t immediate = 0;
    for (size_t i = 0; i < N; i++)
        if (d[i] == 0) {
            immediate++;
            assert_int_equal(ids[i] % 5, 4);
        }
    assert_int_equal(immediate, N / 5);
    assert_int_equal(s.c.reordered, N / 5);
    shp_free(&s);
    /* reorder 25% gap 1: about a quarter go out at once */
    mk(&s, "delay 10ms reorder 25%", 4);
    assert_int_equal(run(&s, N, MS / 10, 100, d, ids), N);
    assert_true(st_binom_ok(s.c.reordered, N, 0.25, Z));
    shp_free(&s);
    free(ids);
    free(d);
}

static void test_limit(void **st)
{
    (void)st;
    struct shaper s;
    mk(&s, "delay 10ms limit 100", 1);
    for (int i = 0; i < 250; i++)
        shp_enqueue(&s, 0, frame, 100);
    assert_int_equal(shp_qlen(&s), 100);
    assert_int_equal(s.c.drop_limit, 150);
    /* once drained, the queue accepts again */
    struct shp_pkt *p;
    int got = 0;
    while ((p = shp_dequeue(&s, 10 * MS)) != NULL) {
        free(p);
        got++;
    }
    assert_int_equal(got, 100);
    assert_int_equal(shp_enqueue(&s, 10 * MS, frame, 100), 1);
    shp_free(&s);
    /* rate-limited queue: 1000 packets offered at once to a 10 packet queue at 1 Mbit/s */
    mk(&s, "rate 1mbit limit 10", 1);
    for (int i = 0; i < 1000; i++)
        shp_enqueue(&s, 0, frame, 1500);
    assert_int_equal(s.c.drop_limit, 990);
    shp_free(&s);
}

static void test_duplicate_corrupt(void **st)
{
    (void)st;
    enum { N = 50000 };
    struct shaper s;
    mk(&s, "duplicate 10%", 8);
    size_t out = run(&s, N, 1000, 100, NULL, NULL);
    assert_true(st_binom_ok(s.c.duplicated, N, 0.10, Z));
    assert_int_equal(out, N + s.c.duplicated);
    shp_free(&s);
    mk(&s, "corrupt 10%", 8);
    uint8_t ref[200];
    for (int i = 0; i < 200; i++)
        ref[i] = (uint8_t)i;
    uint64_t bad = 0;
    for (int i = 0; i < N; i++) {
        shp_enqueue(&s, i, ref, sizeof(ref));
        struct shp_pkt *p = shp_dequeue(&s, i);
        assert_non_null(p);
        int bits = 0;
        for (int j = 0; j < 200; j++)
            bits += __builtin_popcount(p->data[j] ^ ref[j]);
        assert_true(bits == 0 || bits == 1); /* corrupt flips exactly one bit */
        bad += bits;
        free(p);
    }
    assert_int_equal(bad, s.c.corrupted);
    assert_true(st_binom_ok(bad, N, 0.10, Z));
    shp_free(&s);
}

static void test_seed_replay(void **st)
{
    (void)st;
    enum { N = 20000 };
    const char *line = "delay 20ms 5ms distribution normal loss gemodel 2% 20% 80% 0.5% "
                       "duplicate 1% reorder 5% gap 3";
    int64_t *d1 = calloc(2 * N, sizeof(int64_t)), *d2 = calloc(2 * N, sizeof(int64_t));
    uint32_t *i1 = calloc(2 * N, sizeof(uint32_t)), *i2 = calloc(2 * N, sizeof(uint32_t));
    struct shaper a, b, c;
    mk(&a, line, 42);
    mk(&b, line, 42);
    mk(&c, line, 43);
    size_t na = run(&a, N, MS / 2, 100, d1, i1);
    size_t nb = run(&b, N, MS / 2, 100, d2, i2);
    assert_int_equal(na, nb);
    assert_memory_equal(d1, d2, na * sizeof(int64_t));
    assert_memory_equal(i1, i2, na * sizeof(uint32_t));
    assert_memory_equal(&a.c, &b.c, sizeof(a.c));
    size_t nc = run(&c, N, MS / 2, 100, d2, i2);
    assert_true(nc != na || memcmp(d1, d2, na * sizeof(int64_t)) != 0);
    shp_free(&a);
    shp_free(&b);
    shp_free(&c);
    free(d1);
    free(d2);
    free(i1);
    free(i2);
}

static void test_trace_rate(void **st)
{
    (void)st;
    struct prof_dir d;
    prof_dir_init(&d);
    d.trace = calloc(1, sizeof(*d.trace));
    char err[128];
    /* two opportunities at 1 ms, one at 2 ms; period 2 ms */
    assert_int_equal(trace_parse("1\n1\n2\n", 6, d.trace, err, sizeof(err)), 0);
    struct shaper s;
    assert_int_equal(shp_init(&s, &d, 1, 0, err, sizeof(err)), 0);
    prof_dir_free(&d);
    for (int i = 0; i < 6; i++)
        shp_enqueue(&s, 0, frame, 1500);
    int64_t want[] = {1 * MS, 1 * MS, 2 * MS, 3 * MS, 3 * MS, 4 * MS};
    for (int i = 0; i < 6; i++) {
        int64_t t = shp_next_time(&s);
        assert_int_equal(t, want[i]);
        free(shp_dequeue(&s, t));
    }
    /* small packets share an opportunity (1500 bytes each), idle opportunities are lost */
    for (int i = 0; i < 3; i++)
        shp_enqueue(&s, 10 * MS + 100, frame, 500);
    for (int i = 0; i < 3; i++) {
        int64_t t = shp_next_time(&s);
        assert_int_equal(t, 11 * MS);
        free(shp_dequeue(&s, t));
    }
    shp_free(&s);
}

static void test_slot(void **st)
{
    (void)st;
    struct shaper s;
    /* slots every 10 ms, 2 packets per slot */
    mk(&s, "slot 10ms packets 2", 1);
    for (int i = 0; i < 6; i++)
        shp_enqueue(&s, 0, frame, 100);
    int64_t now = 0;
    int64_t times[6];
    for (int i = 0; i < 6;) {
        struct shp_pkt *p = shp_dequeue(&s, now);
        if (p == NULL) {
            now = shp_next_time(&s);
            continue;
        }
        times[i++] = now;
        free(p);
    }
    int64_t want[] = {0, 0, 10 * MS, 10 * MS, 20 * MS, 20 * MS};
    assert_memory_equal(times, want, sizeof(want));
    shp_free(&s);
}

static void test_down_up_reconfigure(void **st)
{
    (void)st;
    struct shaper s;
    mk(&s, "delay 10ms", 1);
    shp_enqueue(&s, 0, frame, 100);
    shp_enqueue(&s, 0, frame, 100);
    shp_set_down(&s, true);
    assert_int_equal(shp_qlen(&s), 0);
    assert_int_equal(shp_enqueue(&s, 1, frame, 100), 0);
    assert_int_equal(s.c.drop_down, 3);
    shp_set_down(&s, false);
    assert_int_equal(shp_enqueue(&s, 2, frame, 100), 1);
    struct prof_dir d;
    char err[128];
    setup_dir(&d, "delay 50ms");
    assert_int_equal(shp_reconfigure(&s, &d, 3, err, sizeof(err)), 0);
    shp_enqueue(&s, 3, frame, 100);
    free(shp_dequeue(&s, 10 * MS + 2)); /* the old packet keeps its time */
    assert_int_equal(shp_next_time(&s), 50 * MS + 3);
    shp_free(&s);
    /* a frame larger than any QEMU frame is refused, not trusted */
    mk(&s, "", 1);
    static uint8_t big[SHP_MAX_FRAME + 1];
    assert_int_equal(shp_enqueue(&s, 0, big, sizeof(big)), 0);
    shp_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_delay),
        cmocka_unit_test(test_dist_uniform),
        cmocka_unit_test(test_dist_normal),
        cmocka_unit_test(test_dist_pareto),
        cmocka_unit_test(test_dist_paretonormal),
        cmocka_unit_test(test_loss_random),
        cmocka_unit_test(test_gilbert_elliott_bursts),
        cmocka_unit_test(test_four_state),
        cmocka_unit_test(test_rate_exact),
        cmocka_unit_test(test_rate_with_delay),
        cmocka_unit_test(test_ordering),
        cmocka_unit_test(test_reorder_gap),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_duplicate_corrupt),
        cmocka_unit_test(test_seed_replay),
        cmocka_unit_test(test_trace_rate),
        cmocka_unit_test(test_slot),
        cmocka_unit_test(test_down_up_reconfigure),
    };
    return cmocka_run_group_tests_name("netem-shaper", tests, NULL, NULL);
}

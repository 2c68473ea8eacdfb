/* test_report.c: report totals (error classes, warm-up exclusion, achieved rate) on synthetic runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static void test_totals(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct run_result r;
    memset(&r, 0, sizeof(r));
    r.reqs = calloc(N, sizeof(struct req));
    assert_non_null(r.reqs);
    r.nreqs = N;
    r.start_ns = 0;
    r.measure_start_ns = 100000000; /* 0.1 s warm-up */
    r.gen_end_ns = 1100000000;      /* 1 s measured window */
    for (int i = 0; i < N; i++) {
        struct req *q = &r.reqs[i];
        q->intended = (int64_t)i * 1100000; /* 1.1 ms apart: 91 in warm-up */
        q->warmup = q->intended < r.measure_start_ns;
        q->actual = q->intended + 1000 + i; /* send error 1000+i ns */
        q->done = q->intended + 10000 * (i % 100 + 1);
        q->status = RS_OK;
    }
    r.reqs[500].status = RS_MISMATCH;
    r.reqs[501].status = RS_RESET;
    r.reqs[501].done = -1;
    r.reqs[502].status = RS_NOCONN;
    r.reqs[502].actual = -1;
    r.reqs[502].done = -1;
    r.reqs[503].status = RS_TIMEOUT; /* answered late: still a latency sample */
    r.reqs[10].status = RS_TIMEOUT;  /* in warm-up: an error, but not a sample */
    r.reqs[10].done = -1;
    struct report_totals t;
    assert_int_equal(report_totals(&r, &t), 0);
    assert_int_equal(t.by_status[RS_OK], N - 5);
    assert_int_equal(t.by_status[RS_TIMEOUT], 2);
    assert_int_equal(t.errors, 5);
    assert_int_equal(t.measured, N - 91);
    assert_int_equal(t.sent_measured, N - 91 - 1);
    assert_true(t.window_s > 0.999 && t.window_s < 1.001);
    assert_true(t.achieved_rate > 907.9 && t.achieved_rate < 908.1);
    /* Samples: measured requests with a completion, ok or late (mismatch/reset/noconn out). */
    assert_int_equal(t.latency.n, N - 91 - 3);
    assert_int_equal(t.send_err.min, 1000 + 91);
    assert_int_equal(t.send_err.max, 1000 + N - 1);
    assert_int_equal(t.latency.max, 1000000);
    free(r.reqs);
}

static void test_empty(void **state)
{
    (void)state;
    struct run_result r;
    memset(&r, 0, sizeof(r));
    struct report_totals t;
    assert_int_equal(report_totals(&r, &t), 0);
    assert_int_equal(t.latency.n, 0);
    assert_int_equal(t.errors, 0);
    assert_true(t.achieved_rate == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}

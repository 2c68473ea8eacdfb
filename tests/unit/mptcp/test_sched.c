/* test_sched.c: the packet scheduler's choice of subflow (kernel/net/mptcp/mptcp_sched.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "../../../kernel/net/mptcp/mptcp_sched.h"

#define MSS 1448u

/* A usable subflow with a measured RTT, an empty queue, a 10-segment window and 64 KiB of room. */
static struct mptcp_sched_sf sf(uint32_t srtt_us)
{
    struct mptcp_sched_sf v;
    memset(&v, 0, sizeof(v));
    v.usable = true;
    v.rtt_known = true;
    v.srtt_us = srtt_us;
    v.cwnd = 10 * MSS;
    v.mss = MSS;
    v.room = 65536;
    return v;
}

static void small_write_goes_on_the_faster_path(void **s)
{
    (void)s;
    struct mptcp_sched_sf v[2] = {sf(20000), sf(2000)}; /* subflow 0: 5G-like, 1: Wi-Fi-like */
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), 1);
    /* the room policy is blind to RTT: the first subflow wins the tie */
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_ROOM, v, 2), 0);
    v[0].room = 1000;
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_ROOM, v, 2), 1);
}

static void a_long_queue_spills_onto_the_slower_path(void **s)
{
    (void)s;
    struct mptcp_sched_sf v[2] = {sf(20000), sf(2000)};
    v[1].queued = 10 * v[1].cwnd; /* 2 ms/2 + 10 windows of 2 ms = 21 ms > 20 ms/2 */
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), 0);
    assert_int_equal(mptcp_sched_delivery_us(&v[1]), 1000 + 10 * 2000);
    assert_int_equal(mptcp_sched_delivery_us(&v[0]), 10000);
    v[1].queued = 4 * v[1].cwnd; /* 9 ms: still sooner */
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), 1);
}

static void a_stalled_path_is_the_last_resort(void **s)
{
    (void)s;
    struct mptcp_sched_sf v[2] = {sf(2000), sf(20000)};
    v[0].stalled = true; /* in RTO back-off: maybe down */
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), 1);
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_ROOM, v, 2), 1);
    /* the live path full: wait for it rather than queue behind a dead one */
    v[1].room = 0;
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), -1);
    /* every path stalled: the best of them */
    v[1].stalled = true;
    v[1].room = 100;
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), 0);
}

static void unknown_rtt_is_assumed_slow_but_not_never(void **s)
{
    (void)s;
    struct mptcp_sched_sf v[2] = {sf(30000), sf(0)};
    v[1].rtt_known = false; /* a join without a sample yet */
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), 0);
    v[0].queued = 4 * v[0].cwnd; /* 15 + 120 ms behind the measured path's queue */
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), 1);
    assert_int_equal(mptcp_sched_delivery_us(&v[1]), MPTCP_SCHED_UNKNOWN_RTT_US / 2);
}

static void a_zero_rtt_sample_does_not_make_a_queue_free(void **s)
{
    (void)s;
    /* millisecond timestamps on a LAN: both sample 0; the shorter queue must win */
    struct mptcp_sched_sf v[2] = {sf(0), sf(0)};
    v[0].queued = 3 * MSS;
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), 1);
    v[1].queued = 6 * MSS;
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 2), 0);
}

static void ties_unusable_and_degenerate_windows(void **s)
{
    (void)s;
    struct mptcp_sched_sf v[4] = {sf(5000), sf(5000), sf(1000), sf(5000)};
    v[2].usable = false; /* e.g. no mapping slot free */
    v[1].room = 70000;
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 4), 1); /* equal delivery: more room */
    v[1].room = 65536;
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 4), 0); /* then the lower index */
    v[0].room = v[1].room = v[3].room = 0;
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 4), -1);
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_ROOM, v, 4), -1);
    assert_int_equal(mptcp_sched_pick(MPTCP_SCHED_RTT, v, 0), -1);
    /* no window and no MSS known: no division by zero, the queue counts byte by byte */
    struct mptcp_sched_sf z = sf(4000);
    z.cwnd = z.mss = 0;
    z.queued = 3;
    assert_int_equal(mptcp_sched_delivery_us(&z), 2000 + 3 * 4000);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(small_write_goes_on_the_faster_path),
        cmocka_unit_test(a_long_queue_spills_onto_the_slower_path),
        cmocka_unit_test(a_stalled_path_is_the_last_resort),
        cmocka_unit_test(unknown_rtt_is_assumed_slow_but_not_never),
        cmocka_unit_test(a_zero_rtt_sample_does_not_make_a_queue_free),
        cmocka_unit_test(ties_unusable_and_degenerate_windows),
    };
    return cmocka_run_group_tests_name("sched", t, NULL, NULL);
}

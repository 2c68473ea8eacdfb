/* bench_rx.c: receive-path throughput of the MPTCP module on the host (no sanitizers): segments
 * of 1460 bytes alternating over two subflows, in order and shuffled; JSON lines, medians. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "harness.h"

#define SEGS  100000
#define REPS  7
#define SEG   1460u
#define BATCH 32 /* shuffled mode: arrival order permuted within batches of 32 segments */

static struct mptcp_conn conn;
static struct mptcp_token_table table;
static uint8_t payload[SEG], sink[MPTCP_RCVBUF];

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double run(bool shuffled, bool split)
{
    memset(&conn, 0, sizeof(conn));
    mptcp_table_init(&table);
    if (h_establish(&conn, &table, H_KEY_B, false) != 0)
        exit(1);
    struct mptcp_subflow *sf[2] = {&conn.sf[0], h_join(&conn, &table, 77)};
    if (!sf[1])
        exit(1);
    uint64_t base = conn.rcv_nxt;
    uint32_t x = 1;
    double t0 = now_s();
    for (uint32_t b = 0; b < SEGS; b += BATCH) {
        uint32_t order[BATCH];
        for (uint32_t i = 0; i < BATCH; i++)
            order[i] = i;
        for (uint32_t i = BATCH - 1; shuffled && i > 0; i--) {
            x = x * 1103515245u + 12345u;
            uint32_t j = (x >> 8) % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (uint32_t k = 0; k < BATCH; k++) {
            uint32_t i = b + order[k];
            int f = (int)(i & 1);
            uint32_t ssn = 1 + (i / 2) * SEG;
            struct mptcp_opt_set set;
            memset(&set, 0, sizeof(set));
            struct mptcp_opt o = h_dss_map(base + (uint64_t)i * SEG, ssn, SEG, true, false);
            o.u.dss.flags |= DSS_FLAG_A_ACK | DSS_FLAG_a_ACK8;
            h_set_one(&set, &o);
            struct mptcp_seg seg = {.seq = sf[f]->irs + ssn,
                                    .tcp_flags = MPTCP_TCP_ACK,
                                    .payload = payload,
                                    .len = SEG,
                                    .opts = &set,
                                    .now_us = i};
            struct mptcp_rx_result r;
            if (split) {
                mptcp_rx_options(&conn, sf[f], &seg, &r);
                mptcp_rx_data(&conn, sf[f], seg.seq, payload, SEG, i, &r);
            } else {
                mptcp_rx_segment(&conn, sf[f], &seg, &r);
            }
            if (r.accepted != SEG)
                exit(1);
        }
        while (mptcp_read(&conn, sink, sizeof(sink)))
            ;
    }
    double t = now_s() - t0;
    if (conn.rcv_nxt != base + (uint64_t)SEGS * SEG)
        exit(1);
    return t;
}

int main(void)
{
    static const struct {
        const char *name;
        bool shuffled, split;
    } modes[] = {{"in_order_segment_form", false, false},
                 {"shuffled32_segment_form", true, false},
                 {"in_order_split_form", false, true}};
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        double t[REPS];
        for (int r = 0; r < REPS; r++)
            t[r] = run(modes[m].shuffled, modes[m].split);
        qsort(t, REPS, sizeof(t[0]), cmp);
        double bytes = (double)SEGS * SEG;
        printf("{\"bench\":\"mptcp_rx\",\"mode\":\"%s\",\"subflows\":2,\"segment_bytes\":%u,"
               "\"bytes\":%.0f,\"reps\":%d,\"median_MBps\":%.0f,\"worst_MBps\":%.0f}\n",
               modes[m].name, SEG, bytes, REPS, bytes / t[REPS / 2] / 1e6,
               bytes / t[REPS - 1] / 1e6);
    }
    return 0;
}

/* p2p_records.c: the record ring (interrupt-safe push) and its drain thread, which writes the
 * records, the loss count, hog work and policy counters to COM2 off the measured path. */
#include "services/p2p_records.h"
#include "arch/io.h"
#include "core/clock.h"
#include "core/cmdline.h"
#include "core/log.h"
#include "core/sched.h"
#include "core/sched_divsa.h"
#include "core/thread.h"
#include "dev/serial.h"
#include "lib/format.h"
#include "services/hog.h"

/* 1024 records = 64 KiB of pending output: several seconds of requests at the bed's rates. */
#define RING_SLOTS 1024u
/* The drain wakes this often; a report of hogs and policy goes out every REPORT_NS. */
#define DRAIN_PERIOD_NS 5000000ull
#define REPORT_NS       250000000ull
/* A record waiting longer than this puts the drain one level above the services until the ring
   is empty: records must reach the host before the bed stops the guest. */
#define CATCHUP_AGE_NS 200000000ull

static struct p2p_rec ring[RING_SLOTS];
static uint64_t ring_t[RING_SLOTS]; /* when each record was pushed (catch-up decision) */
static uint32_t head, tail;         /* head: next to write; tail: next to drain (free-running) */
static uint32_t next_seq;
static struct p2p_counters cnt;
static bool enabled = true;
static struct thread *drain_thr;

static int set_records(const char *v, size_t n)
{
    uint64_t x;
    if (v == NULL || kparse_u64(v, n, &x) != 0 || x > 1)
        return -1;
    enabled = x == 1;
    return 0;
}
KPARAM(records, set_records, "p2p records on COM2: 1 (default) or 0");

static bool arrivals;

static int set_arrivals(const char *v, size_t n)
{
    uint64_t x;
    if (v == NULL || kparse_u64(v, n, &x) != 0 || x > 1)
        return -1;
    arrivals = x == 1;
    return 0;
}
KPARAM(arrivals, set_arrivals,
       "also record every arrival batch on COM2 (predictor traces): 0 or 1");

bool p2p_arrivals_on(void)
{
    return arrivals && enabled;
}

bool p2p_records_on(void)
{
    return enabled;
}

bool p2p_push(struct p2p_rec *r)
{
    uint64_t t0 = rdtsc();
    uint32_t f = irq_save();
    bool ok = head - tail < RING_SLOTS;
    if (ok) {
        r->seq = next_seq++;
        ring[head % RING_SLOTS] = *r;
        ring_t[head % RING_SLOTS] = clock_ns();
        head++;
        cnt.pushed++;
    } else {
        cnt.dropped++;
    }
    uint64_t c = rdtsc() - t0;
    if (c > cnt.push_max_cycles)
        cnt.push_max_cycles = c;
    irq_restore(f);
    return ok;
}

void p2p_get_counters(struct p2p_counters *c)
{
    uint32_t f = irq_save();
    *c = cnt;
    irq_restore(f);
}

/* The drain thread's own CPU time (the core's per-thread accounting at every switch, plus the
   current slice when it is running): exactly the CPU reporting took, preemptions excluded. */
uint64_t p2p_drain_ns(void)
{
    if (drain_thr == NULL)
        return 0;
    uint32_t f = irq_save();
    uint64_t v = drain_thr->run_ns;
    if (drain_thr == sched_current)
        v += clock_ns() - drain_thr->last_run_ns;
    irq_restore(f);
    return v;
}

static void write_rec(const struct p2p_rec *r)
{
    uint8_t buf[P2P_REC_LEN];
    p2p_encode(r, buf);
    com2_write(buf, sizeof buf);
    uint32_t f = irq_save();
    cnt.written++;
    irq_restore(f);
}

static void push_report(uint64_t now)
{
    struct p2p_rec r;
    for (int i = 0; i < hog_count(); i++) {
        memset(&r, 0, sizeof r);
        r.type = P2P_T_HOG;
        r.conn = (uint32_t)i;
        r.id = hog_work(i);
        r.t0 = now;
        for (int k = 0; k < P2P_NDELTA; k++)
            r.d[k] = P2P_NONE;
        (void)p2p_push(&r);
    }
    struct divsa_stats ds;
    divsa_get_stats(&ds);
    struct sched_stats ss;
    sched_get_stats(&ss);
    memset(&r, 0, sizeof r);
    r.type = P2P_T_POLICY;
    r.id = ds.boost_cpu_ns;
    r.conn = (uint32_t)ss.boosts;
    r.subflow = (uint32_t)ds.refused;
    r.t0 = now;
    r.d[0] = (uint32_t)ss.boost_expiries;
    r.d[1] = (uint32_t)ds.window_max_ns;
    r.d[2] = (uint32_t)ds.hints;
    r.d[3] = ds.share_permille;
    r.d[4] = (uint32_t)ds.boosts_timed;
    r.d[5] = (uint32_t)cnt.push_max_cycles;
    r.d[6] = (uint32_t)(p2p_drain_ns() / 1000u);
    (void)p2p_push(&r);
}

static void drain_thread(void *arg)
{
    (void)arg;
    uint64_t last_report = 0, reported_drops = 0;
    for (;;) {
        thread_sleep_ns(DRAIN_PERIOD_NS);
        uint64_t now = clock_ns();
        if (now - last_report >= REPORT_NS) {
            last_report = now;
            push_report(now);
        }
        uint32_t f0 = irq_save();
        bool behind = tail != head && now - ring_t[tail % RING_SLOTS] > CATCHUP_AGE_NS;
        irq_restore(f0);
        if (behind) {
            cnt.catchups++;
            sched_set_base_prio(thread_current(), PRIO_DEFAULT + 1);
        }
        for (;;) {
            struct p2p_rec r;
            uint32_t f = irq_save();
            bool have = tail != head;
            if (have)
                r = ring[tail++ % RING_SLOTS];
            uint64_t drops = cnt.dropped;
            irq_restore(f);
            if (drops != reported_drops) {
                /* Overflow is never silent: a LOSS record with the running total (it takes a
                   sequence number of its own, written directly, so it cannot itself be lost). */
                struct p2p_rec l;
                memset(&l, 0, sizeof l);
                l.type = P2P_T_LOSS;
                l.id = drops;
                l.t0 = now;
                for (int k = 0; k < P2P_NDELTA; k++)
                    l.d[k] = P2P_NONE;
                f = irq_save();
                l.seq = next_seq++;
                irq_restore(f);
                write_rec(&l);
                reported_drops = drops;
            }
            if (!have)
                break;
            write_rec(&r);
        }
        if (behind)
            sched_set_base_prio(thread_current(), PRIO_DEFAULT);
    }
}

int p2p_records_start(void)
{
    if (!enabled)
        return 0;
    /* The drain competes at the services' level (never above rpcd): reporting must not delay
       what it measures, and must still run when hogs keep the CPU busy. */
    drain_thr = thread_create("p2p-drain", drain_thread, NULL, PRIO_DEFAULT);
    if (drain_thr == NULL)
        return -1;
    return 0;
}

/* kbench.c: in-guest benchmarks (cmdline "bench"): context switch, IPC round trip and rate,
 * timer interrupt latency. Prints one JSON line per figure on COM1, then exits QEMU. */
#include "arch/io.h"
#include "arch/qemu.h"
#include "core/clock.h"
#include "core/cmdline.h"
#include "core/ipc.h"
#include "core/log.h"
#include "core/sched.h"
#include "core/thread.h"
#include "core/timer.h"
#include "mm/heap.h"

static bool enabled;
static uint32_t reps = 2000;

static int set_bench(const char *v, size_t n)
{
    (void)v;
    (void)n;
    enabled = true;
    return 0;
}
KPARAM(bench, set_bench, "run the in-guest benchmarks, print JSON lines and exit QEMU");

/* Samples are cycle counts; sorted in place to read the median and P99 (exact order stats). */
static void sort_u64(uint64_t *a, uint32_t n)
{
    /* Shell sort: no recursion, fine for a few thousand samples. */
    for (uint32_t gap = n / 2; gap > 0; gap /= 2) {
        for (uint32_t i = gap; i < n; i++) {
            uint64_t x = a[i];
            uint32_t j = i;
            while (j >= gap && a[j - gap] > x) {
                a[j] = a[j - gap];
                j -= gap;
            }
            a[j] = x;
        }
    }
}

static uint64_t cyc_to_ns(uint64_t cyc)
{
    /* Cycles * 1000 / MHz: no overflow for any sample we take (< 2^54 cycles). */
    uint64_t mhz = clock_tsc_hz() / 1000000u;
    return mhz > 0 ? cyc * 1000u / mhz : 0;
}

static void report(const char *name, const char *what, uint64_t *cyc, uint32_t n)
{
    sort_u64(cyc, n);
    uint64_t med = cyc[n / 2], p99 = cyc[(uint64_t)n * 99 / 100];
    kprintf("{\"bench\":\"%s\",\"what\":\"%s\",\"unit\":\"ns\",\"median\":%llu,\"p99\":%llu,"
            "\"median_cycles\":%llu,\"p99_cycles\":%llu,\"samples\":%u}\n",
            name, what, (unsigned long long)cyc_to_ns(med), (unsigned long long)cyc_to_ns(p99),
            (unsigned long long)med, (unsigned long long)p99, n);
}

/* --- context switch: two threads alternate with thread_yield (rr policy, nothing else ready) */
static volatile uint64_t stamp;
static uint64_t *samples;
static volatile uint32_t sidx;
static volatile bool ping_done;

static void ping(void *arg)
{
    (void)arg;
    while (!ping_done) {
        uint64_t now = rdtsc();
        if (stamp != 0 && sidx < reps)
            samples[sidx++] = now - stamp;
        stamp = rdtsc();
        thread_yield();
    }
}

static void bench_switch(void)
{
    sched_switch_policy(sched_find_policy("rr"));
    sidx = 0;
    stamp = 0;
    ping_done = false;
    struct thread *a = thread_create("ping", ping, NULL, PRIO_DEFAULT);
    struct thread *b = thread_create("pong", ping, NULL, PRIO_DEFAULT);
    while (sidx < reps)
        thread_sleep_ns(1000000);
    ping_done = true;
    thread_join(a);
    thread_join(b);
    report("ctx_switch", "thread_yield to thread_yield, rr, 2 threads", samples, reps);
}

/* --- IPC call/reply round trip (256 bytes each way) and one-way message rate */
static struct endpoint ep;

static void server(void *arg)
{
    (void)arg;
    static struct ipc_msg m;
    for (;;) {
        struct ipc_reply_cap rc;
        ipc_recv(&ep, &m, &rc);
        if (m.label == 0xdead)
            return;
        if (rc.caller != NULL)
            ipc_reply(&rc, &m);
    }
}

static void bench_ipc(void)
{
    endpoint_init(&ep, "bench");
    struct thread *srv = thread_create("srv", server, NULL, PRIO_DEFAULT);
    static struct ipc_msg req, resp;
    req.len = IPC_MSG_MAX;
    req.label = 1;
    for (uint32_t i = 0; i < IPC_MSG_MAX; i++)
        req.data[i] = (uint8_t)i;
    for (uint32_t i = 0; i < reps; i++) {
        uint64_t t0 = rdtsc();
        ipc_call(&ep, &req, &resp);
        samples[i] = rdtsc() - t0;
    }
    report("ipc_call_reply", "round trip, 256-byte request and reply", samples, reps);

    /* Rate: batches of 1000 one-way sends (256 bytes); msgs/s per batch, median over batches. */
    enum { BATCH = 1000, BATCHES = 21 };
    uint64_t rate[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        uint64_t t0 = clock_ns();
        for (int i = 0; i < BATCH; i++)
            ipc_send(&ep, &req);
        uint64_t dt = clock_ns() - t0;
        rate[b] = dt > 0 ? (uint64_t)BATCH * 1000000000u / dt : 0;
    }
    sort_u64(rate, BATCHES);
    kprintf("{\"bench\":\"ipc_rate\",\"what\":\"one-way 256-byte sends per second, batches of %d\","
            "\"unit\":\"msg/s\",\"median\":%llu,\"p1\":%llu,\"samples\":%d}\n",
            BATCH, (unsigned long long)rate[BATCHES / 2], (unsigned long long)rate[0], BATCHES);
    req.label = 0xdead;
    ipc_send(&ep, &req);
    thread_join(srv);
}

/* --- timer interrupt latency: deadline to handler entry (TSC taken first thing in the ISR) */
struct tl {
    struct notification n;
    uint64_t deadline_tsc;
    uint64_t entry_tsc;
    int source;
};

static void tl_fire(struct ktimer *t, void *arg)
{
    (void)t;
    struct tl *s = arg;
    s->entry_tsc = timer_irq_entry_tsc();
    s->source = timer_irq_source();
    notify_signal(&s->n, 1);
}

static void bench_timer(void)
{
    static struct tl s;
    notification_init(&s.n);
    uint32_t n = reps < 500 ? reps : 500, lapic = 0;
    uint64_t hz = clock_tsc_hz();
    for (uint32_t i = 0; i < n; i++) {
        struct ktimer t;
        ktimer_init(&t, tl_fire, &s);
        /* Deadlines 100..400 us out, off the 1 ms tick grid. */
        uint64_t delay = 100000u + (i * 7919u) % 300000u;
        uint64_t now_tsc = rdtsc();
        uint64_t dl = clock_tsc_to_ns(now_tsc) + delay;
        s.deadline_tsc = now_tsc + delay * hz / 1000000000u;
        ktimer_arm(&t, dl);
        notify_wait(&s.n, 0);
        samples[i] = s.entry_tsc > s.deadline_tsc ? s.entry_tsc - s.deadline_tsc : 0;
        lapic += s.source == TIMER_SRC_LAPIC;
    }
    report("timer_latency", "one-shot deadline to timer ISR entry, 100-400 us timers", samples, n);
    kprintf("{\"bench\":\"timer_source\",\"what\":\"timers fired by the LAPIC one-shot (rest by "
            "the PIT tick)\",\"unit\":\"count\",\"lapic\":%u,\"total\":%u}\n",
            lapic, n);
}

/* --- heap: kmalloc(64)+kfree with 1000 other small blocks live (first fit walks past them) */
static void bench_heap(void)
{
    enum { LIVE = 1000 };
    void **live = kmalloc(LIVE * sizeof *live);
    ASSERT(live != NULL, "no memory for the heap benchmark");
    for (int i = 0; i < LIVE; i++)
        live[i] = kmalloc(48 + (uint32_t)(i % 5) * 16);
    for (uint32_t i = 0; i < reps; i++) {
        uint64_t t0 = rdtsc();
        void *p = kmalloc(64);
        kfree(p);
        samples[i] = rdtsc() - t0;
    }
    report("heap_alloc_free", "kmalloc(64)+kfree with 1000 small blocks live", samples, reps);
    for (int i = 0; i < LIVE; i++)
        kfree(live[i]);
    kfree(live);
}

/* Runs from the init thread when "bench" is on the command line. */
bool kbench_enabled(void)
{
    return enabled;
}

void kbench_run(void)
{
    samples = kmalloc(reps * sizeof *samples);
    ASSERT(samples != NULL, "no memory for benchmark samples");
    bench_switch();
    bench_ipc();
    bench_timer();
    bench_heap();
    kfree(samples);
    qemu_exit(QEMU_EXIT_PASS);
}

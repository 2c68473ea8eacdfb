/* t60_thread.c: self-tests of threads: create/join, preemption of 8 spinning threads, sleep,
 * wait queues, mutexes. */
#include "arch/io.h"
#include "core/clock.h"
#include "core/ktest.h"
#include "core/sched.h"
#include "core/thread.h"
#include "core/waitq.h"
#include "mm/paging.h"
#include "mm/heap.h"
#include "mm/pmm.h"

static void exit_with(void *arg)
{
    thread_exit((int)(uintptr_t)arg);
}

static void return_plain(void *arg)
{
    (void)arg;
}

KTEST(thread, create_join_exit_code)
{
    uint32_t before = thread_count();
    struct thread *a = thread_create("t-exit42", exit_with, (void *)42, PRIO_DEFAULT);
    struct thread *b = thread_create("t-return", return_plain, NULL, PRIO_DEFAULT);
    KEXPECT(a != NULL && b != NULL);
    KEXPECT(!vm_is_mapped(a->stack_pa)); /* its guard page */
    KEXPECT_EQ(thread_join(a), 42);
    KEXPECT_EQ(thread_join(b), 0);
    struct thread *big = thread_create_sized("t-bigstack", exit_with, (void *)7, PRIO_DEFAULT, 16);
    KEXPECT(big != NULL);
    KEXPECT_EQ(thread_stack_top(big) - big->stack_pa, 17 * PAGE_SIZE);
    KEXPECT(!vm_is_mapped(big->stack_pa));
    KEXPECT_EQ(thread_join(big), 7);
    KEXPECT(thread_create_sized("t-nostack", exit_with, NULL, PRIO_DEFAULT, 0) == NULL);
    KEXPECT_EQ(thread_count(), before);
}

static volatile bool spin_stop;
static volatile uint32_t spin_count[8];

static void spinner(void *arg)
{
    uint32_t i = (uint32_t)(uintptr_t)arg;
    /* Never yields, sleeps or blocks: only timer preemption can let the others run. */
    while (!spin_stop)
        spin_count[i]++;
}

KTEST(thread, eight_threads_preemptive)
{
    struct sched_stats a, b;
    sched_get_stats(&a);
    spin_stop = false;
    struct thread *t[8];
    for (int i = 0; i < 8; i++) {
        spin_count[i] = 0;
        t[i] = thread_create("spinner", spinner, (void *)(uintptr_t)i, PRIO_DEFAULT - 1);
        KEXPECT(t[i] != NULL);
    }
    /* Wake every 20 ms until each spinner has run (8 x 10 ms quanta need ~80 ms); the cap only
       bounds a broken scheduler, it is not a timing requirement. */
    int ran = 0;
    uint64_t t0 = clock_ns();
    while (ran < 8 && clock_ns() - t0 < 10000000000ull) {
        thread_sleep_ns(20000000);
        ran = 0;
        for (int i = 0; i < 8; i++)
            ran += spin_count[i] > 0;
    }
    spin_stop = true;
    for (int i = 0; i < 8; i++)
        thread_join(t[i]);
    sched_get_stats(&b);
    KEXPECT_EQ(ran, 8);
    KEXPECT(b.preempt_quantum - a.preempt_quantum >= 7); /* only quantum ends let all 8 run */
    ktest_note("8 spinners: %u quantum preemptions",
               (uint32_t)(b.preempt_quantum - a.preempt_quantum));
}

static void sleeper(void *arg)
{
    thread_sleep_ns((uint64_t)(uintptr_t)arg);
}

KTEST(thread, concurrent_sleepers)
{
    uint64_t t0 = clock_ns();
    struct thread *t[10];
    for (int i = 0; i < 10; i++)
        t[i] = thread_create("sleeper", sleeper, (void *)(uintptr_t)(1000000u * (uint32_t)(i + 1)),
                             PRIO_DEFAULT);
    for (int i = 0; i < 10; i++)
        thread_join(t[i]);
    KEXPECT(clock_ns() - t0 >= 10000000u);
}

struct pc {
    struct waitq wq;
    int items;
    int consumed;
};

static void consumer(void *arg)
{
    struct pc *pc = arg;
    for (int k = 0; k < 5; k++) {
        uint32_t f = irq_save();
        while (pc->items == 0)
            waitq_wait(&pc->wq, 0);
        pc->items--;
        pc->consumed++;
        irq_restore(f);
    }
}

KTEST(thread, waitq_producer_consumer)
{
    static struct pc pc;
    waitq_init(&pc.wq);
    pc.items = pc.consumed = 0;
    struct thread *c = thread_create("consumer", consumer, &pc, PRIO_DEFAULT);
    for (int k = 0; k < 5; k++) {
        thread_sleep_ns(200000);
        uint32_t f = irq_save();
        pc.items++;
        waitq_wake_one(&pc.wq);
        irq_restore(f);
    }
    thread_join(c);
    KEXPECT_EQ(pc.consumed, 5);
    uint32_t f = irq_save();
    KEXPECT(!waitq_wait(&pc.wq, 300000)); /* nobody wakes us: times out */
    irq_restore(f);
}

struct shared {
    struct mutex m;
    volatile int inside;
    volatile int max_inside;
    int counter;
};

static void locker(void *arg)
{
    struct shared *s = arg;
    for (int i = 0; i < 200; i++) {
        mutex_lock(&s->m);
        s->inside++;
        if (s->inside > s->max_inside)
            s->max_inside = s->inside;
        int v = s->counter;
        if (i % 16 == 0)
            thread_yield(); /* invite the others in while holding the lock */
        s->counter = v + 1;
        s->inside--;
        mutex_unlock(&s->m);
    }
}

KTEST(thread, mutex_excludes)
{
    static struct shared s;
    mutex_init(&s.m);
    s.inside = s.max_inside = s.counter = 0;
    struct thread *t[4];
    for (int i = 0; i < 4; i++)
        t[i] = thread_create("locker", locker, &s, PRIO_DEFAULT);
    for (int i = 0; i < 4; i++)
        thread_join(t[i]);
    KEXPECT_EQ(s.counter, 800);
    KEXPECT_EQ(s.max_inside, 1);
    KEXPECT(mutex_trylock(&s.m));
    mutex_unlock(&s.m);
}

KTEST(thread, detached_threads_are_reaped)
{
    uint32_t before = thread_count();
    struct pmm_stats pa, pb;
    struct kheap_stats ha, hb;
    thread_reap();
    pmm_get_stats(&pa);
    kheap_get_stats(&ha);
    for (int i = 0; i < 20; i++) {
        struct thread *t = thread_create("detached", return_plain, NULL, PRIO_DEFAULT + 1);
        KEXPECT(t != NULL);
        thread_detach(t);
    }
    /* Give them the CPU until all have ended (the cap only bounds a broken kernel). */
    uint64_t start = clock_ns();
    while (thread_count() != before && clock_ns() - start < 5000000000ull)
        thread_sleep_ns(1000000);
    KEXPECT_EQ(thread_count(), before);
    thread_reap();
    pmm_get_stats(&pb);
    kheap_get_stats(&hb);
    /* Every stack and guard page came back (pages the heap grew by meanwhile excepted). */
    KEXPECT_EQ(pb.free_pages + (hb.arena_bytes - ha.arena_bytes) / PAGE_SIZE, pa.free_pages);
}

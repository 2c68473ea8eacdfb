/* t50_timer.c: self-tests of the clock, sleeping and one-shot timers. */
#include "arch/io.h"
#include "arch/lapic.h"
#include "core/clock.h"
#include "core/ipc.h"
#include "core/ktest.h"
#include "core/thread.h"
#include "core/timer.h"
#include "mm/heap.h"

KTEST(timer, clock_monotonic)
{
    uint64_t prev = clock_ns();
    bool mono = true;
    for (int i = 0; i < 10000; i++) {
        uint64_t now = clock_ns();
        mono = mono && now >= prev;
        prev = now;
    }
    KEXPECT(mono);
    KEXPECT(clock_tsc_hz() > 1000000u);
}

KTEST(timer, sleep_at_least)
{
    uint64_t t0 = clock_ns();
    thread_sleep_ns(2000000);
    KEXPECT(clock_ns() - t0 >= 2000000u);
}

struct fired {
    struct ktimer t[3];
    int order[8];
    uint64_t at[8];
    int n;
};

static void record(struct ktimer *t, void *arg)
{
    struct fired *f = arg;
    f->at[f->n] = clock_ns();
    f->order[f->n++] = (int)(t - f->t);
}

KTEST(timer, fire_in_deadline_order)
{
    static struct fired f;
    memset(&f, 0, sizeof f);
    /* Armed with interrupts off so a host stall mid-loop cannot fire one before the rest exist. */
    uint32_t irq = irq_save();
    uint64_t now = clock_ns();
    uint64_t dl[3] = {now + 3000000, now + 1000000, now + 2000000};
    for (int i = 0; i < 3; i++) {
        ktimer_init(&f.t[i], record, &f);
        KEXPECT_EQ(ktimer_arm(&f.t[i], dl[i]), 0);
    }
    irq_restore(irq);
    thread_sleep_ns(5000000);
    KEXPECT_EQ(f.n, 3);
    int expect[3] = {1, 2, 0};
    for (int i = 0; i < 3; i++) {
        KEXPECT_EQ(f.order[i], expect[i]);
        KEXPECT(f.at[i] >= dl[expect[i]]);
    }
    for (int i = 0; i < 3; i++)
        KEXPECT(!ktimer_armed(&f.t[i]));
}

static void count_fire(struct ktimer *t, void *arg)
{
    (void)t;
    (*(volatile int *)arg)++;
}

KTEST(timer, cancel)
{
    volatile int fired = 0;
    struct ktimer t;
    ktimer_init(&t, count_fire, (void *)&fired);
    uint32_t irq = irq_save(); /* the timer cannot fire between arm and cancel */
    KEXPECT_EQ(ktimer_arm_in(&t, 1000000), 0);
    KEXPECT_EQ(ktimer_arm_in(&t, 1000000), -1); /* already armed */
    KEXPECT(ktimer_cancel(&t));
    irq_restore(irq);
    thread_sleep_ns(3000000);
    KEXPECT_EQ(fired, 0);
    KEXPECT(!ktimer_cancel(&t));
}

struct subms {
    struct notification n;
    uint64_t deadline, fired_at, entry_ns;
    int source;
};

static void subms_fire(struct ktimer *t, void *arg)
{
    (void)t;
    struct subms *s = arg;
    s->fired_at = clock_ns();
    s->entry_ns = clock_tsc_to_ns(timer_irq_entry_tsc());
    s->source = timer_irq_source();
    notify_signal(&s->n, 1);
}

KTEST(timer, sub_millisecond_oneshot)
{
    KEXPECT(timer_oneshot_hw()); /* the LAPIC one-shot timer is in use, not the 1 ms tick */
    static struct subms s;
    notification_init(&s.n);
    struct ktimer t;
    ktimer_init(&t, subms_fire, &s);
    /* 200 us: well under the tick period, so only the one-shot timer can be this precise. */
    uint32_t f = irq_save();
    s.deadline = clock_ns() + 200000;
    KEXPECT_EQ(ktimer_arm(&t, s.deadline), 0);
    /* Arming programmed the LAPIC one-shot for the earliest deadline: ours, or an earlier timer
       already armed (a sub-tick scheduler slice, say), never a later one or the next tick. */
    KEXPECT(timer_hw_deadline() != 0 && timer_hw_deadline() <= s.deadline);
    if (timer_hw_deadline() == s.deadline) { /* ours is the earliest: <= 200 us of counts */
        KEXPECT(lapic_timer_last_count() > 0);
        KEXPECT(lapic_timer_last_count() <= lapic_timer_hz() / 5000u + 1);
    }
    irq_restore(f);
    KEXPECT_EQ(notify_wait(&s.n, 1000000000u), 1);
    KEXPECT(s.fired_at >= s.deadline);
    struct timer_stats ts;
    timer_get_stats(&ts);
    ktest_note("200 us timer: handler entry %llu ns after the deadline, run by the %s; "
               "%llu LAPIC, %llu PIT interrupts so far",
               (unsigned long long)(s.entry_ns - s.deadline),
               s.source == TIMER_SRC_LAPIC ? "LAPIC one-shot" : "PIT tick",
               (unsigned long long)ts.lapic_irqs, (unsigned long long)ts.pit_irqs);
}

static uint64_t last_deadline;
static int fired_many, misordered;

static void many_fire(struct ktimer *t, void *arg)
{
    (void)arg;
    if (t->e.deadline < last_deadline)
        misordered++;
    last_deadline = t->e.deadline;
    fired_many++;
}

KTEST(timer, many_timers)
{
    enum { N = 500 };
    struct ktimer *t = kmalloc(N * sizeof *t);
    KEXPECT(t != NULL);
    if (t == NULL)
        return;
    last_deadline = 0;
    fired_many = misordered = 0;
    /* Arm them all with interrupts off: otherwise an early one could fire while a later-armed
       one with an even earlier deadline is still being set up. */
    uint32_t f = irq_save();
    uint64_t now = clock_ns();
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u; /* LCG: deadlines in scrambled order within 4 ms */
        ktimer_init(&t[i], many_fire, NULL);
        KEXPECT_EQ(ktimer_arm(&t[i], now + 100000 + (x >> 8) % 4000000), 0);
    }
    irq_restore(f);
    thread_sleep_ns(6000000);
    KEXPECT_EQ(fired_many, N);
    KEXPECT_EQ(misordered, 0);
    kfree(t);
}

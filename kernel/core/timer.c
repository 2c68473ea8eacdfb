/* timer.c: the periodic PIT tick (scheduler quanta) and one-shot timers on the LAPIC timer. */
#include "core/timer.h"
#include "arch/idt.h"
#include "arch/io.h"
#include "arch/lapic.h"
#include "arch/pic.h"
#include "arch/pit.h"
#include "core/clock.h"
#include "core/cmdline.h"
#include "core/log.h"
#include "core/sched.h"
#include "lib/format.h"
#include "lib/list.h"

static struct tq_entry *heap_storage[KTIMER_MAX];
static struct timerq q;
static bool have_lapic;
static uint64_t entry_tsc;
static uint32_t tick_hz = 1000;
static uint64_t armed_for; /* deadline the LAPIC is programmed for, 0 = idle */
static int source;
static struct timer_stats st;

uint64_t timer_hw_deadline(void)
{
    return armed_for;
}

int timer_irq_source(void)
{
    return source;
}

void timer_get_stats(struct timer_stats *s)
{
    uint32_t f = irq_save();
    *s = st;
    irq_restore(f);
}

static int set_hz(const char *v, size_t n)
{
    uint64_t x;
    /* 19 Hz is the slowest the 16-bit PIT divisor allows; 10 kHz keeps TCG usable. */
    if (v == NULL || kparse_u64(v, n, &x) != 0 || x < 19 || x > 10000)
        return -1;
    tick_hz = (uint32_t)x;
    return 0;
}
KPARAM(hz, set_hz, "periodic tick rate in Hz, 19..10000 (default 1000)");

uint32_t timer_tick_hz(void)
{
    return tick_hz;
}

uint64_t timer_irq_entry_tsc(void)
{
    return entry_tsc;
}

bool timer_oneshot_hw(void)
{
    return have_lapic;
}

/* Programs the LAPIC for the earliest deadline (call with interrupts disabled). */
static void program(uint64_t now)
{
    if (!have_lapic)
        return;
    struct tq_entry *e = tq_peek(&q);
    if (e == NULL) {
        armed_for = 0;
        lapic_timer_stop();
        return;
    }
    armed_for = e->deadline;
    lapic_timer_oneshot(e->deadline > now ? e->deadline - now : 0);
}

static void run_expired(void)
{
    uint64_t now = clock_ns();
    struct tq_entry *e;
    while ((e = tq_pop_expired(&q, now)) != NULL) {
        struct ktimer *t = container_of(e, struct ktimer, e);
        st.fired++;
        t->fn(t, t->arg);
        now = clock_ns();
    }
    program(now);
}

static void on_lapic_timer(struct trapframe *tf)
{
    (void)tf;
    entry_tsc = rdtsc();
    source = TIMER_SRC_LAPIC;
    st.lapic_irqs++;
    lapic_eoi();
    run_expired();
}

static void on_spurious(struct trapframe *tf)
{
    (void)tf; /* SDM §10.9: no EOI for the spurious vector */
}

static void on_pit(struct trapframe *tf)
{
    (void)tf;
    entry_tsc = rdtsc();
    source = TIMER_SRC_PIT;
    st.pit_irqs++;
    pic_eoi(PIT_IRQ);
    uint64_t now = clock_ns();
    /* Without a LAPIC the tick is the timers' only clock; with one, it is a safety net. */
    if (!have_lapic || (tq_peek(&q) != NULL && tq_peek(&q)->deadline <= now))
        run_expired();
    sched_tick(now);
}

void timer_init(void)
{
    tq_init(&q, heap_storage, KTIMER_MAX);
    if (lapic_init()) {
        idt_set_handler(VEC_LAPIC_TIMER, on_lapic_timer);
        idt_set_handler(VEC_LAPIC_SPURIOUS, on_spurious);
        uint64_t hz = lapic_timer_calibrate();
        have_lapic = true;
        LOGI("timer: LAPIC one-shot timer at %u kHz", (uint32_t)(hz / 1000u));
    } else {
        LOGW("timer: no LAPIC; one-shot timers fall back to the %u Hz tick", tick_hz);
    }
    idt_set_handler(VEC_IRQ0 + PIT_IRQ, on_pit);
    uint32_t actual = pit_start_periodic(tick_hz);
    pic_unmask(PIT_IRQ);
    LOGI("timer: PIT tick %u Hz", actual);
}

void ktimer_init(struct ktimer *t, ktimer_fn fn, void *arg)
{
    tq_entry_init(&t->e);
    t->fn = fn;
    t->arg = arg;
}

int ktimer_arm(struct ktimer *t, uint64_t deadline_ns)
{
    uint32_t f = irq_save();
    int rc = tq_insert(&q, &t->e, deadline_ns);
    /* Reprogram only when this timer became the earliest one. */
    if (rc == 0 && tq_peek(&q) == &t->e && (armed_for == 0 || deadline_ns < armed_for))
        program(clock_ns());
    irq_restore(f);
    return rc;
}

int ktimer_arm_in(struct ktimer *t, uint64_t delay_ns)
{
    return ktimer_arm(t, clock_ns() + delay_ns);
}

bool ktimer_cancel(struct ktimer *t)
{
    uint32_t f = irq_save();
    bool was = tq_remove(&q, &t->e);
    /* Keep armed_for true: the LAPIC now aims at the next deadline (or nothing). */
    if (was && have_lapic && tq_peek(&q) != NULL && tq_peek(&q)->deadline != armed_for)
        program(clock_ns());
    else if (was && tq_peek(&q) == NULL)
        program(clock_ns());
    irq_restore(f);
    return was;
}

bool ktimer_armed(const struct ktimer *t)
{
    return tq_queued(&t->e);
}

/* timer.h: one-shot kernel timers on the monotonic clock, fired by the LAPIC timer (sub-ms). */
#ifndef NETSYNC_TIMER_H
#define NETSYNC_TIMER_H
#include "lib/klib.h"
#include "lib/timerq.h"

struct ktimer;
/* Runs in interrupt context with interrupts disabled: keep it short (wake a thread, signal a
   notification, re-arm). It may re-arm its own timer. */
typedef void (*ktimer_fn)(struct ktimer *t, void *arg);

struct ktimer {
    struct tq_entry e;
    ktimer_fn fn;
    void *arg;
};

/* Capacity of the timer heap: TCP keeps a few timers per connection. */
#define KTIMER_MAX 4096

void timer_init(void);
void ktimer_init(struct ktimer *t, ktimer_fn fn, void *arg);
/* Arms t to fire at clock_ns() >= deadline_ns; -1 if already armed or the heap is full. */
int ktimer_arm(struct ktimer *t, uint64_t deadline_ns);
int ktimer_arm_in(struct ktimer *t, uint64_t delay_ns);
/* Disarms t; false if it was not armed (already fired or never armed). */
bool ktimer_cancel(struct ktimer *t);
bool ktimer_armed(const struct ktimer *t);
/* Timer-interrupt entry time (TSC) of the interrupt now being handled, for latency figures. */
uint64_t timer_irq_entry_tsc(void);
/* Deadline the LAPIC one-shot is programmed for (the earliest armed timer), 0 when idle. */
uint64_t timer_hw_deadline(void);
/* Which interrupt is running expired timers right now. */
#define TIMER_SRC_PIT   0
#define TIMER_SRC_LAPIC 1
int timer_irq_source(void);
struct timer_stats {
    uint64_t lapic_irqs, pit_irqs, fired;
};
void timer_get_stats(struct timer_stats *s);
/* Resolution actually available: true with a LAPIC one-shot timer, false on tick fallback. */
bool timer_oneshot_hw(void);
/* Periodic tick rate in Hz (hz= key, default 1000). */
uint32_t timer_tick_hz(void);

#endif

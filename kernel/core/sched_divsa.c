/* sched_divsa.c: the Divsa policy (DESIGN.md §2 "divsa"): prio's static priorities and wake-up
 * preemption, plus bounded boosts driven by netd's hints: a thread whose request data is complete
 * is boosted now; one whose data is predicted is boosted DIVSA_LEAD_NS before the prediction. */
#include "core/sched_divsa.h"
#include "arch/io.h"
#include "core/clock.h"
#include "core/cmdline.h"
#include "core/sched.h"
#include "core/thread.h"
#include "core/timer.h"
#include "lib/format.h"
#include "lib/runq.h"

static struct runq rq;
static struct divsa_stats st = {.share_permille = DIVSA_SHARE_PERMILLE_DEFAULT};
static uint64_t window_start, window_used;

/* Per-thread prediction timers: a few service threads receive hints, so a small table. */
#define DIVSA_SLOTS 16
struct dthr {
    struct thread *t;
    struct ktimer tm;
    uint64_t until_ns; /* boost end the timer will ask for */
};
static struct dthr slots[DIVSA_SLOTS];

static int set_share(const char *v, size_t n)
{
    uint64_t x;
    if (v == NULL || kparse_u64(v, n, &x) != 0 || x > 1000)
        return -1;
    st.share_permille = (uint32_t)x;
    return 0;
}
KPARAM(divsa_share, set_share,
       "divsa: per-mille of each 100 ms that boosted threads may use (300)");

static void divsa_init(void)
{
    rq_init(&rq);
    for (int i = 0; i < DIVSA_SLOTS; i++) {
        if (slots[i].t != NULL)
            ktimer_cancel(&slots[i].tm);
        slots[i].t = NULL;
    }
    window_start = clock_ns();
    window_used = 0;
}

static void divsa_enqueue(struct thread *t, enum sched_enq why)
{
    if (why == SCHED_PREEMPT_WAKE)
        rq_push_front(&rq, &t->rq, t->prio);
    else
        rq_push_back(&rq, &t->rq, t->prio);
}

static void divsa_dequeue(struct thread *t)
{
    rq_remove(&rq, &t->rq);
}

/* Charges the CPU time a boosted thread used since it was last charged to the window (the
   bound's measurement); the core's own run_ns bookkeeping is left alone. */
static struct thread *acct_t;
static uint64_t acct_from;

static void account(uint64_t now)
{
    if (now - window_start >= DIVSA_WINDOW_NS) {
        window_start = now;
        window_used = 0;
    }
    struct thread *cur = sched_current;
    if (cur == NULL || cur == sched_idle)
        return;
    uint64_t from = cur->last_run_ns;
    if (acct_t == cur && acct_from > from)
        from = acct_from;
    if (cur->boosted && now > from) {
        st.boost_cpu_ns += now - from;
        /* Only the part inside the current window counts against its budget: an interval that
           began in an earlier window (a long stretch without a charge, e.g. QEMU descheduled
           under TCG) used to land in this window whole and overshoot the bound on its own. */
        uint64_t in_window = from > window_start ? from : window_start;
        window_used += now - in_window;
        if (window_used > st.window_max_ns)
            st.window_max_ns = window_used;
    }
    acct_t = cur;
    acct_from = now;
}

static struct thread *divsa_pick_next(void)
{
    account(clock_ns());
    struct rq_node *n = rq_pop_highest(&rq);
    return n != NULL ? container_of(n, struct thread, rq) : NULL;
}

static bool divsa_wake_preempts(const struct thread *cur, const struct thread *woken)
{
    return woken->prio > cur->prio;
}

static bool divsa_tick(struct thread *cur, uint64_t now_ns)
{
    /* A boosted thread over the window's budget loses its boost here, at the latest one tick
       (or slice) after crossing the bound. */
    if (cur->boosted) {
        account(now_ns);
        if (window_used * 1000u > (uint64_t)st.share_permille * DIVSA_WINDOW_NS)
            sched_unboost(cur);
    }
    return now_ns - cur->slice_start_ns >= sched_quantum_ns() && rq_highest(&rq) >= cur->prio;
}

static bool budget_left(uint64_t now)
{
    if (now - window_start >= DIVSA_WINDOW_NS)
        return true;
    return window_used * 1000u < (uint64_t)st.share_permille * DIVSA_WINDOW_NS;
}

static void boost(struct thread *t, uint64_t now, uint64_t until, bool timed)
{
    if (!budget_left(now)) {
        st.refused++;
        return;
    }
    if (until > now + DIVSA_BOOST_MAX_NS)
        until = now + DIVSA_BOOST_MAX_NS;
    int p = t->base_prio + DIVSA_BOOST_LEVELS;
    if (p > PRIO_MAX)
        p = PRIO_MAX;
    if (sched_boost(t, p, until) == 0) {
        if (timed)
            st.boosts_timed++;
        else
            st.boosts_now++;
    }
}

static void predicted_soon(struct ktimer *tm, void *arg)
{
    (void)tm;
    struct dthr *d = arg;
    if (d->t != NULL)
        boost(d->t, clock_ns(), d->until_ns, true);
}

static struct dthr *slot_of(struct thread *t)
{
    struct dthr *free_slot = NULL;
    for (int i = 0; i < DIVSA_SLOTS; i++) {
        if (slots[i].t == t)
            return &slots[i];
        if (slots[i].t == NULL && free_slot == NULL)
            free_slot = &slots[i];
    }
    if (free_slot != NULL) {
        free_slot->t = t;
        ktimer_init(&free_slot->tm, predicted_soon, free_slot);
    }
    return free_slot;
}

static void divsa_hint(struct thread *t, const struct sched_hint *h)
{
    st.hints++;
    uint64_t now = clock_ns();
    struct dthr *d = slot_of(t);
    if (d != NULL && ktimer_armed(&d->tm))
        ktimer_cancel(&d->tm);
    switch (h->kind) {
    case SCHED_HINT_DATA_COMPLETE:
        /* The request is whole: the server should get the CPU as soon as netd lets go. */
        boost(t, now, now + DIVSA_BOOST_MAX_NS, false);
        break;
    case SCHED_HINT_DATA_EXPECTED:
        if (h->predicted_ns == 0 || d == NULL)
            break;
        if (h->predicted_ns <= now + DIVSA_LEAD_NS) {
            boost(t, now, h->predicted_ns + DIVSA_LEAD_NS, true);
        } else {
            d->until_ns = h->predicted_ns + DIVSA_LEAD_NS;
            if (ktimer_arm(&d->tm, h->predicted_ns - DIVSA_LEAD_NS) != 0)
                st.refused++;
        }
        break;
    case SCHED_HINT_CANCEL:
        if (t->boosted)
            st.cancelled++;
        sched_unboost(t);
        break;
    default:
        break;
    }
}

static void divsa_thread_exit(struct thread *t)
{
    for (int i = 0; i < DIVSA_SLOTS; i++) {
        if (slots[i].t == t) {
            ktimer_cancel(&slots[i].tm);
            slots[i].t = NULL;
        }
    }
}

void divsa_get_stats(struct divsa_stats *s)
{
    uint32_t f = irq_save();
    *s = st;
    irq_restore(f);
}

static const struct sched_policy divsa_policy = {
    .name = "divsa",
    .init = divsa_init,
    .enqueue = divsa_enqueue,
    .dequeue = divsa_dequeue,
    .pick_next = divsa_pick_next,
    .wake_preempts = divsa_wake_preempts,
    .tick = divsa_tick,
    .hint = divsa_hint,
    .thread_exit = divsa_thread_exit,
};
SCHED_POLICY(divsa_policy);

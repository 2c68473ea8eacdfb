/* sched.c: the policy-independent scheduler core: switching, blocking, waking, preemption. */
#include "core/sched.h"
#include "arch/idt.h"
#include "arch/io.h"
#include "core/clock.h"
#include "core/cmdline.h"
#include "core/log.h"
#include "core/thread.h"
#include "core/timer.h"
#include "lib/cmdparse.h"

extern void ctx_switch(uint32_t *save_esp, uint32_t new_esp); /* arch/switch.asm */
extern const struct sched_policy *const __kpolicies_start[], *const __kpolicies_end[];

struct thread *sched_current;
struct thread *sched_idle;
static const struct sched_policy *policy;
static volatile bool need_resched;
static enum sched_enq requeue_reason = SCHED_YIELD;
static struct sched_stats st;

/* Cmdline: sched=<name>, quantum=<duration> (plain numbers are microseconds). */
static char wanted[16] = "prio";
static uint64_t quantum_ns = 10000000u; /* 10 ms: a conventional time slice */

static int set_sched(const char *v, size_t n)
{
    if (v == NULL || n == 0 || n >= sizeof wanted)
        return -1;
    memcpy(wanted, v, n);
    wanted[n] = '\0';
    return 0;
}
KPARAM(sched, set_sched, "scheduling policy: rr | prio | divsa (default prio)");

static int set_quantum(const char *v, size_t n)
{
    uint64_t ns;
    if (v == NULL || cmd_parse_duration_ns(v, n, 1000, &ns) != 0 || ns < 1000)
        return -1;
    quantum_ns = ns;
    return 0;
}
KPARAM(quantum, set_quantum, "time slice, e.g. 500us, 2ms; plain number = us (default 10ms)");

uint64_t sched_quantum_ns(void)
{
    return quantum_ns;
}

void sched_set_quantum_ns(uint64_t ns)
{
    quantum_ns = ns;
}

const struct sched_policy *sched_find_policy(const char *name)
{
    /* The table spans two linker symbols: count through integers. */
    size_t n = ((uintptr_t)__kpolicies_end - (uintptr_t)__kpolicies_start) / sizeof(void *);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(__kpolicies_start[i]->name, name) == 0)
            return __kpolicies_start[i];
    }
    return NULL;
}

void sched_init(void)
{
    policy = sched_find_policy(wanted);
    if (policy == NULL) {
        LOGE("sched: unknown policy '%s', using prio", wanted);
        cmdline_errors++;
        policy = sched_find_policy("prio");
    }
    ASSERT(policy != NULL, "the prio policy must be linked in");
    policy->init();
    LOGI("sched: policy %s, quantum %u us", policy->name, (uint32_t)(quantum_ns / 1000u));
}

const struct sched_policy *sched_policy(void)
{
    return policy;
}

void sched_switch_policy(const struct sched_policy *p)
{
    uint32_t f = irq_save();
    struct thread *moved[64];
    int n = 0;
    struct thread *t;
    while ((t = policy->pick_next()) != NULL) {
        ASSERT(n < (int)ARRAY_LEN(moved), "too many ready threads to switch policy");
        moved[n++] = t;
    }
    policy = p;
    policy->init();
    for (int i = 0; i < n; i++)
        policy->enqueue(moved[i], SCHED_MIGRATE);
    irq_restore(f);
    LOGI("sched: switched to policy %s (%d ready threads moved)", p->name, n);
}

/* Quanta shorter than the tick period end on a one-shot timer instead of the next tick. */
static struct ktimer slice_timer;
static bool slice_timer_ready;

static void check_quantum(uint64_t now_ns);

static void slice_end(struct ktimer *t, void *arg)
{
    (void)t;
    (void)arg;
    check_quantum(clock_ns());
}

static void arm_slice(const struct thread *t, uint64_t now)
{
    if (!slice_timer_ready) {
        ktimer_init(&slice_timer, slice_end, NULL);
        slice_timer_ready = true;
    }
    if (ktimer_armed(&slice_timer))
        ktimer_cancel(&slice_timer);
    if (t != sched_idle && quantum_ns < 1000000000u / timer_tick_hz())
        ktimer_arm(&slice_timer, now + quantum_ns);
}

uint64_t sched_slice_deadline(void)
{
    return slice_timer_ready && ktimer_armed(&slice_timer) ? slice_timer.e.deadline : 0;
}

void schedule(void)
{
    ASSERT((read_eflags() & EFLAGS_IF) == 0, "schedule() needs interrupts disabled");
    struct thread *prev = sched_current;
    need_resched = false;
    if (prev->state == T_RUNNING && prev != sched_idle) {
        prev->state = T_READY;
        policy->enqueue(prev, requeue_reason);
    } else if (prev == sched_idle) {
        prev->state = T_READY; /* idle is never on a run queue; it runs when nothing else can */
    }
    requeue_reason = SCHED_YIELD;
    struct thread *next = policy->pick_next();
    if (next == NULL)
        next = sched_idle;
    uint64_t now = clock_ns();
    if (next == prev) {
        prev->state = T_RUNNING;
        prev->slice_start_ns = now;
        arm_slice(prev, now);
        return;
    }
    ASSERT(next->state == T_READY || next == sched_idle, "picked a thread that is not ready");
    prev->run_ns += now - prev->last_run_ns;
    next->state = T_RUNNING;
    next->slice_start_ns = now;
    next->last_run_ns = now;
    arm_slice(next, now);
    next->switches_in++;
    next->run_tsc = rdtsc();
    st.switches++;
    sched_current = next;
    ctx_switch(&prev->esp, next->esp);
    /* Back in prev, switched to by somebody's schedule(). */
}

void sched_block(void)
{
    sched_current->state = T_BLOCKED;
    schedule();
}

static void consider_preempt(struct thread *t)
{
    if (sched_current == sched_idle || policy->wake_preempts(sched_current, t)) {
        if (sched_current != sched_idle) {
            requeue_reason = SCHED_PREEMPT_WAKE;
            st.preempt_wake++;
        }
        need_resched = true;
        /* Outside interrupt context the switch happens now; inside, at sched_irq_exit(). */
        if (irq_depth == 0)
            schedule();
    }
}

void sched_wake(struct thread *t)
{
    if (t->state != T_BLOCKED)
        return;
    t->wake_tsc = rdtsc();
    t->state = T_READY;
    policy->enqueue(t, SCHED_WAKE);
    consider_preempt(t);
}

void sched_add_new(struct thread *t)
{
    t->state = T_READY;
    policy->enqueue(t, SCHED_NEW);
    consider_preempt(t);
}

void sched_yield_current(void)
{
    st.yields++;
    requeue_reason = SCHED_YIELD;
    schedule();
}

void sched_resched(void)
{
    need_resched = true;
}

void sched_irq_exit(void)
{
    if (need_resched && sched_current != NULL)
        schedule();
}

static void check_quantum(uint64_t now_ns)
{
    struct thread *cur = sched_current;
    if (cur == NULL || cur == sched_idle)
        return;
    if (policy->tick(cur, now_ns)) {
        requeue_reason = SCHED_PREEMPT_QUANT;
        st.preempt_quantum++;
        need_resched = true;
    } else if (slice_timer_ready && !ktimer_armed(&slice_timer)) {
        arm_slice(cur, now_ns); /* alone on the CPU: look again one quantum later */
    }
}

void sched_tick(uint64_t now_ns)
{
    st.ticks++;
    check_quantum(now_ns);
}

void sched_set_prio(struct thread *t, int prio)
{
    ASSERT(prio >= PRIO_MIN && prio <= PRIO_MAX, "priority out of range");
    uint32_t f = irq_save();
    if (t->state == T_READY) {
        policy->dequeue(t);
        t->prio = prio;
        policy->enqueue(t, SCHED_WAKE);
        consider_preempt(t);
    } else {
        t->prio = prio;
        /* Lowering the running thread's priority may let a ready thread win now; it keeps
           its place at the head of its new level. */
        if (t == sched_current && t != sched_idle) {
            requeue_reason = SCHED_PREEMPT_WAKE;
            need_resched = true;
            if (irq_depth == 0)
                schedule();
        }
    }
    irq_restore(f);
}

void sched_set_base_prio(struct thread *t, int prio)
{
    ASSERT(prio >= PRIO_MIN && prio <= PRIO_MAX, "priority out of range");
    uint32_t f = irq_save();
    t->base_prio = prio;
    if (!t->boosted)
        sched_set_prio(t, prio);
    irq_restore(f);
}

static void boost_expired(struct ktimer *tm, void *arg)
{
    (void)tm;
    struct thread *t = arg;
    if (!t->boosted)
        return;
    t->boosted = false;
    st.boost_expiries++;
    sched_set_prio(t, t->base_prio);
}

int sched_boost(struct thread *t, int prio, uint64_t expires_ns)
{
    if (prio < PRIO_MIN || prio > PRIO_MAX)
        return -1;
    uint32_t f = irq_save();
    if (t->state == T_DEAD) {
        irq_restore(f);
        return -1;
    }
    ktimer_cancel(&t->boost_timer);
    ktimer_init(&t->boost_timer, boost_expired, t);
    t->boosted = true;
    st.boosts++;
    ASSERT(ktimer_arm(&t->boost_timer, expires_ns) == 0, "timer heap full");
    sched_set_prio(t, prio);
    irq_restore(f);
    return 0;
}

void sched_unboost(struct thread *t)
{
    uint32_t f = irq_save();
    if (t->boosted) {
        ktimer_cancel(&t->boost_timer);
        t->boosted = false;
        sched_set_prio(t, t->base_prio);
    }
    irq_restore(f);
}

void sched_hint(struct thread *t, const struct sched_hint *h)
{
    uint32_t f = irq_save();
    st.hints++;
    if (policy->hint != NULL)
        policy->hint(t, h);
    irq_restore(f);
}

void sched_get_stats(struct sched_stats *s)
{
    uint32_t f = irq_save();
    *s = st;
    irq_restore(f);
}

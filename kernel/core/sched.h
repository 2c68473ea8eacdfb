/* sched.h: the scheduler core and the policy interface (rr, prio now; divsa later). */
#ifndef NETSYNC_SCHED_H
#define NETSYNC_SCHED_H
#include "lib/klib.h"

struct thread;

/* Why a thread is being put on the run queue; policies may order by it. */
enum sched_enq {
    SCHED_NEW,           /* just created */
    SCHED_WAKE,          /* was blocked, now runnable */
    SCHED_PREEMPT_WAKE,  /* lost the CPU to a woken, more urgent thread (keeps its place) */
    SCHED_PREEMPT_QUANT, /* its quantum ran out */
    SCHED_YIELD,         /* gave the CPU up voluntarily */
    SCHED_MIGRATE,       /* moved here from another policy (runtime policy switch) */
};

/*
 * A hint from the network stack about a thread waiting for data (divsa, DESIGN.md §2):
 * the fields are what netd knows; rr and prio ignore hints (they only count them).
 */
struct sched_hint {
    uint32_t kind;          /* SCHED_HINT_* */
    uint32_t conn;          /* connection id */
    uint32_t subflow;       /* subflow index */
    uint64_t predicted_ns;  /* clock_ns() when the blocking data is expected, 0 = unknown */
    uint64_t rtt_ns;        /* smoothed RTT of the subflow */
    uint32_t bytes_missing; /* data-level hole blocking the request */
    uint32_t arrival_rate;  /* segments per second seen on the subflow */
};
#define SCHED_HINT_DATA_EXPECTED 1u /* data that unblocks t is predicted at predicted_ns */
#define SCHED_HINT_DATA_COMPLETE 2u /* the request is complete: t is about to be woken */
#define SCHED_HINT_CANCEL        3u /* forget earlier hints for t */

/*
 * A scheduling policy. The core calls these with interrupts disabled. A policy owns the ready
 * threads (t->rq is its link); it may change t->prio (boost/unboost, then call
 * sched_prio_changed) and arm its own one-shot timers with core/timer.h — timer callbacks run
 * in interrupt context and may call sched_resched() to ask for a switch.
 */
struct sched_policy {
    const char *name;
    void (*init)(void);
    void (*enqueue)(struct thread *t, enum sched_enq why);
    void (*dequeue)(struct thread *t); /* remove a ready thread (priority change etc.) */
    struct thread *(*pick_next)(void); /* remove and return the next thread, NULL if none */
    /* Should the woken thread take the CPU from cur right now? (wake-up preemption) */
    bool (*wake_preempts)(const struct thread *cur, const struct thread *woken);
    /* Periodic tick while cur runs; true means "quantum over, reschedule". */
    bool (*tick)(struct thread *cur, uint64_t now_ns);
    /* Network-stack hint about t (may be NULL: policies that do not use hints). */
    void (*hint)(struct thread *t, const struct sched_hint *h);
    /* Notification that thread t is leaving (exit), so the policy can drop its own state. */
    void (*thread_exit)(struct thread *t);
};

/* Registers a policy from any file: SCHED_POLICY(rr_policy). */
#define SCHED_POLICY(var)                                                                          \
    static const struct sched_policy *const sched_policy_ptr_##var                                 \
        __attribute__((used, section(".kpolicies"), aligned(4))) = &(var)

/* Chooses the policy named by the sched= key (default prio) and initialises it. */
void sched_init(void);
const struct sched_policy *sched_policy(void);
const struct sched_policy *sched_find_policy(const char *name);
/* Moves every ready thread to another policy (self-tests exercise both policies in one boot). */
void sched_switch_policy(const struct sched_policy *p);
/* The quantum every policy uses for time slicing (quantum= key, default 10 ms). */
uint64_t sched_quantum_ns(void);
void sched_set_quantum_ns(uint64_t ns);
/* Quanta shorter than the tick end on a one-shot "slice" timer: its deadline, 0 if not armed. */
uint64_t sched_slice_deadline(void);

/* Core entry points; all need interrupts disabled. */
void schedule(void);
void sched_block(void);               /* current: T_BLOCKED, then schedule() */
void sched_wake(struct thread *t);    /* T_BLOCKED -> ready; may preempt current */
void sched_add_new(struct thread *t); /* first enqueue of a created thread */
void sched_yield_current(void);
void sched_resched(void);         /* ask for a reschedule at the next safe point */
void sched_irq_exit(void);        /* called when the outermost interrupt handler ends */
void sched_tick(uint64_t now_ns); /* from the periodic timer interrupt */
/* Changes t's effective priority, re-queuing it if ready (boosts use this). */
void sched_set_prio(struct thread *t, int prio);
/* Changes t's base priority (what a boost falls back to); the effective one follows unless t
   is boosted. */
void sched_set_base_prio(struct thread *t, int prio);
/*
 * Boosts t to priority prio until clock_ns() reaches expires_ns, then drops it back to
 * t->base_prio (a boost is bounded, DESIGN.md §2). A new boost replaces the old one. Safe in
 * interrupt context (policies call it from hints and from their own timers). Returns 0, or -1
 * for a bad priority or a dead thread.
 */
int sched_boost(struct thread *t, int prio, uint64_t expires_ns);
/* Ends t's boost now (no-op when it has none). */
void sched_unboost(struct thread *t);
/* Forwards a network hint to the active policy. */
void sched_hint(struct thread *t, const struct sched_hint *h);
/* The running thread (never NULL once threads exist) and the idle thread. */
extern struct thread *sched_current;
extern struct thread *sched_idle;
/* Counters for tests and benchmarks. */
struct sched_stats {
    uint64_t switches, preempt_wake, preempt_quantum, yields, hints, ticks;
    uint64_t boosts, boost_expiries;
};
void sched_get_stats(struct sched_stats *s);

#endif

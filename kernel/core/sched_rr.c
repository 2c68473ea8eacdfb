/* sched_rr.c: the blind baseline (DESIGN.md §2): one FIFO, fixed quantum, no wake-up preemption. */
#include "core/sched.h"
#include "core/thread.h"
#include "lib/runq.h"

static struct runq rq;

static void rr_init(void)
{
    rq_init(&rq);
}

static void rr_enqueue(struct thread *t, enum sched_enq why)
{
    /* Priorities are ignored: every thread shares level 0. A thread preempted by a wake-up never
       happens here (no wake-up preemption), so only a priority change puts one at the front. */
    if (why == SCHED_PREEMPT_WAKE)
        rq_push_front(&rq, &t->rq, 0);
    else
        rq_push_back(&rq, &t->rq, 0);
}

static void rr_dequeue(struct thread *t)
{
    rq_remove(&rq, &t->rq);
}

static struct thread *rr_pick_next(void)
{
    struct rq_node *n = rq_pop_highest(&rq);
    return n != NULL ? container_of(n, struct thread, rq) : NULL;
}

static bool rr_wake_preempts(const struct thread *cur, const struct thread *woken)
{
    (void)cur;
    (void)woken;
    return false;
}

static bool rr_tick(struct thread *cur, uint64_t now_ns)
{
    /* Slice over and somebody else waiting: rotate. Alone on the CPU: keep running. */
    return now_ns - cur->slice_start_ns >= sched_quantum_ns() && rq.count > 0;
}

static const struct sched_policy rr_policy = {
    .name = "rr",
    .init = rr_init,
    .enqueue = rr_enqueue,
    .dequeue = rr_dequeue,
    .pick_next = rr_pick_next,
    .wake_preempts = rr_wake_preempts,
    .tick = rr_tick,
    .hint = NULL,
    .thread_exit = NULL,
};
SCHED_POLICY(rr_policy);

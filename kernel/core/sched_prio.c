/* sched_prio.c: static priorities with wake-up preemption (DESIGN.md §2 "prio"); round robin
 * within a level on quantum expiry; O(1) pick through the ready bitmap of lib/runq.c. */
#include "core/sched.h"
#include "core/thread.h"
#include "lib/runq.h"

static struct runq rq;

static void prio_init(void)
{
    rq_init(&rq);
}

static void prio_enqueue(struct thread *t, enum sched_enq why)
{
    /* A thread that lost the CPU to a more urgent wake-up has not used its slice: it goes back
       to the head of its level (as POSIX SCHED_FIFO/RR specify for preempted threads). */
    if (why == SCHED_PREEMPT_WAKE)
        rq_push_front(&rq, &t->rq, t->prio);
    else
        rq_push_back(&rq, &t->rq, t->prio);
}

static void prio_dequeue(struct thread *t)
{
    rq_remove(&rq, &t->rq);
}

static struct thread *prio_pick_next(void)
{
    struct rq_node *n = rq_pop_highest(&rq);
    return n != NULL ? container_of(n, struct thread, rq) : NULL;
}

static bool prio_wake_preempts(const struct thread *cur, const struct thread *woken)
{
    return woken->prio > cur->prio;
}

static bool prio_tick(struct thread *cur, uint64_t now_ns)
{
    /* Rotate only among equals: a lower level never takes the CPU from a runnable higher one. */
    return now_ns - cur->slice_start_ns >= sched_quantum_ns() && rq_highest(&rq) >= cur->prio;
}

static const struct sched_policy prio_policy = {
    .name = "prio",
    .init = prio_init,
    .enqueue = prio_enqueue,
    .dequeue = prio_dequeue,
    .pick_next = prio_pick_next,
    .wake_preempts = prio_wake_preempts,
    .tick = prio_tick,
    .hint = NULL,
    .thread_exit = NULL,
};
SCHED_POLICY(prio_policy);

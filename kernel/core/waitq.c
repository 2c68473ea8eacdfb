/* waitq.c: wait queues (FIFO) with optional timeouts, on top of sched_block/sched_wake. */
#include "core/waitq.h"
#include "arch/io.h"
#include "core/sched.h"
#include "core/thread.h"
#include "core/timer.h"

void waitq_init(struct waitq *wq)
{
    list_init(&wq->head);
}

bool waitq_empty(const struct waitq *wq)
{
    return list_empty(&wq->head);
}

/* Timer callback: the wait ran out; take the thread off the queue and wake it. */
static void wait_timeout(struct ktimer *tm, void *arg)
{
    (void)tm;
    struct thread *t = arg;
    if (t->waiting_on == NULL)
        return; /* woken normally in the same instant */
    list_remove(&t->wait_link);
    t->waiting_on = NULL;
    t->wait_timed_out = true;
    sched_wake(t);
}

bool waitq_wait(struct waitq *wq, uint64_t timeout_ns)
{
    ASSERT((read_eflags() & EFLAGS_IF) == 0, "waitq_wait needs interrupts disabled");
    struct thread *self = thread_current();
    ASSERT(self != sched_idle, "the idle thread must never block");
    struct ktimer tm;
    self->wait_timed_out = false;
    self->waiting_on = wq;
    list_push_back(&wq->head, &self->wait_link);
    if (timeout_ns != 0) {
        ktimer_init(&tm, wait_timeout, self);
        ASSERT(ktimer_arm_in(&tm, timeout_ns) == 0, "timer heap full");
    }
    sched_block();
    if (timeout_ns != 0)
        ktimer_cancel(&tm);
    return !self->wait_timed_out;
}

bool waitq_wake_one(struct waitq *wq)
{
    struct list_node *n = list_pop_front(&wq->head);
    if (n == NULL)
        return false;
    struct thread *t = container_of(n, struct thread, wait_link);
    t->waiting_on = NULL;
    sched_wake(t);
    return true;
}

int waitq_wake_all(struct waitq *wq)
{
    int n = 0;
    while (waitq_wake_one(wq))
        n++;
    return n;
}

/* waitq.h: wait queues, the one blocking primitive everything else (mutex, IPC, join) uses. */
#ifndef NETSYNC_WAITQ_H
#define NETSYNC_WAITQ_H
#include "lib/klib.h"
#include "lib/list.h"

struct waitq {
    struct list_node head;
};

void waitq_init(struct waitq *wq);
/*
 * Blocks the current thread on wq. Call with interrupts disabled (irq_save) after checking the
 * condition; returns with interrupts still disabled, and the caller re-checks its condition.
 * With timeout_ns != 0 the wait ends after that long; the return is false on timeout.
 */
bool waitq_wait(struct waitq *wq, uint64_t timeout_ns);
/* Wakes the longest waiter; false when nobody waited. Any context, interrupts disabled. */
bool waitq_wake_one(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);
bool waitq_empty(const struct waitq *wq);

/* A sleeping mutex with FIFO hand-off (no barging, so no starvation). Not for IRQ context. */
struct mutex {
    struct thread *owner;
    struct waitq waiters;
};

void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);

#endif

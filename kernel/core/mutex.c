/* mutex.c: sleeping mutexes; unlock hands ownership straight to the first waiter (FIFO). */
#include "arch/io.h"
#include "core/thread.h"
#include "core/waitq.h"

void mutex_init(struct mutex *m)
{
    m->owner = NULL;
    waitq_init(&m->waiters);
}

void mutex_lock(struct mutex *m)
{
    uint32_t f = irq_save();
    struct thread *self = thread_current();
    ASSERT(m->owner != self, "mutex_lock: recursive locking would deadlock");
    if (m->owner == NULL) {
        m->owner = self;
    } else {
        /* Ownership is handed over by mutex_unlock, so after waking we simply own it. */
        while (m->owner != self)
            waitq_wait(&m->waiters, 0);
    }
    irq_restore(f);
}

bool mutex_trylock(struct mutex *m)
{
    uint32_t f = irq_save();
    bool got = m->owner == NULL;
    if (got)
        m->owner = thread_current();
    irq_restore(f);
    return got;
}

void mutex_unlock(struct mutex *m)
{
    uint32_t f = irq_save();
    ASSERT(m->owner == thread_current(), "mutex_unlock by a thread that does not own it");
    struct list_node *n = m->waiters.head.next;
    if (n != &m->waiters.head) {
        struct thread *next = container_of(n, struct thread, wait_link);
        m->owner = next;
        waitq_wake_one(&m->waiters);
    } else {
        m->owner = NULL;
    }
    irq_restore(f);
}

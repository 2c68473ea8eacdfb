/* runq.c: O(1) priority run queues (ready bitmap + per-level FIFO); hardware-free, host-tested. */
#include "runq.h"

void rq_init(struct runq *q)
{
    for (int i = 0; i < RQ_LEVELS; i++)
        q->head[i].next = q->head[i].prev = &q->head[i];
    q->ready = 0;
    q->count = 0;
}

void rq_node_init(struct rq_node *n)
{
    n->next = n->prev = NULL;
    n->level = -1;
}

static void link(struct runq *q, struct rq_node *n, int level, struct rq_node *after)
{
    ASSERT(level >= 0 && level < RQ_LEVELS, "run queue level out of range");
    ASSERT(n->level < 0, "node is already on a run queue");
    n->prev = after;
    n->next = after->next;
    after->next->prev = n;
    after->next = n;
    n->level = level;
    q->ready |= 1u << level;
    q->count++;
}

void rq_push_back(struct runq *q, struct rq_node *n, int level)
{
    link(q, n, level, q->head[level].prev);
}

void rq_push_front(struct runq *q, struct rq_node *n, int level)
{
    link(q, n, level, &q->head[level]);
}

void rq_remove(struct runq *q, struct rq_node *n)
{
    ASSERT(n->level >= 0, "node is not on a run queue");
    int level = n->level;
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = NULL;
    n->level = -1;
    q->count--;
    if (q->head[level].next == &q->head[level])
        q->ready &= ~(1u << level);
}

int rq_highest(const struct runq *q)
{
    if (q->ready == 0)
        return -1;
    return 31 - __builtin_clz(q->ready);
}

struct rq_node *rq_pop_highest(struct runq *q)
{
    int level = rq_highest(q);
    if (level < 0)
        return NULL;
    struct rq_node *n = q->head[level].next;
    rq_remove(q, n);
    return n;
}

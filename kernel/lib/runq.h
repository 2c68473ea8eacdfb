/* runq.h: per-priority FIFO run queues with a ready bitmap (the scheduler policies' data
 * structure). */
#ifndef NETSYNC_RUNQ_H
#define NETSYNC_RUNQ_H
#include "klib.h"

/* 32 levels so the ready set is one word and the highest level is one bit scan (seL4 does the
 * same). */
#define RQ_LEVELS 32

struct rq_node {
    struct rq_node *next, *prev;
    int level; /* -1 while not queued */
};

struct runq {
    struct rq_node head[RQ_LEVELS]; /* circular list sentinels */
    uint32_t ready;                 /* bit L set <=> level L non-empty */
    uint32_t count;
};

void rq_init(struct runq *q);
void rq_node_init(struct rq_node *n);
void rq_push_back(struct runq *q, struct rq_node *n, int level);
void rq_push_front(struct runq *q, struct rq_node *n, int level);
void rq_remove(struct runq *q, struct rq_node *n);
/* Highest non-empty level (larger = more urgent), or -1 when empty. */
int rq_highest(const struct runq *q);
/* Removes and returns the first node of the highest level, NULL when empty. */
struct rq_node *rq_pop_highest(struct runq *q);
static inline bool rq_queued(const struct rq_node *n)
{
    return n->level >= 0;
}

#endif

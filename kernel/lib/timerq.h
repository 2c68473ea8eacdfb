/* timerq.h: a binary min-heap of deadlines with O(log n) insert, cancel and pop (one-shot timers).
 */
#ifndef NETSYNC_TIMERQ_H
#define NETSYNC_TIMERQ_H
#include "klib.h"

/* Embedded in each timer; index is its heap slot, -1 while not queued. */
struct tq_entry {
    uint64_t deadline;
    uint64_t seq; /* insertion order: equal deadlines fire first-in first-out */
    int32_t index;
};

struct timerq {
    struct tq_entry **heap;
    uint32_t cap;
    uint32_t n;
    uint64_t seq;
};

void tq_init(struct timerq *q, struct tq_entry **storage, uint32_t cap);
/* Must be called once per entry before first use (marks it not queued). */
void tq_entry_init(struct tq_entry *e);
/* 0 on success, -1 when the queue is full or the entry is already queued. */
int tq_insert(struct timerq *q, struct tq_entry *e, uint64_t deadline);
/* Removes a queued entry; false when it was not queued (already fired or cancelled). */
bool tq_remove(struct timerq *q, struct tq_entry *e);
struct tq_entry *tq_peek(const struct timerq *q);
/* Pops the earliest entry if its deadline is <= now, else NULL. */
struct tq_entry *tq_pop_expired(struct timerq *q, uint64_t now);
static inline bool tq_queued(const struct tq_entry *e)
{
    return e->index >= 0;
}

#endif

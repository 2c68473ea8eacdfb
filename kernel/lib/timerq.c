/* timerq.c: the deadline min-heap behind the kernel's one-shot timers; hardware-free, host-tested.
 */
#include "timerq.h"

static bool before(const struct tq_entry *a, const struct tq_entry *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(struct timerq *q, uint32_t i, struct tq_entry *e)
{
    q->heap[i] = e;
    e->index = (int32_t)i;
}

static void sift_up(struct timerq *q, uint32_t i)
{
    struct tq_entry *e = q->heap[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!before(e, q->heap[parent]))
            break;
        place(q, i, q->heap[parent]);
        i = parent;
    }
    place(q, i, e);
}

static void sift_down(struct timerq *q, uint32_t i)
{
    struct tq_entry *e = q->heap[i];
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        const struct tq_entry *best = e;
        if (l < q->n && before(q->heap[l], best)) {
            m = l;
            best = q->heap[l];
        }
        if (r < q->n && before(q->heap[r], best))
            m = r;
        if (m == i)
            break;
        place(q, i, q->heap[m]);
        i = m;
    }
    place(q, i, e);
}

void tq_init(struct timerq *q, struct tq_entry **storage, uint32_t cap)
{
    q->heap = storage;
    q->cap = cap;
    q->n = 0;
    q->seq = 0;
}

void tq_entry_init(struct tq_entry *e)
{
    e->deadline = 0;
    e->seq = 0;
    e->index = -1;
}

int tq_insert(struct timerq *q, struct tq_entry *e, uint64_t deadline)
{
    if (e->index >= 0 || q->n == q->cap)
        return -1;
    e->deadline = deadline;
    e->seq = q->seq++;
    place(q, q->n, e);
    q->n++;
    sift_up(q, q->n - 1);
    return 0;
}

bool tq_remove(struct timerq *q, struct tq_entry *e)
{
    if (e->index < 0)
        return false;
    uint32_t i = (uint32_t)e->index;
    ASSERT(i < q->n && q->heap[i] == e, "timer entry index does not match its heap slot");
    q->n--;
    e->index = -1;
    if (i == q->n)
        return true;
    /* Move the last entry into the hole, then restore the heap order in whichever direction. */
    place(q, i, q->heap[q->n]);
    if (i > 0 && before(q->heap[i], q->heap[(i - 1) / 2]))
        sift_up(q, i);
    else
        sift_down(q, i);
    return true;
}

struct tq_entry *tq_peek(const struct timerq *q)
{
    return q->n > 0 ? q->heap[0] : NULL;
}

struct tq_entry *tq_pop_expired(struct timerq *q, uint64_t now)
{
    struct tq_entry *e = tq_peek(q);
    if (e == NULL || e->deadline > now)
        return NULL;
    tq_remove(q, e);
    return e;
}

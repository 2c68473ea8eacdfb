/* pq.c: binary min-heap of packets keyed on (time to send, arrival sequence). */
#include "pq.h"
#include "check.h"

#include <stdlib.h>

static int before(const struct shp_pkt *a, const struct shp_pkt *b)
{
    return a->tts < b->tts || (a->tts == b->tts && a->seq < b->seq);
}

void pq_init(struct pq *q)
{
    q->a = NULL;
    q->n = q->cap = 0;
}

int pq_push(struct pq *q, struct shp_pkt *p)
{
    if (q->n == q->cap) {
        size_t nc = q->cap ? q->cap * 2 : 256;
        struct shp_pkt **na = realloc(q->a, nc * sizeof(*na));
        if (na == NULL)
            return -1;
        q->a = na;
        q->cap = nc;
    }
    size_t i = q->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(p, q->a[parent]))
            break;
        q->a[i] = q->a[parent];
        i = parent;
    }
    q->a[i] = p;
    return 0;
}

struct shp_pkt *pq_top(const struct pq *q)
{
    return q->n ? q->a[0] : NULL;
}

struct shp_pkt *pq_pop(struct pq *q)
{
    if (q->n == 0)
        return NULL;
    struct shp_pkt *top = q->a[0];
    CHECK(q->n <= q->cap, "heap size within its allocation");
    struct shp_pkt *last = q->a[--q->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->n)
            break;
        if (c + 1 < q->n && before(q->a[c + 1], q->a[c]))
            c++;
        if (!before(q->a[c], last))
            break;
        q->a[i] = q->a[c];
        i = c;
    }
    if (q->n > 0)
        q->a[i] = last;
    return top;
}

size_t pq_clear(struct pq *q)
{
    size_t n = q->n;
    for (size_t i = 0; i < q->n; i++)
        free(q->a[i]);
    q->n = 0;
    return n;
}

void pq_free(struct pq *q)
{
    pq_clear(q);
    free(q->a);
    pq_init(q);
}

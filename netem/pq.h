/* pq.h: time-ordered packet queue (binary min-heap on send time, FIFO among equal times). */
#ifndef NETSYNC_NETEM_PQ_H
#define NETSYNC_NETEM_PQ_H

#include <stddef.h>
#include <stdint.h>

struct shp_pkt {
    int64_t tts;  /* time to send, CLOCK_MONOTONIC ns (may be in the past) */
    uint64_t seq; /* arrival order: ties on tts leave in arrival order, like netem's tfifo */
    struct shp_pkt *next; /* for the reorder FIFO */
    uint32_t len;
    uint8_t data[];
};

struct pq {
    struct shp_pkt **a;
    size_t n, cap;
};

void pq_init(struct pq *q);
/* 0, or -1 when memory runs out (the caller drops and counts). */
int pq_push(struct pq *q, struct shp_pkt *p);
struct shp_pkt *pq_top(const struct pq *q);
struct shp_pkt *pq_pop(struct pq *q);
/* Frees every queued packet; returns how many. */
size_t pq_clear(struct pq *q);
void pq_free(struct pq *q);

#endif

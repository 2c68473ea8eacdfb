/* shaper.c: netem's enqueue/dequeue semantics (net/sched/sch_netem.c) on a virtual clock. */
#include "shaper.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSEC_PER_SEC  1000000000ll
#define NSEC_PER_MSEC 1000000ll

static void slot_next(struct shaper *s, int64_t now)
{
    /* get_slot_next(): the next slot opens MIN..MAX after now, with fresh budgets
     * (0 = unbounded, INT_MAX in sch_netem.c). */
    int64_t span = s->p.slot_max_ns - s->p.slot_min_ns;
    int64_t next = s->p.slot_min_ns;
    if (span > 0)
        next += (int64_t)(((uint64_t)rng_u32(&s->rng) * (uint64_t)span) >> 32);
    s->slot_next = now + next;
    s->slot_pkts_left = s->p.slot_packets ? s->p.slot_packets : INT32_MAX;
    s->slot_bytes_left = s->p.slot_bytes ? s->p.slot_bytes : INT32_MAX;
}

static void set_params(struct shaper *s, int64_t now)
{
    s->delay_cor = (struct crnd){0, s->p.delay_corr};
    s->dup_cor = (struct crnd){0, s->p.dup_corr};
    s->reorder_cor = (struct crnd){0, s->p.reorder_corr};
    s->corrupt_cor = (struct crnd){0, s->p.corrupt_corr};
    loss_init(&s->loss, &s->p);
    if (s->p.slot) {
        /* netem starts the first slot when configured (slot_next = now) */
        s->slot_next = now;
        s->slot_pkts_left = s->p.slot_packets ? s->p.slot_packets : INT32_MAX;
        s->slot_bytes_left = s->p.slot_bytes ? s->p.slot_bytes : INT32_MAX;
    } else {
        s->slot_next = 0;
    }
    s->trace_t0 = now;
    s->tr_cycle = 0;
    s->tr_idx = 0;
    s->tr_left = TRACE_OPPORTUNITY_BYTES;
}

int shp_init(struct shaper *s, const struct prof_dir *d, uint64_t seed, int64_t now, char *err,
             size_t errlen)
{
    memset(s, 0, sizeof(*s));
    pq_init(&s->q);
    rng_seed(&s->rng, seed);
    if (prof_dir_copy(&s->p, d) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (dist_load(d->dist, &s->dist, err, errlen) != 0) {
        prof_dir_free(&s->p);
        return -1;
    }
    set_params(s, now);
    return 0;
}

int shp_reconfigure(struct shaper *s, const struct prof_dir *d, int64_t now, char *err,
                    size_t errlen)
{
    struct prof_dir np;
    struct dist_table nd;
    if (prof_dir_copy(&np, d) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (dist_load(d->dist, &nd, err, errlen) != 0) {
        prof_dir_free(&np);
        return -1;
    }
    prof_dir_free(&s->p);
    dist_free(&s->dist);
    s->p = np;
    s->dist = nd;
    set_params(s, now);
    return 0;
}

static size_t flush(struct shaper *s)
{
    size_t n = pq_clear(&s->q);
    while (s->head != NULL) {
        struct shp_pkt *p = s->head;
        s->head = p->next;
        free(p);
        n++;
    }
    s->tail = NULL;
    s->fifo_len = 0;
    return n;
}

void shp_free(struct shaper *s)
{
    flush(s);
    pq_free(&s->q);
    dist_free(&s->dist);
    prof_dir_free(&s->p);
}

void shp_set_down(struct shaper *s, bool down)
{
    if (down && !s->down)
        s->c.drop_down += flush(s);
    s->down = down;
}

size_t shp_qlen(const struct shaper *s)
{
    return s->q.n + s->fifo_len;
}

int64_t shp_packet_time_ns(const struct prof_dir *d, uint32_t len)
{
    if (d->rate_Bps == 0)
        return 0;
    int64_t l = (int64_t)len + d->pkt_overhead;
    if (l < 0)
        l = 0;
    if (d->cell_size) {
        /* a partial cell still costs a whole cell (ATM-style framing, tc-netem(8)) */
        int64_t cells = (l + d->cell_size - 1) / d->cell_size;
        l = cells * ((int64_t)d->cell_size + d->cell_overhead);
    }
    return (int64_t)(((__int128)l * NSEC_PER_SEC) / (__int128)d->rate_Bps);
}

int64_t shp_tabledist(int64_t mu, int64_t sigma, struct crnd *c, struct rng *r,
                      const struct dist_table *t)
{
    if (sigma == 0)
        return mu;
    uint32_t rnd = crnd_next(c, r);
    if (t == NULL || t->n == 0) /* uniform in [mu - sigma, mu + sigma) */
        return (int64_t)(rnd % (2 * (uint32_t)sigma)) + mu - sigma;
    CHECK(t->n <= DIST_MAX, "table size checked by dist_parse");
    int64_t v = t->v[rnd % t->n];
    /* split sigma into multiples of the table scale and a remainder, rounding the product
     * as sch_netem.c tabledist() does, so large sigmas keep precision */
    int64_t x = (sigma % DIST_SCALE) * v;
    x += x >= 0 ? DIST_SCALE / 2 : -DIST_SCALE / 2;
    return x / DIST_SCALE + (sigma / DIST_SCALE) * v + mu;
}

/* Trace-driven timing: the packet leaves at the opportunity that carries its last byte,
 * at or after t0; opportunities before t0 are lost, as in mm-link. */
static int64_t trace_time(struct shaper *s, int64_t t0, uint32_t len)
{
    const struct trace *t = s->p.trace;
    CHECK(t->n > 0 && t->period_ms > 0, "a loaded trace has opportunities and a period");
    const int64_t period = (int64_t)t->period_ms * NSEC_PER_MSEC;
    uint32_t need = len ? len : 1;
    for (;;) {
        int64_t ot =
            s->trace_t0 + (int64_t)s->tr_cycle * period + (int64_t)t->ms[s->tr_idx] * NSEC_PER_MSEC;
        if (ot < t0) {
            /* jump whole repetitions at once, then the rest of this one */
            if (t0 - ot > period) {
                s->tr_cycle += (uint64_t)((t0 - ot) / period);
                continue;
            }
            s->tr_left = TRACE_OPPORTUNITY_BYTES;
            if (++s->tr_idx == t->n) {
                s->tr_idx = 0;
                s->tr_cycle++;
            }
            continue;
        }
        uint32_t take = need < s->tr_left ? need : s->tr_left;
        need -= take;
        s->tr_left -= take;
        if (s->tr_left == 0) {
            s->tr_left = TRACE_OPPORTUNITY_BYTES;
            if (++s->tr_idx == t->n) {
                s->tr_idx = 0;
                s->tr_cycle++;
            }
        }
        if (need == 0)
            return ot;
    }
}

static struct shp_pkt *pkt_new(struct shaper *s, const void *frame, size_t len)
{
    struct shp_pkt *p = malloc(sizeof(*p) + len);
    if (p == NULL)
        return NULL;
    p->len = (uint32_t)len;
    p->next = NULL;
    p->seq = s->seq++;
    memcpy(p->data, frame, len);
    return p;
}

/* Corrupt, limit, then delay/reorder for one copy (netem_enqueue after the loss decision). */
static int enqueue_one(struct shaper *s, int64_t now, const void *frame, size_t len)
{
    struct shp_pkt *p = pkt_new(s, frame, len);
    if (p == NULL) {
        s->c.drop_nomem++;
        return 0;
    }
    /* netem: "q->corrupt && q->corrupt >= get_crandom(&q->corrupt_cor)": flip one random bit */
    if (s->p.corrupt_p && s->p.corrupt_p >= crnd_next(&s->corrupt_cor, &s->rng) && len > 0) {
        p->data[rng_below(&s->rng, (uint32_t)len)] ^= (uint8_t)(1u << rng_below(&s->rng, 8));
        s->c.corrupted++;
    }
    if (shp_qlen(s) >= s->p.limit) {
        s->c.drop_limit++;
        free(p);
        return 0;
    }
    if (s->p.gap == 0 || s->counter < s->p.gap - 1 ||
        s->p.reorder_p < crnd_next(&s->reorder_cor, &s->rng)) {
        int64_t delay = shp_tabledist(s->p.delay_ns, s->p.jitter_ns, &s->delay_cor, &s->rng,
                                      s->dist.n ? &s->dist : NULL);
        int64_t t = now + delay;
        if (s->p.rate_Bps || s->p.trace) {
            /* rate: send = max(previous send, now + delay) + len/rate, so packets never
             * overtake each other once a rate is set */
            if (s->have_last && s->last_tts > t)
                t = s->last_tts;
            if (s->p.trace)
                t = trace_time(s, t, p->len);
            else
                t += shp_packet_time_ns(&s->p, p->len);
            s->last_tts = t;
            s->have_last = true;
        }
        p->tts = t;
        if (pq_push(&s->q, p) != 0) {
            s->c.drop_nomem++;
            free(p);
            return 0;
        }
        s->counter++;
    } else {
        /* reorder: this packet goes out now, ahead of everything queued */
        p->tts = now;
        s->counter = 0;
        if (s->tail)
            s->tail->next = p;
        else
            s->head = p;
        s->tail = p;
        s->fifo_len++;
        s->c.reordered++;
    }
    return 1;
}

int shp_enqueue(struct shaper *s, int64_t now, const void *frame, size_t len)
{
    s->c.rx_pkts++;
    if (len > SHP_MAX_FRAME) {
        /* the readers never hand more than SHP_MAX_FRAME; count rather than trust */
        s->c.drop_nomem++;
        return 0;
    }
    s->c.rx_bytes += len;
    if (s->down) {
        s->c.drop_down++;
        return 0;
    }
    int count = 1;
    /* netem: duplicate decided first, then loss removes one copy */
    if (s->p.dup_p && s->p.dup_p >= crnd_next(&s->dup_cor, &s->rng))
        count++;
    if (loss_event(&s->loss, &s->p, &s->rng))
        count--;
    if (count == 0) {
        s->c.drop_loss++;
        return 0;
    }
    int queued = enqueue_one(s, now, frame, len);
    if (count > 1) {
        /* the copy re-enters netem with duplication off, so it takes its own loss, corrupt
         * and delay decisions (sch_netem.c: "q->duplicate = 0; rootq->enqueue(skb2)") */
        s->c.duplicated++;
        if (!loss_event(&s->loss, &s->p, &s->rng))
            queued += enqueue_one(s, now, frame, len);
        else
            s->c.drop_loss++;
    }
    return queued;
}

static struct shp_pkt *peek(const struct shaper *s)
{
    return s->head ? s->head : pq_top(&s->q);
}

int64_t shp_next_time(const struct shaper *s)
{
    const struct shp_pkt *p = peek(s);
    if (p == NULL)
        return INT64_MAX;
    int64_t t = p->tts;
    if (s->p.slot && s->slot_next > t)
        t = s->slot_next;
    return t;
}

struct shp_pkt *shp_dequeue(struct shaper *s, int64_t now)
{
    struct shp_pkt *p = peek(s);
    if (p == NULL)
        return NULL;
    if (s->p.slot) {
        /* netem_dequeue(): a slot that opened before this packet was due is stale: the
         * next one opens a slot delay after now */
        if (s->slot_next < p->tts && p->tts <= now)
            slot_next(s, now);
        if (s->slot_next > now)
            return NULL;
    }
    if (p->tts > now)
        return NULL;
    if (p == s->head) {
        CHECK(s->fifo_len > 0, "reorder FIFO length matches its list");
        s->head = p->next;
        if (s->head == NULL)
            s->tail = NULL;
        s->fifo_len--;
    } else {
        pq_pop(&s->q);
    }
    p->next = NULL;
    if (s->p.slot) {
        s->slot_pkts_left--;
        s->slot_bytes_left -= (int32_t)p->len;
        if (s->slot_pkts_left <= 0 || s->slot_bytes_left <= 0)
            slot_next(s, now);
    }
    s->c.tx_pkts++;
    s->c.tx_bytes += p->len;
    return p;
}

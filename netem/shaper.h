/* shaper.h: one direction of a link with tc-netem's semantics, driven by an explicit clock. */
#ifndef NETSYNC_NETEM_SHAPER_H
#define NETSYNC_NETEM_SHAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "loss.h"
#include "pq.h"
#include "profile.h"
#include "rng.h"

/* Frames up to 64 KiB: QEMU's dgram/stream netdevs carry at most 64 KiB per frame. */
#define SHP_MAX_FRAME 65536u

struct shp_counters {
    uint64_t rx_pkts, rx_bytes; /* arrived */
    uint64_t tx_pkts, tx_bytes; /* left the shaper (handed to the sender) */
    uint64_t drop_loss;         /* loss model */
    uint64_t drop_limit;        /* queue limit reached */
    uint64_t drop_down;         /* link administratively down */
    uint64_t drop_nomem;        /* allocation failed */
    uint64_t duplicated, corrupted, reordered;
};

struct shaper {
    struct prof_dir p;
    struct dist_table dist;
    struct rng rng;
    struct crnd delay_cor, dup_cor, reorder_cor, corrupt_cor;
    struct loss_state loss;
    uint32_t counter; /* packets since the last reorder (netem's q->counter) */
    int64_t last_tts; /* send time of the last rate/trace-timed packet */
    bool have_last;
    int64_t slot_next; /* netem slot: next slot start */
    int32_t slot_pkts_left, slot_bytes_left;
    int64_t trace_t0;  /* trace time origin */
    uint64_t tr_cycle; /* trace cursor: repetition, index, bytes left in opportunity */
    size_t tr_idx;
    uint32_t tr_left;
    struct pq q;
    struct shp_pkt *head, *tail; /* reorder FIFO: served before the time-ordered queue */
    size_t fifo_len;
    uint64_t seq;
    bool down;
    struct shp_counters c;
};

/* Takes a deep copy of d; loads its distribution table. now = start of the clock (ns). */
int shp_init(struct shaper *s, const struct prof_dir *d, uint64_t seed, int64_t now, char *err,
             size_t errlen);
/* Replaces the parameters live; queued packets keep their send times. */
int shp_reconfigure(struct shaper *s, const struct prof_dir *d, int64_t now, char *err,
                    size_t errlen);
void shp_free(struct shaper *s);
/* Down drops the queue and every later arrival (counted as drop_down) until up. */
void shp_set_down(struct shaper *s, bool down);

/* Offers one frame at time now; returns how many copies were queued (0, 1 or 2). */
int shp_enqueue(struct shaper *s, int64_t now, const void *frame, size_t len);
/* The next frame due at or before now, or NULL. The caller frees it with free(). */
struct shp_pkt *shp_dequeue(struct shaper *s, int64_t now);
/* Earliest time a dequeue can succeed; INT64_MAX when empty. */
int64_t shp_next_time(const struct shaper *s);
size_t shp_qlen(const struct shaper *s);

/* netem's packet_time_ns(): serialisation time of len bytes at the configured rate. */
int64_t shp_packet_time_ns(const struct prof_dir *d, uint32_t len);
/* netem's tabledist(): one delay sample (ns) from mu, sigma, correlation and table. */
int64_t shp_tabledist(int64_t mu, int64_t sigma, struct crnd *c, struct rng *r,
                      const struct dist_table *t);

#endif

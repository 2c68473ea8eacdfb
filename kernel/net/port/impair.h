/* impair.h: deterministic link impairment (loss, reordering, duplication) with a seeded RNG. */
#ifndef NETSYNC_NET_PORT_IMPAIR_H
#define NETSYNC_NET_PORT_IMPAIR_H

#include <stddef.h>
#include <stdint.h>

#define IMPAIR_FRAME_MAX 1600

typedef void (*impair_deliver_fn)(void *arg, const uint8_t *frame, size_t len);

/* One direction of a link. Percentages are 0..100 (fractions allowed). */
struct impair {
    double loss, reorder, dup;
    uint64_t rng;
    uint8_t held[IMPAIR_FRAME_MAX];
    size_t held_len;
    uint64_t held_at_ns;
    uint64_t n_in, n_lost, n_reordered, n_duplicated;
};

void impair_init(struct impair *im, double loss, double reorder, double dup, uint64_t seed);
/* Passes one frame through: delivered 0, 1 or 2 times, possibly after the next frame. */
void impair_frame(struct impair *im, const uint8_t *frame, size_t len, uint64_t now_ns,
                  impair_deliver_fn fn, void *arg);
/* Releases a frame held for reordering once it waited `max_ns` (no follower came). */
void impair_flush(struct impair *im, uint64_t now_ns, uint64_t max_ns, impair_deliver_fn fn,
                  void *arg);
int impair_active(const struct impair *im);

#endif

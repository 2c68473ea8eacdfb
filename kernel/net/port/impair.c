/* impair.c: seeded, reproducible loss / reorder / duplicate decisions for the tap harness. */
#include <string.h>

#include "impair.h"

/* splitmix64 (Steele, Lea, Flood 2014): a fast, well-mixed generator that any seed can start. */
static uint64_t next(struct impair *im)
{
    uint64_t z = (im->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* True with probability pct/100. */
static int chance(struct impair *im, double pct)
{
    if (pct <= 0)
        return 0;
    return (double)(next(im) >> 11) * (1.0 / 9007199254740992.0) * 100.0 < pct;
}

void impair_init(struct impair *im, double loss, double reorder, double dup, uint64_t seed)
{
    memset(im, 0, sizeof(*im));
    im->loss = loss;
    im->reorder = reorder;
    im->dup = dup;
    im->rng = seed;
}

int impair_active(const struct impair *im)
{
    return im->loss > 0 || im->reorder > 0 || im->dup > 0;
}

void impair_frame(struct impair *im, const uint8_t *frame, size_t len, uint64_t now_ns,
                  impair_deliver_fn fn, void *arg)
{
    im->n_in++;
    /* Draw all three decisions for every frame so one knob does not shift the others' stream. */
    int lose = chance(im, im->loss), hold = chance(im, im->reorder), dup = chance(im, im->dup);
    if (lose) {
        im->n_lost++;
        return;
    }
    if (hold && im->held_len == 0 && len <= sizeof(im->held)) {
        /* Held back: goes out right after the next frame, i.e. the two swap places. */
        memcpy(im->held, frame, len);
        im->held_len = len;
        im->held_at_ns = now_ns;
        im->n_reordered++;
        return;
    }
    fn(arg, frame, len);
    if (dup) {
        im->n_duplicated++;
        fn(arg, frame, len);
    }
    if (im->held_len) {
        size_t l = im->held_len;
        im->held_len = 0;
        fn(arg, im->held, l);
    }
}

void impair_flush(struct impair *im, uint64_t now_ns, uint64_t max_ns, impair_deliver_fn fn,
                  void *arg)
{
    if (im->held_len && now_ns - im->held_at_ns >= max_ns) {
        size_t l = im->held_len;
        im->held_len = 0;
        fn(arg, im->held, l);
    }
}

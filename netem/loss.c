/* loss.c: per-packet loss decisions with netem's models and its comparison conventions. */
#include "loss.h"
#include "check.h"

void loss_init(struct loss_state *s, const struct prof_dir *d)
{
    s->cor.last = 0;
    s->cor.rho = d->loss_corr;
    s->ge_bad = false;
    s->gi_state = 1; /* TX_IN_GAP_PERIOD: the model starts in the good gap state */
}

/* Gilbert-Elliott (sch_netem.c loss_gilb_ell): the current state decides the loss
 * (good: 1-k, bad: 1-h), and the state moves with p (good->bad) or r (bad->good). */
static bool gemodel(struct loss_state *s, const struct prof_dir *d, struct rng *r)
{
    /* A probability of UINT32_MAX means "always" (tc's 100%). */
    if (!s->ge_bad) {
        if (rng_u32(r) < d->ge_p)
            s->ge_bad = true;
        return d->ge_1k == UINT32_MAX || rng_u32(r) < d->ge_1k;
    }
    if (rng_u32(r) < d->ge_r)
        s->ge_bad = false;
    return d->ge_1h == UINT32_MAX || rng_u32(r) < d->ge_1h;
}

/*
 * 4-state model (sch_netem.c loss_4state; Salsano et al.): states 1 = transmit in gap,
 * 2 = transmit in burst, 3 = lose in burst, 4 = isolated loss in gap. One uniform draw per
 * packet picks the transition; the packet is lost iff the new state is 3 or 4.
 */
static bool state4(struct loss_state *s, const struct prof_dir *d, struct rng *r)
{
    uint64_t rnd = rng_u32(r);
    switch (s->gi_state) {
    case 1:
        if (rnd < d->p14) {
            s->gi_state = 4;
            return true;
        }
        if (rnd < (uint64_t)d->p14 + d->p13) {
            s->gi_state = 3;
            return true;
        }
        return false;
    case 2:
        if (rnd < d->p23) {
            s->gi_state = 3;
            return true;
        }
        return false;
    case 3:
        if (rnd < d->p32) {
            s->gi_state = 2;
            return false;
        }
        if (rnd < (uint64_t)d->p32 + d->p31) {
            s->gi_state = 1;
            return false;
        }
        return true;
    default: /* 4: an isolated loss is always followed by a transmission in the gap */
        CHECK(s->gi_state == 4, "4-state model state is 1..4");
        s->gi_state = 1;
        return false;
    }
}

bool loss_event(struct loss_state *s, const struct prof_dir *d, struct rng *r)
{
    switch (d->loss) {
    case LOSS_NONE:
        return false;
    case LOSS_RANDOM:
        /* netem: "q->loss && q->loss >= get_crandom(&q->loss_cor)" */
        return d->loss_p != 0 && d->loss_p >= crnd_next(&s->cor, r);
    case LOSS_GEMODEL:
        return gemodel(s, d, r);
    case LOSS_STATE:
        return state4(s, d, r);
    }
    return false;
}

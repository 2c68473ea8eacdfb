/* loss.h: netem's packet loss models (random with correlation, Gilbert-Elliott, 4-state). */
#ifndef NETSYNC_NETEM_LOSS_H
#define NETSYNC_NETEM_LOSS_H

#include <stdbool.h>

#include "profile.h"
#include "rng.h"

struct loss_state {
    struct crnd cor; /* loss correlation for the random model */
    bool ge_bad;     /* Gilbert-Elliott: in the bad state */
    int gi_state;    /* 4-state: 1..4 as in the model's paper and sch_netem.c */
};

void loss_init(struct loss_state *s, const struct prof_dir *d);
/* One packet's loss decision; advances the model's state. */
bool loss_event(struct loss_state *s, const struct prof_dir *d, struct rng *r);

#endif

/* sched_divsa.h: the Divsa policy's tunables and counters (docs/divsa.md). */
#ifndef NETSYNC_SCHED_DIVSA_H
#define NETSYNC_SCHED_DIVSA_H
#include "lib/klib.h"

/* Levels a boost lifts a thread above its base priority: 2, so a boosted service also preempts
   the record drain catching up at PRIO_DEFAULT+1; netd (PRIO_DEFAULT+4) stays above. */
#define DIVSA_BOOST_LEVELS 2
/* A boost never outlives this (DESIGN.md §2: boosts expire). */
#define DIVSA_BOOST_MAX_NS 5000000ull
/* The boost starts this long before a predicted arrival so the wake-up preempts at once. */
#define DIVSA_LEAD_NS 300000ull
/* Accounting window and the share of it boosted threads may run while boosted (per mille). */
#define DIVSA_WINDOW_NS              100000000ull
#define DIVSA_SHARE_PERMILLE_DEFAULT 300u

struct divsa_stats {
    uint64_t hints, boosts_now, boosts_timed, refused, cancelled; /* boosts ended early by CANCEL */
    uint64_t boost_cpu_ns;   /* CPU time boosted threads ran while boosted, since boot */
    uint64_t window_max_ns;  /* most boosted CPU time seen in one window */
    uint32_t share_permille; /* the bound in force (divsa_share= key) */
};
void divsa_get_stats(struct divsa_stats *s);

#endif

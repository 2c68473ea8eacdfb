/* p2pdec_replay.h: replays a guest's ARRIVAL trace through the host build of Divsa's predictor. */
#ifndef NETSYNC_P2PDEC_REPLAY_H
#define NETSYNC_P2PDEC_REPLAY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/divsa_predict.h"
#include "lib/p2p_wire.h"

/* Socket numbers beyond this are refused (a boot opens far fewer; bounds the per-socket table). */
#define P2P_REPLAY_MAX_CONN (1u << 20)

/*
 * The replay does per record what netd did per arrival batch (kernel/services/p2p_rx.c): feed
 * the socket's arrival statistics (dp_observe at the interrupt time), then, where the record
 * says the predictor was consulted, call dp_predict with the recorded view and compare the
 * answer with the one the guest handed over (docs/records.md §2.1). Version-1 records carry no
 * view: their predictions are counted as unknown, except those where no hole could have played
 * a part (reader waiting, no out-of-order bytes), which are replayed as before.
 *
 * legacy = true replays as the host did before version 2 (the view ignored: a hole is "out-of-
 * order bytes held", never in flight, dated from its first traced sighting). It exists so tests
 * can show that the view is what makes an MPTCP trace replay exactly.
 */
struct p2p_replay {
    bool legacy;
    struct dp_flow *flow; /* per socket number */
    uint64_t *hole_seen;  /* legacy: first traced sighting of the current hole, per socket */
    size_t cap;
    uint64_t arrivals;         /* ARRIVAL records replayed */
    uint64_t asked;            /* of those, where the predictor was consulted (known or assumed) */
    uint64_t same;             /* asked, and the replayed answer equals the recorded one */
    uint64_t differ;           /* asked, and it does not */
    uint64_t unknown;          /* version-1 records with a possible hole: not replayable */
    uint64_t holes, in_flight; /* asked with a hole, and of those in flight (known views) */
    uint32_t first_differ_seq;
};

void p2p_replay_init(struct p2p_replay *rp, bool legacy);
void p2p_replay_free(struct p2p_replay *rp);
/* One record. *pred_d (may be NULL) gets the replayed answer as a delta from irq_ns (P2P_NONE:
   none, or not asked). 0 ok; -1 socket number out of range or out of memory. */
int p2p_replay_step(struct p2p_replay *rp, const struct p2p_arrival *a, uint32_t *pred_d);

#endif

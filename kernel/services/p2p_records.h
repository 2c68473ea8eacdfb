/* p2p_records.h: packet-to-process records: netd's receive stamps, rpcd's per-request records,
 * the ring they wait in and its low-priority drain to COM2 (docs/records.md). */
#ifndef NETSYNC_P2P_RECORDS_H
#define NETSYNC_P2P_RECORDS_H
#include "lib/klib.h"
#include "lib/divsa_predict.h"
#include "lib/p2p_wire.h"

struct tcp_pcb;
struct thread;

/* What netd tells a receiver about the bytes a RECV returned (netapi_req.stamp). */
struct p2p_rxstamp {
    uint64_t first_irq_ns; /* interrupt entry of the batch that brought the oldest bytes read */
    uint64_t last_irq_ns;  /* interrupt entry of the latest batch that brought readable bytes */
    uint64_t avail_ns;     /* when the stack made the latest bytes readable (and woke the owner) */
    uint64_t pred_ns;      /* the prediction handed to the scheduler while they were awaited */
    uint32_t subflow;      /* NIC that delivered the latest bytes */
    uint32_t flags;        /* P2P_F_BOOSTED (a boost hint was given), P2P_F_HOLE */
    uint64_t drain_ns;     /* p2p_drain_ns() when the latest bytes became readable */
};

/* netd's per-socket receive state (one per API handle). */
struct p2p_rxstate {
    uint64_t first_irq_ns, last_irq_ns, avail_ns, pred_ns, hole_since_ns, drain_ns;
    uint32_t subflow, flags;
    uint32_t conn;          /* per-boot socket number (ARRIVAL records) */
    uint32_t want;          /* bytes the owner asked for and did not get (it waits for them) */
    uint32_t readable_seen; /* readable bytes at the last event */
    struct thread *owner;   /* the thread that reads this socket (gets the hints) */
    struct dp_flow flow;
};

/* netd's bottom half names the NIC and the interrupt-entry TSC of the frames it drains now;
   nic < 0 ends the batch (later events are stamped when they happen). */
void p2p_rx_batch(int nic, uint64_t irq_tsc);
void p2p_rx_reset(struct p2p_rxstate *s);
/* The stack's readiness callback for a socket (under netd_lock): stamps and scheduler hints. */
void p2p_rx_event(struct p2p_rxstate *s, struct tcp_pcb *pcb, unsigned events);
/* After a RECV of `asked` bytes returned rc: fills *out (may be NULL), remembers who waits. */
void p2p_rx_recv(struct p2p_rxstate *s, struct tcp_pcb *pcb, uint32_t asked, long rc,
                 struct thread *caller, struct p2p_rxstamp *out);

/* The record ring: p2p_push copies r (seq assigned here); false when full (counted). */
bool p2p_push(struct p2p_rec *r);
/* Starts the drain thread (records=0 on the command line turns recording off). */
int p2p_records_start(void);
bool p2p_records_on(void);
/* arrivals=1: netd also records every arrival batch (predictor traces, docs/divsa.md §2). */
bool p2p_arrivals_on(void);
/* CPU time the drain has spent writing records since boot (for the per-request report cost). */
uint64_t p2p_drain_ns(void);

struct p2p_counters {
    uint64_t pushed, dropped, written, push_max_cycles, catchups;
};
void p2p_get_counters(struct p2p_counters *c);

#endif

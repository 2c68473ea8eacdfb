/* p2p_wire.h: the packet-to-process record format on COM2 (docs/records.md), shared by the guest
 * encoder and the host decoder. */
#ifndef NETSYNC_P2P_WIRE_H
#define NETSYNC_P2P_WIRE_H
#include "lib/klib.h"

/*
 * Every record is P2P_REC_LEN bytes, little-endian, self-delimiting by its magic, checked by a
 * CRC-32 (IEEE 802.3 polynomial, reflected, as zlib's crc32) over bytes [0, 64). Layout
 * (docs/records.md §2, version 2; version 1 differs only in ARRIVAL records, §2.1):
 *   0 u32 magic 'P','2','P','R'     4 u8 version (2)   5 u8 type (P2P_T_*)   6 u16 flags
 *   8 u32 seq (per boot, +1 per record written into the ring; gaps = lost on the wire)
 *  12 u32 conn      16 u64 id       24 u32 subflow
 *  28 u64 t0 (ns since boot)  36..63 seven u32 slots d[0..6] (P2P_NONE = not taken)
 *  64 u32 crc32
 */
#define P2P_REC_LEN     68u
#define P2P_CRC_OFF     64u
#define P2P_MAGIC       0x52503250u /* "P2PR" read little-endian */
#define P2P_VERSION     2u /* written; the decoder also reads version 1 (docs/records.md §2.1) */
#define P2P_VERSION_MIN 1u
#define P2P_NONE        0xFFFFFFFFu /* a delta that was not measured (or did not fit 32 bits) */
#define P2P_NDELTA      7

/* Record types. */
#define P2P_T_REQUEST 1u /* one rpcd request: t0 = first-segment arrival */
#define P2P_T_LOSS    2u /* id = records dropped on ring overflow since boot (never silent) */
#define P2P_T_HOG     3u /* conn = hog index, id = work units completed since boot, t0 = now */
/* POLICY: id = boosted CPU ns; conn = boosts; subflow = refused; d[0] = boost expiries,
   d[1] = most boosted ns in one window, d[2] = hints, d[3] = share bound (per mille),
   d[4] = timed (predicted) boosts, d[5] = longest ring push (TSC cycles), d[6] = drain CPU us. */
#define P2P_T_POLICY 4u
/* ARRIVAL (arrivals=1 only): one per batch of new readable bytes, the predictor's inputs and
   its answer, for host replays. Packed and unpacked only through p2p_arrival_pack/unpack below
   (layout: docs/records.md §2.1). */
#define P2P_T_ARRIVAL 5u

/* Request flags. */
#define P2P_F_BOOSTED   0x0001u /* the policy boosted the server for this request */
#define P2P_F_PREDICTED 0x0002u /* d[P2P_D_PRED] holds a predicted completion */
#define P2P_F_HOLE      0x0004u /* a sequence hole was seen while the request was incomplete */

/* Delta slots of a request record: each is "event time - t0" in ns. */
#define P2P_D_LAST     0 /* last byte of the request arrived (interrupt entry) */
#define P2P_D_COMPLETE 1 /* the whole request was in order in the stack (readable) */
#define P2P_D_WAKE     2 /* the server was made runnable for it */
#define P2P_D_RUN      3 /* the server ran holding the whole request */
#define P2P_D_REPLY    4 /* the reply was handed to the stack */
#define P2P_D_PRED     5 /* the policy's predicted completion (P2P_F_PREDICTED) */
/* Not a delta: ns the record drain ran between completion and run, an upper bound on how much
   the reporting itself delayed this request (docs/records.md §4). */
#define P2P_D_REPORT 6

struct p2p_rec {
    uint8_t version, type;
    uint16_t flags;
    uint32_t seq, conn;
    uint64_t id;
    uint32_t subflow;
    uint64_t t0;
    uint32_t d[P2P_NDELTA];
};

/*
 * An ARRIVAL record's content (docs/records.md §2.1). Times are ns since boot; "_d" fields are
 * deltas from irq_ns with P2P_NONE = not taken. Version 2 slots:
 *   conn = socket number, t0 = irq_ns, id = readable | hole_age_ns << 32, subflow = skew_us,
 *   flags = P2P_FA_* | nic << 8, d[0] added, d[1] want, d[2] srtt_us, d[3] ooo_bytes,
 *   d[4] pred_d, d[5] now_d, d[6] rttvar_us.
 * Version 1 had subflow = nic, id = readable, flags = 0 and no view: unpacking one gives
 * view_known = false and zeros in the view fields.
 */
struct p2p_arrival {
    uint8_t version;
    uint32_t seq, conn, nic;
    uint64_t irq_ns;      /* interrupt entry of the batch (the time dp_observe learns from) */
    uint32_t now_d;       /* when netd handled it: the predictor's "now" */
    uint32_t pred_d;      /* the prediction handed to the scheduler; P2P_NONE = none */
    uint32_t readable;    /* bytes readable at the data level after the batch */
    uint32_t added;       /* new readable bytes of this batch */
    uint32_t want;        /* bytes the reader waits for (0 = not blocked on this socket) */
    uint32_t srtt_us;     /* SRTT of the subflow expected to fill a hole (TCP: the connection) */
    uint32_t rttvar_us;   /* its RTTVAR */
    uint32_t ooo_bytes;   /* bytes held past the hole */
    bool view_known;      /* false: a version-1 record, the fields below are unknown */
    bool asked;           /* the predictor was consulted for this batch (pred_d is its answer) */
    bool hole;            /* a sequence hole blocks (data level or a subflow gap) */
    bool in_flight;       /* the hole is at the data level only: DSNs in flight on a slower path */
    uint32_t skew_us;     /* in flight: half the SRTT difference of slowest and fastest subflow */
    uint32_t hole_age_ns; /* asked with a hole: now - hole_since, saturated at P2P_NONE */
};

/* ARRIVAL flags (version 2), bits 0..7 of the flags field; bits 8..15 carry the NIC. */
#define P2P_FA_ASKED     0x0001u /* the predictor was consulted: d[4] is its answer */
#define P2P_FA_HOLE      0x0004u /* a sequence hole blocks more data (same bit as P2P_F_HOLE) */
#define P2P_FA_INFLIGHT  0x0008u /* the hole is at the data level only (RFC 8684 §3.3.1) */
#define P2P_FA_NIC_SHIFT 8
#define P2P_NIC_MAX      255u

/* Fills r (type ARRIVAL, version P2P_VERSION) from a; seq is left to the ring. */
void p2p_arrival_pack(const struct p2p_arrival *a, struct p2p_rec *r);
/* 0 and *a filled when r is an ARRIVAL record of a known version; -1 otherwise. */
int p2p_arrival_unpack(const struct p2p_rec *r, struct p2p_arrival *a);

uint32_t p2p_crc32(const uint8_t *p, size_t n);
/* "t - t0" as a delta, P2P_NONE when t is 0 (not taken), before t0 or too far after it. */
uint32_t p2p_delta(uint64_t t0, uint64_t t);
void p2p_encode(const struct p2p_rec *r, uint8_t out[P2P_REC_LEN]);
/* 0 ok; -1 bad magic; -2 bad version or type; -3 bad CRC. Versions P2P_VERSION_MIN..P2P_VERSION
   decode (the version is kept in r->version: ARRIVAL's layout depends on it). */
int p2p_decode(const uint8_t in[P2P_REC_LEN], struct p2p_rec *r);

#endif

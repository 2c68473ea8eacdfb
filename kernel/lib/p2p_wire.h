/* p2p_wire.h: the packet-to-process record format on COM2 (docs/records.md), shared by the guest
 * encoder and the host decoder. */
#ifndef NETSYNC_P2P_WIRE_H
#define NETSYNC_P2P_WIRE_H
#include "lib/klib.h"

/*
 * Every record is P2P_REC_LEN bytes, little-endian, self-delimiting by its magic, checked by a
 * CRC-32 (IEEE 802.3 polynomial, reflected, as zlib's crc32) over bytes [0, 64). Layout
 * (docs/records.md §2, version 1):
 *   0 u32 magic 'P','2','P','R'     4 u8 version (1)   5 u8 type (P2P_T_*)   6 u16 flags
 *   8 u32 seq (per boot, +1 per record written into the ring; gaps = lost on the wire)
 *  12 u32 conn      16 u64 id       24 u32 subflow
 *  28 u64 t0 (ns since boot)  36..63 seven u32 slots d[0..6] (P2P_NONE = not taken)
 *  64 u32 crc32
 */
#define P2P_REC_LEN 68u
#define P2P_CRC_OFF 64u
#define P2P_MAGIC   0x52503250u /* "P2PR" read little-endian */
#define P2P_VERSION 1u
#define P2P_NONE    0xFFFFFFFFu /* a delta that was not measured (or did not fit 32 bits) */
#define P2P_NDELTA  7

/* Record types. */
#define P2P_T_REQUEST 1u /* one rpcd request: t0 = first-segment arrival */
#define P2P_T_LOSS    2u /* id = records dropped on ring overflow since boot (never silent) */
#define P2P_T_HOG     3u /* conn = hog index, id = work units completed since boot, t0 = now */
/* POLICY: id = boosted CPU ns; conn = boosts; subflow = refused; d[0] = boost expiries,
   d[1] = most boosted ns in one window, d[2] = hints, d[3] = share bound (per mille),
   d[4] = timed (predicted) boosts, d[5] = longest ring push (TSC cycles), d[6] = drain CPU us. */
#define P2P_T_POLICY 4u
/* ARRIVAL (arrivals=1 only): one per batch of new readable bytes, for predictor traces:
   conn = socket number, id = readable bytes now, subflow = NIC, t0 = interrupt entry,
   d[0] = new bytes, d[1] = bytes the reader waits for (0 = not waiting), d[2] = SRTT us,
   d[3] = out-of-order bytes held, d[4] = the prediction given, as a delta from t0. */
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

uint32_t p2p_crc32(const uint8_t *p, size_t n);
/* "t - t0" as a delta, P2P_NONE when t is 0 (not taken), before t0 or too far after it. */
uint32_t p2p_delta(uint64_t t0, uint64_t t);
void p2p_encode(const struct p2p_rec *r, uint8_t out[P2P_REC_LEN]);
/* 0 ok; -1 bad magic; -2 bad version or type; -3 bad CRC. */
int p2p_decode(const uint8_t in[P2P_REC_LEN], struct p2p_rec *r);

#endif

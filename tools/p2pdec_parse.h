/* p2pdec_parse.h: scanning a COM2 byte stream for p2p records and checking their sequence. */
#ifndef NETSYNC_P2PDEC_PARSE_H
#define NETSYNC_P2PDEC_PARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/p2p_wire.h"

/* Sequence numbers beyond this are treated as garbled (a boot writes far fewer records). */
#define P2PDEC_MAX_SEQ  (1u << 24)
#define P2PDEC_MAX_HOGS 64

struct p2pdec {
    uint64_t records, requests, bad_crc, bad_version, garbage_bytes, seq_dup, seq_range;
    uint64_t loss_reported; /* the guest's own overflow count (latest LOSS record) */
    uint32_t seq_max;
    bool any_seq;
    uint8_t *seen; /* one byte per sequence number up to seq_max */
    size_t seen_cap;
    /* Hog work: first and latest report per hog. */
    int hogs;
    uint64_t hog_t_first[P2PDEC_MAX_HOGS], hog_w_first[P2PDEC_MAX_HOGS];
    uint64_t hog_t_last[P2PDEC_MAX_HOGS], hog_w_last[P2PDEC_MAX_HOGS];
    struct p2p_rec policy; /* latest POLICY record */
    bool have_policy;
    uint8_t carry[P2P_REC_LEN]; /* bytes of a record split across feeds */
    size_t carry_len;
};

typedef void (*p2pdec_fn)(void *arg, const struct p2p_rec *r);

void p2pdec_init(struct p2pdec *d);
void p2pdec_free(struct p2pdec *d);
/* Feeds bytes; calls fn for every valid record (all types). 0, or -1 when out of memory. */
int p2pdec_feed(struct p2pdec *d, const uint8_t *p, size_t n, p2pdec_fn fn, void *arg);
/* Ends the stream: bytes left over count as garbage (a record cut by the guest's end). */
void p2pdec_finish(struct p2pdec *d);
/* Sequence numbers 0..seq_max never seen (lost or garbled on the wire). */
uint64_t p2pdec_missing(const struct p2pdec *d);

#endif

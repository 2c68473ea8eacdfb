/* mptcp.h: the MPTCP v1 server side as seen by the TCP layer: state structs and every TCP hook. */
#ifndef NETSYNC_MPTCP_H
#define NETSYNC_MPTCP_H

/*
 * Boundary (see docs/mptcp.md). MPTCP owns the data level: keys, tokens, mappings, the data-level
 * receive buffer and window, DSN assignment for what the server sends, control options and the
 * scheduler metrics. TCP owns each subflow's sequence space, retransmission and timers. TCP calls:
 *   SYN           mptcp_syn_classify(), then mptcp_accept_capable() or mptcp_accept_join()
 *   SYN/ACK out   mptcp_synack_opts()
 *   segment in    mptcp_rx_segment() for every segment of an MPTCP subflow (any order, before
 *                 ACKing it): MPTCP copies what it accepts; TCP only tracks the sequence space;
 *                 or the split form: mptcp_rx_options() at arrival + mptcp_rx_data() in order
 *   segment out   mptcp_tx_opts() appends MPTCP options within the budget left after timestamps
 *   app data      mptcp_tx_assign() when a subflow queues new bytes (gets their DSN, or -1:
 *                 hold them back until a DATA_ACK frees a mapping slot),
 *                 mptcp_read() to hand in-order data to the application, mptcp_tx_close()
 *   RTT sample    mptcp_sf_rtt_sample();  timers: mptcp_timer_deadline(), mptcp_on_timer()
 *   close         mptcp_subflow_closed(), mptcp_conn_release()
 * Time is always passed in by the caller (microseconds, any monotonic origin); nothing here
 * allocates: every state lives in caller-provided structs.
 */
#include "../../lib/klib.h"
#include "mptcp_opt.h"
#include "mptcp_keys.h"

#ifndef MPTCP_MAX_SUBFLOWS
#define MPTCP_MAX_SUBFLOWS 4 /* two NICs; Linux's default subflow limit is 2 */
#endif
#ifndef MPTCP_RCVBUF_SHIFT
#define MPTCP_RCVBUF_SHIFT 16 /* data-level receive buffer = 64 KiB per connection */
#endif
#define MPTCP_RCVBUF  (1u << MPTCP_RCVBUF_SHIFT)
#define MPTCP_RX_MAPS 32 /* receive mappings kept per subflow (out-of-order arrivals) */
#define MPTCP_TX_MAPS 32 /* send mappings kept per subflow until DATA_ACKed */
#define MPTCP_SF_OOO  8  /* out-of-order subflow ranges tracked for the hole metrics */
#ifndef MPTCP_MAX_CONNS
#define MPTCP_MAX_CONNS 128 /* token table size (64 concurrent connections are tested) */
#endif
/* RFC 8684 3.4.1: an ADD_ADDR not echoed is retransmitted; the RFC leaves the interval to the
 * implementation. We retry every second, a bounded number of times. */
#define MPTCP_ADD_ADDR_RTO_US 1000000u
#define MPTCP_ADD_ADDR_TRIES  8

enum mptcp_sf_state {
    SF_FREE = 0,
    SF_MPC_SYN_RCVD,  /* initial subflow: SYN with MP_CAPABLE seen, SYN/ACK sent */
    SF_JOIN_SYN_RCVD, /* MP_JOIN SYN seen, SYN/ACK with HMAC sent, waiting for the third ACK */
    SF_ESTABLISHED,
    SF_CLOSED,
};

/* One receive mapping (RFC 8684 3.3.1): subflow bytes [ssn, ssn+sf_len) carry DSN [dsn, ...). */
struct mptcp_rx_map {
    bool used;
    bool infinite; /* data-level length 0: every later subflow byte maps linearly */
    bool fin;      /* the mapping's last DSN is a DATA_FIN (3.3.3) */
    uint64_t dsn;
    uint32_t ssn;    /* relative subflow sequence number */
    uint16_t dl_len; /* data-level length as sent (includes the DATA_FIN octet) */
    uint32_t sf_len; /* subflow bytes covered */
    bool has_csum;
    uint16_t csum;         /* received checksum */
    struct mptcp_csum acc; /* running sum over the mapping's bytes, in subflow order */
    uint32_t csum_next;    /* next relative ssn the sum expects */
    bool csum_done;
};

struct mptcp_tx_map {
    bool used;
    bool sent; /* emitted at least once: from then on it may not grow (peers check) */
    uint64_t dsn;
    uint32_t ssn; /* relative */
    uint16_t len;
    struct mptcp_csum acc; /* data sum, for the DSS checksum when negotiated */
};

/* Per-subflow figures for the scheduler (read with mptcp_metrics_read). */
struct mptcp_sf_metrics {
    bool active;
    bool backup;
    uint8_t local_addr_id, remote_addr_id;
    uint32_t srtt_us, rttvar_us; /* RFC 6298 estimator over samples TCP feeds */
    uint32_t cwnd_est_bytes;     /* bytes that arrived within one smoothed RTT (EWMA) */
    uint64_t bytes, segs;        /* payload bytes / segments received (duplicates included) */
    uint64_t last_arrival_us;
    uint32_t iat_ewma_us;   /* inter-arrival time EWMA (gain 1/8) */
    uint32_t sf_holes;      /* gaps in the subflow sequence space right now */
    uint32_t sf_hole_bytes; /* bytes missing below the highest subflow byte seen */
    uint8_t rst_reason;     /* last MP_TCPRST reason received (0xff: none) */
};

struct mptcp_conn_metrics {
    uint64_t rcv_nxt;  /* next DSN expected in order */
    uint64_t rcv_high; /* one past the highest DSN received */
    uint32_t dl_holes; /* data-level gaps between rcv_nxt and rcv_high */
    uint32_t dl_hole_bytes;
    uint32_t readable;       /* in-order bytes waiting for the application */
    int8_t last_hole_filler; /* subflow index that last completed a data-level gap, -1 none */
    uint64_t last_hole_fill_us;
    uint64_t bytes_delivered; /* total in-order bytes */
    uint8_t nsubflows;
    struct mptcp_sf_metrics sf[MPTCP_MAX_SUBFLOWS];
};

struct mptcp_subflow {
    uint8_t state; /* enum mptcp_sf_state */
    uint8_t index; /* position in conn->sf[] */
    uint8_t local_addr_id, remote_addr_id;
    bool backup;
    uint32_t iss, irs;                  /* TCP initial sequence numbers (ours, peer's) */
    uint32_t local_nonce, remote_nonce; /* MP_JOIN R-B (ours), R-A (peer's), RFC 8684 3.2 */
    struct mptcp_rx_map rx_map[MPTCP_RX_MAPS];
    uint8_t rx_map_next;
    struct mptcp_tx_map tx_map[MPTCP_TX_MAPS];
    int8_t tx_last;      /* index of the newest send mapping, -1 none */
    bool tx_acked_valid; /* tx_acked was set (mptcp_sf_tx_acked) */
    uint32_t tx_acked;   /* relative subflow sequence TCP has had acknowledged */
    /* subflow-level arrival tracking, relative sequence numbers */
    uint32_t sf_rcv_nxt;
    bool split;           /* TCP uses mptcp_rx_options + mptcp_rx_data on this subflow */
    uint32_t rx_data_nxt; /* split form: subflow bytes below this were placed at data level */
    uint8_t nooo;
    struct {
        uint32_t start, end;
    } ooo[MPTCP_SF_OOO];
    uint64_t cwnd_win_start_us;
    uint32_t cwnd_win_bytes;
    struct mptcp_sf_metrics m;
};

enum mptcp_conn_state {
    MPC_FREE = 0,
    MPC_SYN_RCVD,    /* SYN/ACK with our key sent */
    MPC_ESTABLISHED, /* peer key known: fully established (RFC 8684 3.1) */
    MPC_FALLBACK,    /* plain TCP on the initial subflow (RFC 8684 3.7) */
    MPC_CLOSED,
};

struct mptcp_token_table;

struct mptcp_conn {
    uint8_t state; /* enum mptcp_conn_state */
    bool csum;     /* DSS checksums negotiated (RFC 8684 3.1 flag A) */
    bool peer_dss_seen;
    uint64_t local_key, remote_key;
    uint32_t local_token, remote_token;
    uint64_t local_idsn, remote_idsn;
    struct mptcp_token_table *table;
    /* data-level receive side */
    uint64_t read_dsn; /* next DSN the application reads */
    uint64_t rcv_nxt;  /* next DSN expected in order (the DATA_ACK value) */
    uint64_t rcv_high; /* one past the highest data byte stored */
    bool fin_rcvd;
    uint64_t fin_dsn;
    bool eof; /* DATA_FIN reached in order: no more data */
    uint64_t bytes_delivered;
    int8_t last_hole_filler;
    uint64_t last_hole_fill_us;
    uint8_t rbuf[MPTCP_RCVBUF];
    uint8_t rmap[MPTCP_RCVBUF / 8]; /* one bit per buffered out-of-order byte */
    /* data-level send side */
    uint64_t snd_una, snd_nxt;
    uint64_t snd_wnd_edge; /* peer's data-level right edge: DATA_ACK + window, never moves left */
    bool fin_queued, fin_acked;
    uint64_t fin_dsn_tx;
    bool send_infinite; /* answer an MP_FAIL with an infinite mapping (RFC 8684 3.7) */
    bool send_mp_fail;
    uint64_t mp_fail_dsn;
    bool send_fastclose;
    /* fallback / infinite mapping (RFC 8684 3.7): DSN = fb_dsn + (rel_seq - fb_ssn) on sf 0 */
    uint64_t fb_dsn;
    uint32_t fb_ssn;
    /* ADD_ADDR we announce (RFC 8684 3.4.1), and the echo we owe the peer */
    struct {
        bool active, echoed;
        uint8_t id;
        uint8_t addr[4];
        uint16_t port;
        uint8_t tries;
        uint64_t next_us;
        bool due;
    } ann;
    struct {
        bool due;
        struct mptcp_opt opt;
    } echo;
    struct mptcp_subflow sf[MPTCP_MAX_SUBFLOWS];
};

struct mptcp_token_table {
    struct mptcp_conn *conn[MPTCP_MAX_CONNS];
};

/* ---------------------------------------------------------------- handshake */
enum mptcp_syn_kind {
    MPTCP_SYN_PLAIN,   /* no usable MP_CAPABLE/MP_JOIN: plain TCP (fallback, RFC 8684 3.1) */
    MPTCP_SYN_CAPABLE, /* new MPTCP connection */
    MPTCP_SYN_JOIN,    /* new subflow of an existing connection */
    MPTCP_SYN_RESET,   /* MP_JOIN with unknown token or no room: answer RST (RFC 8684 3.2) */
};

void mptcp_table_init(struct mptcp_token_table *t);
struct mptcp_conn *mptcp_table_lookup(struct mptcp_token_table *t, uint32_t token);

/* Classifies a received SYN from its parsed options. */
enum mptcp_syn_kind mptcp_syn_classify(struct mptcp_token_table *t,
                                       const struct mptcp_opt_set *syn);

/* SYN with MP_CAPABLE: sets up `c` with our key. Returns 0; -1 if the key's token collides
 * with a live connection (pick another key, RFC 8684 3.1) or the table is full (answer plain TCP).
 * sf 0 becomes the initial subflow. */
int mptcp_accept_capable(struct mptcp_conn *c, struct mptcp_token_table *t,
                         const struct mptcp_opt_set *syn, uint64_t local_key, uint32_t iss,
                         uint32_t irs);

/* SYN with MP_JOIN: allocates a subflow in the connection the token names. Returns it, or NULL
 * (unknown token, subflow limit, connection not fully established): answer with RST. */
struct mptcp_subflow *mptcp_accept_join(struct mptcp_token_table *t,
                                        const struct mptcp_opt_set *syn, uint8_t local_addr_id,
                                        uint32_t local_nonce, uint32_t iss, uint32_t irs,
                                        struct mptcp_conn **conn_out);

/* Options for our SYN/ACK on sf (MP_CAPABLE with key, or MP_JOIN with HMAC), NOP-padded to a
 * multiple of 4. Returns bytes written, 0 if room is too small. */
size_t mptcp_synack_opts(const struct mptcp_conn *c, const struct mptcp_subflow *sf, uint8_t *buf,
                         size_t room);

/* ---------------------------------------------------------------- receive */
struct mptcp_seg {
    uint32_t seq;      /* absolute TCP sequence number of the first payload byte */
    uint8_t tcp_flags; /* TCP header flags (TCP_FLAG_*) */
    const uint8_t *payload;
    uint32_t len;
    const struct mptcp_opt_set *opts;
    uint64_t now_us;
    uint32_t wnd; /* TCP window field, already scaled (bytes) */
};
#define MPTCP_TCP_FIN 0x01
#define MPTCP_TCP_SYN 0x02
#define MPTCP_TCP_RST 0x04
#define MPTCP_TCP_ACK 0x10

/* Verdict bits of mptcp_rx_segment. */
#define MPTCP_RX_ACK_NOW    0x01 /* send an ACK at once (fourth ACK, DATA_FIN, echo, window) */
#define MPTCP_RX_DATA_READY 0x02 /* in-order data is waiting: wake the reader */
#define MPTCP_RX_EOF        0x04 /* DATA_FIN reached in order */
#define MPTCP_RX_RESET_SF   0x08 /* reset the subflows in reset_mask with MP_TCPRST reset_reason */
#define MPTCP_RX_RESET_CONN 0x10 /* MP_FASTCLOSE: reset every subflow, close the connection */
#define MPTCP_RX_FALLBACK   0x20 /* connection just fell back to TCP (send no more options) */
#define MPTCP_RX_SF_UP      0x40 /* a subflow became established */
#define MPTCP_RX_DROP_SEG   0x80 /* not yet: TCP must not queue this payload (the peer resends it) \
                                  */

struct mptcp_rx_result {
    uint32_t verdict;
    uint32_t accepted; /* payload bytes (a prefix) TCP may treat as received; the rest is dropped */
    uint8_t reset_mask;
    uint8_t reset_reason;    /* enum mptcp_rst_reason */
    int8_t drop_reason;      /* enum mptcp_rx_drop, 0 when all was accepted */
    uint8_t fallback_reason; /* enum mptcp_fallback_why, with MPTCP_RX_FALLBACK */
};

/* Why a connection fell back to TCP (RFC 8684 3.7), for counters and diagnosis. */
enum mptcp_fallback_why {
    MPTCP_FB_NONE = 0,
    MPTCP_FB_NO_MPC_ACK = 1, /* 3.1: the segment completing the handshake lacked MP_CAPABLE */
    MPTCP_FB_NO_MAPPING = 2, /* 3.7: data without a mapping before any DSS on the only subflow */
    MPTCP_FB_CSUM = 3,       /* 3.7: DSS checksum failure on the only subflow */
};

enum mptcp_rx_drop {
    MPTCP_DROP_NONE = 0,
    MPTCP_DROP_UNMAPPED = 1, /* no mapping covers the bytes */
    MPTCP_DROP_WINDOW = 2,   /* beyond the data-level receive window */
    MPTCP_DROP_STATE = 3,    /* subflow not established (e.g. data before the fourth ACK) */
    MPTCP_DROP_CSUM = 4,     /* checksummed mapping arriving out of subflow order */
};

void mptcp_rx_segment(struct mptcp_conn *c, struct mptcp_subflow *sf, const struct mptcp_seg *seg,
                      struct mptcp_rx_result *res);

/* Split form, for a TCP layer that reassembles each subflow itself (kernel/net's `segment` and
 * `deliver` hooks): mptcp_rx_options on every arrival (handshake, mappings, control options,
 * arrival metrics; the payload is not stored), then mptcp_rx_data with the subflow's in-order
 * bytes. res->accepted of mptcp_rx_data says how many leading bytes were taken; TCP keeps the
 * rest and offers them again after the application read (MPTCP_DROP_WINDOW). */
void mptcp_rx_options(struct mptcp_conn *c, struct mptcp_subflow *sf, const struct mptcp_seg *seg,
                      struct mptcp_rx_result *res);
void mptcp_rx_data(struct mptcp_conn *c, struct mptcp_subflow *sf, uint32_t seq,
                   const uint8_t *data, uint32_t len, uint64_t now_us, struct mptcp_rx_result *res);

/* Copies up to len in-order bytes for the application; returns how many. */
size_t mptcp_read(struct mptcp_conn *c, void *buf, size_t len);
size_t mptcp_readable(const struct mptcp_conn *c);
/* Data-level receive window to advertise in every subflow's TCP window (RFC 8684 3.3.4). */
uint32_t mptcp_rcv_wnd(const struct mptcp_conn *c);

/* ---------------------------------------------------------------- send */
/* TCP queued `len` new bytes on sf starting at absolute seq: assigns their DSN (*dsn_out).
 * Contiguous writes grow the newest mapping while it was never sent. `data` feeds the DSS
 * checksum when negotiated (may be NULL otherwise). Returns 0, or -1 when every mapping slot
 * still maps data not DATA_ACKed: TCP must not queue the bytes yet (retry after a DATA_ACK). */
int mptcp_tx_assign(struct mptcp_conn *c, struct mptcp_subflow *sf, uint32_t seq, const void *data,
                    uint16_t len, uint64_t *dsn_out);
/* TCP has had the subflow's bytes below absolute seq `ack` acknowledged. A mapping whose subflow
 * bytes are all below it is never needed again (TCP retransmits nothing below its snd_una; data
 * the peer then drops at data level goes out again under a new mapping, mptcp_tx_assign_at), so
 * its slot is free even before the DATA_ACK passes it. Without this, mappings behind a data-level
 * hole that only this subflow can fill would hold every slot and block the reinjection itself. */
void mptcp_sf_tx_acked(struct mptcp_subflow *sf, uint32_t ack);
/* Whether mptcp_tx_assign on sf would find a free mapping slot once TCP's acknowledgment point
 * is `ack` (absolute): the same rule as the assignment itself, without recording anything. */
bool mptcp_tx_slot_free(const struct mptcp_subflow *sf, uint32_t ack);
/* Data-level reinjection (RFC 8684 3.3.6): when a subflow fails, what it carried and the peer has
 * not DATA_ACKed must go out again on another subflow, with the same DSNs. */
struct mptcp_tx_range {
    uint64_t dsn;
    uint32_t len;
};
/* Lists (up to max) the DSN ranges mapped on sf that are not DATA_ACKed yet, oldest first. */
size_t mptcp_tx_unacked(const struct mptcp_conn *c, const struct mptcp_subflow *sf,
                        struct mptcp_tx_range *out, size_t max);
/* Maps bytes TCP queued on sf at seq to DSNs assigned before (a reinjection): like
 * mptcp_tx_assign, but snd_nxt does not move. Returns 0, or -1 when no mapping slot is free. */
int mptcp_tx_assign_at(struct mptcp_conn *c, struct mptcp_subflow *sf, uint32_t seq, uint64_t dsn,
                       const void *data, uint16_t len);

/* How many new bytes the peer's data-level window still admits (RFC 8684 3.3.4): TCP sends no
 * new data beyond it on any subflow. */
uint32_t mptcp_tx_room(const struct mptcp_conn *c);
/* The application closed its side: a DATA_FIN follows the data (RFC 8684 3.3.3). */
void mptcp_tx_close(struct mptcp_conn *c);
/* Starts announcing our other address (RFC 8684 3.4.1), retransmitted until echoed. */
void mptcp_announce(struct mptcp_conn *c, uint8_t id, const uint8_t addr[4], uint16_t port,
                    uint64_t now_us);
/* Aborts the connection: the next segments are RSTs carrying MP_FASTCLOSE (RFC 8684 3.5). */
void mptcp_abort(struct mptcp_conn *c);

struct mptcp_tx_seg {
    uint32_t seq;      /* absolute sequence number of the segment */
    uint16_t len;      /* payload bytes; may be lowered by mptcp_tx_opts to a mapping's end */
    uint8_t tcp_flags; /* MPTCP_TCP_* of the segment being built */
    uint64_t now_us;
};
/* Options for an outgoing segment on sf, NOP-padded, at most `room` bytes (40 minus timestamps).
 * RST segments get MP_FASTCLOSE or MP_TCPRST (reason from rst_reason). Returns bytes written. */
size_t mptcp_tx_opts(struct mptcp_conn *c, struct mptcp_subflow *sf, struct mptcp_tx_seg *seg,
                     uint8_t rst_reason, uint8_t *buf, size_t room);

/* ---------------------------------------------------------------- timers, metrics, close */
/* Earliest time mptcp_on_timer wants to run (UINT64_MAX: none). */
uint64_t mptcp_timer_deadline(const struct mptcp_conn *c);
/* Returns the subflow index on which TCP should send a pure ACK now (ADD_ADDR retransmit), or -1.
 */
int mptcp_on_timer(struct mptcp_conn *c, uint64_t now_us);

void mptcp_sf_rtt_sample(struct mptcp_subflow *sf, uint32_t rtt_us);
void mptcp_metrics_read(const struct mptcp_conn *c, struct mptcp_conn_metrics *out);

void mptcp_subflow_closed(struct mptcp_conn *c, struct mptcp_subflow *sf);
/* Connection gone: removes its token. */
void mptcp_conn_release(struct mptcp_conn *c);

/* ---------------------------------------------------------------- internal, shared by modules */
void mptcp_sf_reset_state(struct mptcp_subflow *sf, uint8_t index);
size_t mptcp_pad4(uint8_t *buf, size_t n);
void mptcp_enter_fallback(struct mptcp_conn *c, uint32_t rel, struct mptcp_rx_result *res,
                          uint8_t why);
uint64_t mptcp_expand32(uint64_t ref, uint32_t v);
int mptcp_table_insert(struct mptcp_token_table *t, struct mptcp_conn *c);
void mptcp_table_remove(struct mptcp_token_table *t, struct mptcp_conn *c);
void mptcp_metrics_on_arrival(struct mptcp_subflow *sf, uint32_t rel_seq, uint32_t len,
                              uint64_t now_us);

#endif

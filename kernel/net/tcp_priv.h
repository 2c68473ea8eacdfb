/* tcp_priv.h: the TCP control block and the functions the TCP files share. */
#ifndef NETSYNC_NET_TCP_PRIV_H
#define NETSYNC_NET_TCP_PRIV_H

#include "net_priv.h"
#include "tcp.h"

/* RFC 9293 section 3.1 header: ports, seq, ack, data offset, flags, window, checksum, urgent. */
#define TCP_HDR_MIN 20
#define TCP_OPT_MAX 40 /* data offset is 4 bits of 32-bit words: 60 - 20 */
#define TCP_FIN     0x01
#define TCP_SYN     0x02
#define TCP_RST     0x04
#define TCP_PSH     0x08
#define TCP_ACK     0x10
#define TCP_URG     0x20

/* Option kinds (IANA tcp-parameters): RFC 9293 3.2, RFC 7323, RFC 2018, RFC 8684. */
#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2  /* length 4 */
#define TCPOPT_WS        3  /* length 3, RFC 7323 section 2.2 */
#define TCPOPT_SACK_PERM 4  /* length 2, RFC 2018 section 2 */
#define TCPOPT_SACK      5  /* length 2 + 8n, RFC 2018 section 3 */
#define TCPOPT_TS        8  /* length 10, RFC 7323 section 3.2 */
#define TCPOPT_MPTCP     30 /* RFC 8684 section 3 */

#define TCP_WS_MAX        14  /* RFC 7323 section 2.3: larger shifts are treated as 14 */
#define TCP_MSS_DEFAULT   536 /* RFC 9293 section 3.7.1: assumed when the SYN has no MSS option */
#define TCP_DUPACK_THRESH 3   /* RFC 5681 section 3.2 */
#define TCP_MAX_OOO       8   /* distinct out-of-order ranges kept; more are dropped */
#define TCP_SACK_BOARD    16  /* SACKed ranges remembered per connection (scoreboard) */

/* Sequence space arithmetic modulo 2^32 (RFC 9293 section 3.4). */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* A byte ring: the send buffer holds unacknowledged + unsent bytes, the receive buffer holds
 * in-order bytes followed (at their offsets) by out-of-order ones. */
struct ns_ring {
    uint8_t *buf;
    uint32_t cap, head, len;
};
bool ns_ring_init(struct ns_ring *r, uint32_t cap);
void ns_ring_free(struct ns_ring *r);
/* Copies n bytes at offset off from head into/out of the ring (off + n <= cap). */
void ns_ring_write_at(struct ns_ring *r, uint32_t off, const uint8_t *src, uint32_t n);
void ns_ring_read_at(const struct ns_ring *r, uint32_t off, uint8_t *dst, uint32_t n);
void ns_ring_consume(struct ns_ring *r, uint32_t n);

struct tcp_pcb {
    struct tcp_pcb *next;
    struct ns_stack *st;
    int state;
    uint32_t lip, rip;
    uint16_t lport, rport;

    /* Listener side. */
    struct tcp_pcb *listener;    /* for a child: the listener it came from (until accepted) */
    struct tcp_pcb *accept_next; /* listener's queue of established, unaccepted children */
    struct tcp_pcb *accept_head;
    int backlog, n_children;
    bool accept_queued;

    /* Send sequence space (RFC 9293 section 3.3.1). */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
    uint32_t sb_seq; /* sequence number of the send ring's first byte */
    uint8_t snd_wscale, rcv_wscale;
    bool ws_ok, ts_ok, sack_ok;
    uint16_t peer_mss, mss; /* mss: payload bytes per segment after our fixed options */
    bool fin_queued;        /* the application is done sending: FIN follows the data */

    /* Receive sequence space. */
    uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge we last advertised */
    bool fin_rcvd;                  /* a FIN was seen; fin_seq says where */
    uint32_t fin_seq;
    uint32_t ts_recent; /* RFC 7323 section 4.3 TS.Recent */
    uint32_t last_ack_sent;
    uint32_t ooo[TCP_MAX_OOO][2]; /* sorted, disjoint [start, end) ranges above rcv_nxt */
    int n_ooo;
    uint32_t last_ooo_start; /* most recently changed range: first SACK block (RFC 2018 4) */

    /* Congestion control: RFC 5681 + NewReno (RFC 6582). */
    uint32_t cwnd, ssthresh, recover;
    uint32_t ca_bytes; /* RFC 3465 2.1: bytes acknowledged toward the next SMSS of cwnd growth */
    int dupacks;
    bool in_recovery;
    uint32_t rexmit_next; /* recovery: retransmit holes from here on */
    uint32_t sack_high;   /* highest right edge the peer ever SACKed */
    /* RFC 6675 section 3 scoreboard: every block the peer SACKed above snd_una, merged and
     * sorted; an ACK carries only the 3-4 most recent blocks (RFC 2018 section 4). */
    uint32_t peer_sack[TCP_SACK_BOARD][2];
    int n_peer_sack;

    /* RTT and timers (RFC 6298). srtt/rttvar in microseconds. */
    uint32_t srtt_us, rttvar_us, rto_ms;
    bool rtt_valid, rtt_timing;
    uint32_t rtt_seq;
    uint64_t rtt_start_ns;
    int backoff;
    uint64_t rto_at, delack_at, tw_at; /* port clock ns; 0 = not armed */
    uint64_t pto_at;                   /* tail loss probe (RFC 8985 section 7) */
    bool tlp_sent;                     /* a probe is out and unanswered */
    unsigned unacked_segs;
    bool ack_now;

    struct ns_ring snd, rcv;

    /* Application side. */
    ns_tcp_cb cb;
    void *cb_arg;
    unsigned pending_ev;
    bool app_closed; /* the application gave the socket back */
    bool dead;       /* free at the next dispatch */
    int err;
    uint64_t retransmits;

    /* Extension. */
    const struct ns_tcp_ext_ops *ext;
    void *ext_arg, *ext_ctx;
};

/* tcp_out.c */
void tcp_output(struct tcp_pcb *pcb);
void tcp_send_ack(struct tcp_pcb *pcb);
/* RST from a connection: <SEQ=SND.NXT><CTL=RST> (RFC 9293 3.10.5), extension options allowed. */
void tcp_send_rst_pcb(struct tcp_pcb *pcb);
void tcp_send_rst(struct ns_stack *st, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                  uint32_t seq, uint32_t ack, bool with_ack);
void tcp_retransmit_head(struct tcp_pcb *pcb);
bool tcp_sack_retransmit(struct tcp_pcb *pcb);
/* Merges an ACK's SACK blocks into the scoreboard and forgets what is below una. */
void tcp_sack_board_update(struct tcp_pcb *pcb, const uint32_t (*blk)[2], int n, uint32_t una);
void tcp_retransmit_last(struct tcp_pcb *pcb);
void tcp_send_probe(struct tcp_pcb *pcb);
uint32_t tcp_rcv_window(const struct tcp_pcb *pcb);
size_t tcp_build_options(struct tcp_pcb *pcb, uint8_t flags, uint32_t seq, uint32_t *len,
                         uint8_t *opt);
/* tcp_in.c: hands queued in-order bytes to the extension's deliver hook. */
void tcp_deliver_ext(struct tcp_pcb *pcb);

/* tcp_cc.c */
void tcp_cc_init(struct tcp_pcb *pcb);
void tcp_cc_ack(struct tcp_pcb *pcb, uint32_t acked);
void tcp_cc_dupack(struct tcp_pcb *pcb);
void tcp_cc_rto(struct tcp_pcb *pcb);
void tcp_rtt_sample(struct tcp_pcb *pcb, uint32_t rtt_us);
void tcp_arm_rto(struct tcp_pcb *pcb);
/* Tail loss probe (RFC 8985 section 7): arm after new data or an ACK; fire from the timer. */
void tcp_arm_pto(struct tcp_pcb *pcb);
void tcp_tlp_fire(struct tcp_pcb *pcb);

/* tcp_api.c / tcp_timer.c */
struct tcp_pcb *tcp_pcb_new(struct ns_stack *st);
void tcp_set_state(struct tcp_pcb *pcb, int state);
void tcp_event(struct tcp_pcb *pcb, unsigned ev);
/* Ends the connection: error code to the app, hooks told, control block marked dead. */
void tcp_drop(struct tcp_pcb *pcb, int err);
uint32_t tcp_now_ts(void);

#endif

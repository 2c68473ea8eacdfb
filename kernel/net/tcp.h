/* tcp.h: the TCP service API (non-blocking sockets with readiness callbacks) and the extension
 * hooks. */
#ifndef NETSYNC_NET_TCP_H
#define NETSYNC_NET_TCP_H

#include "net.h"

/* Error returns of the API (negative; 0 and positive values are byte counts). */
#define NS_EAGAIN   (-11)  /* nothing to read / no room to write now; wait for an event */
#define NS_EINVAL   (-22)  /* wrong state or argument */
#define NS_ENOMEM   (-12)  /* port allocator exhausted or connection limit reached */
#define NS_ERESET   (-104) /* the peer reset the connection */
#define NS_ETIMEOUT (-110) /* retransmissions gave up */
#define NS_EADDRUSE (-98)  /* another listener holds the port */

/* Readiness events, delivered after the stack finishes processing a frame or timer. */
#define NS_EV_IN     0x01 /* data to read, or end of stream (recv returns 0) */
#define NS_EV_OUT    0x02 /* send buffer has room */
#define NS_EV_ACCEPT 0x04 /* listener: a connection waits in ns_tcp_accept */
#define NS_EV_ERR    0x08 /* reset or timed out: ns_tcp_error() says which */
#define NS_EV_CONN   0x10 /* active open completed */

struct tcp_pcb;
typedef void (*ns_tcp_cb)(void *arg, struct tcp_pcb *s, unsigned events);

/* --- TCP options as parsed from a segment (RFC 9293 section 3.2) ---------------------------- */
#define NS_TCP_MAX_SACK 4 /* RFC 2018 section 3: at most 4 blocks fit in 40 bytes */
#define NS_TCP_MAX_EXT  4 /* extension options (kind 30, MPTCP) kept per segment */
struct ns_tcp_opts {
    bool has_mss, has_ws, sack_ok, has_ts;
    uint16_t mss;          /* RFC 9293 section 3.7.1 */
    uint8_t ws;            /* RFC 7323 section 2.2: shift count, clamped to 14 */
    uint32_t tsval, tsecr; /* RFC 7323 section 3.2 */
    int n_sack;
    uint32_t sack[NS_TCP_MAX_SACK][2]; /* RFC 2018 section 3: left edge, right edge */
    int n_ext;
    struct {
        uint8_t kind;
        uint8_t len;         /* whole option, kind and length bytes included */
        const uint8_t *data; /* points into the segment: valid only during the hook call */
    } ext[NS_TCP_MAX_EXT];
};

/* Parses the option area; false when malformed (the segment is then dropped and counted). */
bool ns_tcp_parse_options(const uint8_t *p, size_t len, bool syn, struct ns_tcp_opts *o);

/* --- Extension hooks (MPTCP plugs in here; see docs/net.md) --------------------------------- */
/* Verdicts of the segment hook. */
#define NS_TCP_EXT_OK      0 /* carry on */
#define NS_TCP_EXT_ACK_NOW 1 /* acknowledge this segment at once */
#define NS_TCP_EXT_RESET   2 /* reset this connection (subflow) now */
#define NS_TCP_EXT_DROP    3 /* do not queue this segment's payload (nor its FIN); ACK at once */

struct ns_tcp_ext_ops {
    /* A SYN reached a listener that carries these ops. Return 0 to go on, <0 to refuse (RST). */
    int (*syn_received)(void *ext_arg, struct tcp_pcb *pcb, const struct ns_tcp_opts *o);
    /* The three-way handshake completed. */
    void (*established)(struct tcp_pcb *pcb, const struct ns_tcp_opts *o);
    /* An acceptable segment arrived (any state after SYN): its options, subflow sequence number
     * and payload trimmed to the window (possibly out of order), before the payload is queued.
     * Returns an NS_TCP_EXT_* verdict. */
    int (*segment)(struct tcp_pcb *pcb, const struct ns_tcp_opts *o, uint32_t seq,
                   const uint8_t *data, size_t len);
    /* In-order payload starting at subflow sequence number seq. Returns how many bytes (from
     * the front) the layer above took; those bypass the socket buffer. The rest stay queued and
     * are offered again with the next delivery or on ns_tcp_redeliver(). */
    size_t (*deliver)(struct tcp_pcb *pcb, uint32_t seq, const uint8_t *data, size_t len);
    /* Appends options to an outgoing segment (RST included) whose first sequence number is seq
     * and which carries *len payload bytes; may lower *len (e.g. to a mapping's end). At most
     * `space` bytes (what our own options left of the 40), multiple of 4; returns bytes written. */
    size_t (*build_options)(struct tcp_pcb *pcb, uint8_t flags, uint32_t seq, uint32_t *len,
                            uint8_t *buf, size_t space);
    /* Optional: bytes the layer above can accept (a shared MPTCP window). We advertise the
     * smaller of this and our own buffer, never moving the right edge left. */
    uint32_t (*rcv_window)(const struct tcp_pcb *pcb);
    /* The connection is gone (error 0 for an orderly close, else an NS_E* code). */
    void (*closed)(struct tcp_pcb *pcb, int error);
    /* Optional: an acceptable RST (RFC 5961 3.2: exactly at RCV.NXT) arrived; its options, just
     * before the connection is dropped (RFC 8684 3.5 / 3.6: MP_FASTCLOSE and MP_TCPRST ride on
     * RSTs). */
    void (*rst_received)(struct tcp_pcb *pcb, const struct ns_tcp_opts *o);
    /* Optional: true when a SYN reaching the listener opens another subflow of a connection the
     * extension already holds (an MP_JOIN with a known token). Such a SYN is not held to the
     * listen backlog: the service never accepts it, so its backlog says nothing about it; the
     * extension adopts the child (ns_tcp_adopt_child) once the handshake completes. */
    bool (*syn_adds_subflow)(void *ext_arg, const struct ns_tcp_opts *o);
};

/* --- Socket API ----------------------------------------------------------------------------- */
/* Passive open on ip:port (ip 0 = every local address) with a backlog of unaccepted connections. */
struct tcp_pcb *ns_tcp_listen(struct ns_stack *st, uint32_t ip, uint16_t port, int backlog,
                              int *err);
/* Attach extension hooks to a listener; its connections inherit them. */
void ns_tcp_set_ext(struct tcp_pcb *listener, const struct ns_tcp_ext_ops *ops, void *ext_arg);
/* For extensions: takes a listener's child as the extension's own: off the accept queue and out
 * of the backlog count. The caller sets its callback and closes it like an application would. */
void ns_tcp_adopt_child(struct tcp_pcb *pcb);
/* Per-connection state owned by the extension. */
void ns_tcp_set_ext_ctx(struct tcp_pcb *pcb, void *ctx);
void *ns_tcp_ext_ctx(const struct tcp_pcb *pcb);
void *ns_tcp_ext_arg(const struct tcp_pcb *pcb);
/* Active open (client side as far as tests need). Completion raises NS_EV_CONN. */
struct tcp_pcb *ns_tcp_connect(struct ns_stack *st, uint32_t dst, uint16_t port, int *err);
/* Next established connection from the listener's queue, or NULL. */
struct tcp_pcb *ns_tcp_accept(struct tcp_pcb *listener);
void ns_tcp_set_callback(struct tcp_pcb *s, ns_tcp_cb cb, void *arg);
/* For extensions: the subflow sequence number the next byte given to ns_tcp_send will carry. */
uint32_t ns_tcp_snd_next_seq(const struct tcp_pcb *s);
/* For extensions: send a pure ACK now (e.g. a DATA_ACK update). */
void ns_tcp_ack_now(struct tcp_pcb *s);
/* For extensions: offer queued in-order bytes to the deliver hook again. */
void ns_tcp_redeliver(struct tcp_pcb *s);
/* Copies up to len bytes; 0 = end of stream; NS_EAGAIN; or an error. */
long ns_tcp_recv(struct tcp_pcb *s, void *buf, size_t len);
/* Queues up to len bytes for sending; returns how many (maybe fewer), NS_EAGAIN, or an error. */
long ns_tcp_send(struct tcp_pcb *s, const void *buf, size_t len);
/* Room left in the send buffer / bytes waiting in the receive buffer. */
size_t ns_tcp_send_space(const struct tcp_pcb *s);
size_t ns_tcp_readable(const struct tcp_pcb *s);
/* Sends FIN after queued data; the socket stays readable. */
int ns_tcp_shutdown(struct tcp_pcb *s);
/* Gives the socket back: FIN after queued data (RST if unread data remains, RFC 2525 2.17);
 * the stack frees the control block when the connection is over. s is invalid afterwards. */
void ns_tcp_close(struct tcp_pcb *s);
/* Sends RST and frees the socket at once. */
void ns_tcp_abort(struct tcp_pcb *s);
/* 0, or the NS_E* code that ended the connection. */
int ns_tcp_error(const struct tcp_pcb *s);

/* Connection facts for tests, telemetry and the scheduler policies. */
struct ns_tcp_info {
    int state;
    uint32_t local_ip, remote_ip;
    uint16_t local_port, remote_port;
    uint32_t snd_una, snd_nxt, rcv_nxt, snd_wnd, rcv_wnd, cwnd, ssthresh;
    uint32_t srtt_us, rttvar_us, rto_ms;
    uint16_t mss;
    uint8_t snd_wscale, rcv_wscale;
    bool ts_ok, sack_ok;
    uint32_t ooo_bytes, ooo_ranges;
    uint64_t retransmits;
};
void ns_tcp_get_info(const struct tcp_pcb *s, struct ns_tcp_info *info);
const char *ns_tcp_state_name(int state);

/* RFC 9293 section 3.3.2 states. */
enum ns_tcp_state {
    TCPS_CLOSED,
    TCPS_LISTEN,
    TCPS_SYN_SENT,
    TCPS_SYN_RCVD,
    TCPS_ESTABLISHED,
    TCPS_FIN_WAIT_1,
    TCPS_FIN_WAIT_2,
    TCPS_CLOSE_WAIT,
    TCPS_CLOSING,
    TCPS_LAST_ACK,
    TCPS_TIME_WAIT,
};

#endif

/* test_tcp_more.c: TCP resets, window scaling, timestamps, malformed segments, backlog, many
 * connections, zero-window probing, the extension hooks and the active open. */
#include <string.h>

#include "harness.h"

static struct tcp_pcb *lst;

static int setup_buf(uint32_t buf)
{
    struct ns_config cfg;
    ns_config_default(&cfg);
    cfg.sndbuf = cfg.rcvbuf = buf;
    h_setup(&cfg);
    lst = ns_tcp_listen(h_stack(), 0, 7, 4, NULL);
    assert_non_null(lst);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return setup_buf(64 * 1024);
}

static int setup_big(void **state)
{
    (void)state;
    return setup_buf(1024 * 1024);
}

static int teardown(void **state)
{
    (void)state;
    h_teardown();
    return 0;
}

static struct h_peer new_peer(uint16_t port)
{
    struct h_peer p = {.port = port, .dport = 7, .snd_nxt = 5000};
    return p;
}

static void test_rst_for_closed_port(void **state)
{
    (void)state;
    struct h_peer p = {.port = 1234, .dport = 99, .snd_nxt = 77};
    h_peer_send(&p, F_SYN, NULL, 0, false);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    /* RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
    assert_int_equal(s.flags, F_RST | F_ACK);
    assert_int_equal(s.ack, 78);
    assert_int_equal(h_stack()->stats.tcp_drop_no_socket, 1);
    /* No RST answers a RST. */
    h_clear_out();
    h_peer_send(&p, F_RST, NULL, 0, false);
    assert_int_equal(h_n_out, 0);
}

static void test_rst_exact_and_challenge(void **state)
{
    (void)state;
    struct h_peer p = new_peer(41000);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    h_clear_out();
    /* RFC 5961 3.2: in window but not exact -> challenge ACK, connection survives. */
    p.snd_nxt += 100;
    h_peer_send(&p, F_RST, NULL, 0, false);
    assert_int_equal(h_count_tcp(), 1);
    assert_int_equal(ns_tcp_error(c), 0);
    /* A SYN on an established connection -> challenge ACK too (RFC 5961 4.2). */
    h_clear_out();
    h_peer_send(&p, F_SYN, NULL, 0, false);
    assert_int_equal(h_count_tcp(), 1);
    p.snd_nxt -= 101;
    h_peer_send(&p, F_RST, NULL, 0, false);
    assert_int_equal(ns_tcp_error(c), NS_ERESET);
    char b[4];
    assert_int_equal(ns_tcp_recv(c, b, 4), NS_ERESET);
    ns_tcp_close(c);
}

static void test_window_scaling(void **state)
{
    (void)state;
    struct h_peer p = new_peer(41001);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    /* 1 MiB buffer: shift 5 makes 65535 << 5 >= 1 MiB (RFC 7323 2.3). */
    assert_int_equal(in.rcv_wscale, 5);
    h_clear_out();
    uint8_t d[1000] = {0};
    h_peer_send(&p, F_ACK, d, 1000, true);
    h_peer_send(&p, F_ACK, d, 1000, true);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    uint32_t wnd = (uint32_t)s.wnd << 5;
    assert_true(wnd <= 1024 * 1024 - 2000);
    assert_true(wnd > 1024 * 1024 - 2000 - 32);
    /* The peer's window is scaled by its shift (7). */
    p.rcv_nxt = in.snd_nxt;
    struct h_seg w = {
        .sport = p.port, .dport = 7, .seq = p.snd_nxt, .ack = p.rcv_nxt, .flags = F_ACK, .wnd = 10};
    h_send_tcp(&w, false);
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.snd_wnd, 10u << 7);
}

static void test_timestamps_rtt(void **state)
{
    (void)state;
    struct h_peer p = new_peer(41002);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    h_clear_out();
    ns_tcp_send(c, "x", 1);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    const uint8_t *ts = h_find_opt(&s, 8);
    assert_non_null(ts);
    uint32_t tsval = (uint32_t)ts[2] << 24 | (uint32_t)ts[3] << 16 | ts[4] << 8 | ts[5];
    uint32_t tsecr = (uint32_t)ts[6] << 24 | (uint32_t)ts[7] << 16 | ts[8] << 8 | ts[9];
    assert_int_equal(tsecr, p.tsval); /* TS.Recent from the peer's last segment */
    /* The ACK echoes our TSval 30 ms later: RTT sample 30 ms (RFC 7323 4.1). */
    h_now_ns += 30 * 1000000ull;
    struct h_seg a = {.sport = p.port,
                      .dport = 7,
                      .seq = p.snd_nxt,
                      .ack = s.seq + 1,
                      .flags = F_ACK,
                      .wnd = 1000};
    uint8_t o[12] = {1, 1, 8, 10, 0, 0, 0, 9};
    o[8] = (uint8_t)(tsval >> 24), o[9] = (uint8_t)(tsval >> 16), o[10] = (uint8_t)(tsval >> 8);
    o[11] = (uint8_t)tsval;
    memcpy(a.opt, o, 12);
    a.optlen = 12;
    h_send_tcp(&a, false);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.srtt_us, 30000);
    assert_int_equal(in.rttvar_us, 15000);
    /* RFC 6298: RTO = SRTT + 4 RTTVAR = 90 ms, raised to the 200 ms floor. */
    assert_int_equal(in.rto_ms, 200);
    /* PAWS (RFC 7323 5): an older timestamp is dropped with an ACK. */
    h_clear_out();
    p.tsval = 0;
    uint64_t dup = h_stack()->stats.tcp_dup_segments;
    h_peer_send(&p, F_ACK, "old", 3, true);
    assert_int_equal(ns_tcp_readable(c), 0);
    assert_int_equal(h_stack()->stats.tcp_dup_segments, dup + 1);
}

static void test_malformed_segments(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    struct h_peer p = new_peer(41003);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    struct h_seg s = {.sport = p.port,
                      .dport = 7,
                      .seq = p.snd_nxt,
                      .ack = p.rcv_nxt,
                      .flags = F_ACK,
                      .wnd = 1000,
                      .len = 4};
    memcpy(s.data, "evil", 4);
    h_send_tcp(&s, true); /* bad checksum */
    /* Option length running past the header; zero-length option; bad SACK length. */
    uint8_t bad1[4] = {8, 12, 0, 0}, bad2[4] = {5, 0, 1, 1}, bad3[8] = {1, 1, 5, 7, 0, 0, 0, 0};
    memcpy(s.opt, bad1, 4), s.optlen = 4;
    h_send_tcp(&s, false);
    memcpy(s.opt, bad2, 4);
    h_send_tcp(&s, false);
    memcpy(s.opt, bad3, 8), s.optlen = 8;
    h_send_tcp(&s, false);
    /* SYN+FIN nonsense. */
    s.optlen = 0;
    s.flags = F_SYN | F_FIN;
    h_send_tcp(&s, false);
    /* Data offset below 5 words: built by hand. */
    uint8_t t[20] = {0};
    t[0] = (uint8_t)(p.port >> 8), t[1] = (uint8_t)p.port, t[3] = 7, t[12] = 0x30, t[13] = 0x10;
    uint32_t sum = 0x0a01u + 0x0001u + 0x0a01u + 0x0002u + 6 + 20;
    uint16_t cs = h_csum(t, 20, sum);
    t[16] = (uint8_t)(cs >> 8), t[17] = (uint8_t)cs;
    h_send_ip(H_PEER_IP, H_STACK_IP, 6, t, 20);
    h_send_ip(H_PEER_IP, H_STACK_IP, 6, t, 12); /* shorter than a header */
    assert_int_equal(st->stats.tcp_drop_checksum, 1);
    assert_int_equal(st->stats.tcp_drop_bad_option, 3);
    assert_int_equal(st->stats.tcp_drop_flags, 1);
    assert_int_equal(st->stats.tcp_drop_offset, 1);
    assert_int_equal(st->stats.tcp_drop_short, 1);
    assert_int_equal(ns_tcp_readable(c), 0);
    /* And the connection still works. */
    h_peer_send(&p, F_ACK, "good", 4, true);
    char b[8];
    assert_int_equal(ns_tcp_recv(c, b, 8), 4);
    assert_memory_equal(b, "good", 4);
}

static void test_backlog_limit(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    /* Backlog 4: four half-open connections fill it; the fifth SYN is dropped silently. */
    for (int i = 0; i < 5; i++) {
        struct h_peer p = new_peer((uint16_t)(42000 + i));
        h_peer_send(&p, F_SYN, NULL, 0, false);
    }
    assert_int_equal(st->stats.tcp_drop_backlog, 1);
    assert_int_equal(h_count_tcp(), 4);
    /* SYN-ACK retransmission, then giving up frees them (syn_retries). */
    for (int i = 0; i < 12; i++)
        h_advance_ms(60000);
    assert_int_equal(st->n_pcbs, 1); /* only the listener */
}

/* A pure ACK only once synchronized: ns_tcp_ack_now / ns_tcp_redeliver on a connection still in
 * SYN-RECEIVED send nothing (RFC 9293 3.10.7.3). An MPTCP client resets a joining subflow whose
 * first packet after the SYN/ACK carries no MPTCP option (RFC 8684 3.2), which is what such an
 * ACK (a data-level window update on every subflow) was. */
static struct tcp_pcb *half_open;
static int catch_syn(void *arg, struct tcp_pcb *pcb, const struct ns_tcp_opts *o)
{
    (void)arg;
    (void)o;
    half_open = pcb;
    return 0;
}

static void test_no_pure_ack_before_established(void **state)
{
    (void)state;
    static const struct ns_tcp_ext_ops ops = {.syn_received = catch_syn};
    ns_tcp_set_ext(lst, &ops, NULL);
    half_open = NULL;
    struct h_peer p = new_peer(42100);
    h_peer_send(&p, F_SYN, NULL, 0, false);
    p.snd_nxt++; /* the SYN's sequence number */
    assert_non_null(half_open);
    assert_int_equal(h_count_tcp(), 1);
    struct h_seg sa;
    assert_true(h_parse_tcp(h_last_tcp(), &sa));
    assert_int_equal(sa.flags, F_SYN | F_ACK);
    p.rcv_nxt = sa.seq + 1;
    h_clear_out();
    ns_tcp_ack_now(half_open);
    ns_tcp_redeliver(half_open);
    assert_int_equal(h_count_tcp(), 0);
    /* Once the handshake completes, the same call sends one pure ACK. */
    h_peer_send(&p, F_ACK, NULL, 0, false);
    struct tcp_pcb *c = ns_tcp_accept(lst);
    assert_ptr_equal(c, half_open);
    h_clear_out();
    ns_tcp_ack_now(c);
    assert_int_equal(h_count_tcp(), 1);
    ns_tcp_abort(c);
}

/* RFC 3465 byte counting: one ACK for two segments (a delayed ACK) grows cwnd in slow start by
 * two SMSS (L = 2 SMSS), not one; in congestion avoidance by one SMSS per cwnd of bytes. */
static void test_cwnd_byte_counting(void **state)
{
    (void)state;
    struct h_peer p = new_peer(42200);
    struct tcp_pcb *c = h_handshake(&p, lst, false);
    assert_non_null(c);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    uint32_t mss = in.mss, cw0 = in.cwnd;
    uint8_t buf[4 * 1460];
    memset(buf, 'B', sizeof(buf));
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, buf, 4 * mss), (long)(4 * mss));
    struct h_seg r;
    assert_true(h_parse_tcp(0, &r));
    uint32_t s0 = r.seq;
    /* one ACK for the first two segments */
    struct h_seg a = {.sport = p.port,
                      .dport = 7,
                      .seq = p.snd_nxt,
                      .ack = s0 + 2 * mss,
                      .flags = F_ACK,
                      .wnd = 0xffff};
    h_send_tcp(&a, false);
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.cwnd, cw0 + 2 * mss);
    ns_tcp_abort(c);
}

static void test_many_connections(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    ns_tcp_close(lst);
    lst = ns_tcp_listen(st, 0, 7, 128, NULL);
    assert_non_null(lst);
    struct h_peer peers[100];
    struct tcp_pcb *socks[100];
    for (int i = 0; i < 100; i++) {
        peers[i] = new_peer((uint16_t)(43000 + i));
        socks[i] = h_handshake(&peers[i], lst, i % 2 == 0);
    }
    for (int i = 0; i < 100; i++) {
        char msg[16] = "conn-";
        msg[5] = (char)('0' + i / 10), msg[6] = (char)('0' + i % 10);
        h_peer_send(&peers[i], F_ACK, msg, 7, i % 2 == 0);
    }
    for (int i = 99; i >= 0; i--) {
        char b[16] = {0};
        assert_int_equal(ns_tcp_recv(socks[i], b, sizeof(b)), 7);
        assert_int_equal(b[5], '0' + i / 10);
        assert_int_equal(b[6], '0' + i % 10);
        ns_tcp_abort(socks[i]);
    }
    ns_poll(st);
    assert_int_equal(st->n_pcbs, 1);
}

static void test_zero_window_probe(void **state)
{
    (void)state;
    struct h_peer p = new_peer(41004);
    struct tcp_pcb *c = h_handshake(&p, lst, false);
    /* The peer closes its window: nothing may go out but a probe from the persist timer. */
    struct h_seg z = {
        .sport = p.port, .dport = 7, .seq = p.snd_nxt, .ack = p.rcv_nxt, .flags = F_ACK, .wnd = 0};
    h_send_tcp(&z, false);
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, "blocked", 7), 7);
    assert_int_equal(h_count_tcp(), 0);
    h_advance_ms(1000);
    assert_int_equal(h_count_tcp(), 1);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.len, 1);
    assert_int_equal(s.data[0], 'b');
    /* The window opens: the rest follows. */
    h_clear_out();
    z.ack = p.rcv_nxt + 1;
    z.wnd = 1000;
    h_send_tcp(&z, false);
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.len, 6);
    assert_memory_equal(s.data, "locked", 6);
}

static void test_close_with_unread_data_resets(void **state)
{
    (void)state;
    struct h_peer p = new_peer(41005);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    h_peer_send(&p, F_ACK, "unread", 6, true);
    h_clear_out();
    ns_tcp_close(c);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_true(s.flags & F_RST); /* RFC 2525 2.17 */
}

/* --- extension hooks ------------------------------------------------------------------------ */
static int hook_syn, hook_est, hook_seg, hook_closed;
static size_t hook_bytes;
static uint8_t hook_ext_kind_len;

static int x_syn(void *arg, struct tcp_pcb *pcb, const struct ns_tcp_opts *o)
{
    assert_ptr_equal(arg, &hook_syn);
    hook_syn++;
    if (o->n_ext == 1)
        hook_ext_kind_len = o->ext[0].len;
    ns_tcp_set_ext_ctx(pcb, &hook_est);
    return 0;
}

static void x_est(struct tcp_pcb *pcb, const struct ns_tcp_opts *o)
{
    (void)o;
    assert_ptr_equal(ns_tcp_ext_ctx(pcb), &hook_est);
    hook_est++;
}

static int x_seg(struct tcp_pcb *pcb, const struct ns_tcp_opts *o, uint32_t seq, const uint8_t *d,
                 size_t len)
{
    (void)pcb, (void)o, (void)seq;
    hook_seg++;
    if (len >= 5 && !memcmp(d, "RESET", 5))
        return NS_TCP_EXT_RESET;
    if (len >= 4 && !memcmp(d, "DROP", 4))
        return NS_TCP_EXT_DROP;
    return len >= 3 && !memcmp(d, "ACK", 3) ? NS_TCP_EXT_ACK_NOW : NS_TCP_EXT_OK;
}

static size_t hook_take = (size_t)-1; /* bytes the layer above accepts per call */
static uint32_t hook_wnd = 0xffffffffu;
static uint32_t hook_seq0;

static size_t x_deliver(struct tcp_pcb *pcb, uint32_t seq, const uint8_t *d, size_t len)
{
    (void)pcb, (void)d;
    assert_int_equal(seq, hook_seq0 + hook_bytes); /* in order, no gaps, no repeats */
    size_t k = len < hook_take ? len : hook_take;
    hook_bytes += k;
    hook_take -= k;
    return k;
}

static size_t x_opts(struct tcp_pcb *pcb, uint8_t flags, uint32_t seq, uint32_t *len, uint8_t *buf,
                     size_t space)
{
    (void)pcb, (void)seq;
    if (space < 12)
        return 0;
    if (flags & F_RST) {
        /* MP_TCPRST-like 4-byte option (RFC 8684 3.6). */
        buf[0] = 30, buf[1] = 4, buf[2] = 0x80, buf[3] = 0;
        return 4;
    }
    if (!(flags & F_SYN)) {
        if (*len > 100)
            *len = 100; /* a mapping ends here */
        return 0;
    }
    /* A 12-byte kind-30 option, as MP_CAPABLE in a SYN-ACK (RFC 8684 3.1). */
    memset(buf, 0, 12);
    buf[0] = 30, buf[1] = 12, buf[2] = 0x01, buf[3] = 0x81;
    return 12;
}

static uint32_t x_wnd(const struct tcp_pcb *pcb)
{
    (void)pcb;
    return hook_wnd;
}

static void x_closed(struct tcp_pcb *pcb, int err)
{
    (void)pcb, (void)err;
    hook_closed++;
}

static int hook_rst, hook_rst_kind30;
static void x_rst(struct tcp_pcb *pcb, const struct ns_tcp_opts *o)
{
    assert_ptr_equal(ns_tcp_ext_ctx(pcb), &hook_est);
    hook_rst++;
    for (int i = 0; i < o->n_ext; i++)
        hook_rst_kind30 += o->ext[i].kind == 30;
}

/* A SYN whose kind-30 option has subtype MP_JOIN (RFC 8684 3.2: subtype 0x1) adds a subflow. */
static bool x_subflow(void *arg, const struct ns_tcp_opts *o)
{
    (void)arg;
    return o->n_ext == 1 && o->ext[0].len >= 3 && (o->ext[0].data[2] >> 4) == 1;
}

static const struct ns_tcp_ext_ops xops = {.syn_received = x_syn,
                                           .established = x_est,
                                           .segment = x_seg,
                                           .deliver = x_deliver,
                                           .build_options = x_opts,
                                           .rcv_window = x_wnd,
                                           .closed = x_closed,
                                           .rst_received = x_rst,
                                           .syn_adds_subflow = x_subflow};

static struct tcp_pcb *ext_conn(struct h_peer *p)
{
    ns_tcp_set_ext(lst, &xops, &hook_syn);
    hook_syn = hook_est = hook_seg = hook_closed = 0;
    hook_bytes = 0;
    hook_take = (size_t)-1;
    hook_wnd = 0xffffffffu;
    struct h_seg syn = {.sport = p->port, .dport = 7, .seq = 1, .flags = F_SYN, .wnd = 65535};
    uint8_t o[20] = {2, 4, 0x05, 0xb4, 30, 4, 0x01, 0x81, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0};
    memcpy(syn.opt, o, 20);
    syn.optlen = 20;
    h_send_tcp(&syn, false);
    assert_int_equal(hook_syn, 1);
    assert_int_equal(hook_ext_kind_len, 4);
    struct h_seg sa;
    assert_true(h_parse_tcp(h_last_tcp(), &sa));
    const uint8_t *mp = h_find_opt(&sa, 30);
    assert_non_null(mp);
    assert_int_equal(mp[1], 12);
    assert_true(sa.optlen <= 40);
    p->snd_nxt = 2;
    p->rcv_nxt = sa.seq + 1;
    p->tsval = 1;
    hook_seq0 = 2;
    h_peer_send(p, F_ACK, NULL, 0, true);
    assert_int_equal(hook_est, 1);
    struct tcp_pcb *c = ns_tcp_accept(lst);
    assert_non_null(c);
    return c;
}

static void test_extension_hooks(void **state)
{
    (void)state;
    struct h_peer p = {.port = 41006, .dport = 7};
    struct tcp_pcb *c = ext_conn(&p);
    /* Payload goes to the layer above, not the socket buffer. */
    h_peer_send(&p, F_ACK, "mptcp-data", 10, true);
    assert_int_equal(hook_seg, 2); /* the third ACK (a pure ACK) reached the hook too */
    assert_int_equal(hook_bytes, 10);
    assert_int_equal(ns_tcp_readable(c), 0);
    /* A payload the layer above cannot take yet is not queued and is answered at once with an
     * ACK that still asks for it. */
    uint32_t want = p.snd_nxt;
    h_clear_out();
    h_peer_send(&p, F_ACK | F_FIN, "DROP-me", 7, true);
    assert_int_equal(hook_bytes, 10);
    assert_int_equal(ns_tcp_readable(c), 0);
    struct h_seg ack;
    assert_true(h_parse_tcp(h_last_tcp(), &ack));
    assert_int_equal(ack.ack, want);
    p.snd_nxt = want; /* the peer sends other bytes there */
    /* The hook shortens our data segments to 100 bytes. */
    uint8_t big[300];
    memset(big, 'q', sizeof(big));
    h_clear_out();
    assert_int_equal(ns_tcp_snd_next_seq(c), p.rcv_nxt);
    assert_int_equal(ns_tcp_send(c, big, sizeof(big)), 300);
    assert_int_equal(h_count_tcp(), 3);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.len, 100);
    /* The RST of an abort carries the extension's option. */
    h_clear_out();
    ns_tcp_abort(c);
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_true(s.flags & F_RST);
    assert_non_null(h_find_opt(&s, 30));
    assert_int_equal(hook_closed, 1);
}

/* A SYN from `port` with one kind-30 option of `subtype` (RFC 8684 2: MP_CAPABLE 0, MP_JOIN 1). */
static void ext_syn(uint16_t port, uint8_t subtype)
{
    struct h_seg syn = {.sport = port, .dport = 7, .seq = 1000, .flags = F_SYN, .wnd = 65535};
    uint8_t o[8] = {2, 4, 0x05, 0xb4, 30, 4, (uint8_t)(subtype << 4), 0};
    memcpy(syn.opt, o, sizeof(o));
    syn.optlen = sizeof(o);
    h_send_tcp(&syn, false);
}

/* A handshake without options from `port`: SYN, then the third ACK `ms` later (after `rto_ms` of
 * timers first, which retransmit the SYN-ACK when long enough). Returns the accepted socket. */
static struct tcp_pcb *plain_handshake(uint16_t port, uint64_t rto_ms, uint64_t ms)
{
    struct h_seg syn = {.sport = port, .dport = 7, .seq = 500, .flags = F_SYN, .wnd = 65535};
    h_send_tcp(&syn, false);
    struct h_seg sa;
    assert_true(h_parse_tcp(h_last_tcp(), &sa));
    assert_int_equal(sa.flags, F_SYN | F_ACK);
    if (rto_ms)
        h_advance_ms(rto_ms);
    h_now_ns += ms * 1000000ull;
    struct h_seg a = {
        .sport = port, .dport = 7, .seq = 501, .ack = sa.seq + 1, .flags = F_ACK, .wnd = 65535};
    h_send_tcp(&a, false);
    struct tcp_pcb *c = ns_tcp_accept(lst);
    assert_non_null(c);
    return c;
}

static void test_syn_ack_timed_without_timestamps(void **state)
{
    (void)state;
    /* RFC 6298 2.2: the SYN-ACK's round trip is the first sample, here 25 ms. */
    struct tcp_pcb *c = plain_handshake(41020, 0, 25);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.srtt_us, 25000);
    assert_int_equal(in.rttvar_us, 12500);
    ns_tcp_abort(c);
    /* Karn (RFC 6298 3): a SYN-ACK sent again gives no sample. */
    h_clear_out();
    c = plain_handshake(41021, 1100, 25);
    assert_true(h_stack()->stats.tcp_retransmits > 0);
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.srtt_us, 0);
    ns_tcp_abort(c);
}

static void test_extension_subflow_syn_and_rst(void **state)
{
    (void)state;
    struct h_peer p = {.port = 41008, .dport = 7};
    struct tcp_pcb *c = ext_conn(&p);
    hook_rst = hook_rst_kind30 = 0;
    /* Four connections the service has not accepted fill the listener's backlog (4). */
    for (uint16_t i = 0; i < 4; i++)
        ext_syn((uint16_t)(42000 + i), 0);
    h_clear_out();
    ext_syn(42010, 0);
    assert_int_equal(h_count_tcp(), 0); /* a fifth connection waits: its SYN is dropped */
    ext_syn(42011, 1);
    assert_int_equal(h_count_tcp(), 1); /* a new subflow of one it has is not held to it */
    struct h_seg sa;
    assert_true(h_parse_tcp(h_last_tcp(), &sa));
    assert_int_equal(sa.flags, F_SYN | F_ACK);
    /* A RST away from RCV.NXT gets a challenge ACK (RFC 5961 3.2) and reaches no hook; one exactly
     * there reaches rst_received with its options (an MP_TCPRST, RFC 8684 3.6) before the drop. */
    struct h_seg r = {.sport = p.port, .dport = 7, .seq = p.snd_nxt + 10, .flags = F_RST, .wnd = 0};
    uint8_t o[16] = {1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0, 30, 4, 0x70, 0};
    memcpy(r.opt, o, sizeof(o));
    r.optlen = sizeof(o);
    h_send_tcp(&r, false);
    assert_int_equal(hook_rst, 0);
    assert_int_equal(ns_tcp_error(c), 0);
    r.seq = p.snd_nxt;
    h_send_tcp(&r, false);
    assert_int_equal(hook_rst, 1);
    assert_int_equal(hook_rst_kind30, 1);
    assert_int_equal(hook_closed, 1);
    assert_int_equal(ns_tcp_error(c), NS_ERESET);
    ns_tcp_close(c);
}

static void test_extension_backpressure(void **state)
{
    (void)state;
    struct h_peer p = {.port = 41007, .dport = 7};
    struct tcp_pcb *c = ext_conn(&p);
    /* The layer above takes 4 bytes only: the rest waits in the socket buffer. */
    hook_take = 4;
    h_peer_send(&p, F_ACK, "0123456789", 10, true);
    assert_int_equal(hook_bytes, 4);
    assert_int_equal(ns_tcp_readable(c), 6);
    /* More data arrives while full: nothing is offered out of order. */
    h_peer_send(&p, F_ACK, "abc", 3, true);
    assert_int_equal(hook_bytes, 4);
    hook_take = (size_t)-1;
    ns_tcp_redeliver(c);
    assert_int_equal(hook_bytes, 13);
    assert_int_equal(ns_tcp_readable(c), 0);
    /* A shared window of 1000 bytes caps what we advertise. */
    hook_wnd = 1000;
    h_clear_out();
    ns_tcp_ack_now(c);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    /* Never below the edge advertised before (RFC 9293 3.8.6), else the hook's 1000 bytes. */
    assert_true(((uint32_t)s.wnd << in.rcv_wscale) >= 1000 - (1u << in.rcv_wscale));
    /* Segment verdicts: ACK_NOW acknowledges at once, RESET kills the subflow. */
    h_clear_out();
    h_peer_send(&p, F_ACK, "ACK", 3, true);
    assert_int_equal(h_count_tcp(), 1);
    h_clear_out();
    h_peer_send(&p, F_ACK, "RESET", 5, true);
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_true(s.flags & F_RST);
    assert_int_equal(ns_tcp_error(c), NS_ERESET);
    assert_int_equal(hook_closed, 1);
    ns_tcp_close(c);
}

static void conn_cb(void *arg, struct tcp_pcb *s, unsigned ev)
{
    (void)s;
    *(unsigned *)arg |= ev;
}

static void test_active_open(void **state)
{
    (void)state;
    int err = 1;
    struct tcp_pcb *c = ns_tcp_connect(h_stack(), H_PEER_IP, 8080, &err);
    assert_non_null(c);
    assert_int_equal(err, 0);
    unsigned ev = 0;
    ns_tcp_set_callback(c, conn_cb, &ev);
    struct h_seg syn;
    assert_true(h_parse_tcp(h_last_tcp(), &syn));
    assert_int_equal(syn.flags, F_SYN);
    assert_int_equal(syn.dport, 8080);
    assert_non_null(h_find_opt(&syn, 2));
    assert_non_null(h_find_opt(&syn, 3));
    assert_non_null(h_find_opt(&syn, 4));
    struct h_seg sa = {.sport = 8080,
                       .dport = syn.sport,
                       .seq = 900,
                       .ack = syn.seq + 1,
                       .flags = F_SYN | F_ACK,
                       .wnd = 30000};
    uint8_t o[4] = {2, 4, 0x02, 0x00}; /* MSS 512, nothing else */
    memcpy(sa.opt, o, 4);
    sa.optlen = 4;
    h_clear_out();
    h_send_tcp(&sa, false);
    assert_true(ev & NS_EV_CONN);
    struct h_seg a;
    assert_true(h_parse_tcp(h_last_tcp(), &a));
    assert_int_equal(a.flags, F_ACK);
    assert_int_equal(a.ack, 901);
    assert_int_equal(a.optlen, 0); /* the peer did not agree to TS */
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.state, TCPS_ESTABLISHED);
    assert_int_equal(in.mss, 512);
    ns_tcp_abort(c);
}

static int setup_small(void **state)
{
    (void)state;
    return setup_buf(4096);
}

/* RFC 9293 3.8.6.2.2 / RFC 1122 4.2.3.3: the window closes as data waits, and reopening it
 * after the application reads is announced without waiting for the peer's probe. */
static void test_window_closes_and_reopens(void **state)
{
    (void)state;
    struct h_peer p = new_peer(41010);
    struct tcp_pcb *c = h_handshake(&p, lst, false);
    uint8_t d[512];
    memset(d, 'w', sizeof(d));
    for (int i = 0; i < 8; i++)
        h_peer_send(&p, F_ACK, d, sizeof(d), false);
    struct h_seg s;
    h_advance_ms(h_stack()->cfg.delack_ms);
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.ack, p.snd_nxt);
    assert_int_equal(s.wnd, 0);
    /* Beyond a zero window: dropped, answered with an ACK. */
    h_clear_out();
    h_peer_send(&p, F_ACK, d, 10, false);
    p.snd_nxt -= 10;
    assert_int_equal(ns_tcp_readable(c), 4096);
    assert_int_equal(h_count_tcp(), 1);
    /* A small read keeps the window shut (receiver SWS avoidance)... */
    h_clear_out();
    uint8_t b[4096];
    assert_int_equal(ns_tcp_recv(c, b, 100), 100);
    assert_int_equal(h_count_tcp(), 0);
    /* ...reading the rest announces the open window at once. */
    assert_int_equal(ns_tcp_recv(c, b, sizeof(b)), 3996);
    assert_int_equal(h_count_tcp(), 1);
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.wnd, 4096);
}

/* Half close: after our FIN the peer may go on sending, and we go on reading. */
static void test_half_close(void **state)
{
    (void)state;
    struct h_peer p = new_peer(41011);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    h_clear_out();
    assert_int_equal(ns_tcp_shutdown(c), 0);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_true(s.flags & F_FIN);
    assert_int_equal(ns_tcp_send(c, "late", 4), NS_EINVAL);
    p.rcv_nxt = s.seq + 1;
    h_peer_send(&p, F_ACK, "more data", 9, true);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.state, TCPS_FIN_WAIT_2);
    char b[16];
    assert_int_equal(ns_tcp_recv(c, b, sizeof(b)), 9);
    h_peer_send(&p, F_ACK | F_FIN, NULL, 0, true);
    assert_int_equal(ns_tcp_recv(c, b, sizeof(b)), 0);
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.state, TCPS_TIME_WAIT);
    ns_tcp_close(c);
}

/* A connection from `port` with an RTT sample of 10 ms (one byte sent and ACKed 10 ms later,
 * TSecr echoed). Fills the peer and the ACK it sent (12 bytes of NOP NOP TS in a.opt, room for
 * more), for tests that send more ACKs of their own. */
static struct tcp_pcb *conn_with_rtt_10ms(uint16_t port, struct h_peer *p, struct h_seg *a)
{
    *p = new_peer(port);
    struct tcp_pcb *c = h_handshake(p, lst, true);
    h_clear_out();
    ns_tcp_send(c, "x", 1);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    const uint8_t *ts = h_find_opt(&s, 8);
    assert_non_null(ts);
    h_now_ns += 10 * 1000000ull;
    *a = (struct h_seg){.sport = p->port,
                        .dport = 7,
                        .seq = p->snd_nxt,
                        .ack = s.seq + 1,
                        .flags = F_ACK,
                        .wnd = 0xffff};
    uint8_t o[12] = {1, 1, 8, 10, 0, 0, 0, 9};
    memcpy(o + 8, ts + 2, 4);
    memcpy(a->opt, o, 12);
    a->optlen = 12;
    h_send_tcp(a, false);
    return c;
}

/* RFC 8985 7: with SACK and an RTT sample, a silent tail gets a probe after 2*SRTT, long
 * before the RTO: the last segment goes again so the peer's SACK reveals what was lost. */
static void test_tail_loss_probe(void **state)
{
    (void)state;
    struct h_peer p;
    struct h_seg a;
    struct tcp_pcb *c = conn_with_rtt_10ms(41012, &p, &a);
    uint8_t big[3000];
    memset(big, 't', sizeof(big));
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, big, sizeof(big)), 3000);
    int sent = h_count_tcp();
    assert_int_equal(sent, 3);
    struct h_seg last;
    assert_true(h_parse_tcp(h_last_tcp(), &last));
    h_advance_ms(19);
    assert_int_equal(h_count_tcp(), sent);
    h_advance_ms(2);
    assert_int_equal(h_stack()->stats.tcp_tlp_probes, 1);
    assert_int_equal(h_count_tcp(), sent + 1);
    struct h_seg probe;
    assert_true(h_parse_tcp(h_last_tcp(), &probe));
    /* The last MSS worth of data: it ends where the last segment ended. */
    assert_int_equal(probe.seq + probe.len, last.seq + last.len);
    assert_true(probe.len > last.len);
    /* One probe only; then the RTO (200 ms floor) as usual. */
    h_advance_ms(100);
    assert_int_equal(h_count_tcp(), sent + 1);
    assert_int_equal(h_stack()->stats.tcp_rto_expired, 0);
}

/* The probe never resends bytes the peer SACKed: with the whole tail SACKed it goes to the hole. */
static void test_tail_loss_probe_skips_sacked_tail(void **state)
{
    (void)state;
    struct h_peer p;
    struct h_seg a;
    struct tcp_pcb *c = conn_with_rtt_10ms(41013, &p, &a);
    uint8_t big[3000];
    memset(big, 't', sizeof(big));
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, big, sizeof(big)), 3000);
    assert_int_equal(h_count_tcp(), 3);
    struct h_seg first, second, last;
    assert_true(h_parse_tcp(h_last_tcp() - 2, &first));
    assert_true(h_parse_tcp(h_last_tcp() - 1, &second));
    assert_true(h_parse_tcp(h_last_tcp(), &last));
    /* The peer got segments 2 and 3, not 1: one duplicate ACK SACKing them (RFC 2018 3). */
    uint32_t l = second.seq, r = last.seq + last.len;
    uint8_t sack[12] = {1,
                        1,
                        5,
                        10,
                        (uint8_t)(l >> 24),
                        (uint8_t)(l >> 16),
                        (uint8_t)(l >> 8),
                        (uint8_t)l,
                        (uint8_t)(r >> 24),
                        (uint8_t)(r >> 16),
                        (uint8_t)(r >> 8),
                        (uint8_t)r};
    memcpy(a.opt + 12, sack, 12); /* after the NOP NOP TS echo */
    a.optlen = 24;
    h_send_tcp(&a, false);
    int sent = h_count_tcp();
    h_advance_ms(25);
    assert_int_equal(h_stack()->stats.tcp_tlp_probes, 1);
    assert_int_equal(h_count_tcp(), sent + 1);
    struct h_seg probe;
    assert_true(h_parse_tcp(h_last_tcp(), &probe));
    assert_int_equal(probe.seq, first.seq);
    assert_int_equal(probe.len, first.len);
    ns_tcp_abort(c);
}

int run_tcp_more_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rst_for_closed_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_exact_and_challenge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_scaling, setup_big, teardown),
        cmocka_unit_test_setup_teardown(test_timestamps_rtt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backlog_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_window_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_with_unread_data_resets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extension_hooks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extension_backpressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_active_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_closes_and_reopens, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tail_loss_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_pure_ack_before_established, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cwnd_byte_counting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extension_subflow_syn_and_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syn_ack_timed_without_timestamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tail_loss_probe_skips_sacked_tail, setup, teardown),
    };
    return cmocka_run_group_tests_name("net-tcp-more", tests, NULL, NULL);
}

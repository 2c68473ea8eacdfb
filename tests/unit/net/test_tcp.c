/* test_tcp.c: TCP state machine with a scripted peer: handshake options, data, delayed ACK,
 * out-of-order reassembly with SACK, RTO retransmission, fast retransmit, FIN, TIME-WAIT. */
#include <string.h>

#include "harness.h"

static struct tcp_pcb *lst;

static int setup(void **state)
{
    (void)state;
    struct ns_config cfg;
    ns_config_default(&cfg);
    cfg.sndbuf = cfg.rcvbuf = 64 * 1024;
    h_setup(&cfg);
    int err = 1;
    lst = ns_tcp_listen(h_stack(), 0, 7, 8, &err);
    assert_non_null(lst);
    assert_int_equal(err, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    h_teardown();
    return 0;
}

static struct h_peer new_peer(uint16_t port)
{
    struct h_peer p = {.port = port, .dport = 7, .snd_nxt = 1000};
    return p;
}

static void test_handshake_options(void **state)
{
    (void)state;
    struct h_peer p = new_peer(40000);
    struct h_seg syn = {.sport = 40000, .dport = 7, .seq = 1000, .flags = F_SYN, .wnd = 65535};
    uint8_t o[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0, 1, 3, 3, 7};
    memcpy(syn.opt, o, 20);
    syn.optlen = 20;
    h_send_tcp(&syn, false);
    struct h_seg sa;
    assert_true(h_parse_tcp(h_last_tcp(), &sa));
    assert_int_equal(sa.flags, F_SYN | F_ACK);
    assert_int_equal(sa.ack, 1001);
    const uint8_t *mss = h_find_opt(&sa, 2), *ws = h_find_opt(&sa, 3), *sp = h_find_opt(&sa, 4),
                  *ts = h_find_opt(&sa, 8);
    assert_non_null(mss);
    assert_int_equal(mss[2] << 8 | mss[3], 1460);
    assert_non_null(ws);
    assert_int_equal(ws[2], 1); /* 65536-byte buffer: one bit past the 16-bit field */
    assert_non_null(sp);
    assert_non_null(ts);
    assert_int_equal(ts[9], 5); /* TSecr echoes the peer's TSval */
    assert_int_equal(sa.wnd, 65535);
    assert_null(ns_tcp_accept(lst)); /* not established yet */
    p.snd_nxt = 1001;
    p.rcv_nxt = sa.seq + 1;
    p.tsval = 5;
    h_peer_send(&p, F_ACK, NULL, 0, true);
    struct tcp_pcb *c = ns_tcp_accept(lst);
    assert_non_null(c);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.state, TCPS_ESTABLISHED);
    assert_int_equal(in.mss, 1460 - 12);
    assert_true(in.ts_ok);
    assert_true(in.sack_ok);
    assert_int_equal(in.snd_wscale, 7);
    assert_int_equal(in.snd_wnd, 65535u << 7);
}

static void test_no_options_peer(void **state)
{
    (void)state;
    struct h_peer p = new_peer(40001);
    struct tcp_pcb *c = h_handshake(&p, lst, false);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    /* RFC 9293 3.7.1 default MSS; no WS/TS/SACK unless both sides offer them. */
    assert_int_equal(in.mss, 536);
    assert_false(in.ts_ok);
    assert_false(in.sack_ok);
    assert_int_equal(in.snd_wscale, 0);
    assert_int_equal(in.rcv_wscale, 0);
    struct h_seg s;
    ns_tcp_send(c, "x", 1);
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.optlen, 0);
}

static void test_data_and_delayed_ack(void **state)
{
    (void)state;
    struct h_peer p = new_peer(40002);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    h_clear_out();
    uint8_t buf[2000];
    memset(buf, 'a', sizeof(buf));
    h_peer_send(&p, F_ACK | F_PSH, buf, 100, true);
    assert_int_equal(h_count_tcp(), 0); /* first segment: ACK delayed (RFC 1122 4.2.3.2) */
    h_peer_send(&p, F_ACK | F_PSH, buf, 100, true);
    assert_int_equal(h_count_tcp(), 1); /* second: ACK at once (RFC 5681 4.2) */
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.ack, p.snd_nxt);
    h_clear_out();
    h_peer_send(&p, F_ACK | F_PSH, buf, 50, true);
    assert_int_equal(h_count_tcp(), 0);
    h_advance_ms(h_stack()->cfg.delack_ms);
    assert_int_equal(h_count_tcp(), 1);
    assert_int_equal(h_stack()->stats.tcp_delayed_acks, 1);
    long n = ns_tcp_recv(c, buf, sizeof(buf));
    assert_int_equal(n, 250);
    assert_int_equal(ns_tcp_recv(c, buf, sizeof(buf)), NS_EAGAIN);
    /* Sending: one segment with the bytes, acking what we have. */
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, "hello", 5), 5);
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.len, 5);
    assert_memory_equal(s.data, "hello", 5);
    assert_int_equal(s.ack, p.snd_nxt);
    assert_true(s.flags & F_PSH);
}

static void test_out_of_order_reassembly(void **state)
{
    (void)state;
    struct h_peer p = new_peer(40003);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    h_clear_out();
    uint8_t a[300], b[300], d[300];
    memset(a, 'A', 300), memset(b, 'B', 300), memset(d, 'D', 300);
    uint32_t base = p.snd_nxt;
    /* Third segment first, then the second: both held, SACKed, duplicate ACKs at once. */
    p.snd_nxt = base + 600;
    h_peer_send(&p, F_ACK, d, 300, true);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.ack, base);
    const uint8_t *sack = h_find_opt(&s, 5);
    assert_non_null(sack);
    assert_int_equal(sack[1], 10);
    uint32_t l = (uint32_t)sack[2] << 24 | (uint32_t)sack[3] << 16 | sack[4] << 8 | sack[5];
    assert_int_equal(l, base + 600);
    p.snd_nxt = base + 300;
    h_peer_send(&p, F_ACK, b, 300, true);
    assert_int_equal(ns_tcp_readable(c), 0);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.ooo_ranges, 1); /* merged into one range */
    assert_int_equal(in.ooo_bytes, 600);
    /* The hole fills: everything becomes readable, ACK jumps to the end at once. */
    h_clear_out();
    p.snd_nxt = base;
    h_peer_send(&p, F_ACK, a, 300, true);
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.ack, base + 900);
    assert_null(h_find_opt(&s, 5));
    uint8_t out[1000];
    assert_int_equal(ns_tcp_recv(c, out, sizeof(out)), 900);
    assert_memory_equal(out, a, 300);
    assert_memory_equal(out + 300, b, 300);
    assert_memory_equal(out + 600, d, 300);
    assert_int_equal(h_stack()->stats.tcp_ooo_segments, 2);
    /* A duplicate of old data is acknowledged and dropped. */
    p.snd_nxt = base;
    h_clear_out();
    h_peer_send(&p, F_ACK, a, 300, true);
    assert_int_equal(h_count_tcp(), 1);
    assert_int_equal(ns_tcp_readable(c), 0);
    assert_true(h_stack()->stats.tcp_dup_segments >= 1);
}

static void test_rto_retransmission_and_backoff(void **state)
{
    (void)state;
    struct h_peer p = new_peer(40004);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, "data", 4), 4);
    struct h_seg s1, s2;
    assert_true(h_parse_tcp(h_last_tcp(), &s1));
    /* RFC 6298 2.1: no RTT sample yet, RTO = 1 s. Nothing before it, the same bytes after. */
    h_clear_out();
    h_advance_ms(999);
    assert_int_equal(h_count_tcp(), 0);
    h_advance_ms(1);
    assert_int_equal(h_count_tcp(), 1);
    assert_true(h_parse_tcp(h_last_tcp(), &s2));
    assert_int_equal(s2.seq, s1.seq);
    assert_memory_equal(s2.data, "data", 4);
    /* RFC 6298 5.5: the timer doubles. */
    h_clear_out();
    h_advance_ms(1999);
    assert_int_equal(h_count_tcp(), 0);
    h_advance_ms(1);
    assert_int_equal(h_count_tcp(), 1);
    assert_int_equal(h_stack()->stats.tcp_rto_expired, 2);
    /* The ACK stops the timer. */
    p.rcv_nxt = s1.seq + 4;
    h_peer_send(&p, F_ACK, NULL, 0, true);
    h_clear_out();
    h_advance_ms(10000);
    assert_int_equal(h_count_tcp(), 0);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.snd_una, s1.seq + 4);
}

static void test_rto_gives_up(void **state)
{
    (void)state;
    struct h_peer p = new_peer(40005);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    ns_tcp_send(c, "zz", 2);
    for (int i = 0; i < 40; i++)
        h_advance_ms(60000);
    assert_int_equal(ns_tcp_error(c), NS_ETIMEOUT);
    assert_int_equal(ns_tcp_send(c, "z", 1), NS_ETIMEOUT);
    ns_tcp_close(c);
}

static void test_fast_retransmit(void **state)
{
    (void)state;
    struct h_peer p = new_peer(40006);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    uint8_t buf[6000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, buf, sizeof(buf)), (long)sizeof(buf));
    int nseg = h_count_tcp();
    assert_true(nseg >= 4); /* initial window (RFC 6928) lets all go */
    struct h_seg first;
    assert_true(h_parse_tcp(0, &first));
    /* First segment lost: three duplicate ACKs bring it back before any timer. */
    p.rcv_nxt = first.seq;
    h_clear_out();
    for (int i = 0; i < 3; i++)
        h_peer_send(&p, F_ACK, NULL, 0, true);
    assert_int_equal(h_stack()->stats.tcp_fast_retransmits, 1);
    struct h_seg r;
    assert_true(h_parse_tcp(h_last_tcp(), &r));
    assert_int_equal(r.seq, first.seq);
    assert_int_equal(r.len, first.len);
    assert_memory_equal(r.data, buf, r.len);
    /* Full ACK ends recovery. */
    p.rcv_nxt = first.seq + sizeof(buf);
    h_peer_send(&p, F_ACK, NULL, 0, true);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.snd_una, first.seq + sizeof(buf));
    assert_true(in.cwnd >= in.mss);
}

static void test_passive_close(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    struct h_peer p = new_peer(40007);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    uint32_t npcbs = st->n_pcbs;
    h_clear_out();
    h_peer_send(&p, F_ACK | F_FIN, "bye", 3, true);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.ack, p.snd_nxt); /* FIN acknowledged at once */
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.state, TCPS_CLOSE_WAIT);
    char buf[8];
    assert_int_equal(ns_tcp_recv(c, buf, sizeof(buf)), 3);
    assert_int_equal(ns_tcp_recv(c, buf, sizeof(buf)), 0); /* end of stream */
    h_clear_out();
    ns_tcp_close(c);
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_true(s.flags & F_FIN);
    p.rcv_nxt = s.seq + 1;
    h_peer_send(&p, F_ACK, NULL, 0, true);
    ns_poll(st);
    assert_int_equal(st->n_pcbs, npcbs - 1); /* LAST-ACK -> CLOSED -> freed */
}

static void test_active_close_time_wait(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    struct h_peer p = new_peer(40008);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    uint32_t npcbs = st->n_pcbs;
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, "abc", 3), 3);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    uint32_t data_seq = s.seq;
    ns_tcp_close(c); /* FIN follows the data */
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_true(s.flags & F_FIN);
    assert_int_equal(s.seq + s.len, data_seq + 3);
    p.rcv_nxt = data_seq + 4;
    h_peer_send(&p, F_ACK, NULL, 0, true); /* FIN-WAIT-2 */
    h_clear_out();
    h_peer_send(&p, F_ACK | F_FIN, NULL, 0, true); /* TIME-WAIT */
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    assert_int_equal(s.ack, p.snd_nxt);
    /* A retransmitted FIN is acknowledged again in TIME-WAIT. */
    h_clear_out();
    p.snd_nxt--;
    h_peer_send(&p, F_ACK | F_FIN, NULL, 0, true);
    assert_int_equal(h_count_tcp(), 1);
    h_advance_ms(2ull * st->cfg.msl_ms - 1);
    assert_int_equal(st->n_pcbs, npcbs);
    h_advance_ms(2);
    assert_int_equal(st->n_pcbs, npcbs - 1);
}

static void test_time_wait_reuse_by_new_syn(void **state)
{
    (void)state;
    struct ns_stack *st = h_stack();
    struct h_peer p = new_peer(40012);
    struct tcp_pcb *c = h_handshake(&p, lst, false);
    ns_tcp_close(c);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    p.rcv_nxt = s.seq + 1;
    h_peer_send(&p, F_ACK | F_FIN, NULL, 0, false); /* ACK of our FIN + theirs: TIME-WAIT */
    /* An old duplicate SYN (below rcv_nxt) is ignored; a newer one opens a new connection. */
    h_clear_out();
    struct h_peer old = p;
    old.snd_nxt = 500;
    h_peer_send(&old, F_SYN, NULL, 0, false);
    assert_int_equal(h_count_tcp(), 0);
    struct h_peer again = {.port = 40012, .dport = 7, .snd_nxt = p.snd_nxt + 100000};
    struct tcp_pcb *c2 = h_handshake(&again, lst, false);
    assert_non_null(c2);
    assert_int_equal(st->n_pcbs, 2); /* the listener and the new connection */
}

static void test_simultaneous_close(void **state)
{
    (void)state;
    struct h_peer p = new_peer(40009);
    struct tcp_pcb *c = h_handshake(&p, lst, true);
    h_clear_out();
    ns_tcp_shutdown(c);
    struct h_seg s;
    assert_true(h_parse_tcp(h_last_tcp(), &s));
    /* The peer's FIN crosses ours: CLOSING, then TIME-WAIT on the ACK of our FIN. */
    h_peer_send(&p, F_ACK | F_FIN, NULL, 0, true);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.state, TCPS_CLOSING);
    p.rcv_nxt = s.seq + 1;
    h_peer_send(&p, F_ACK, NULL, 0, true);
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.state, TCPS_TIME_WAIT);
    ns_tcp_close(c);
}

/* Peer ACK at `ack` with SACK blocks (pairs of absolute sequence numbers) and optional data. */
static void sack_ack(struct h_peer *p, uint32_t ack, const uint32_t *blk, int nblk,
                     const char *data)
{
    struct h_seg a = {
        .sport = p->port, .dport = 7, .seq = p->snd_nxt, .ack = ack, .flags = F_ACK, .wnd = 0xffff};
    uint8_t *o = a.opt;
    o[0] = 1, o[1] = 1, o[2] = 5, o[3] = (uint8_t)(2 + 8 * nblk);
    for (int i = 0; i < 2 * nblk; i++) {
        o[4 + 4 * i] = (uint8_t)(blk[i] >> 24), o[5 + 4 * i] = (uint8_t)(blk[i] >> 16);
        o[6 + 4 * i] = (uint8_t)(blk[i] >> 8), o[7 + 4 * i] = (uint8_t)blk[i];
    }
    a.optlen = 4 + 8 * (size_t)nblk;
    if (data) {
        a.len = strlen(data);
        memcpy(a.data, data, a.len);
        p->snd_nxt += (uint32_t)a.len;
    }
    h_send_tcp(&a, false);
}

static void test_sack_recovery_repairs_holes(void **state)
{
    (void)state;
    struct h_peer p = new_peer(40010);
    struct tcp_pcb *c = h_handshake(&p, lst, false); /* no TS: keeps segments 536 bytes */
    /* The harness peer without options gets no SACK; redo with SACK-permitted only. */
    ns_tcp_abort(c);
    struct h_seg syn = {.sport = 40011, .dport = 7, .seq = 100, .flags = F_SYN, .wnd = 65535};
    uint8_t o[8] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};
    memcpy(syn.opt, o, 8);
    syn.optlen = 8;
    h_send_tcp(&syn, false);
    struct h_seg sa;
    assert_true(h_parse_tcp(h_last_tcp(), &sa));
    p = (struct h_peer){.port = 40011, .dport = 7, .snd_nxt = 101, .rcv_nxt = sa.seq + 1};
    h_peer_send(&p, F_ACK, NULL, 0, false);
    c = ns_tcp_accept(lst);
    assert_non_null(c);
    uint8_t buf[6 * 1460];
    memset(buf, 'S', sizeof(buf));
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, buf, sizeof(buf)), (long)sizeof(buf));
    assert_int_equal(h_count_tcp(), 6);
    uint32_t s0 = sa.seq + 1, m = 1460;
    /* Segments 0 and 2 lost: SACK [1] and [3,...). Once more than 2 segments above the ACK
     * are SACKed (RFC 6675 IsLost), segment 0 goes again, before 3 duplicates. */
    uint32_t blk[4] = {s0 + m, s0 + 2 * m, s0 + 3 * m, s0 + 4 * m};
    h_clear_out();
    sack_ack(&p, s0, blk, 2, NULL);
    assert_int_equal(h_count_tcp(), 0);
    blk[3] = s0 + 6 * m;
    sack_ack(&p, s0, blk, 2, "data"); /* carries data: still counts (new SACK info) */
    struct h_seg r;
    assert_int_equal(h_stack()->stats.tcp_fast_retransmits, 1);
    assert_true(h_parse_tcp(0, &r));
    assert_int_equal(r.seq, s0);
    /* The next duplicate repairs the second hole at once, not one round trip later. */
    h_clear_out();
    p.rcv_nxt = p.snd_nxt;
    sack_ack(&p, s0, blk, 2, NULL);
    int found = 0;
    for (int i = 0; i < h_n_out; i++)
        if (h_parse_tcp(i, &r) && r.seq == s0 + 2 * m && r.len == m)
            found = 1;
    assert_true(found);
    char d[8];
    assert_int_equal(ns_tcp_recv(c, d, sizeof(d)), 4);
}

/* A connection whose peer offered MSS 1460 and SACK-permitted (no timestamps). */
static struct tcp_pcb *sack_conn(struct h_peer *p, uint16_t port, uint32_t *s0)
{
    struct h_seg syn = {.sport = port, .dport = 7, .seq = 100, .flags = F_SYN, .wnd = 65535};
    uint8_t o[8] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};
    memcpy(syn.opt, o, 8);
    syn.optlen = 8;
    h_send_tcp(&syn, false);
    struct h_seg sa;
    assert_true(h_parse_tcp(h_last_tcp(), &sa));
    *p = (struct h_peer){.port = port, .dport = 7, .snd_nxt = 101, .rcv_nxt = sa.seq + 1};
    h_peer_send(p, F_ACK, NULL, 0, false);
    *s0 = sa.seq + 1;
    return ns_tcp_accept(lst);
}

/* A retransmission must not straddle the edge of a SACKed block: when the lost segment was
 * shorter than the MSS (the end of one response), the resend stops where the peer's SACKed data
 * begins, for fast retransmit and for go-back-N after an RTO alike. A partly overlapping resend
 * is what Linux's MPTCP-after-fallback receive path turned into a corrupted stream. */
static void test_retransmit_stops_at_sack_edge(void **state)
{
    (void)state;
    struct h_peer p;
    uint32_t s0, m = 1460, first = 1000;
    struct tcp_pcb *c = sack_conn(&p, 40013, &s0);
    assert_non_null(c);
    uint8_t buf[4 * 1460];
    memset(buf, 'R', sizeof(buf));
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, buf, first), (long)first); /* one short segment */
    assert_int_equal(ns_tcp_send(c, buf, sizeof(buf)), (long)sizeof(buf));
    assert_int_equal(h_count_tcp(), 5);
    struct h_seg r;
    assert_true(h_parse_tcp(0, &r));
    assert_int_equal(r.len, first);
    /* The short segment is lost; everything after it arrived and is SACKed. */
    uint32_t blk[2] = {s0 + first, s0 + first + 4 * m};
    h_clear_out();
    sack_ack(&p, s0, blk, 1, NULL);
    assert_int_equal(h_stack()->stats.tcp_fast_retransmits, 1);
    assert_int_equal(h_count_tcp(), 1);
    assert_true(h_parse_tcp(0, &r));
    assert_int_equal(r.seq, s0);
    assert_int_equal(r.len, first); /* not an MSS-sized cut reaching into the SACKed block */
    /* That resend is lost too: the RTO's go-back-N resends from SND.UNA, stopping at the block. */
    h_clear_out();
    h_advance_ms(3000);
    int n_first = 0, straddling = 0;
    for (int i = 0; i < h_n_out; i++) {
        if (!h_parse_tcp(i, &r) || r.len == 0)
            continue;
        if (r.seq == s0 && r.len == first)
            n_first++;
        if ((int32_t)(r.seq - blk[0]) < 0 && (int32_t)(r.seq + r.len - blk[0]) > 0)
            straddling++;
    }
    assert_true(n_first >= 1);
    assert_int_equal(straddling, 0);
    /* The repair completes the stream: the cumulative ACK covers all of it. */
    h_clear_out();
    p.rcv_nxt = p.snd_nxt;
    sack_ack(&p, s0 + first + 4 * m, NULL, 0, NULL);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.state, TCPS_ESTABLISHED);
}

/* The scoreboard remembers blocks: an ACK lists only the most recent 3-4 (RFC 2018 section 4),
 * and one that reported an older block may be lost. A go-back-N resend after an RTO must still
 * stop at the edges of a block only an earlier ACK reported (RFC 6675 section 3). */
static void test_scoreboard_keeps_earlier_blocks(void **state)
{
    (void)state;
    struct h_peer p;
    uint32_t s0, m = 1460, first = 1000;
    struct tcp_pcb *c = sack_conn(&p, 40014, &s0);
    assert_non_null(c);
    uint8_t buf[4 * 1460];
    memset(buf, 'K', sizeof(buf));
    h_clear_out();
    assert_int_equal(ns_tcp_send(c, buf, first), (long)first);
    assert_int_equal(ns_tcp_send(c, buf, sizeof(buf)), (long)sizeof(buf));
    assert_int_equal(h_count_tcp(), 5);
    /* Segments at s0 and s0 + first + m are lost. The first ACK reports X, the next only Y. */
    uint32_t x[2] = {s0 + first, s0 + first + m};
    uint32_t y[2] = {s0 + first + 2 * m, s0 + first + 4 * m};
    sack_ack(&p, s0, x, 1, NULL);
    sack_ack(&p, s0, y, 1, NULL);
    h_clear_out();
    h_advance_ms(3000);
    /* The RTO resend of the first segment arrives; the ACK reports Y again, not X. The resends
       that follow go-back-N from there must skip X and fill the hole between X and Y. */
    p.rcv_nxt = p.snd_nxt;
    sack_ack(&p, s0 + first, y, 1, NULL);
    struct h_seg r;
    int straddling = 0, sent_x = 0, n = 0;
    for (int i = 0; i < h_n_out; i++) {
        if (!h_parse_tcp(i, &r) || r.len == 0)
            continue;
        n++;
        for (int e = 0; e < 2; e++) {
            uint32_t edge = e == 0 ? x[0] : x[1];
            if ((int32_t)(r.seq - edge) < 0 && (int32_t)(r.seq + r.len - edge) > 0)
                straddling++;
        }
        if ((int32_t)(r.seq - x[0]) >= 0 && (int32_t)(r.seq - x[1]) < 0)
            sent_x++;
    }
    assert_true(n >= 1);
    assert_int_equal(straddling, 0);
    assert_int_equal(sent_x, 0); /* X is at the peer: not resent */
    /* Everything repaired: the cumulative ACK covers the stream. */
    p.rcv_nxt = p.snd_nxt;
    sack_ack(&p, s0 + first + 4 * m, NULL, 0, NULL);
    struct ns_tcp_info in;
    ns_tcp_get_info(c, &in);
    assert_int_equal(in.state, TCPS_ESTABLISHED);
}

int run_tcp_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_options_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_and_delayed_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order_reassembly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rto_retransmission_and_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rto_gives_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_retransmit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sack_recovery_repairs_holes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retransmit_stops_at_sack_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scoreboard_keeps_earlier_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passive_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_active_close_time_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_wait_reuse_by_new_syn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simultaneous_close, setup, teardown),
    };
    return cmocka_run_group_tests_name("net-tcp", tests, NULL, NULL);
}

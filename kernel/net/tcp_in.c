/* tcp_in.c: TCP segment arrival (RFC 9293 section 3.10.7): demultiplexing and the state machine. */
#include "tcp_priv.h"

/* One parsed incoming segment. */
struct seg {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack, wnd;
    uint8_t flags;
    const uint8_t *data;
    uint32_t len;
    struct ns_tcp_opts o;
};

static struct tcp_pcb *lookup(struct ns_stack *st, const struct seg *s)
{
    struct tcp_pcb *lst = NULL;
    for (struct tcp_pcb *p = st->pcbs; p; p = p->next) {
        if (p->dead || p->lport != s->dport)
            continue;
        if (p->state == TCPS_LISTEN) {
            if (p->lip == 0 || p->lip == s->dst)
                lst = p;
        } else if (p->state != TCPS_CLOSED && p->rport == s->sport && p->rip == s->src &&
                   p->lip == s->dst) {
            return p;
        }
    }
    return lst;
}

/* RFC 9293 3.10.7.1: a segment for no connection gets a RST, unless it is one. */
static void reply_rst(struct ns_stack *st, const struct seg *s)
{
    if (s->flags & TCP_RST)
        return;
    if (s->flags & TCP_ACK)
        tcp_send_rst(st, s->dst, s->src, s->dport, s->sport, s->ack, 0, false);
    else
        tcp_send_rst(st, s->dst, s->src, s->dport, s->sport, 0,
                     s->seq + s->len + ((s->flags & TCP_SYN) ? 1 : 0) +
                         ((s->flags & TCP_FIN) ? 1 : 0),
                     true);
}

/* Smallest shift that lets the window field express the whole receive buffer (RFC 7323 2.3). */
static uint8_t wscale_for(uint32_t buf)
{
    uint8_t ws = 0;
    while (ws < TCP_WS_MAX && (buf >> ws) > 0xffff)
        ws++;
    return ws;
}

/* Applies the SYN's options to a new connection (RFC 7323 2.2/3.2, RFC 2018 2, RFC 9293 3.7.1). */
static void apply_syn_options(struct tcp_pcb *pcb, const struct ns_tcp_opts *o, bool we_offered)
{
    pcb->ws_ok = o->has_ws && we_offered;
    pcb->snd_wscale = pcb->ws_ok ? o->ws : 0;
    pcb->rcv_wscale = pcb->ws_ok ? wscale_for(pcb->rcv.cap) : 0;
    pcb->ts_ok = o->has_ts && we_offered;
    if (pcb->ts_ok)
        pcb->ts_recent = o->tsval;
    pcb->sack_ok = o->sack_ok && we_offered;
    pcb->peer_mss = o->has_mss ? o->mss : TCP_MSS_DEFAULT;
    uint16_t ours = NS_ETH_MTU - IPV4_HDR_MIN - TCP_HDR_MIN;
    uint16_t mss = pcb->peer_mss < ours ? pcb->peer_mss : ours;
    /* RFC 6691: the MSS option does not count options; leave room for the timestamp option. */
    if (pcb->ts_ok)
        mss -= 12;
    if (mss < 64)
        mss = 64; /* an absurd peer MSS must not stall us with 1-byte segments */
    pcb->mss = mss;
    tcp_cc_init(pcb);
}

static void listen_input(struct tcp_pcb *lst, const struct seg *s)
{
    struct ns_stack *st = lst->st;
    /* RFC 9293 3.10.7.2: ignore RST, answer ACK with RST, only SYN opens. */
    if (s->flags & TCP_RST)
        return;
    if (s->flags & TCP_ACK) {
        reply_rst(st, s);
        return;
    }
    if (!(s->flags & TCP_SYN) || (s->flags & TCP_FIN)) {
        st->stats.tcp_drop_flags++;
        return;
    }
    /* The backlog bounds connections waiting for the service; a new subflow of a connection it
     * already has never waits for it (see ns_tcp_ext_ops.syn_adds_subflow). */
    if (lst->n_children >= lst->backlog && !(lst->ext && lst->ext->syn_adds_subflow &&
                                             lst->ext->syn_adds_subflow(lst->ext_arg, &s->o))) {
        st->stats.tcp_drop_backlog++;
        return;
    }
    struct tcp_pcb *c = tcp_pcb_new(st);
    if (!c) {
        st->stats.tcp_drop_no_memory++;
        return;
    }
    c->lip = s->dst;
    c->rip = s->src;
    c->lport = s->dport;
    c->rport = s->sport;
    c->listener = lst;
    c->ext = lst->ext;
    c->ext_arg = lst->ext_arg;
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    c->rcv_adv = c->rcv_nxt;
    /* RFC 9293 3.4.1 / RFC 6528: an unpredictable initial sequence number. */
    c->iss = ns_port_random();
    c->snd_una = c->snd_nxt = c->snd_max = c->recover = c->iss;
    c->sb_seq = c->iss + 1;
    apply_syn_options(c, &s->o, true);
    /* RFC 7323 2.2: the SYN's window is never scaled. */
    c->snd_wnd = c->max_snd_wnd = s->wnd;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = c->iss;
    tcp_set_state(c, TCPS_SYN_RCVD);
    lst->n_children++;
    if (c->ext && c->ext->syn_received && c->ext->syn_received(c->ext_arg, c, &s->o) < 0) {
        reply_rst(st, s);
        tcp_drop(c, NS_ERESET);
        return;
    }
    tcp_output(c); /* SYN-ACK */
}

/* RTT sample from an ACK that acknowledges new data (or our SYN): RFC 7323 4.1 from TSecr when
 * timestamps are on, else the RFC 6298 timing of one segment. */
static void rtt_from_ack(struct tcp_pcb *pcb, const struct seg *s)
{
    if (pcb->ts_ok && s->o.has_ts && s->o.tsecr != 0) {
        uint32_t ms = tcp_now_ts() - s->o.tsecr;
        if (ms < 60000)
            tcp_rtt_sample(pcb, ms * 1000);
    } else if (pcb->rtt_timing && SEQ_GEQ(s->ack, pcb->rtt_seq)) {
        tcp_rtt_sample(pcb, (uint32_t)((ns_port_now_ns() - pcb->rtt_start_ns) / 1000));
        pcb->rtt_timing = false;
    }
}

static void synsent_input(struct tcp_pcb *pcb, const struct seg *s)
{
    struct ns_stack *st = pcb->st;
    /* RFC 9293 3.10.7.3 first: the ACK must cover our SYN and nothing unsent. */
    if ((s->flags & TCP_ACK) && (SEQ_LEQ(s->ack, pcb->iss) || SEQ_GT(s->ack, pcb->snd_max))) {
        st->stats.tcp_drop_bad_ack++;
        reply_rst(st, s);
        return;
    }
    if (s->flags & TCP_RST) {
        if (s->flags & TCP_ACK) {
            st->stats.tcp_rst_rx++;
            tcp_drop(pcb, NS_ERESET);
        }
        return;
    }
    if (!(s->flags & TCP_SYN) || !(s->flags & TCP_ACK)) {
        /* Simultaneous open is not supported (docs/net.md): drop and let the peer retry. */
        st->stats.tcp_drop_flags++;
        return;
    }
    pcb->irs = s->seq;
    pcb->rcv_nxt = s->seq + 1;
    pcb->rcv_adv = pcb->rcv_nxt;
    apply_syn_options(pcb, &s->o, true);
    rtt_from_ack(pcb, s); /* the SYN's round trip */
    pcb->rtt_timing = false;
    pcb->snd_una = s->ack;
    pcb->snd_wnd = pcb->max_snd_wnd = s->wnd;
    pcb->snd_wl1 = s->seq;
    pcb->snd_wl2 = s->ack;
    pcb->backoff = 0;
    pcb->rto_at = 0;
    tcp_set_state(pcb, TCPS_ESTABLISHED);
    if (pcb->ext && pcb->ext->established)
        pcb->ext->established(pcb, &s->o);
    pcb->ack_now = true;
    tcp_event(pcb, NS_EV_CONN | NS_EV_OUT);
    tcp_output(pcb);
}

/* RFC 9293 3.10.7.4 first check, "segment acceptability" against the real buffer space. */
static bool acceptable(const struct tcp_pcb *pcb, const struct seg *s, uint32_t seglen)
{
    uint32_t wnd = pcb->rcv.cap - pcb->rcv.len;
    uint32_t nxt = pcb->rcv_nxt;
    if (seglen == 0) {
        if (wnd == 0)
            return s->seq == nxt;
        return SEQ_LEQ(nxt, s->seq) && SEQ_LT(s->seq, nxt + wnd);
    }
    if (wnd == 0)
        return false;
    uint32_t last = s->seq + seglen - 1;
    return (SEQ_LEQ(nxt, s->seq) && SEQ_LT(s->seq, nxt + wnd)) ||
           (SEQ_LEQ(nxt, last) && SEQ_LT(last, nxt + wnd));
}

/* Records [start, end) as received out of order, merging neighbours; false when no slot is left. */
static bool ooo_insert(struct tcp_pcb *pcb, uint32_t start, uint32_t end)
{
    int i = 0;
    while (i < pcb->n_ooo && SEQ_LT(pcb->ooo[i][1], start))
        i++;
    if (i < pcb->n_ooo && SEQ_LEQ(pcb->ooo[i][0], end)) {
        /* Overlaps or touches range i: grow it, then swallow the ranges it now reaches. */
        if (SEQ_LT(start, pcb->ooo[i][0]))
            pcb->ooo[i][0] = start;
        if (SEQ_GT(end, pcb->ooo[i][1]))
            pcb->ooo[i][1] = end;
        while (i + 1 < pcb->n_ooo && SEQ_LEQ(pcb->ooo[i + 1][0], pcb->ooo[i][1])) {
            if (SEQ_GT(pcb->ooo[i + 1][1], pcb->ooo[i][1]))
                pcb->ooo[i][1] = pcb->ooo[i + 1][1];
            memmove(&pcb->ooo[i + 1], &pcb->ooo[i + 2],
                    sizeof(pcb->ooo[0]) * (size_t)(pcb->n_ooo - i - 2));
            pcb->n_ooo--;
        }
        pcb->last_ooo_start = pcb->ooo[i][0];
        return true;
    }
    if (pcb->n_ooo >= TCP_MAX_OOO)
        return false;
    memmove(&pcb->ooo[i + 1], &pcb->ooo[i], sizeof(pcb->ooo[0]) * (size_t)(pcb->n_ooo - i));
    pcb->ooo[i][0] = start;
    pcb->ooo[i][1] = end;
    pcb->n_ooo++;
    pcb->last_ooo_start = start;
    return true;
}

/* Offers every queued in-order byte to the extension; what it takes leaves the socket buffer. */
void tcp_deliver_ext(struct tcp_pcb *pcb)
{
    uint8_t chunk[1024];
    if (!pcb->ext || !pcb->ext->deliver)
        return;
    while (pcb->rcv.len > 0) {
        uint32_t k = pcb->rcv.len < sizeof(chunk) ? pcb->rcv.len : (uint32_t)sizeof(chunk);
        ns_ring_read_at(&pcb->rcv, 0, chunk, k);
        size_t took = pcb->ext->deliver(pcb, pcb->rcv_nxt - pcb->rcv.len, chunk, k);
        ASSERT(took <= k, "deliver hook took more than offered");
        ns_ring_consume(&pcb->rcv, (uint32_t)took);
        if (took < k)
            return; /* the layer above is full: the rest waits for ns_tcp_redeliver */
    }
}

/* Queues payload (already trimmed to the window) and advances rcv_nxt over any filled hole. */
static void queue_data(struct tcp_pcb *pcb, uint32_t seq, const uint8_t *data, uint32_t len)
{
    struct ns_stack *st = pcb->st;
    uint32_t off = pcb->rcv.len + (seq - pcb->rcv_nxt);
    ns_ring_write_at(&pcb->rcv, off, data, len);
    if (seq != pcb->rcv_nxt) {
        st->stats.tcp_ooo_segments++;
        if (!ooo_insert(pcb, seq, seq + len))
            st->stats.tcp_ooo_dropped++;
        /* RFC 5681 4.2: an out-of-order segment is acknowledged at once (a duplicate ACK). */
        pcb->ack_now = true;
        return;
    }
    uint32_t start = pcb->rcv_nxt;
    bool had_holes = pcb->n_ooo > 0;
    pcb->rcv_nxt += len;
    while (pcb->n_ooo > 0 && SEQ_LEQ(pcb->ooo[0][0], pcb->rcv_nxt)) {
        if (SEQ_GT(pcb->ooo[0][1], pcb->rcv_nxt))
            pcb->rcv_nxt = pcb->ooo[0][1];
        memmove(&pcb->ooo[0], &pcb->ooo[1], sizeof(pcb->ooo[0]) * (size_t)(pcb->n_ooo - 1));
        pcb->n_ooo--;
    }
    pcb->rcv.len += pcb->rcv_nxt - start;
    tcp_deliver_ext(pcb);
    tcp_event(pcb, NS_EV_IN);
    /* RFC 5681 4.2: ACK at least every second full segment, at once when a hole is filled,
     * otherwise delay (RFC 1122 4.2.3.2). */
    if (had_holes) {
        pcb->ack_now = true;
    } else if (++pcb->unacked_segs >= 2) {
        pcb->ack_now = true;
    } else if (!pcb->delack_at) {
        pcb->delack_at = ns_port_now_ns() + (uint64_t)st->cfg.delack_ms * 1000000u;
    }
}

static bool our_fin_acked(const struct tcp_pcb *pcb)
{
    return pcb->fin_queued && pcb->snd_una == pcb->sb_seq + pcb->snd.len + 1;
}

static void enter_time_wait(struct tcp_pcb *pcb)
{
    tcp_set_state(pcb, TCPS_TIME_WAIT);
    pcb->rto_at = 0;
    pcb->pto_at = 0;
    pcb->delack_at = 0;
    /* RFC 9293 3.10.7.4: TIME-WAIT lasts 2 MSL. */
    pcb->tw_at = ns_port_now_ns() + 2ull * pcb->st->cfg.msl_ms * 1000000u;
}

/* Processes the ACK field for synchronized states; false when the segment must be dropped. */
static bool ack_input(struct tcp_pcb *pcb, const struct seg *s)
{
    struct ns_stack *st = pcb->st;
    if (pcb->state == TCPS_SYN_RCVD) {
        /* RFC 9293 3.10.7.4 fifth check, SYN-RECEIVED: SND.UNA < SEG.ACK =< SND.NXT. */
        if (SEQ_LEQ(s->ack, pcb->snd_una) || SEQ_GT(s->ack, pcb->snd_max)) {
            st->stats.tcp_drop_bad_ack++;
            reply_rst(st, s);
            return false;
        }
        tcp_set_state(pcb, TCPS_ESTABLISHED);
        pcb->snd_wnd = s->wnd << pcb->snd_wscale;
        pcb->snd_wl1 = s->seq;
        pcb->snd_wl2 = s->ack;
        pcb->backoff = 0;
        if (pcb->ext && pcb->ext->established)
            pcb->ext->established(pcb, &s->o);
        struct tcp_pcb *l = pcb->listener;
        if (l && !pcb->accept_queued) {
            struct tcp_pcb **q = &l->accept_head;
            while (*q)
                q = &(*q)->accept_next;
            *q = pcb;
            pcb->accept_queued = true;
            tcp_event(l, NS_EV_ACCEPT);
        }
        if (pcb->fin_queued)
            tcp_set_state(pcb, TCPS_FIN_WAIT_1);
    }
    if (SEQ_GT(s->ack, pcb->snd_max)) {
        /* Acknowledges something never sent: send an ACK and drop (RFC 9293 3.10.7.4). */
        st->stats.tcp_drop_bad_ack++;
        pcb->ack_now = true;
        return false;
    }
    uint32_t old_wnd = pcb->snd_wnd;
    /* RFC 9293 3.10.7.4: update the send window from the freshest segment only. */
    if (SEQ_LT(pcb->snd_wl1, s->seq) || (pcb->snd_wl1 == s->seq && SEQ_LEQ(pcb->snd_wl2, s->ack))) {
        pcb->snd_wnd = s->wnd << pcb->snd_wscale;
        if (pcb->snd_wnd > pcb->max_snd_wnd)
            pcb->max_snd_wnd = pcb->snd_wnd;
        pcb->snd_wl1 = s->seq;
        pcb->snd_wl2 = s->ack;
    }
    bool new_sack = false;
    if (pcb->sack_ok) /* s->ack <= snd_max here: it may only move the scoreboard's floor up */
        tcp_sack_board_update(pcb, s->o.sack, s->o.n_sack,
                              SEQ_GT(s->ack, pcb->snd_una) ? s->ack : pcb->snd_una);
    if (s->o.n_sack && pcb->sack_ok) {
        st->stats.tcp_sack_blocks_rx += (uint64_t)s->o.n_sack;
        /* RFC 6675 section 2: an ACK "carrying new SACK information" counts as a duplicate
         * even when it also carries data (ours is a two-way stream: echo, RPC). */
        if (SEQ_LT(pcb->sack_high, pcb->snd_una))
            pcb->sack_high = pcb->snd_una; /* keep it in the live part of sequence space */
        for (int i = 0; i < s->o.n_sack; i++) {
            uint32_t r = s->o.sack[i][1];
            if (SEQ_GT(r, pcb->sack_high) && SEQ_GT(r, s->ack) && SEQ_LEQ(r, pcb->snd_max)) {
                pcb->sack_high = r;
                new_sack = true;
            }
        }
    }
    if (SEQ_GT(s->ack, pcb->snd_una)) {
        uint32_t acked = s->ack - pcb->snd_una;
        rtt_from_ack(pcb, s);
        pcb->backoff = 0;
        if (SEQ_GT(s->ack, pcb->sb_seq)) {
            uint32_t data = s->ack - pcb->sb_seq;
            if (data > pcb->snd.len)
                data = pcb->snd.len; /* the rest acknowledges our FIN */
            ns_ring_consume(&pcb->snd, data);
            pcb->sb_seq += data;
            if (data)
                tcp_event(pcb, NS_EV_OUT);
        }
        pcb->snd_una = s->ack;
        if (SEQ_LT(pcb->snd_nxt, pcb->snd_una))
            pcb->snd_nxt = pcb->snd_una;
        tcp_cc_ack(pcb, acked);
        /* RFC 6298 5.2/5.3: stop the timer when all is acknowledged, else restart it. */
        pcb->tlp_sent = false;
        if (pcb->snd_una == pcb->snd_max) {
            pcb->rto_at = 0;
            pcb->pto_at = 0;
        } else {
            tcp_arm_rto(pcb);
            tcp_arm_pto(pcb);
        }
    } else if (s->ack == pcb->snd_una && pcb->snd_una != pcb->snd_max &&
               (new_sack || (s->len == 0 && !(s->flags & (TCP_SYN | TCP_FIN)) &&
                             (s->wnd << pcb->snd_wscale) == old_wnd))) {
        /* RFC 5681 section 2 "DUPLICATE ACKNOWLEDGMENT" (or RFC 6675's SACK variant). */
        tcp_cc_dupack(pcb);
    }
    switch (pcb->state) {
    case TCPS_FIN_WAIT_1:
        if (our_fin_acked(pcb)) {
            tcp_set_state(pcb, TCPS_FIN_WAIT_2);
            if (pcb->app_closed) /* orphaned FIN-WAIT-2 gets a limit, as Linux's tcp_fin_timeout */
                pcb->tw_at = ns_port_now_ns() + 2ull * st->cfg.msl_ms * 1000000u;
        }
        break;
    case TCPS_CLOSING:
        if (our_fin_acked(pcb))
            enter_time_wait(pcb);
        break;
    case TCPS_LAST_ACK:
        if (our_fin_acked(pcb)) {
            tcp_drop(pcb, 0);
            return false;
        }
        break;
    default:
        break;
    }
    return true;
}

/* FIN processing once every byte before it has arrived (RFC 9293 3.10.7.4 eighth check). */
static void fin_input(struct tcp_pcb *pcb)
{
    if (!pcb->fin_rcvd || pcb->rcv_nxt != pcb->fin_seq)
        return;
    if (pcb->state != TCPS_SYN_RCVD && pcb->state != TCPS_ESTABLISHED &&
        pcb->state != TCPS_FIN_WAIT_1 && pcb->state != TCPS_FIN_WAIT_2)
        return;
    pcb->rcv_nxt++;
    pcb->ack_now = true;
    tcp_event(pcb, NS_EV_IN);
    switch (pcb->state) {
    case TCPS_SYN_RCVD:
    case TCPS_ESTABLISHED:
        tcp_set_state(pcb, TCPS_CLOSE_WAIT);
        break;
    case TCPS_FIN_WAIT_1:
        if (our_fin_acked(pcb))
            enter_time_wait(pcb);
        else
            tcp_set_state(pcb, TCPS_CLOSING);
        break;
    case TCPS_FIN_WAIT_2:
        enter_time_wait(pcb);
        break;
    default:
        break;
    }
}

static void sync_input(struct tcp_pcb *pcb, struct seg *s)
{
    struct ns_stack *st = pcb->st;
    uint32_t seglen = s->len + ((s->flags & TCP_SYN) ? 1 : 0) + ((s->flags & TCP_FIN) ? 1 : 0);

    if (pcb->state == TCPS_TIME_WAIT) {
        /* A retransmitted FIN: acknowledge and restart the 2 MSL timeout (RFC 9293 3.10.7.4). */
        if ((s->flags & TCP_FIN) && !(s->flags & TCP_RST)) {
            tcp_send_ack(pcb);
            enter_time_wait(pcb);
        }
        return;
    }
    /* A retransmitted SYN while SYN-RECEIVED: our SYN-ACK was lost; send it again. */
    if (pcb->state == TCPS_SYN_RCVD && (s->flags & TCP_SYN) && !(s->flags & TCP_ACK) &&
        s->seq == pcb->irs) {
        pcb->snd_nxt = pcb->iss;
        tcp_output(pcb);
        return;
    }
    /* RFC 7323 5.3 PAWS: a timestamp older than TS.Recent marks an old duplicate. */
    if (pcb->ts_ok && s->o.has_ts && !(s->flags & TCP_RST) &&
        (int32_t)(s->o.tsval - pcb->ts_recent) < 0) {
        st->stats.tcp_dup_segments++;
        tcp_send_ack(pcb);
        return;
    }
    if (!acceptable(pcb, s, seglen)) {
        if (SEQ_LEQ(s->seq + seglen, pcb->rcv_nxt))
            st->stats.tcp_dup_segments++;
        else
            st->stats.tcp_drop_out_of_window++;
        if (!(s->flags & TCP_RST))
            tcp_send_ack(pcb);
        return;
    }
    /* RFC 7323 4.3: remember the timestamp of the segment at the left window edge. */
    if (pcb->ts_ok && s->o.has_ts && SEQ_LEQ(s->seq, pcb->last_ack_sent))
        pcb->ts_recent = s->o.tsval;
    if (s->flags & TCP_RST) {
        /* RFC 5961 3.2: reset only on an exact match, else a challenge ACK. */
        if (s->seq == pcb->rcv_nxt) {
            st->stats.tcp_rst_rx++;
            if (pcb->ext && pcb->ext->rst_received)
                pcb->ext->rst_received(pcb, &s->o);
            tcp_drop(pcb, NS_ERESET);
        } else {
            tcp_send_ack(pcb);
        }
        return;
    }
    if (s->flags & TCP_SYN) {
        /* RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK. */
        st->stats.tcp_drop_flags++;
        tcp_send_ack(pcb);
        return;
    }
    if (!(s->flags & TCP_ACK)) {
        st->stats.tcp_drop_flags++;
        return;
    }
    if (!ack_input(pcb, s)) {
        if (!pcb->dead && pcb->ack_now)
            tcp_output(pcb);
        return;
    }
    if (pcb->ext && pcb->ext->segment && s->len == 0 && !(s->flags & TCP_FIN)) {
        /* Pure ACKs carry extension options too (RFC 8684: third ACK, DATA_ACK, ADD_ADDR echo). */
        int verdict = pcb->ext->segment(pcb, &s->o, s->seq, NULL, 0);
        if (verdict == NS_TCP_EXT_RESET) {
            tcp_send_rst_pcb(pcb);
            tcp_drop(pcb, NS_ERESET);
            return;
        }
        if (verdict == NS_TCP_EXT_ACK_NOW)
            pcb->ack_now = true;
    }
    bool data_state = pcb->state == TCPS_ESTABLISHED || pcb->state == TCPS_FIN_WAIT_1 ||
                      pcb->state == TCPS_FIN_WAIT_2;
    if (data_state && (s->len > 0 || (s->flags & TCP_FIN))) {
        if (pcb->app_closed && s->len > 0 && SEQ_GT(s->seq + s->len, pcb->rcv_nxt)) {
            /* New data nobody will read: RFC 9293 3.10.4 / RFC 2525 2.17 say reset (an old
             * duplicate is only acknowledged below). */
            tcp_send_rst_pcb(pcb);
            tcp_drop(pcb, NS_ERESET);
            return;
        }
        const uint8_t *d = s->data;
        uint32_t len = s->len, seq = s->seq;
        bool fin = s->flags & TCP_FIN;
        if (SEQ_LT(seq, pcb->rcv_nxt)) {
            uint32_t skip = pcb->rcv_nxt - seq;
            if (skip >= len) {
                if (len)
                    st->stats.tcp_dup_segments++;
                d += len;
                len = 0;
            } else {
                d += skip;
                len -= skip;
            }
            seq = pcb->rcv_nxt;
            pcb->ack_now = true;
        }
        uint32_t room = pcb->rcv.cap - pcb->rcv.len - (seq - pcb->rcv_nxt);
        if (len > room) {
            len = room; /* beyond the buffer: trimmed, and the FIN with it */
            fin = false;
        }
        if (pcb->ext && pcb->ext->segment) {
            int verdict = pcb->ext->segment(pcb, &s->o, seq, d, len);
            if (verdict == NS_TCP_EXT_RESET) {
                tcp_send_rst_pcb(pcb);
                tcp_drop(pcb, NS_ERESET);
                return;
            }
            if (verdict == NS_TCP_EXT_ACK_NOW)
                pcb->ack_now = true;
            if (verdict == NS_TCP_EXT_DROP) {
                /* The layer above cannot take it yet: as if lost; the duplicate ACK asks for
                 * what is missing. */
                len = 0;
                fin = false;
                pcb->ack_now = true;
            }
        }
        if (len)
            queue_data(pcb, seq, d, len);
        if (fin && !pcb->fin_rcvd) {
            pcb->fin_rcvd = true;
            pcb->fin_seq = seq + len;
        }
    }
    fin_input(pcb);
    if (!pcb->dead)
        tcp_output(pcb);
}

void ns_tcp_input(struct ns_stack *st, uint32_t src, uint32_t dst, const uint8_t *p, size_t len)
{
    struct seg s;
    st->stats.tcp_rx++;
    if (len < TCP_HDR_MIN) {
        st->stats.tcp_drop_short++;
        return;
    }
    /* RFC 9293 3.1: the checksum covers pseudo-header, header and data. */
    if (ns_csum_fold(ns_csum_add(ns_csum_pseudo(src, dst, IPPROTO_TCP_, (uint16_t)len), p, len)) !=
        0) {
        st->stats.tcp_drop_checksum++;
        return;
    }
    size_t off = (size_t)(p[12] >> 4) * 4;
    if (off < TCP_HDR_MIN || off > len) {
        st->stats.tcp_drop_offset++;
        return;
    }
    s.src = src;
    s.dst = dst;
    s.sport = get16(p);
    s.dport = get16(p + 2);
    s.seq = get32(p + 4);
    s.ack = get32(p + 8);
    s.flags = p[13] & 0x3f; /* RFC 9293 3.1: CWR/ECE (RFC 3168) are ignored, we do not do ECN */
    s.wnd = get16(p + 14);
    s.data = p + off;
    s.len = (uint32_t)(len - off);
    if (!ns_tcp_parse_options(p + TCP_HDR_MIN, off - TCP_HDR_MIN, s.flags & TCP_SYN, &s.o)) {
        st->stats.tcp_drop_bad_option++;
        return;
    }
    /* Nonsense flag combinations (RFC 9293 gives SYN+RST, SYN+FIN no meaning) and port 0. */
    if (((s.flags & TCP_SYN) && (s.flags & (TCP_RST | TCP_FIN))) || s.sport == 0 || s.dport == 0) {
        st->stats.tcp_drop_flags++;
        return;
    }
    struct tcp_pcb *pcb = lookup(st, &s);
    if (pcb && pcb->state == TCPS_TIME_WAIT &&
        (s.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN && SEQ_GT(s.seq, pcb->rcv_nxt)) {
        /* RFC 1122 4.2.2.13 / RFC 6191: a new SYN above the old connection's sequence space may
         * reopen the pair from TIME-WAIT (the client reused its port). */
        tcp_drop(pcb, 0);
        pcb = lookup(st, &s);
    }
    if (!pcb) {
        st->stats.tcp_drop_no_socket++;
        reply_rst(st, &s);
        return;
    }
    switch (pcb->state) {
    case TCPS_LISTEN:
        listen_input(pcb, &s);
        break;
    case TCPS_SYN_SENT:
        synsent_input(pcb, &s);
        break;
    default:
        sync_input(pcb, &s);
        break;
    }
}

/* tcp_out.c: TCP segment construction and the send path: windows, options, FIN, RST, ACKs. */
#include "tcp_priv.h"

uint32_t tcp_now_ts(void)
{
    /* RFC 7323 section 5.4: a timestamp clock ticking between 1 ms and 1 s; ours is 1 ms. */
    return (uint32_t)ns_now_ms();
}

uint32_t tcp_rcv_window(const struct tcp_pcb *pcb)
{
    uint32_t free = pcb->rcv.cap - pcb->rcv.len;
    if (pcb->ext && pcb->ext->rcv_window) {
        uint32_t above = pcb->ext->rcv_window(pcb);
        if (above < free)
            free = above;
    }
    /* RFC 7323 section 2.3: the largest window expressible with our shift. */
    uint32_t max = (uint32_t)0xffff << pcb->rcv_wscale;
    if (free > max)
        free = max;
    /* Receiver silly-window avoidance (RFC 9293 section 3.8.6.2.2): move the right edge only by
     * min(buffer/2, MSS) or more; never move it back (RFC 9293 3.8.6: do not shrink). */
    uint32_t edge = pcb->rcv_nxt + free;
    uint32_t step = pcb->rcv.cap / 2 < pcb->mss ? pcb->rcv.cap / 2 : pcb->mss;
    if (SEQ_GEQ(pcb->rcv_adv, pcb->rcv_nxt) && SEQ_GT(edge, pcb->rcv_adv) &&
        edge - pcb->rcv_adv < step)
        return pcb->rcv_adv - pcb->rcv_nxt;
    if (SEQ_LT(edge, pcb->rcv_adv))
        return pcb->rcv_adv - pcb->rcv_nxt;
    return free;
}

/* Our options for a segment with these flags; returns their length (multiple of 4). */
size_t tcp_build_options(struct tcp_pcb *pcb, uint8_t flags, uint32_t seq, uint32_t *len,
                         uint8_t *opt)
{
    size_t n = 0;
    bool syn = flags & TCP_SYN;
    bool active = pcb->state == TCPS_SYN_SENT;
    if (syn) {
        /* RFC 9293 3.7.1 / RFC 6691: MSS = MTU - 20 (IPv4) - 20 (TCP), options not subtracted. */
        opt[n++] = TCPOPT_MSS;
        opt[n++] = 4;
        put16(opt + n, NS_ETH_MTU - IPV4_HDR_MIN - TCP_HDR_MIN);
        n += 2;
        /* RFC 7323 2.2: offer WS on our SYN; on SYN-ACK only if the peer offered it. */
        if (active || pcb->ws_ok) {
            opt[n++] = TCPOPT_NOP;
            opt[n++] = TCPOPT_WS;
            opt[n++] = 3;
            opt[n++] = pcb->rcv_wscale;
        }
        /* RFC 2018 section 2: SACK-permitted only on SYN segments. */
        if (active || pcb->sack_ok) {
            opt[n++] = TCPOPT_NOP;
            opt[n++] = TCPOPT_NOP;
            opt[n++] = TCPOPT_SACK_PERM;
            opt[n++] = 2;
        }
    }
    /* RFC 7323 3.2: TSopt on SYN if we offer it, then on every non-RST segment once agreed. */
    if ((syn && (active || pcb->ts_ok)) || (!syn && pcb->ts_ok && !(flags & TCP_RST))) {
        opt[n++] = TCPOPT_NOP;
        opt[n++] = TCPOPT_NOP;
        opt[n++] = TCPOPT_TS;
        opt[n++] = 10;
        put32(opt + n, tcp_now_ts());
        /* RFC 7323 3.2: TSecr is zero unless ACK is set. */
        put32(opt + n + 4, (flags & TCP_ACK) ? pcb->ts_recent : 0);
        n += 8;
    }
    if (pcb->ext && pcb->ext->build_options) {
        uint32_t want = *len;
        size_t e = pcb->ext->build_options(pcb, flags, seq, len, opt + n, TCP_OPT_MAX - n);
        ASSERT(e <= TCP_OPT_MAX - n && e % 4 == 0, "extension options overflow or unpadded");
        ASSERT(*len <= want, "extension may only shorten a segment");
        n += e;
    }
    /* RFC 2018 section 4: SACK blocks, the most recently changed first, as many as fit. */
    if (!syn && pcb->sack_ok && pcb->n_ooo > 0 && !(flags & TCP_RST) && TCP_OPT_MAX - n >= 12) {
        int room = (int)((TCP_OPT_MAX - n - 4) / 8), nb = 0;
        uint8_t *hdr = opt + n;
        n += 4;
        for (int pass = 0; pass < 2 && nb < room; pass++) {
            for (int i = 0; i < pcb->n_ooo && nb < room; i++) {
                bool first = pcb->ooo[i][0] == pcb->last_ooo_start;
                if ((pass == 0) != first)
                    continue;
                put32(opt + n, pcb->ooo[i][0]);
                put32(opt + n + 4, pcb->ooo[i][1]);
                n += 8;
                nb++;
            }
        }
        hdr[0] = TCPOPT_NOP;
        hdr[1] = TCPOPT_NOP;
        hdr[2] = TCPOPT_SACK;
        hdr[3] = (uint8_t)(2 + 8 * nb);
        pcb->st->stats.tcp_sack_blocks_tx += (uint64_t)nb;
    }
    return n;
}

/* Builds and sends one segment: seq, flags, up to `len` payload bytes from the send ring. Options
 * beyond the timestamp (SACK blocks, extension) shrink the payload so the frame fits the MTU;
 * returns the payload bytes actually sent (FIN is dropped from a shortened segment). */
static uint32_t tcp_xmit(struct tcp_pcb *pcb, uint32_t seq, uint8_t flags, uint32_t len)
{
    uint8_t frame[NS_ETH_MAX];
    uint8_t *seg = frame + NS_L4_OFF; /* built in place: IPv4 and Ethernet go in front */
    const size_t seg_max = NS_ETH_MTU - IPV4_HDR_MIN;
    uint8_t *opt = seg + TCP_HDR_MIN;
    uint32_t want = len;
    size_t olen = tcp_build_options(pcb, flags, seq, &len, opt);
    if (TCP_HDR_MIN + olen + len > seg_max)
        len = (uint32_t)(seg_max - TCP_HDR_MIN - olen);
    if (len < want)
        flags &= (uint8_t) ~(TCP_FIN | TCP_PSH); /* the FIN follows the last byte, not this one */
    put16(seg, pcb->lport);
    put16(seg + 2, pcb->rport);
    put32(seg + 4, seq);
    put32(seg + 8, (flags & TCP_ACK) ? pcb->rcv_nxt : 0);
    seg[12] = (uint8_t)(((TCP_HDR_MIN + olen) / 4) << 4); /* data offset in words */
    seg[13] = flags;
    uint32_t wnd = tcp_rcv_window(pcb);
    /* RFC 7323 2.2: the window field of a SYN is never scaled. */
    uint32_t field = (flags & TCP_SYN) ? (wnd > 0xffff ? 0xffff : wnd) : wnd >> pcb->rcv_wscale;
    if (field > 0xffff)
        field = 0xffff;
    put16(seg + 14, (uint16_t)field);
    put16(seg + 16, 0);
    put16(seg + 18, 0); /* urgent pointer: we never send urgent data */
    if (len) {
        ASSERT(SEQ_GEQ(seq, pcb->sb_seq) && seq - pcb->sb_seq + len <= pcb->snd.len,
               "segment outside the send buffer");
        ns_ring_read_at(&pcb->snd, seq - pcb->sb_seq, seg + TCP_HDR_MIN + olen, len);
    }
    size_t tot = TCP_HDR_MIN + olen + len;
    uint32_t sum = ns_csum_pseudo(pcb->lip, pcb->rip, IPPROTO_TCP_, (uint16_t)tot);
    put16(seg + 16, ns_csum_fold(ns_csum_add(sum, seg, tot)));
    if (flags & TCP_ACK) {
        uint32_t edge = pcb->rcv_nxt + ((flags & TCP_SYN) ? field : field << pcb->rcv_wscale);
        if (SEQ_GT(edge, pcb->rcv_adv))
            pcb->rcv_adv = edge;
        pcb->last_ack_sent = pcb->rcv_nxt;
        pcb->delack_at = 0;
        pcb->unacked_segs = 0;
        pcb->ack_now = false;
    }
    pcb->st->stats.tcp_tx++;
    (void)ns_ipv4_send_frame(pcb->st, pcb->lip, pcb->rip, IPPROTO_TCP_, frame, tot);
    return len;
}

void tcp_send_ack(struct tcp_pcb *pcb)
{
    (void)tcp_xmit(pcb, pcb->snd_nxt, TCP_ACK, 0);
}

void tcp_send_rst_pcb(struct tcp_pcb *pcb)
{
    pcb->st->stats.tcp_rst_tx++;
    (void)tcp_xmit(pcb, pcb->snd_nxt, TCP_RST, 0);
}

void tcp_send_rst(struct ns_stack *st, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                  uint32_t seq, uint32_t ack, bool with_ack)
{
    uint8_t seg[TCP_HDR_MIN];
    put16(seg, sport);
    put16(seg + 2, dport);
    put32(seg + 4, seq);
    put32(seg + 8, with_ack ? ack : 0);
    seg[12] = (TCP_HDR_MIN / 4) << 4;
    seg[13] = TCP_RST | (with_ack ? TCP_ACK : 0);
    put16(seg + 14, 0);
    put16(seg + 16, 0);
    put16(seg + 18, 0);
    uint32_t sum = ns_csum_pseudo(src, dst, IPPROTO_TCP_, TCP_HDR_MIN);
    put16(seg + 16, ns_csum_fold(ns_csum_add(sum, seg, TCP_HDR_MIN)));
    st->stats.tcp_rst_tx++;
    st->stats.tcp_tx++;
    (void)ns_ipv4_output(st, src, dst, IPPROTO_TCP_, seg, TCP_HDR_MIN);
}

static bool fin_state(int s)
{
    return s == TCPS_FIN_WAIT_1 || s == TCPS_CLOSING || s == TCPS_LAST_ACK;
}

/* Shortens a retransmission of n bytes at seq so that it never straddles an edge of a block the
 * peer SACKed (RFC 6675 section 4 NextSeg: resend only what is not SACKed): it stops at the next
 * block's left edge, or, when seq is inside a block, at that block's right edge. Our segment
 * boundaries can differ from the original ones (a new MSS-sized cut at the hole), and a segment
 * partly overlapping data the peer already queued out of order is legal TCP but is what Linux's
 * MPTCP receive path after a fallback to TCP turned into a corrupted byte stream
 * (docs/guestnet.md, weak points). */
static uint32_t clip_to_sack(const struct tcp_pcb *pcb, uint32_t seq, uint32_t n)
{
    if (!pcb->sack_ok)
        return n;
    for (int i = 0; i < pcb->n_peer_sack; i++) {
        uint32_t l = pcb->peer_sack[i][0], r = pcb->peer_sack[i][1];
        if (!SEQ_LT(l, r) || SEQ_GT(r, pcb->snd_max))
            continue; /* malformed or beyond what we sent: not evidence (RFC 2018 section 4) */
        if (SEQ_GT(l, seq) && SEQ_LT(l, seq + n))
            n = l - seq;
        else if (SEQ_LEQ(l, seq) && SEQ_LT(seq, r) && SEQ_LT(r, seq + n))
            n = r - seq;
    }
    return n;
}

/* The right edge of the SACKed block holding seq, or seq when the peer has not SACKed it. */
static uint32_t sack_block_end(const struct tcp_pcb *pcb, uint32_t seq)
{
    if (!pcb->sack_ok)
        return seq;
    for (int i = 0; i < pcb->n_peer_sack; i++)
        if (SEQ_LEQ(pcb->peer_sack[i][0], seq) && SEQ_LT(seq, pcb->peer_sack[i][1]))
            return pcb->peer_sack[i][1];
    return seq;
}

/* Retransmits up to `max` bytes (and the FIN when they end the stream) starting at seq; snd_nxt
 * is untouched. Returns the sequence number after what was sent (seq when nothing was). */
static uint32_t retransmit_at(struct tcp_pcb *pcb, uint32_t seq, uint32_t max)
{
    uint32_t data_end = pcb->sb_seq + pcb->snd.len;
    if (SEQ_LT(seq, pcb->sb_seq) || SEQ_GT(seq, data_end))
        return seq; /* SYN not yet acknowledged (the RTO handles it) or beyond the data */
    uint32_t n = data_end - seq;
    if (n > max)
        n = max;
    if (n > pcb->mss)
        n = pcb->mss;
    n = clip_to_sack(pcb, seq, n);
    uint8_t flags = TCP_ACK;
    if (pcb->fin_queued && fin_state(pcb->state) && seq + n == data_end &&
        SEQ_GT(pcb->snd_max, data_end))
        flags |= TCP_FIN;
    if (n == 0 && !(flags & TCP_FIN))
        return seq;
    pcb->retransmits++;
    pcb->st->stats.tcp_retransmits++;
    pcb->rtt_timing = false; /* Karn's algorithm (RFC 6298 section 3) */
    uint32_t sent = tcp_xmit(pcb, seq, flags, n);
    return seq + sent + ((flags & TCP_FIN) && sent == n ? 1 : 0);
}

/* The highest-sequence segment we sent (the tail loss probe's retransmission, RFC 8985 7.3). */
void tcp_retransmit_last(struct tcp_pcb *pcb)
{
    uint32_t data_end = pcb->sb_seq + pcb->snd.len;
    uint32_t end = SEQ_GT(pcb->snd_max, data_end) ? data_end : pcb->snd_max;
    uint32_t start = end - pcb->sb_seq > pcb->mss ? end - pcb->mss : pcb->sb_seq;
    if (SEQ_LT(start, pcb->snd_una))
        start = pcb->snd_una;
    /* The probe is there to draw the peer's SACK feedback (RFC 8985 7.3). Bytes it has SACKed
     * are never resent (retransmit_at would send them up to the block's end); when it SACKed
     * the whole tail that feedback is in hand, and the probe goes to the first hole at snd_una,
     * the segment the SACKs say is missing (RFC 6675 section 4 would retransmit it first). */
    uint32_t skip = sack_block_end(pcb, start);
    if (SEQ_GEQ(skip, end)) {
        start = pcb->snd_una;
        end = end - start > pcb->mss ? start + pcb->mss : end;
    } else {
        start = skip;
    }
    (void)retransmit_at(pcb, start, end - start);
}

/* One segment at snd_una (fast retransmit, NewReno partial ACK). */
void tcp_retransmit_head(struct tcp_pcb *pcb)
{
    pcb->rexmit_next = retransmit_at(pcb, pcb->snd_una, pcb->mss);
}

void tcp_sack_board_update(struct tcp_pcb *pcb, const uint32_t (*blk)[2], int n, uint32_t una)
{
    uint32_t(*b)[2] = pcb->peer_sack;
    int k = 0;
    /* Forget what the cumulative ACK covers (RFC 6675 section 5: SND.UNA moved). */
    for (int i = 0; i < pcb->n_peer_sack; i++) {
        if (SEQ_LEQ(b[i][1], una))
            continue;
        b[k][0] = SEQ_LT(b[i][0], una) ? una : b[i][0];
        b[k][1] = b[i][1];
        k++;
    }
    pcb->n_peer_sack = k;
    for (int j = 0; j < n; j++) {
        uint32_t l = blk[j][0], r = blk[j][1];
        /* RFC 2018 section 4: a block must lie in what we sent, above the cumulative ACK (a
         * D-SACK, RFC 2883, reports a duplicate below it: not scoreboard material). */
        if (!SEQ_LT(l, r) || SEQ_GT(r, pcb->snd_max) || SEQ_LEQ(r, una))
            continue;
        if (SEQ_LT(l, una))
            l = una;
        /* Merge with every block it overlaps or touches; keep the board sorted by left edge. */
        int w = 0;
        for (int i = 0; i < pcb->n_peer_sack; i++) {
            if (SEQ_LEQ(b[i][0], r) && SEQ_LEQ(l, b[i][1])) {
                if (SEQ_LT(b[i][0], l))
                    l = b[i][0];
                if (SEQ_GT(b[i][1], r))
                    r = b[i][1];
                continue;
            }
            b[w][0] = b[i][0];
            b[w][1] = b[i][1];
            w++;
        }
        int at = w;
        while (at > 0 && SEQ_GT(b[at - 1][0], l))
            at--;
        if (w == TCP_SACK_BOARD) {
            /* Full: the highest block goes (recovery works from the bottom, and sack_high
             * keeps the highest edge for the duplicate-ACK rule). */
            if (at == w)
                continue;
            w--;
        }
        for (int i = w; i > at; i--) {
            b[i][0] = b[i - 1][0];
            b[i][1] = b[i - 1][1];
        }
        b[at][0] = l;
        b[at][1] = r;
        pcb->n_peer_sack = w + 1;
    }
}

/* During recovery: the first hole above what we already resent that the scoreboard shows
 * missing below its highest edge (RFC 6675 section 5 NextSeg rule 1). Sends one segment; false
 * when there is no hole. */
bool tcp_sack_retransmit(struct tcp_pcb *pcb)
{
    if (!pcb->sack_ok || pcb->n_peer_sack == 0)
        return false;
    uint32_t high = pcb->snd_una;
    for (int i = 0; i < pcb->n_peer_sack; i++)
        if (SEQ_GT(pcb->peer_sack[i][1], high) && SEQ_LEQ(pcb->peer_sack[i][1], pcb->snd_max))
            high = pcb->peer_sack[i][1];
    uint32_t seq = SEQ_GT(pcb->rexmit_next, pcb->snd_una) ? pcb->rexmit_next : pcb->snd_una;
    for (int guard = 0; guard <= TCP_SACK_BOARD && SEQ_LT(seq, high); guard++) {
        uint32_t hole_end = high;
        bool inside = false;
        for (int i = 0; i < pcb->n_peer_sack; i++) {
            uint32_t l = pcb->peer_sack[i][0], r = pcb->peer_sack[i][1];
            if (SEQ_LEQ(l, seq) && SEQ_LT(seq, r)) {
                seq = r; /* already at the peer: skip the block */
                inside = true;
                break;
            }
            if (SEQ_GT(l, seq) && SEQ_LT(l, hole_end))
                hole_end = l;
        }
        if (inside)
            continue;
        uint32_t next = retransmit_at(pcb, seq, hole_end - seq);
        if (next == seq)
            return false;
        pcb->rexmit_next = next;
        return true;
    }
    return false;
}

void tcp_output(struct tcp_pcb *pcb)
{
    bool sent_ack = false;
    if (pcb->state == TCPS_SYN_SENT || pcb->state == TCPS_SYN_RCVD) {
        if (pcb->snd_nxt == pcb->iss) {
            uint8_t flags = TCP_SYN | (pcb->state == TCPS_SYN_RCVD ? TCP_ACK : 0);
            bool again = SEQ_GT(pcb->snd_max, pcb->iss);
            if (again) {
                pcb->retransmits++;
                pcb->st->stats.tcp_retransmits++;
            }
            /* RFC 6298 2.1-2.2 and 3 (Karn): a SYN or SYN-ACK sent once is timed, so a peer
             * without timestamps still gives a first RTT sample (the MPTCP packet scheduler
             * compares subflows by it); one sent again is not. With timestamps negotiated the
             * third ACK's TSecr gives the sample instead (RFC 7323 4.1). */
            pcb->rtt_timing = !again && !pcb->ts_ok;
            pcb->rtt_seq = pcb->iss + 1;
            pcb->rtt_start_ns = ns_port_now_ns();
            (void)tcp_xmit(pcb, pcb->iss, flags, 0);
            pcb->snd_nxt = pcb->iss + 1;
            if (SEQ_GT(pcb->snd_nxt, pcb->snd_max))
                pcb->snd_max = pcb->snd_nxt;
            tcp_arm_rto(pcb);
        }
        return;
    }
    if (pcb->state == TCPS_CLOSED || pcb->state == TCPS_LISTEN)
        return;
    for (;;) {
        uint32_t data_end = pcb->sb_seq + pcb->snd.len;
        uint32_t flight = pcb->snd_nxt - pcb->snd_una;
        /* RFC 3042 limited transmit: one extra segment for each of the first two dupacks. */
        uint32_t cw = pcb->cwnd;
        if (!pcb->in_recovery && pcb->dupacks > 0 && pcb->dupacks < TCP_DUPACK_THRESH)
            cw += (uint32_t)pcb->dupacks * pcb->mss;
        uint32_t wnd = pcb->snd_wnd < cw ? pcb->snd_wnd : cw;
        if (SEQ_LT(pcb->snd_nxt, data_end)) {
            uint32_t avail = data_end - pcb->snd_nxt;
            uint32_t usable = wnd > flight ? wnd - flight : 0;
            uint32_t n = avail < pcb->mss ? avail : pcb->mss;
            if (n > usable)
                n = usable;
            if (n == 0)
                break; /* window full; a zero window is probed from the RTO timer */
            /* Sender SWS avoidance (RFC 9293 3.8.6.2.1): a full segment, all that is left, or
             * at least half the largest window the peer offered; no Nagle (latency matters). */
            if (n < pcb->mss && n < avail && n < pcb->max_snd_wnd / 2 && flight > 0)
                break;
            bool fresh = pcb->snd_nxt == pcb->snd_max;
            if (!fresh) {
                /* Go-back-N after an RTO: what the peer SACKed is not sent again (RFC 6675
                 * section 5.1; the scoreboard survives the timeout, as no reneging was seen). */
                uint32_t skip = sack_block_end(pcb, pcb->snd_nxt);
                if (skip != pcb->snd_nxt) {
                    pcb->snd_nxt = SEQ_GT(skip, pcb->snd_max) ? pcb->snd_max : skip;
                    continue;
                }
                n = clip_to_sack(pcb, pcb->snd_nxt, n);
            }
            uint8_t flags = TCP_ACK;
            if (n == avail) {
                flags |= TCP_PSH;
                if (pcb->fin_queued && fin_state(pcb->state))
                    flags |= TCP_FIN;
            }
            if (!fresh) {
                pcb->retransmits++;
                pcb->st->stats.tcp_retransmits++;
            }
            if (fresh && !pcb->rtt_timing && !pcb->ts_ok) {
                pcb->rtt_timing = true;
                pcb->rtt_seq = pcb->snd_nxt + n;
                pcb->rtt_start_ns = ns_port_now_ns();
            }
            uint32_t sent = tcp_xmit(pcb, pcb->snd_nxt, flags, n);
            sent_ack = true;
            if (sent < n) {
                flags &= (uint8_t)~TCP_FIN;
                if (pcb->rtt_timing && pcb->rtt_seq == pcb->snd_nxt + n)
                    pcb->rtt_seq = pcb->snd_nxt + sent;
            }
            pcb->snd_nxt += sent + ((flags & TCP_FIN) ? 1 : 0);
        } else if (pcb->fin_queued && fin_state(pcb->state) && pcb->snd_nxt == data_end) {
            (void)tcp_xmit(pcb, pcb->snd_nxt, TCP_ACK | TCP_FIN, 0);
            sent_ack = true;
            pcb->snd_nxt++;
        } else {
            break;
        }
        if (SEQ_GT(pcb->snd_nxt, pcb->snd_max))
            pcb->snd_max = pcb->snd_nxt;
        if (!pcb->rto_at)
            tcp_arm_rto(pcb);
        tcp_arm_pto(pcb);
    }
    /* Data waiting behind a zero window: keep the timer running so it probes (RFC 9293 3.8.6.1). */
    if (!pcb->rto_at && SEQ_LT(pcb->snd_nxt, pcb->sb_seq + pcb->snd.len))
        tcp_arm_rto(pcb);
    if (pcb->ack_now && !sent_ack)
        tcp_send_ack(pcb);
}

/* Window probe: one byte beyond a zero window (RFC 9293 3.8.6.1). */
void tcp_send_probe(struct tcp_pcb *pcb)
{
    uint32_t data_end = pcb->sb_seq + pcb->snd.len;
    if (SEQ_LT(pcb->snd_una, data_end) && SEQ_GEQ(pcb->snd_una, pcb->sb_seq)) {
        (void)tcp_xmit(pcb, pcb->snd_una, TCP_ACK, 1);
        /* The probe byte counts as sent so that its ACK is acceptable. */
        if (SEQ_LEQ(pcb->snd_nxt, pcb->snd_una))
            pcb->snd_nxt = pcb->snd_una + 1;
        if (SEQ_GT(pcb->snd_nxt, pcb->snd_max))
            pcb->snd_max = pcb->snd_nxt;
    } else
        tcp_send_ack(pcb);
}

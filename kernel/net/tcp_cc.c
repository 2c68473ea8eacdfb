/* tcp_cc.c: RTT estimation and RTO (RFC 6298), congestion control: RFC 5681 with NewReno (RFC
 * 6582). */
#include "tcp_priv.h"

static uint32_t flight_size(const struct tcp_pcb *pcb)
{
    return pcb->snd_max - pcb->snd_una;
}

void tcp_cc_init(struct tcp_pcb *pcb)
{
    /* RFC 6928 section 2: IW = min(10*MSS, max(2*MSS, 14600)). */
    uint32_t iw = 2u * pcb->mss > 14600u ? 2u * pcb->mss : 14600u;
    if (iw > 10u * pcb->mss)
        iw = 10u * pcb->mss;
    pcb->cwnd = iw;
    /* RFC 5681 section 3.1: ssthresh starts arbitrarily high. */
    pcb->ssthresh = 0x7fffffff;
    pcb->in_recovery = false;
    pcb->dupacks = 0;
}

void tcp_arm_rto(struct tcp_pcb *pcb)
{
    uint64_t rto = (uint64_t)pcb->rto_ms << pcb->backoff;
    if (rto > pcb->st->cfg.rto_max_ms)
        rto = pcb->st->cfg.rto_max_ms;
    pcb->rto_at = ns_port_now_ns() + rto * 1000000u;
}

#define TLP_WCDELACK_US 200000u /* RFC 8985 7.2 WCDelAckT: worst-case delayed ACK, 200 ms */

void tcp_arm_pto(struct tcp_pcb *pcb)
{
    uint32_t flight = pcb->snd_max - pcb->snd_una;
    pcb->pto_at = 0;
    /* RFC 8985 7.1: needs SACK (the probe's ACK reveals the loss) and an RTT sample; one probe
     * at a time; not during recovery or in states without data. */
    if (!pcb->sack_ok || !pcb->rtt_valid || pcb->tlp_sent || pcb->in_recovery || flight == 0 ||
        (pcb->state != TCPS_ESTABLISHED && pcb->state != TCPS_CLOSE_WAIT &&
         pcb->state != TCPS_FIN_WAIT_1 && pcb->state != TCPS_LAST_ACK))
        return;
    /* RFC 8985 7.2: PTO = 2*SRTT, plus WCDelAckT when one segment is in flight; never later
     * than the RTO. */
    uint64_t pto_us = 2ull * pcb->srtt_us;
    if (flight <= pcb->mss)
        pto_us += TLP_WCDELACK_US;
    if (pto_us < 1000)
        pto_us = 1000; /* the clock's granularity */
    uint64_t at = ns_port_now_ns() + pto_us * 1000u;
    if (!pcb->rto_at || at < pcb->rto_at)
        pcb->pto_at = at;
}

void tcp_tlp_fire(struct tcp_pcb *pcb)
{
    pcb->pto_at = 0;
    if (pcb->snd_una == pcb->snd_max || pcb->in_recovery)
        return;
    /* RFC 8985 7.3: send new data if the windows allow, else retransmit the last segment. */
    uint32_t data_end = pcb->sb_seq + pcb->snd.len;
    uint32_t flight = pcb->snd_nxt - pcb->snd_una;
    pcb->tlp_sent = true;
    pcb->st->stats.tcp_tlp_probes++;
    if (SEQ_LT(pcb->snd_nxt, data_end) && pcb->snd_wnd > flight) {
        uint32_t cwnd = pcb->cwnd;
        pcb->cwnd = flight + pcb->mss; /* exactly one more segment */
        tcp_output(pcb);
        if (pcb->cwnd == flight + pcb->mss)
            pcb->cwnd = cwnd;
    } else {
        tcp_retransmit_last(pcb);
    }
    tcp_arm_rto(pcb);
}

void tcp_rtt_sample(struct tcp_pcb *pcb, uint32_t rtt_us)
{
    const struct ns_config *c = &pcb->st->cfg;
    if (!pcb->rtt_valid) {
        /* RFC 6298 2.2: SRTT = R, RTTVAR = R/2. */
        pcb->srtt_us = rtt_us;
        pcb->rttvar_us = rtt_us / 2;
        pcb->rtt_valid = true;
    } else {
        /* RFC 6298 2.3: beta = 1/4, alpha = 1/8. */
        uint32_t diff = pcb->srtt_us > rtt_us ? pcb->srtt_us - rtt_us : rtt_us - pcb->srtt_us;
        pcb->rttvar_us = pcb->rttvar_us - pcb->rttvar_us / 4 + diff / 4;
        pcb->srtt_us = pcb->srtt_us - pcb->srtt_us / 8 + rtt_us / 8;
    }
    /* RTO = SRTT + max(G, K*RTTVAR), K = 4, G = 1 ms clock granularity; then 2.4/2.5 bounds. */
    uint32_t var4 = 4 * pcb->rttvar_us < 1000 ? 1000 : 4 * pcb->rttvar_us;
    uint32_t rto = (pcb->srtt_us + var4 + 999) / 1000;
    if (rto < c->rto_min_ms)
        rto = c->rto_min_ms;
    if (rto > c->rto_max_ms)
        rto = c->rto_max_ms;
    pcb->rto_ms = rto;
}

void tcp_cc_ack(struct tcp_pcb *pcb, uint32_t acked)
{
    uint32_t mss = pcb->mss;
    if (pcb->in_recovery) {
        if (SEQ_GEQ(pcb->snd_una, pcb->recover)) {
            /* RFC 6582 3.2 step 3 full ACK: cwnd = min(ssthresh, FlightSize + SMSS). */
            uint32_t f = flight_size(pcb) + mss;
            pcb->cwnd = pcb->ssthresh < f ? pcb->ssthresh : f;
            pcb->in_recovery = false;
            pcb->dupacks = 0;
        } else {
            /* Step 3 partial ACK: retransmit the next hole, deflate by the amount acked, add
             * back one SMSS when at least one SMSS was acked; reset the timer (first one only). */
            if (!SEQ_GT(pcb->rexmit_next, pcb->snd_una) || !tcp_sack_retransmit(pcb))
                tcp_retransmit_head(pcb);
            pcb->cwnd = pcb->cwnd > acked ? pcb->cwnd - acked : 0;
            if (acked >= mss)
                pcb->cwnd += mss;
            if (pcb->cwnd < mss)
                pcb->cwnd = mss;
            tcp_arm_rto(pcb);
        }
        return;
    }
    pcb->dupacks = 0;
    if (pcb->cwnd < pcb->ssthresh) {
        /* RFC 5681 3.1 slow start with RFC 3465 byte counting, L = 2 SMSS (3465 2.2): a
         * delayed ACK covering two segments grows cwnd by two, as if each had been ACKed. */
        pcb->cwnd += acked < 2 * mss ? acked : 2 * mss;
        pcb->ca_bytes = 0;
    } else {
        /* Congestion avoidance with appropriate byte counting (RFC 3465 2.1, allowed by RFC
         * 5681 3.1): one SMSS per cwnd of bytes acknowledged, whatever the ACK pattern. The
         * per-ACK rule (5681 eq. 3) grows half as fast against a delayed-ACK receiver, which
         * left the guest's senders far below their share after a loss (docs/guestnet.md). */
        pcb->ca_bytes += acked;
        if (pcb->ca_bytes >= pcb->cwnd) {
            pcb->ca_bytes -= pcb->cwnd;
            pcb->cwnd += mss;
        }
    }
}

/* RFC 5827 early retransmit: with fewer than 4 segments outstanding and nothing new to send,
 * the threshold drops to (outstanding segments - 1), else fewer than 3 dupacks could ever come. */
static int dup_threshold(const struct tcp_pcb *pcb)
{
    uint32_t segs = (flight_size(pcb) + pcb->mss - 1) / pcb->mss;
    bool unsent = SEQ_LT(pcb->snd_nxt, pcb->sb_seq + pcb->snd.len);
    if (!unsent && segs < 4)
        return segs > 1 ? (int)segs - 1 : 1;
    return TCP_DUPACK_THRESH;
}

/* RFC 6675 section 4 IsLost(SND.UNA): SACKed bytes above it exceed (DupThresh - 1) * SMSS. */
static bool sack_says_lost(const struct tcp_pcb *pcb)
{
    if (!pcb->sack_ok)
        return false;
    uint32_t sacked = 0;
    for (int i = 0; i < pcb->n_peer_sack; i++) {
        uint32_t l = pcb->peer_sack[i][0], r = pcb->peer_sack[i][1];
        if (SEQ_LT(l, pcb->snd_una))
            l = pcb->snd_una;
        if (SEQ_GT(r, pcb->snd_max))
            r = pcb->snd_max;
        if (SEQ_LT(l, r))
            sacked += r - l;
    }
    return sacked > (TCP_DUPACK_THRESH - 1) * pcb->mss;
}

void tcp_cc_dupack(struct tcp_pcb *pcb)
{
    uint32_t mss = pcb->mss;
    pcb->dupacks++;
    pcb->st->stats.tcp_dup_acks++;
    if (pcb->in_recovery) {
        /* RFC 6582 3.2 step 4: inflate for each further duplicate; with SACK also repair the
         * next hole the peer reports (RFC 6675 5 step (C)), one segment per ACK. */
        pcb->cwnd += mss;
        (void)tcp_sack_retransmit(pcb);
        return;
    }
    if (pcb->dupacks < dup_threshold(pcb) && !sack_says_lost(pcb))
        return;
    /* RFC 6582 3.2 step 2: enter fast retransmit only if the ACK covers more than "recover"
     * (which guards against duplicates caused by our own go-back-N after a timeout). SACK
     * blocks above the ACK are unambiguous evidence of a new loss, so they lift the guard —
     * otherwise every loss in the window after an RTO costs another RTO (docs/net.md). */
    if (!SEQ_GT(pcb->snd_una - 1, pcb->recover) && pcb->recover != pcb->iss && !sack_says_lost(pcb))
        return;
    uint32_t half = flight_size(pcb) / 2;
    pcb->ssthresh = half > 2 * mss ? half : 2 * mss; /* RFC 5681 eq. 4 */
    pcb->recover = pcb->snd_max;
    pcb->in_recovery = true;
    pcb->ca_bytes = 0; /* RFC 3465 2.1: counting restarts after a loss */
    pcb->st->stats.tcp_fast_retransmits++;
    tcp_retransmit_head(pcb);
    pcb->cwnd = pcb->ssthresh + TCP_DUPACK_THRESH * mss; /* RFC 5681 3.2 step 3 */
}

void tcp_cc_rto(struct tcp_pcb *pcb)
{
    uint32_t half = flight_size(pcb) / 2;
    uint32_t mss = pcb->mss;
    /* RFC 5681 3.1 eq. 4 and "loss window" LW = 1 SMSS; RFC 6582 4: recover = highest sent. */
    if (pcb->backoff == 0)
        pcb->ssthresh = half > 2 * mss ? half : 2 * mss;
    pcb->cwnd = mss;
    pcb->ca_bytes = 0;
    pcb->recover = pcb->snd_max;
    pcb->rexmit_next = pcb->snd_una;
    pcb->in_recovery = false;
    pcb->dupacks = 0;
    /* RFC 6298 5.5: back off the timer; 5.7 after SYN loss... we keep the backed-off value. */
    if (pcb->backoff < 16)
        pcb->backoff++;
    pcb->rtt_timing = false; /* Karn (RFC 6298 section 3) */
}

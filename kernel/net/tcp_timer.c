/* tcp_timer.c: TCP timers (retransmission, persist, delayed ACK, TIME-WAIT) and event dispatch. */
#include "tcp_priv.h"

static void rto_expired(struct tcp_pcb *pcb)
{
    struct ns_stack *st = pcb->st;
    pcb->rto_at = 0;
    pcb->pto_at = 0;
    pcb->tlp_sent = false;
    uint32_t data_end = pcb->sb_seq + pcb->snd.len;
    bool outstanding = pcb->snd_una != pcb->snd_max;
    if (!outstanding && pcb->state != TCPS_SYN_RCVD && pcb->state != TCPS_SYN_SENT) {
        if (SEQ_LT(pcb->snd_nxt, data_end) && pcb->snd_wnd == 0) {
            /* Persist timer (RFC 9293 3.8.6.1): probe the zero window, backing off. */
            tcp_send_probe(pcb);
            if (pcb->backoff < 16)
                pcb->backoff++;
            tcp_arm_rto(pcb);
        } else {
            tcp_output(pcb);
        }
        return;
    }
    st->stats.tcp_rto_expired++;
    uint32_t limit = (pcb->state == TCPS_SYN_RCVD || pcb->state == TCPS_SYN_SENT)
                         ? st->cfg.syn_retries
                         : st->cfg.data_retries;
    if ((uint32_t)pcb->backoff >= limit) {
        if (pcb->state != TCPS_SYN_RCVD)
            tcp_send_rst_pcb(pcb);
        tcp_drop(pcb, NS_ETIMEOUT);
        return;
    }
    /* RFC 6298 5.4-5.6: retransmit the earliest unacknowledged segment, back off, restart. */
    tcp_cc_rto(pcb);
    if (pcb->state == TCPS_SYN_RCVD || pcb->state == TCPS_SYN_SENT) {
        pcb->snd_nxt = pcb->iss;
    } else {
        pcb->snd_nxt = pcb->snd_una; /* go back N: what the peer holds comes back in SACK/ACKs */
    }
    tcp_output(pcb);
    tcp_arm_rto(pcb);
}

void ns_tcp_poll(struct ns_stack *st, uint64_t now)
{
    for (struct tcp_pcb *pcb = st->pcbs; pcb; pcb = pcb->next) {
        if (pcb->dead)
            continue;
        if (pcb->delack_at && now >= pcb->delack_at) {
            st->stats.tcp_delayed_acks++;
            tcp_send_ack(pcb);
        }
        if (pcb->pto_at && now >= pcb->pto_at && !pcb->dead)
            tcp_tlp_fire(pcb);
        if (pcb->rto_at && now >= pcb->rto_at)
            rto_expired(pcb);
        if (!pcb->dead && pcb->tw_at && now >= pcb->tw_at) {
            pcb->tw_at = 0;
            tcp_drop(pcb, 0);
        }
    }
}

uint64_t ns_tcp_deadline(const struct ns_stack *st)
{
    uint64_t d = UINT64_MAX;
    for (const struct tcp_pcb *pcb = st->pcbs; pcb; pcb = pcb->next) {
        if (pcb->dead)
            continue;
        if (pcb->delack_at && pcb->delack_at < d)
            d = pcb->delack_at;
        if (pcb->rto_at && pcb->rto_at < d)
            d = pcb->rto_at;
        if (pcb->pto_at && pcb->pto_at < d)
            d = pcb->pto_at;
        if (pcb->tw_at && pcb->tw_at < d)
            d = pcb->tw_at;
    }
    return d;
}

static void pcb_free(struct tcp_pcb *pcb)
{
    ns_ring_free(&pcb->snd);
    ns_ring_free(&pcb->rcv);
    ns_port_free(pcb);
}

void ns_tcp_dispatch(struct ns_stack *st)
{
    if (st->in_dispatch)
        return; /* an API call made from a callback: the outer loop delivers */
    st->in_dispatch = true;
    /* Callbacks may raise new events (e.g. closing one socket acknowledges another): repeat a
     * bounded number of times. */
    for (int round = 0; round < 8; round++) {
        bool any = false;
        for (struct tcp_pcb *pcb = st->pcbs; pcb; pcb = pcb->next) {
            if (!pcb->pending_ev || pcb->dead || pcb->app_closed || !pcb->cb) {
                continue;
            }
            unsigned ev = pcb->pending_ev;
            pcb->pending_ev = 0;
            any = true;
            pcb->cb(pcb->cb_arg, pcb, ev);
        }
        if (!any)
            break;
    }
    struct tcp_pcb **pp = &st->pcbs;
    while (*pp) {
        struct tcp_pcb *pcb = *pp;
        if (pcb->dead) {
            *pp = pcb->next;
            st->n_pcbs--;
            pcb_free(pcb);
        } else {
            pp = &pcb->next;
        }
    }
    st->in_dispatch = false;
}

void ns_tcp_destroy_all(struct ns_stack *st)
{
    while (st->pcbs) {
        struct tcp_pcb *pcb = st->pcbs;
        st->pcbs = pcb->next;
        pcb_free(pcb);
    }
    st->n_pcbs = 0;
}

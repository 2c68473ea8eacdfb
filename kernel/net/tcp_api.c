/* tcp_api.c: the socket-like service API over TCP control blocks, and their life cycle. */
#include "tcp_priv.h"

static const char *const state_names[] = {
    "CLOSED",     "LISTEN",     "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
    "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",  "LAST-ACK",     "TIME-WAIT",
};

const char *ns_tcp_state_name(int state)
{
    if (state < 0 || state >= (int)ARRAY_LEN(state_names))
        return "?";
    return state_names[state];
}

struct tcp_pcb *tcp_pcb_new(struct ns_stack *st)
{
    if (st->n_pcbs >= st->cfg.max_conns)
        return NULL;
    struct tcp_pcb *pcb = ns_port_alloc(sizeof(*pcb));
    if (!pcb)
        return NULL;
    if (!ns_ring_init(&pcb->snd, st->cfg.sndbuf) || !ns_ring_init(&pcb->rcv, st->cfg.rcvbuf)) {
        ns_ring_free(&pcb->snd);
        ns_port_free(pcb);
        return NULL;
    }
    pcb->st = st;
    pcb->state = TCPS_CLOSED;
    pcb->rto_ms = st->cfg.rto_init_ms;
    pcb->mss = TCP_MSS_DEFAULT;
    pcb->next = st->pcbs;
    st->pcbs = pcb;
    st->n_pcbs++;
    return pcb;
}

void tcp_set_state(struct tcp_pcb *pcb, int state)
{
    if (state == TCPS_ESTABLISHED && pcb->state != TCPS_ESTABLISHED)
        pcb->st->stats.tcp_conn_opened++;
    pcb->state = state;
}

void tcp_event(struct tcp_pcb *pcb, unsigned ev)
{
    pcb->pending_ev |= ev;
}

static void unqueue_child(struct tcp_pcb *pcb)
{
    struct tcp_pcb *l = pcb->listener;
    if (!l)
        return;
    if (pcb->accept_queued) {
        for (struct tcp_pcb **q = &l->accept_head; *q; q = &(*q)->accept_next) {
            if (*q == pcb) {
                *q = pcb->accept_next;
                break;
            }
        }
        pcb->accept_queued = false;
    }
    l->n_children--;
    pcb->listener = NULL;
}

void ns_tcp_adopt_child(struct tcp_pcb *pcb)
{
    ASSERT(pcb->state != TCPS_LISTEN, "a listener cannot be adopted");
    unqueue_child(pcb);
}

void tcp_drop(struct tcp_pcb *pcb, int err)
{
    struct ns_stack *st = pcb->st;
    if (pcb->state == TCPS_CLOSED) {
        /* Already over (counted, hooks told): only the owner's release remains. */
        if (pcb->app_closed)
            pcb->dead = true;
        return;
    }
    bool was_listener_child = pcb->listener != NULL;
    if (err == NS_ERESET || err == NS_ETIMEOUT)
        st->stats.tcp_conn_reset++;
    else
        st->stats.tcp_conn_closed++;
    if (pcb->ext && pcb->ext->closed && pcb->state != TCPS_LISTEN)
        pcb->ext->closed(pcb, err);
    pcb->state = TCPS_CLOSED;
    pcb->err = err;
    pcb->rto_at = pcb->delack_at = pcb->tw_at = pcb->pto_at = 0;
    pcb->n_ooo = 0;
    if (was_listener_child) {
        unqueue_child(pcb); /* never accepted: nobody owns it */
        pcb->dead = true;
    } else if (pcb->app_closed) {
        pcb->dead = true;
    } else {
        tcp_event(pcb, NS_EV_IN | NS_EV_OUT | (err ? NS_EV_ERR : 0));
    }
}

struct tcp_pcb *ns_tcp_listen(struct ns_stack *st, uint32_t ip, uint16_t port, int backlog,
                              int *err)
{
    int e = 0;
    struct tcp_pcb *pcb = NULL;
    if (port == 0 || backlog <= 0) {
        e = NS_EINVAL;
        goto out;
    }
    for (struct tcp_pcb *p = st->pcbs; p; p = p->next) {
        if (p->state == TCPS_LISTEN && !p->dead && p->lport == port &&
            (p->lip == 0 || ip == 0 || p->lip == ip)) {
            e = NS_EADDRUSE;
            goto out;
        }
    }
    pcb = tcp_pcb_new(st);
    if (!pcb) {
        e = NS_ENOMEM;
        goto out;
    }
    /* A listener never carries data: give its buffers back. */
    ns_ring_free(&pcb->snd);
    ns_ring_free(&pcb->rcv);
    pcb->lip = ip;
    pcb->lport = port;
    pcb->backlog = backlog;
    pcb->state = TCPS_LISTEN;
out:
    if (err)
        *err = e;
    return pcb;
}

void ns_tcp_set_ext(struct tcp_pcb *listener, const struct ns_tcp_ext_ops *ops, void *ext_arg)
{
    listener->ext = ops;
    listener->ext_arg = ext_arg;
}

void ns_tcp_set_ext_ctx(struct tcp_pcb *pcb, void *ctx)
{
    pcb->ext_ctx = ctx;
}

void *ns_tcp_ext_ctx(const struct tcp_pcb *pcb)
{
    return pcb->ext_ctx;
}

void *ns_tcp_ext_arg(const struct tcp_pcb *pcb)
{
    return pcb->ext_arg;
}

static bool port_in_use(const struct ns_stack *st, uint16_t port)
{
    for (const struct tcp_pcb *p = st->pcbs; p; p = p->next)
        if (p->lport == port && !p->dead)
            return true;
    return false;
}

struct tcp_pcb *ns_tcp_connect(struct ns_stack *st, uint32_t dst, uint16_t port, int *err)
{
    struct ns_netif *nif = ns_ipv4_route(st, 0, dst);
    if (!nif || port == 0) {
        if (err)
            *err = NS_EINVAL;
        return NULL;
    }
    struct tcp_pcb *pcb = tcp_pcb_new(st);
    if (!pcb) {
        if (err)
            *err = NS_ENOMEM;
        return NULL;
    }
    uint16_t lport = 0;
    for (int tries = 0; tries < 16384 && !lport; tries++) {
        uint16_t cand = st->next_port;
        st->next_port = (uint16_t)(st->next_port == 65535 ? 49152 : st->next_port + 1);
        if (!port_in_use(st, cand))
            lport = cand;
    }
    pcb->lip = nif->ip;
    pcb->rip = dst;
    pcb->lport = lport;
    pcb->rport = port;
    pcb->iss = ns_port_random();
    pcb->snd_una = pcb->snd_nxt = pcb->snd_max = pcb->recover = pcb->iss;
    pcb->sb_seq = pcb->iss + 1;
    /* What we offer in our SYN (RFC 7323 2.2): the window is scaled once the peer agrees. */
    pcb->rcv_wscale = 0;
    while (pcb->rcv_wscale < TCP_WS_MAX && (pcb->rcv.cap >> pcb->rcv_wscale) > 0xffff)
        pcb->rcv_wscale++;
    tcp_set_state(pcb, TCPS_SYN_SENT);
    if (!lport) {
        pcb->dead = true;
        if (err)
            *err = NS_EADDRUSE;
        return NULL;
    }
    tcp_output(pcb);
    if (err)
        *err = 0;
    return pcb;
}

struct tcp_pcb *ns_tcp_accept(struct tcp_pcb *listener)
{
    if (listener->state != TCPS_LISTEN)
        return NULL;
    struct tcp_pcb *c = listener->accept_head;
    if (!c)
        return NULL;
    listener->accept_head = c->accept_next;
    c->accept_next = NULL;
    c->accept_queued = false;
    c->listener = NULL;
    listener->n_children--;
    /* Data may already be waiting: let the new owner see it. */
    tcp_event(c, NS_EV_OUT | (c->rcv.len || c->fin_rcvd ? NS_EV_IN : 0));
    return c;
}

void ns_tcp_set_callback(struct tcp_pcb *s, ns_tcp_cb cb, void *arg)
{
    s->cb = cb;
    s->cb_arg = arg;
}

static bool eof(const struct tcp_pcb *s)
{
    return s->fin_rcvd && SEQ_GT(s->rcv_nxt, s->fin_seq);
}

uint32_t ns_tcp_snd_next_seq(const struct tcp_pcb *s)
{
    return s->sb_seq + s->snd.len;
}

/* A pure ACK is only for a synchronized connection: in SYN-RECEIVED our answer is the SYN/ACK
 * (RFC 9293 3.10.7.3). An MPTCP client resets a joining subflow whose first packet after the
 * SYN/ACK lacks MPTCP options (RFC 8684 3.2: the fourth ACK), which is what a window update sent
 * on a subflow still in SYN-RECEIVED looked like. */
static bool synchronized(const struct tcp_pcb *s)
{
    return s->state >= TCPS_ESTABLISHED && s->state != TCPS_TIME_WAIT && !s->dead;
}

void ns_tcp_ack_now(struct tcp_pcb *s)
{
    if (synchronized(s))
        tcp_send_ack(s);
}

void ns_tcp_redeliver(struct tcp_pcb *s)
{
    uint32_t before = tcp_rcv_window(s);
    tcp_deliver_ext(s);
    /* Room opened above: tell the peer (same rule as after a read). */
    if (synchronized(s) && tcp_rcv_window(s) >= before + s->mss)
        tcp_send_ack(s);
}

long ns_tcp_recv(struct tcp_pcb *s, void *buf, size_t len)
{
    if (s->state == TCPS_LISTEN)
        return NS_EINVAL;
    if (s->rcv.len == 0) {
        if (s->err)
            return s->err;
        if (eof(s) || s->state == TCPS_CLOSED)
            return 0;
        return NS_EAGAIN;
    }
    uint32_t n = len < s->rcv.len ? (uint32_t)len : s->rcv.len;
    uint32_t before = tcp_rcv_window(s);
    ns_ring_read_at(&s->rcv, 0, buf, n);
    ns_ring_consume(&s->rcv, n);
    /* Window update (RFC 9293 3.8.6.2.2 / RFC 1122 4.2.3.3): tell the peer once the window has
     * opened by a useful amount, else it may sit on a zero window until its persist timer. */
    uint32_t after = tcp_rcv_window(s);
    if (s->state != TCPS_CLOSED && after > before &&
        (before < s->mss || after - before >= 2u * s->mss || after >= s->rcv.cap / 2)) {
        if (after - before >= s->mss)
            tcp_send_ack(s);
    }
    return (long)n;
}

long ns_tcp_send(struct tcp_pcb *s, const void *buf, size_t len)
{
    if (s->err)
        return s->err;
    if (s->fin_queued || s->state == TCPS_LISTEN || s->state == TCPS_CLOSED)
        return NS_EINVAL;
    if (s->state != TCPS_ESTABLISHED && s->state != TCPS_CLOSE_WAIT && s->state != TCPS_SYN_RCVD &&
        s->state != TCPS_SYN_SENT)
        return NS_EINVAL;
    uint32_t space = s->snd.cap - s->snd.len;
    if (space == 0)
        return NS_EAGAIN;
    uint32_t n = len < space ? (uint32_t)len : space;
    ns_ring_write_at(&s->snd, s->snd.len, buf, n);
    s->snd.len += n;
    tcp_output(s);
    return (long)n;
}

size_t ns_tcp_send_space(const struct tcp_pcb *s)
{
    if (s->state == TCPS_LISTEN || s->fin_queued || s->err)
        return 0;
    return s->snd.cap - s->snd.len;
}

size_t ns_tcp_readable(const struct tcp_pcb *s)
{
    return s->rcv.len;
}

int ns_tcp_shutdown(struct tcp_pcb *s)
{
    if (s->fin_queued)
        return 0;
    switch (s->state) {
    case TCPS_SYN_SENT:
        tcp_drop(s, 0);
        return 0;
    case TCPS_SYN_RCVD:
        s->fin_queued = true; /* FIN-WAIT-1 once established (RFC 9293 3.10.4) */
        return 0;
    case TCPS_ESTABLISHED:
        s->fin_queued = true;
        tcp_set_state(s, TCPS_FIN_WAIT_1);
        break;
    case TCPS_CLOSE_WAIT:
        s->fin_queued = true;
        tcp_set_state(s, TCPS_LAST_ACK);
        break;
    default:
        return NS_EINVAL;
    }
    tcp_output(s);
    return 0;
}

void ns_tcp_abort(struct tcp_pcb *s)
{
    if (s->state == TCPS_LISTEN) {
        ns_tcp_close(s);
        return;
    }
    /* RFC 9293 3.10.5 ABORT: a RST in synchronized states. */
    if (s->state >= TCPS_SYN_RCVD && s->state <= TCPS_LAST_ACK)
        tcp_send_rst_pcb(s);
    s->app_closed = true;
    s->cb = NULL;
    tcp_drop(s, NS_ERESET);
    s->dead = true;
}

void ns_tcp_close(struct tcp_pcb *s)
{
    if (s->state == TCPS_LISTEN) {
        /* Children not yet accepted go with their listener. */
        for (struct tcp_pcb *p = s->st->pcbs; p; p = p->next) {
            if (p->listener == s && !p->dead) {
                if (p->state != TCPS_SYN_RCVD)
                    tcp_send_rst_pcb(p);
                tcp_drop(p, NS_ERESET);
            }
        }
        s->state = TCPS_CLOSED;
        s->dead = true;
        return;
    }
    if (s->rcv.len > 0 && s->state != TCPS_CLOSED) {
        /* RFC 2525 2.17: closing with unread data loses it; say so with a RST. */
        ns_tcp_abort(s);
        return;
    }
    s->app_closed = true;
    s->cb = NULL;
    if (s->state == TCPS_CLOSED) {
        s->dead = true; /* already counted when it closed */
        return;
    }
    if (s->state == TCPS_SYN_SENT) {
        tcp_drop(s, 0);
        s->dead = true;
        return;
    }
    (void)ns_tcp_shutdown(s);
    if (s->state == TCPS_FIN_WAIT_2 && !s->tw_at)
        s->tw_at = ns_port_now_ns() + 2ull * s->st->cfg.msl_ms * 1000000u;
}

int ns_tcp_error(const struct tcp_pcb *s)
{
    return s->err;
}

void ns_tcp_get_info(const struct tcp_pcb *s, struct ns_tcp_info *i)
{
    memset(i, 0, sizeof(*i));
    i->state = s->state;
    i->local_ip = s->lip;
    i->remote_ip = s->rip;
    i->local_port = s->lport;
    i->remote_port = s->rport;
    i->snd_una = s->snd_una;
    i->snd_nxt = s->snd_nxt;
    i->rcv_nxt = s->rcv_nxt;
    i->snd_wnd = s->snd_wnd;
    i->rcv_wnd = s->rcv.cap - s->rcv.len;
    i->cwnd = s->cwnd;
    i->ssthresh = s->ssthresh;
    i->srtt_us = s->srtt_us;
    i->rttvar_us = s->rttvar_us;
    i->rto_ms = s->rto_ms;
    i->mss = s->mss;
    i->snd_wscale = s->snd_wscale;
    i->rcv_wscale = s->rcv_wscale;
    i->ts_ok = s->ts_ok;
    i->sack_ok = s->sack_ok;
    for (int k = 0; k < s->n_ooo; k++)
        i->ooo_bytes += s->ooo[k][1] - s->ooo[k][0];
    i->ooo_ranges = (uint32_t)s->n_ooo;
    i->retransmits = s->retransmits;
}

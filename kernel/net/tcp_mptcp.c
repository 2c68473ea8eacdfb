/* tcp_mptcp.c: glue between the TCP stack's extension hooks and the MPTCP v1 modules. */
#include "tcp_mptcp.h"
#include "tcp_priv.h"

/* Per connection: the MPTCP state (first member, so the module's pointer maps back to it), the
 * TCP control block of every subflow, and the service's handle and callback. */
struct mpconn {
    struct mptcp_conn c;
    struct ns_mp *mp;
    struct mpconn *next; /* the stack's list (timers) */
    struct tcp_pcb *sfpcb[MPTCP_MAX_SUBFLOWS];
    uint8_t rst_reason[MPTCP_MAX_SUBFLOWS]; /* MP_TCPRST reason for a subflow we reset (3.6) */
    uint8_t pend_reset;                     /* subflows to reset at the next dispatch */
    bool pend_reset_all;                    /* MP_FASTCLOSE received (3.5) */
    struct tcp_pcb *handle;                 /* initial subflow: what the service holds */
    bool handle_given_back;
    int live; /* subflows whose closed hook has not run yet */
    ns_tcp_cb cb;
    void *cb_arg;
    bool app_closed, closing, announced, released;
    bool zombie; /* over: freed by the next ns_mp_poll (pointers to it may still be on the stack) */
    uint64_t close_deadline_ns;
    int err;
    /* Data-level send buffer: a copy of DSNs [snd_una, snd_nxt) at DSN mod MP_SNDBUF, so data a
     * subflow delivered but the peer dropped at data level (Linux: NoDSSInWindow) or that sits on
     * a dead subflow can be sent again on another one (RFC 8684 3.3.6). */
    uint8_t *sbuf;
    uint64_t una_seen;      /* snd_una at the last progress check */
    uint64_t una_since_ns;  /* when snd_una last moved (or data was last reinjected) */
    uint32_t reinj_wait_ms; /* current reinjection timeout, doubled while nothing moves */
    uint64_t reinjected;    /* bytes sent again */
};

struct ns_mp {
    struct ns_stack *st;
    enum mptcp_sched_policy sched;
    struct mptcp_token_table table;
    struct mpconn *conns;
    struct ns_mp_stats stats;
};

#define MP_SNDBUF       (256u * 1024u) /* power of two */
#define MP_REINJ_MIN_MS 300u /* no DATA_ACK progress for this long: send snd_una's data again */
#define MP_REINJ_MAX_MS 4000u
#define MP_REINJ_CHUNK  16384u
/* The DSN the peer waits for sits only on subflows in RTO back-off (a path that went down):
 * send it again on a live one after this long, a whole send window at a time. */
#define MP_REINJ_DEAD_MS 20u

/* A DATA_FIN the peer never acknowledges must not keep the subflows forever. */
#define MP_CLOSE_LINGER_NS (10ull * 1000000000ull)

static uint64_t now_us(void)
{
    return ns_port_now_ns() / 1000u;
}

static int sf_index(const struct mpconn *m, const struct tcp_pcb *pcb)
{
    for (int i = 0; i < MPTCP_MAX_SUBFLOWS; i++)
        if (m->sfpcb[i] == pcb)
            return i;
    return -1;
}

/* Address id of a local address: the interface index + 1 (id 0 is the initial subflow's address,
 * RFC 8684 3.4.1). */
static uint8_t addr_id(const struct ns_stack *st, uint32_t ip)
{
    for (int i = 0; i < st->n_nif; i++)
        if (st->nifs[i].ip == ip)
            return (uint8_t)(i + 1);
    return 0;
}

static void build_set(const struct ns_tcp_opts *o, struct mptcp_opt_set *set)
{
    memset(set, 0, sizeof(*set));
    for (int i = 0; i < o->n_ext; i++)
        if (o->ext[i].kind == TCPOPT_MPTCP)
            (void)mptcp_opt_set_add(set, o->ext[i].data, o->ext[i].len);
}

static uint64_t random64(void)
{
    return ((uint64_t)ns_port_random() << 32) | ns_port_random();
}

static void conn_free(struct mpconn *m)
{
    if (!m->released) {
        mptcp_conn_release(&m->c);
        m->released = true;
    }
    m->zombie = true;
}

/* --- hooks --------------------------------------------------------------------------------- */
static int hk_syn(void *arg, struct tcp_pcb *pcb, const struct ns_tcp_opts *o)
{
    struct ns_mp *mp = arg;
    struct mptcp_opt_set set;
    build_set(o, &set);
    switch (mptcp_syn_classify(&mp->table, &set)) {
    case MPTCP_SYN_PLAIN:
        mp->stats.plain++;
        return 0; /* RFC 8684 3.1: no MP_CAPABLE, plain TCP */
    case MPTCP_SYN_RESET:
        mp->stats.join_refused++;
        return -1; /* 3.2: unknown token */
    case MPTCP_SYN_CAPABLE: {
        struct mpconn *m = ns_port_alloc(sizeof(*m));
        if (!m) {
            mp->stats.plain++;
            return 0; /* no memory for MPTCP: answer plain TCP, the client falls back */
        }
        /* 3.1: a key whose token collides with a live connection is replaced. */
        int tries = 0;
        while (mptcp_accept_capable(&m->c, &mp->table, &set, random64(), pcb->iss, pcb->irs) != 0) {
            if (++tries == 8) {
                ns_port_free(m);
                mp->stats.plain++;
                return 0;
            }
        }
        m->mp = mp;
        m->sfpcb[0] = pcb;
        m->handle = pcb;
        m->live = 1;
        m->next = mp->conns;
        mp->conns = m;
        ns_tcp_set_ext_ctx(pcb, m);
        mp->stats.capable++;
        return 0;
    }
    case MPTCP_SYN_JOIN: {
        /* No new subflow for a connection the service gave back: its handle may be freed, and a
         * join pcb allocated at the same address would pass ns_mp_accept's c != m->handle test
         * and reach the service as a new connection (found by fuzz_glue). */
        const struct mpconn *jm = (const struct mpconn *)mptcp_table_lookup(
            &mp->table, set.opt[MPTCP_SUB_JOIN].u.join.token);
        if (jm && (jm->app_closed || jm->handle_given_back)) {
            mp->stats.join_refused++;
            return -1; /* 3.2: a refused join gets a RST */
        }
        struct mptcp_conn *c = NULL;
        struct mptcp_subflow *sf = mptcp_accept_join(&mp->table, &set, addr_id(mp->st, pcb->lip),
                                                     ns_port_random(), pcb->iss, pcb->irs, &c);
        if (!sf) {
            mp->stats.join_refused++;
            return -1;
        }
        struct mpconn *m = (struct mpconn *)c;
        ASSERT(m->sfpcb[sf->index] == NULL, "join subflow slot already has a control block");
        m->sfpcb[sf->index] = pcb;
        m->live++;
        ns_tcp_set_ext_ctx(pcb, m);
        return 0;
    }
    }
    return -1;
}

/* Acts on a receive verdict of subflow i; returns the TCP verdict for that subflow. */
static int act(struct mpconn *m, int i, const struct mptcp_rx_result *r, uint64_t old_una,
               uint32_t old_room)
{
    struct ns_mp *mp = m->mp;
    int v = NS_TCP_EXT_OK;
    if (r->verdict & MPTCP_RX_ACK_NOW)
        v = NS_TCP_EXT_ACK_NOW;
    if (r->verdict & MPTCP_RX_DROP_SEG)
        v = NS_TCP_EXT_DROP;
    if (r->verdict & MPTCP_RX_FALLBACK) {
        mp->stats.fallbacks++;
        mp->stats.fb_no_mpc_ack += r->fallback_reason == MPTCP_FB_NO_MPC_ACK;
        mp->stats.fb_no_mapping += r->fallback_reason == MPTCP_FB_NO_MAPPING;
        mp->stats.fb_csum += r->fallback_reason == MPTCP_FB_CSUM;
    }
    if ((r->verdict & MPTCP_RX_SF_UP) && i > 0)
        mp->stats.joins++;
    if (r->verdict & MPTCP_RX_RESET_CONN) {
        mp->stats.fastclosed++;
        m->pend_reset_all = true;
        v = NS_TCP_EXT_RESET;
    }
    if (r->verdict & MPTCP_RX_RESET_SF) {
        for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++) {
            if (!(r->reset_mask & (1u << k)))
                continue;
            m->rst_reason[k] = r->reset_reason;
            mp->stats.sf_resets++;
            if (k == i)
                v = NS_TCP_EXT_RESET;
            else
                m->pend_reset |= (uint8_t)(1u << k);
        }
    }
    /* Wake the service on its handle whichever subflow brought the news. */
    if (!m->handle_given_back) {
        unsigned ev = 0;
        if (r->verdict & (MPTCP_RX_DATA_READY | MPTCP_RX_EOF | MPTCP_RX_RESET_CONN))
            ev |= NS_EV_IN;
        if (m->c.snd_una != old_una || mptcp_tx_room(&m->c) > old_room)
            ev |= NS_EV_OUT; /* a DATA_ACK or window update freed room / mapping slots */
        if (m->pend_reset || m->pend_reset_all || m->app_closed)
            ev |= NS_EV_OUT; /* housekeeping runs from the dispatch */
        if (ev)
            tcp_event(m->handle, ev);
    }
    /* RFC 8684 3.4.1: announce our other address once the connection is fully established. */
    if (!m->announced && m->c.state == MPC_ESTABLISHED && i == 0) {
        m->announced = true;
        struct ns_stack *st = mp->st;
        uint32_t lip = m->handle->lip;
        for (int k = 0; k < st->n_nif; k++) {
            uint32_t ip = st->nifs[k].ip;
            if (ip == 0 || ip == lip)
                continue;
            uint8_t a[4] = {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8),
                            (uint8_t)ip};
            mptcp_announce(&m->c, (uint8_t)(k + 1), a, 0, now_us());
            mp->stats.announced++;
            if (v == NS_TCP_EXT_OK)
                v = NS_TCP_EXT_ACK_NOW;
            break; /* one ADD_ADDR in flight at a time (the module keeps one) */
        }
    }
    /* Our DATA_FIN goes on a pure ACK once everything before it is DATA_ACKed (3.3.3). */
    if (m->c.fin_queued && !m->c.fin_acked && m->c.snd_una >= m->c.fin_dsn_tx &&
        old_una != m->c.snd_una && v == NS_TCP_EXT_OK)
        v = NS_TCP_EXT_ACK_NOW;
    return v;
}

/* One segment's MPTCP options (and, for data, where its payload sits) through the receive
 * module on the subflow pcb belongs to; returns the TCP verdict (NS_TCP_EXT_OK for plain TCP). */
static int rx_segment(struct tcp_pcb *pcb, const struct ns_tcp_opts *o, uint8_t tcp_flags,
                      uint32_t seq, const uint8_t *data, size_t len)
{
    struct mpconn *m = ns_tcp_ext_ctx(pcb);
    int i = m ? sf_index(m, pcb) : -1;
    if (i < 0)
        return NS_TCP_EXT_OK;
    struct mptcp_opt_set set;
    build_set(o, &set);
    struct mptcp_seg seg = {.seq = seq,
                            .tcp_flags = tcp_flags,
                            .payload = data,
                            .len = (uint32_t)len,
                            .opts = &set,
                            .now_us = now_us(),
                            .wnd = pcb->snd_wnd};
    struct mptcp_rx_result r;
    uint64_t old_una = m->c.snd_una;
    uint32_t old_room = mptcp_tx_room(&m->c);
    mptcp_rx_options(&m->c, &m->c.sf[i], &seg, &r);
    if (pcb->rtt_valid)
        m->c.sf[i].m.srtt_us = pcb->srtt_us, m->c.sf[i].m.rttvar_us = pcb->rttvar_us;
    return act(m, i, &r, old_una, old_room);
}

static int hk_segment(struct tcp_pcb *pcb, const struct ns_tcp_opts *o, uint32_t seq,
                      const uint8_t *data, size_t len)
{
    return rx_segment(pcb, o, MPTCP_TCP_ACK, seq, data, len);
}

/* RFC 8684 3.5 / 3.6: a RST may carry MP_FASTCLOSE (the whole connection is over) and
 * MP_TCPRST (why this subflow was reset): read them before TCP drops the subflow. */
static void hk_rst(struct tcp_pcb *pcb, const struct ns_tcp_opts *o)
{
    (void)rx_segment(pcb, o, MPTCP_TCP_RST, pcb->rcv_nxt, NULL, 0); /* TCP drops it anyway */
}

/* An MP_JOIN SYN with a token we hold (3.2) is a subflow, not a connection for the service. */
static bool hk_syn_adds_subflow(void *arg, const struct ns_tcp_opts *o)
{
    struct ns_mp *mp = arg;
    struct mptcp_opt_set set;
    build_set(o, &set);
    return mptcp_syn_classify(&mp->table, &set) == MPTCP_SYN_JOIN;
}

/* A joined subflow's handshake completed: the glue owns it from now on, so it never waits in the
 * service's accept queue (where it would hold a backlog slot until the service next accepts). */
static void sf_cb(void *arg, struct tcp_pcb *s, unsigned ev);
static void hk_established(struct tcp_pcb *pcb, const struct ns_tcp_opts *o)
{
    (void)o;
    struct mpconn *m = ns_tcp_ext_ctx(pcb);
    if (!m || pcb == m->handle || sf_index(m, pcb) < 0)
        return;
    ns_tcp_adopt_child(pcb);
    ns_tcp_set_callback(pcb, sf_cb, NULL);
}

static size_t hk_deliver(struct tcp_pcb *pcb, uint32_t seq, const uint8_t *data, size_t len)
{
    struct mpconn *m = ns_tcp_ext_ctx(pcb);
    int i = m ? sf_index(m, pcb) : -1;
    if (i < 0)
        return 0; /* plain TCP: the bytes stay in the socket buffer */
    struct mptcp_rx_result r;
    uint64_t old_una = m->c.snd_una;
    uint32_t old_room = mptcp_tx_room(&m->c);
    mptcp_rx_data(&m->c, &m->c.sf[i], seq, data, (uint32_t)len, now_us(), &r);
    int v = act(m, i, &r, old_una, old_room);
    if (v == NS_TCP_EXT_ACK_NOW)
        pcb->ack_now = true;
    if (v == NS_TCP_EXT_RESET)
        m->pend_reset |= (uint8_t)(1u << i);
    return r.accepted;
}

static size_t hk_build(struct tcp_pcb *pcb, uint8_t flags, uint32_t seq, uint32_t *len,
                       uint8_t *buf, size_t space)
{
    struct mpconn *m = ns_tcp_ext_ctx(pcb);
    int i = m ? sf_index(m, pcb) : -1;
    if (i < 0)
        return 0;
    if (flags & TCP_SYN)
        return mptcp_synack_opts(&m->c, &m->c.sf[i], buf, space);
    struct mptcp_tx_seg ts = {.seq = seq,
                              .len = (uint16_t)(*len > 0xffffu ? 0xffffu : *len),
                              .tcp_flags = flags,
                              .now_us = now_us()};
    size_t n = mptcp_tx_opts(&m->c, &m->c.sf[i], &ts, m->rst_reason[i], buf, space);
    if (ts.len < *len)
        *len = ts.len;
    return n;
}

static uint32_t hk_window(const struct tcp_pcb *pcb)
{
    const struct mpconn *m = ns_tcp_ext_ctx(pcb);
    if (!m || sf_index(m, pcb) < 0)
        return UINT32_MAX;
    return mptcp_rcv_wnd(&m->c);
}

static void hk_closed(struct tcp_pcb *pcb, int err)
{
    struct mpconn *m = ns_tcp_ext_ctx(pcb);
    int i = m ? sf_index(m, pcb) : -1;
    if (i < 0)
        return;
    mptcp_subflow_closed(&m->c, &m->c.sf[i]);
    m->sfpcb[i] = NULL;
    m->live--;
    if (err && !m->err)
        m->err = err;
    if (pcb != m->handle)
        ns_tcp_set_ext_ctx(pcb, NULL);
    else if (!m->handle_given_back)
        tcp_event(pcb, NS_EV_IN | NS_EV_OUT);
    if (m->live == 0 && !m->handle_given_back && m->handle != pcb)
        tcp_event(m->handle, NS_EV_IN | NS_EV_ERR);
    if (m->live == 0) {
        if (!m->released) {
            mptcp_conn_release(&m->c);
            m->released = true;
        }
        if (m->handle_given_back)
            conn_free(m);
    }
}

static const struct ns_tcp_ext_ops mp_ops = {
    .syn_received = hk_syn,
    .established = hk_established,
    .segment = hk_segment,
    .deliver = hk_deliver,
    .build_options = hk_build,
    .rcv_window = hk_window,
    .closed = hk_closed,
    .rst_received = hk_rst,
    .syn_adds_subflow = hk_syn_adds_subflow,
};

/* --- housekeeping from the dispatch (where API calls are allowed) --------------------------- */
static void close_subflows(struct mpconn *m)
{
    m->closing = true;
    /* Over at the data level: the token goes now, not when the last subflow leaves TIME-WAIT
     * (2 MSL later), or back-to-back connections fill the token table and new MP_CAPABLE SYNs
     * get plain TCP. A join naming it from now on is refused (RFC 8684 3.2). */
    mptcp_table_remove(m->c.table, &m->c);
    for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++) {
        struct tcp_pcb *p = m->sfpcb[k];
        if (p && p != m->handle && !p->app_closed)
            ns_tcp_close(p);
    }
    if (!m->handle_given_back) {
        m->handle_given_back = true;
        struct tcp_pcb *h = m->handle;
        if (sf_index(m, h) < 0)
            ns_tcp_set_ext_ctx(h, NULL);
        ns_tcp_close(h); /* may run hk_closed */
        if (m->live == 0)
            conn_free(m);
    }
}

static void housekeep(struct mpconn *m)
{
    for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++) {
        struct tcp_pcb *p = m->sfpcb[k];
        if (!p || p->state == TCPS_CLOSED)
            continue;
        if (m->pend_reset_all || (m->pend_reset & (1u << k))) {
            m->pend_reset &= (uint8_t) ~(1u << k);
            tcp_send_rst_pcb(p);
            tcp_drop(p, NS_ERESET);
        } else if (p != m->handle && p->fin_rcvd && p->rcv.len == 0 && !p->app_closed &&
                   p->state == TCPS_CLOSE_WAIT) {
            ns_tcp_close(p); /* the peer closed this subflow: close our side too */
        }
    }
    m->pend_reset_all = false;
    if (m->app_closed && !m->closing) {
        bool done = m->c.state != MPC_ESTABLISHED || m->c.fin_acked ||
                    ns_port_now_ns() >= m->close_deadline_ns;
        if (done)
            close_subflows(m);
    }
}

static void sf_cb(void *arg, struct tcp_pcb *s, unsigned ev)
{
    (void)arg;
    struct mpconn *m = ns_tcp_ext_ctx(s);
    if (!m) {
        if (!s->app_closed)
            ns_tcp_close(s); /* a join subflow whose connection is over */
        return;
    }
    for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++)
        if (m->sfpcb[k] && m->sfpcb[k]->rcv.len)
            ns_tcp_redeliver(m->sfpcb[k]); /* bytes refused earlier (state, window) */
    ns_tcp_cb cb = m->cb;
    void *cb_arg = m->cb_arg;
    bool to_app = !m->app_closed && cb && !m->handle_given_back;
    struct tcp_pcb *h = m->handle;
    housekeep(m);
    if (s != h)
        ev &= NS_EV_IN | NS_EV_OUT; /* a joined subflow's end is not the connection's */
    if (to_app && ev)
        cb(cb_arg, h, ev);
}

/* --- public API ---------------------------------------------------------------------------- */
struct ns_mp *ns_mp_create(struct ns_stack *st)
{
    struct ns_mp *mp = ns_port_alloc(sizeof(*mp));
    if (!mp)
        return NULL;
    mp->st = st;
    mp->sched = MPTCP_SCHED_RTT;
    mptcp_table_init(&mp->table);
    return mp;
}

void ns_mp_set_sched(struct ns_mp *mp, enum mptcp_sched_policy policy)
{
    ASSERT(policy == MPTCP_SCHED_RTT || policy == MPTCP_SCHED_ROOM, "unknown scheduler policy");
    mp->sched = policy;
}

void ns_mp_destroy(struct ns_mp *mp)
{
    while (mp->conns) {
        struct mpconn *m = mp->conns;
        mp->conns = m->next;
        ns_port_free(m->sbuf);
        ns_port_free(m);
    }
    ns_port_free(mp);
}

void ns_mp_attach(struct ns_mp *mp, struct tcp_pcb *listener)
{
    ns_tcp_set_ext(listener, &mp_ops, mp);
}

struct tcp_pcb *ns_mp_listen(struct ns_stack *st, struct ns_mp *mp, uint16_t port, int backlog,
                             ns_tcp_cb on_accept, void *arg, int *err)
{
    struct tcp_pcb *l = ns_tcp_listen(st, 0, port, backlog, err);
    if (!l)
        return NULL;
    if (mp)
        ns_mp_attach(mp, l);
    ns_tcp_set_callback(l, on_accept, arg);
    return l;
}

static struct tcp_pcb *pick_subflow(const struct mpconn *m, size_t *room);

/* True when every subflow mapping DSN d is in RTO back-off (its path may be down) and at least
 * one mapping holds it: nothing alive will deliver d unless it is sent again. */
static bool only_dead_hold(const struct mpconn *m, uint64_t d)
{
    bool held = false;
    for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++) {
        const struct tcp_pcb *p = m->sfpcb[k];
        const struct mptcp_subflow *sf = &m->c.sf[k];
        for (int i = 0; i < MPTCP_TX_MAPS; i++) {
            const struct mptcp_tx_map *x = &sf->tx_map[i];
            if (!x->used || d < x->dsn || d >= x->dsn + x->len)
                continue;
            if (p != NULL && p->backoff == 0 && sf->state == SF_ESTABLISHED)
                return false;
            held = true;
        }
    }
    return held;
}

/* RFC 8684 3.3.6: data not DATA_ACKed for too long goes out again, same DSNs, on the subflow
 * with the most room (the bytes TCP already delivered may have been dropped at data level). */
static void reinject(struct ns_mp *mp, struct mpconn *m)
{
    uint64_t now = ns_port_now_ns();
    struct mptcp_conn *c = &m->c;
    if (!m->sbuf || c->state != MPC_ESTABLISHED || c->snd_una >= c->snd_nxt ||
        c->snd_una != m->una_seen) {
        m->una_seen = c->snd_una;
        m->una_since_ns = now;
        m->reinj_wait_ms = MP_REINJ_MIN_MS;
        return;
    }
    bool dead = only_dead_hold(m, c->snd_una);
    uint32_t wait_ms = dead ? MP_REINJ_DEAD_MS : m->reinj_wait_ms;
    if (now - m->una_since_ns < (uint64_t)wait_ms * 1000000u)
        return;
    size_t room;
    struct tcp_pcb *p = pick_subflow(m, &room);
    if (!p || room == 0 || (dead && p->backoff > 0))
        return;
    uint64_t len = c->snd_nxt - c->snd_una;
    uint32_t off = (uint32_t)(c->snd_una & (MP_SNDBUF - 1));
    if (len > MP_SNDBUF - off)
        len = MP_SNDBUF - off; /* up to the ring's wrap */
    if (len > room)
        len = room;
    if (len > MP_REINJ_CHUNK && !dead)
        len = MP_REINJ_CHUNK;
    if (len > 0xffff)
        len = 0xffff; /* one mapping's data-level length (RFC 8684 3.3) */
    int k = sf_index(m, p);
    mptcp_sf_tx_acked(&c->sf[k], p->snd_una);
    if (mptcp_tx_assign_at(c, &c->sf[k], ns_tcp_snd_next_seq(p), c->snd_una, m->sbuf + off,
                           (uint16_t)len) != 0)
        return;
    long w = ns_tcp_send(p, m->sbuf + off, (size_t)len);
    ASSERT(w == (long)len, "subflow took less than the send room it reported");
    m->reinjected += len;
    mp->stats.reinjected += len;
    m->una_since_ns = now;
    if (!dead)
        m->reinj_wait_ms =
            m->reinj_wait_ms * 2 > MP_REINJ_MAX_MS ? MP_REINJ_MAX_MS : m->reinj_wait_ms * 2;
}

void ns_mp_poll(struct ns_mp *mp)
{
    uint64_t t = now_us();
    for (struct mpconn **pp = &mp->conns; *pp;) {
        struct mpconn *m = *pp;
        if (m->zombie) {
            *pp = m->next;
            ns_port_free(m->sbuf);
            ns_port_free(m);
            continue;
        }
        pp = &m->next;
        reinject(mp, m);
        if (mptcp_timer_deadline(&m->c) <= t) {
            int k = mptcp_on_timer(&m->c, t);
            if (k >= 0 && k < MPTCP_MAX_SUBFLOWS && m->sfpcb[k])
                ns_tcp_ack_now(m->sfpcb[k]); /* ADD_ADDR retransmission (3.4.1) */
        }
        if (m->app_closed && !m->closing) {
            /* DATA_FIN not acknowledged yet: send it again on the handle's subflow. */
            if (m->c.snd_una >= m->c.fin_dsn_tx && m->sfpcb[0])
                ns_tcp_ack_now(m->sfpcb[0]);
            housekeep(m);
        }
    }
}

struct tcp_pcb *ns_mp_accept(struct tcp_pcb *listener)
{
    struct tcp_pcb *c = ns_tcp_accept(listener);
    const struct mpconn *m = c ? ns_tcp_ext_ctx(c) : NULL;
    ASSERT(!m || c == m->handle, "a joined subflow in the accept queue (adopted when established)");
    return c;
}

void ns_mp_set_callback(struct tcp_pcb *s, ns_tcp_cb cb, void *arg)
{
    struct mpconn *m = ns_tcp_ext_ctx(s);
    if (!m) {
        ns_tcp_set_callback(s, cb, arg);
        return;
    }
    m->cb = cb;
    m->cb_arg = arg;
    ns_tcp_set_callback(s, sf_cb, NULL);
}

const struct mptcp_conn *ns_mp_conn(const struct tcp_pcb *s)
{
    const struct mpconn *m = ns_tcp_ext_ctx(s);
    return m ? &m->c : NULL;
}

/* Data-level end of stream: DATA_FIN in order, or every subflow finished (fallback / no
 * DATA_FIN: what Linux's mptcp_check_for_eof also accepts). */
static bool all_subflows_eof(const struct mpconn *m)
{
    for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++) {
        const struct tcp_pcb *p = m->sfpcb[k];
        if (p && !(p->fin_rcvd && p->rcv.len == 0 && p->rcv_nxt == p->fin_seq + 1))
            return false;
    }
    return true;
}

long ns_mp_recv(struct tcp_pcb *s, void *buf, size_t len)
{
    struct mpconn *m = ns_tcp_ext_ctx(s);
    if (!m)
        return ns_tcp_recv(s, buf, len);
    bool was_small = mptcp_rcv_wnd(&m->c) < MPTCP_RCVBUF / 2;
    size_t n = mptcp_read(&m->c, buf, len);
    for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++) {
        struct tcp_pcb *p = m->sfpcb[k];
        if (!p)
            continue;
        if (p->rcv.len)
            ns_tcp_redeliver(p);
        if (n && was_small && mptcp_rcv_wnd(&m->c) >= MPTCP_RCVBUF / 2 &&
            m->c.sf[k].state == SF_ESTABLISHED)
            ns_tcp_ack_now(p); /* window update: the shared window reopened (with a DSS) */
    }
    if (n)
        return (long)n;
    if (mptcp_readable(&m->c))
        return NS_EAGAIN;
    if (m->c.eof || all_subflows_eof(m))
        return m->live == 0 && m->err && !m->c.eof ? m->err : 0;
    if (m->live == 0)
        return m->err ? m->err : NS_ERESET;
    return NS_EAGAIN;
}

/* The subflow new data goes on (mptcp_sched.c decides from each subflow's TCP state). */
static struct tcp_pcb *pick_subflow(const struct mpconn *m, size_t *room)
{
    struct mptcp_sched_sf v[MPTCP_MAX_SUBFLOWS];
    for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++) {
        const struct tcp_pcb *p = m->sfpcb[k];
        memset(&v[k], 0, sizeof(v[k]));
        if (!p || m->c.sf[k].state != SF_ESTABLISHED)
            continue;
        if (p->state != TCPS_ESTABLISHED && p->state != TCPS_CLOSE_WAIT)
            continue;
        if (!mptcp_tx_slot_free(&m->c.sf[k], p->snd_una)) /* the assignment's own rule */
            continue;
        v[k].usable = true;
        v[k].stalled = p->backoff > 0;
        v[k].rtt_known = p->rtt_valid;
        v[k].srtt_us = p->srtt_us;
        v[k].queued = p->snd.len;
        v[k].cwnd = p->cwnd;
        v[k].mss = p->mss;
        size_t r = ns_tcp_send_space(p);
        v[k].room = r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
    }
    int k = mptcp_sched_pick(m->mp->sched, v, MPTCP_MAX_SUBFLOWS);
    *room = k < 0 ? 0 : v[k].room;
    return k < 0 ? NULL : m->sfpcb[k];
}

size_t ns_mp_send_space(const struct tcp_pcb *s)
{
    const struct mpconn *m = ns_tcp_ext_ctx(s);
    if (!m)
        return ns_tcp_send_space(s);
    if (m->c.state == MPC_FALLBACK)
        return m->sfpcb[0] ? ns_tcp_send_space(m->sfpcb[0]) : 0;
    size_t room;
    if (!pick_subflow(m, &room))
        return 0;
    uint32_t dl = mptcp_tx_room(&m->c);
    if (room > dl)
        room = dl;
    uint64_t ring = MP_SNDBUF - (m->c.snd_nxt - m->c.snd_una);
    if (room > ring)
        room = (size_t)ring;
    return room > 0xffff ? 0xffff : room;
}

long ns_mp_send(struct tcp_pcb *s, const void *buf, size_t len)
{
    struct mpconn *m = ns_tcp_ext_ctx(s);
    if (!m)
        return ns_tcp_send(s, buf, len);
    if (m->c.state == MPC_FALLBACK) {
        if (!m->sfpcb[0])
            return m->err ? m->err : NS_ERESET;
        return ns_tcp_send(m->sfpcb[0], buf, len); /* 3.7: plain TCP, no mapping */
    }
    if (m->c.state != MPC_ESTABLISHED)
        return m->live ? NS_EAGAIN : (m->err ? m->err : NS_ERESET);
    size_t room;
    struct tcp_pcb *p = pick_subflow(m, &room);
    if (!p)
        return m->live ? NS_EAGAIN : (m->err ? m->err : NS_ERESET);
    uint32_t dl = mptcp_tx_room(&m->c);
    if (len > room)
        len = room;
    if (len > dl)
        len = dl;
    if (len > 0xffff)
        len = 0xffff;
    if (len > MP_SNDBUF - (m->c.snd_nxt - m->c.snd_una))
        len = (size_t)(MP_SNDBUF - (m->c.snd_nxt - m->c.snd_una));
    if (len == 0)
        return NS_EAGAIN;
    if (!m->sbuf) {
        m->sbuf = ns_port_alloc(MP_SNDBUF);
        if (!m->sbuf)
            return NS_EAGAIN; /* retried on the next event */
    }
    for (size_t done = 0; done < len;) { /* keep a copy until DATA_ACKed */
        uint32_t off = (uint32_t)((m->c.snd_nxt + done) & (MP_SNDBUF - 1));
        size_t k = len - done < MP_SNDBUF - off ? len - done : MP_SNDBUF - off;
        memcpy(m->sbuf + off, (const uint8_t *)buf + done, k);
        done += k;
    }
    int k = sf_index(m, p);
    uint64_t dsn;
    mptcp_sf_tx_acked(&m->c.sf[k], p->snd_una);
    if (mptcp_tx_assign(&m->c, &m->c.sf[k], ns_tcp_snd_next_seq(p), buf, (uint16_t)len, &dsn) != 0)
        return NS_EAGAIN; /* every mapping slot waits for a DATA_ACK */
    long w = ns_tcp_send(p, buf, len);
    ASSERT(w == (long)len, "subflow took less than the send room it reported");
    return w;
}

size_t ns_mp_readable(const struct tcp_pcb *s)
{
    const struct mpconn *m = ns_tcp_ext_ctx(s);
    return m ? mptcp_readable(&m->c) : ns_tcp_readable(s);
}

int ns_mp_error(const struct tcp_pcb *s)
{
    const struct mpconn *m = ns_tcp_ext_ctx(s);
    if (!m)
        return ns_tcp_error(s);
    return m->live == 0 ? (m->err ? m->err : 0) : 0;
}

void ns_mp_close(struct tcp_pcb *s)
{
    struct mpconn *m = ns_tcp_ext_ctx(s);
    if (!m) {
        ns_tcp_close(s);
        return;
    }
    m->app_closed = true;
    m->cb = NULL;
    m->close_deadline_ns = ns_port_now_ns() + MP_CLOSE_LINGER_NS;
    if (m->c.state == MPC_ESTABLISHED) {
        mptcp_tx_close(&m->c); /* 3.3.3: DATA_FIN after the data */
        if (m->c.snd_una >= m->c.fin_dsn_tx && m->sfpcb[0])
            ns_tcp_ack_now(m->sfpcb[0]);
        else if (m->c.snd_una >= m->c.fin_dsn_tx)
            for (int k = 1; k < MPTCP_MAX_SUBFLOWS; k++)
                if (m->sfpcb[k]) {
                    ns_tcp_ack_now(m->sfpcb[k]);
                    break;
                }
    }
    bool last = m->live == 0;
    if (m->c.state != MPC_ESTABLISHED || last) {
        close_subflows(m);
        return;
    }
}

void ns_mp_abort(struct tcp_pcb *s)
{
    struct mpconn *m = ns_tcp_ext_ctx(s);
    if (!m) {
        ns_tcp_abort(s);
        return;
    }
    m->app_closed = true;
    m->closing = true;
    m->cb = NULL;
    m->handle_given_back = true;
    mptcp_table_remove(m->c.table, &m->c);
    if (m->c.state == MPC_ESTABLISHED)
        mptcp_abort(&m->c);
    for (int k = 0; k < MPTCP_MAX_SUBFLOWS; k++) {
        struct tcp_pcb *p = m->sfpcb[k];
        if (p && p != s)
            ns_tcp_abort(p); /* runs hk_closed */
    }
    if (sf_index(m, s) < 0)
        ns_tcp_set_ext_ctx(s, NULL);
    ns_tcp_abort(s);
    if (m->live == 0)
        conn_free(m);
}

void ns_mp_get_stats(const struct ns_mp *mp, struct ns_mp_stats *out)
{
    *out = mp->stats;
}

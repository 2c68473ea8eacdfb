/* mptcp_tx.c: what the server sends: DSN assignment, DSS/DATA_ACK, DATA_FIN, ADD_ADDR, resets. */
#include "mptcp.h"

void mptcp_sf_tx_acked(struct mptcp_subflow *sf, uint32_t ack)
{
    uint32_t rel = ack - sf->iss; /* 3.3: relative to the subflow's initial sequence number */
    if (!sf->tx_acked_valid || (int32_t)(rel - sf->tx_acked) > 0)
        sf->tx_acked = rel;
    sf->tx_acked_valid = true;
}

/* A mapping TCP will never (re)transmit again: every byte of it acknowledged at subflow level. */
static bool tx_acked_by(const struct mptcp_tx_map *x, uint32_t acked_rel)
{
    return x->sent && (int32_t)(x->ssn + x->len - acked_rel) <= 0;
}

static bool tx_sf_acked(const struct mptcp_subflow *sf, const struct mptcp_tx_map *x)
{
    return sf->tx_acked_valid && tx_acked_by(x, sf->tx_acked);
}

bool mptcp_tx_slot_free(const struct mptcp_subflow *sf, uint32_t ack)
{
    uint32_t rel = ack - sf->iss; /* 3.3: relative to the subflow's initial sequence number */
    if (sf->tx_acked_valid && (int32_t)(sf->tx_acked - rel) > 0)
        rel = sf->tx_acked;
    for (int i = 0; i < MPTCP_TX_MAPS; i++)
        if (!sf->tx_map[i].used || tx_acked_by(&sf->tx_map[i], rel))
            return true;
    return false;
}

/* A free send-mapping slot: unused, or sent and wholly acknowledged by the subflow's own TCP.
 * A DATA_ACK alone does not free it: the DSNs may have reached the peer on another subflow (a
 * reinjection) while this subflow's TCP still holds the bytes and may retransmit them; without
 * their mapping they would arrive unmapped, which Linux answers with a subflow reset. Nor does
 * it free an unsent one (a reinjection the original overtook: TCP sends its bytes later). */
static struct mptcp_tx_map *tx_slot(struct mptcp_subflow *sf)
{
    for (int i = 0; i < MPTCP_TX_MAPS; i++) {
        struct mptcp_tx_map *x = &sf->tx_map[i];
        if (!x->used || tx_sf_acked(sf, x)) {
            sf->tx_last = (int8_t)i;
            memset(x, 0, sizeof(*x));
            return x;
        }
    }
    return NULL;
}

int mptcp_tx_assign(struct mptcp_conn *c, struct mptcp_subflow *sf, uint32_t seq, const void *data,
                    uint16_t len, uint64_t *dsn_out)
{
    ASSERT(!c->fin_queued, "data queued after the DATA_FIN");
    ASSERT(len > 0, "empty mapping");
    ASSERT(!c->csum || data != NULL, "checksummed mapping needs its data");
    uint32_t rel = seq - sf->iss; /* 3.3: SSN is relative to the subflow's initial sequence */
    struct mptcp_tx_map *m = sf->tx_last >= 0 ? &sf->tx_map[sf->tx_last] : NULL;
    /* 3.3.1: the data-level length is 16 bits; a mapping a peer has seen must never change */
    if (!m || !m->used || m->sent || m->dsn + m->len != c->snd_nxt || m->ssn + m->len != rel ||
        (uint32_t)m->len + len > UINT16_MAX) {
        m = tx_slot(sf);
        if (!m)
            return -1;
        m->used = true;
        m->dsn = c->snd_nxt;
        m->ssn = rel;
        mptcp_csum_init(&m->acc);
    }
    if (c->csum)
        mptcp_csum_add(&m->acc, data, len);
    m->len = (uint16_t)(m->len + len);
    *dsn_out = c->snd_nxt;
    c->snd_nxt += len;
    return 0;
}

int mptcp_tx_assign_at(struct mptcp_conn *c, struct mptcp_subflow *sf, uint32_t seq, uint64_t dsn,
                       const void *data, uint16_t len)
{
    ASSERT(len > 0, "empty mapping");
    ASSERT(dsn + len <= c->snd_nxt, "reinjection of DSNs never assigned");
    ASSERT(!c->csum || data != NULL, "checksummed mapping needs its data");
    struct mptcp_tx_map *m = tx_slot(sf);
    if (!m)
        return -1;
    m->used = true;
    m->dsn = dsn;
    m->ssn = seq - sf->iss;
    m->len = len;
    mptcp_csum_init(&m->acc);
    if (c->csum)
        mptcp_csum_add(&m->acc, data, len);
    return 0;
}

size_t mptcp_tx_unacked(const struct mptcp_conn *c, const struct mptcp_subflow *sf,
                        struct mptcp_tx_range *out, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < MPTCP_TX_MAPS; i++) {
        const struct mptcp_tx_map *m = &sf->tx_map[i];
        if (!m->used || m->dsn + m->len <= c->snd_una)
            continue;
        uint64_t from = m->dsn > c->snd_una ? m->dsn : c->snd_una;
        struct mptcp_tx_range r = {.dsn = from, .len = (uint32_t)(m->dsn + m->len - from)};
        /* insertion by DSN keeps the list oldest first */
        size_t k = n < max ? n : max;
        while (k > 0 && out[k - 1].dsn > r.dsn) {
            if (k < max)
                out[k] = out[k - 1];
            k--;
        }
        if (k < max) {
            out[k] = r;
            if (n < max)
                n++;
        }
    }
    return n;
}

uint32_t mptcp_tx_room(const struct mptcp_conn *c)
{
    if (c->snd_wnd_edge <= c->snd_nxt)
        return 0;
    uint64_t r = c->snd_wnd_edge - c->snd_nxt;
    return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

void mptcp_tx_close(struct mptcp_conn *c)
{
    if (c->fin_queued)
        return;
    c->fin_queued = true;
    c->fin_dsn_tx = c->snd_nxt; /* 3.3.3: the DATA_FIN takes the next DSN */
}

static struct mptcp_tx_map *find_tx(struct mptcp_subflow *sf, uint32_t rel)
{
    for (int i = 0; i < MPTCP_TX_MAPS; i++) {
        struct mptcp_tx_map *m = &sf->tx_map[i];
        if (m->used && (uint32_t)(rel - m->ssn) < m->len)
            return m;
    }
    return NULL;
}

/* How many of the len bytes from rel on no send mapping covers: up to the next mapping's start. */
static uint32_t unmapped_run(const struct mptcp_subflow *sf, uint32_t rel, uint32_t len)
{
    for (int i = 0; i < MPTCP_TX_MAPS; i++) {
        const struct mptcp_tx_map *m = &sf->tx_map[i];
        uint32_t d = m->ssn - rel;
        if (m->used && d > 0 && d < len)
            len = d;
    }
    return len;
}

/* Appends o to buf[*n] if, padded, it still fits `room`. */
static bool put(const struct mptcp_opt *o, uint8_t *buf, size_t *n, size_t room)
{
    size_t l = mptcp_opt_len(o);
    if (l == 0 || ((*n + l + 3) & ~(size_t)3) > room)
        return false;
    size_t w = mptcp_opt_build(o, buf + *n, room - *n);
    ASSERT(w == l, "option length and build disagree");
    *n += w;
    return true;
}

static size_t finish(uint8_t *tmp, size_t n, uint8_t *buf, size_t room)
{
    n = mptcp_pad4(tmp, n);
    ASSERT(n <= room, "options exceed their budget");
    memcpy(buf, tmp, n);
    return n;
}

size_t mptcp_tx_opts(struct mptcp_conn *c, struct mptcp_subflow *sf, struct mptcp_tx_seg *seg,
                     uint8_t rst_reason, uint8_t *buf, size_t room)
{
    uint8_t tmp[TCP_OPT_SPACE + 4];
    size_t n = 0;
    struct mptcp_opt o;
    if (room > TCP_OPT_SPACE)
        room = TCP_OPT_SPACE;
    memset(&o, 0, sizeof(o));
    if (seg->tcp_flags & MPTCP_TCP_SYN)
        return 0; /* SYN/ACKs come from mptcp_synack_opts */
    if (seg->tcp_flags & MPTCP_TCP_RST) {
        if (c->state == MPC_FALLBACK)
            return 0;
        if (c->send_fastclose && c->state != MPC_SYN_RCVD) {
            o.subtype = MPTCP_SUB_FASTCLOSE; /* 3.5: carries the receiver's key */
            o.u.fastclose.key = c->remote_key;
        } else {
            o.subtype = MPTCP_SUB_TCPRST; /* 3.6 */
            o.u.tcprst.reason = rst_reason;
        }
        put(&o, tmp, &n, room);
        return finish(tmp, n, buf, room);
    }
    if (sf->state != SF_ESTABLISHED)
        return 0;
    if (c->state == MPC_FALLBACK) {
        /* 3.7: after a checksum failure the receiver says where with MP_FAIL, once. */
        if (c->send_mp_fail) {
            o.subtype = MPTCP_SUB_FAIL;
            o.u.fail.dsn = c->mp_fail_dsn;
            if (put(&o, tmp, &n, room))
                c->send_mp_fail = false;
            return finish(tmp, n, buf, room);
        }
        return 0;
    }
    if (c->state != MPC_ESTABLISHED)
        return 0;
    if (c->send_fastclose) {
        /* 3.5: MP_FASTCLOSE on an ACK; the peer answers with RSTs. */
        o.subtype = MPTCP_SUB_FASTCLOSE;
        o.u.fastclose.key = c->remote_key;
        put(&o, tmp, &n, room);
        return finish(tmp, n, buf, room);
    }
    /* DSS: DATA_ACK on every segment (interop pitfall 1), plus the mapping for the payload. */
    o.subtype = MPTCP_SUB_DSS;
    o.u.dss.flags = DSS_FLAG_A_ACK | DSS_FLAG_a_ACK8;
    o.u.dss.data_ack = c->rcv_nxt;
    uint32_t rel = seg->seq - sf->iss;
    if (c->send_infinite && seg->len) {
        /* 3.7: infinite mapping (length 0) answering MP_FAIL; then plain TCP. */
        const struct mptcp_tx_map *m = find_tx(sf, rel);
        o.u.dss.flags |= DSS_FLAG_M_MAP | DSS_FLAG_m_DSN8;
        o.u.dss.dsn = m ? m->dsn + (uint32_t)(rel - m->ssn) : c->mp_fail_dsn;
        o.u.dss.ssn = rel;
        o.u.dss.data_len = 0;
        o.u.dss.has_csum = c->csum;
        o.u.dss.csum = 0;
        if (put(&o, tmp, &n, room)) {
            c->send_infinite = false;
            c->state = MPC_FALLBACK;
        }
        return finish(tmp, n, buf, room);
    }
    struct mptcp_tx_map *m = seg->len ? find_tx(sf, rel) : NULL;
    /* No mapping for payload: it was DATA_ACKed already (its mapping slot was reused), so this is
     * a subflow-level retransmission the peer's TCP drops as a duplicate: a DATA_ACK suffices.
     * It must stop where the next mapping starts: bytes the peer has not seen yet travel only
     * with their DSS (3.3.1), or the peer finds no mapping for them (found by fuzz_glue: an RTO
     * retransmission from an acknowledged mapping ran on into newly queued data). */
    if (!m && seg->len)
        seg->len = (uint16_t)unmapped_run(sf, rel, seg->len);
    if (m) {
        uint32_t in = rel - m->ssn;
        if (seg->len > m->len - in)
            seg->len = (uint16_t)(m->len - in); /* a segment never spans two mappings */
        o.u.dss.flags |= DSS_FLAG_M_MAP | DSS_FLAG_m_DSN8;
        o.u.dss.dsn = m->dsn;
        o.u.dss.ssn = m->ssn;
        o.u.dss.data_len = m->len;
        o.u.dss.has_csum = c->csum;
        o.u.dss.csum = c->csum ? mptcp_dss_csum(&m->acc, m->dsn, m->ssn, m->len, 0) : 0;
        m->sent = true;
    } else if (seg->len == 0 && c->fin_queued && !c->fin_acked && c->snd_una >= c->fin_dsn_tx) {
        /* 3.3.3: standalone DATA_FIN: SSN 0, length 1, once every data byte is acknowledged
         * (Linux does the same), repeated on pure ACKs until the peer's DATA_ACK covers it. */
        o.u.dss.flags |= DSS_FLAG_M_MAP | DSS_FLAG_m_DSN8 | DSS_FLAG_F_FIN;
        o.u.dss.dsn = c->fin_dsn_tx;
        o.u.dss.ssn = 0;
        o.u.dss.data_len = 1;
        o.u.dss.has_csum = c->csum;
        if (c->csum) {
            struct mptcp_csum s;
            mptcp_csum_init(&s);
            o.u.dss.csum = mptcp_dss_csum(&s, c->fin_dsn_tx, 0, 1, 0);
        }
    }
    bool dss_ok = put(&o, tmp, &n, room);
    ASSERT(dss_ok || room < 28, "a full DSS fits any budget of 28 bytes or more");
    if (!dss_ok)
        return 0;
    /* ADD_ADDR (ours, or the echo we owe) when it still fits: on pure ACKs in practice. */
    struct mptcp_opt a;
    memset(&a, 0, sizeof(a));
    bool *due = NULL;
    if (c->echo.due) {
        a = c->echo.opt;
        due = &c->echo.due;
    } else if (c->ann.due && !c->ann.echoed) {
        a.subtype = MPTCP_SUB_ADD_ADDR;
        a.u.add_addr.addr_id = c->ann.id;
        memcpy(a.u.add_addr.addr, c->ann.addr, 4);
        a.u.add_addr.has_port = c->ann.port != 0;
        a.u.add_addr.port = c->ann.port;
        a.u.add_addr.hmac = mptcp_add_addr_hmac(c->local_key, c->remote_key, c->ann.id, c->ann.addr,
                                                4, c->ann.port);
        due = &c->ann.due;
    }
    if (due) {
        size_t before = n;
        if (!put(&a, tmp, &n, room) && !(o.u.dss.flags & DSS_FLAG_M_MAP)) {
            /* shrink the DATA_ACK to 32 bits to make room (3.3: both sizes are valid) */
            n = 0;
            o.u.dss.flags &= (uint8_t)~DSS_FLAG_a_ACK8;
            put(&o, tmp, &n, room);
            if (!put(&a, tmp, &n, room)) {
                n = 0;
                o.u.dss.flags |= DSS_FLAG_a_ACK8;
                put(&o, tmp, &n, room);
            }
        }
        if (n > before)
            *due = false;
    }
    return finish(tmp, n, buf, room);
}

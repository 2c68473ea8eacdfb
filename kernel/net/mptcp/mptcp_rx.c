/* mptcp_rx.c: the data-level receive side: mappings, reassembly across subflows, DATA_FIN, window.
 */
#include "mptcp.h"
#include "../../lib/crypto/sha256.h"

#define RMASK (MPTCP_RCVBUF - 1u)

static bool bit_get(const struct mptcp_conn *c, uint64_t dsn)
{
    uint32_t i = (uint32_t)dsn & RMASK;
    return (c->rmap[i >> 3] >> (i & 7)) & 1u;
}

static void bit_set(struct mptcp_conn *c, uint64_t dsn)
{
    uint32_t i = (uint32_t)dsn & RMASK;
    c->rmap[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static void bit_clear(struct mptcp_conn *c, uint64_t dsn)
{
    uint32_t i = (uint32_t)dsn & RMASK;
    c->rmap[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

size_t mptcp_readable(const struct mptcp_conn *c)
{
    uint64_t end = c->eof ? c->fin_dsn : c->rcv_nxt;
    return (size_t)(end - c->read_dsn);
}

uint32_t mptcp_rcv_wnd(const struct mptcp_conn *c)
{
    /* RFC 8684 3.3.4: the window is relative to the DATA_ACK (rcv_nxt); buffer space is shared by
     * in-order unread bytes and out-of-order ones, so the right edge is read_dsn + buffer. */
    uint64_t edge = c->read_dsn + MPTCP_RCVBUF;
    return c->rcv_nxt >= edge ? 0 : (uint32_t)(edge - c->rcv_nxt);
}

size_t mptcp_read(struct mptcp_conn *c, void *buf, size_t len)
{
    size_t n = mptcp_readable(c);
    uint8_t *out = buf;
    if (n > len)
        n = len;
    for (size_t done = 0; done < n;) {
        uint32_t off = (uint32_t)c->read_dsn & RMASK;
        size_t chunk = MPTCP_RCVBUF - off;
        if (chunk > n - done)
            chunk = n - done;
        memcpy(out + done, c->rbuf + off, chunk);
        done += chunk;
        c->read_dsn += chunk;
    }
    return n;
}

/* Copies data-level bytes [dsn, dsn+n) into the ring; returns how many leading bytes were taken
 * (stopping at the window edge). Bytes below rcv_nxt are duplicates: taken, not copied. */
static uint32_t copy_in(struct mptcp_conn *c, uint64_t dsn, const uint8_t *p, uint32_t n)
{
    uint64_t edge = c->read_dsn + MPTCP_RCVBUF;
    if (c->fin_rcvd && edge > c->fin_dsn)
        edge = c->fin_dsn; /* nothing lives at or after the DATA_FIN (RFC 8684 3.3.3) */
    uint64_t from = dsn < c->rcv_nxt ? c->rcv_nxt : dsn; /* below rcv_nxt: duplicates */
    if (from >= dsn + n)
        return n;
    uint64_t to = dsn + n < edge ? dsn + n : edge;
    if (to <= from)
        return (uint32_t)(from - dsn); /* only the duplicate prefix fits */
    for (uint64_t d = from; d < to;) {
        uint32_t off = (uint32_t)d & RMASK;
        uint64_t chunk = MPTCP_RCVBUF - off; /* up to the ring's end */
        if (chunk > to - d)
            chunk = to - d;
        memcpy(c->rbuf + off, p + (d - dsn), (size_t)chunk);
        d += chunk;
    }
    return (uint32_t)(to - dsn);
}

/* Marks copied bytes [dsn, dsn+n) present and moves the in-order point over contiguous ones. */
static void mark(struct mptcp_conn *c, const struct mptcp_subflow *sf, uint64_t dsn, uint32_t n,
                 uint64_t now_us)
{
    if (n == 0)
        return;
    uint64_t old_nxt = c->rcv_nxt;
    uint64_t d = dsn > c->rcv_nxt ? dsn : c->rcv_nxt;
    for (; d < dsn + n && ((uint32_t)d & 7); d++)
        bit_set(c, d);
    for (; d + 8 <= dsn + n; d += 8) /* whole bitmap bytes */
        c->rmap[((uint32_t)d & RMASK) >> 3] = 0xff;
    for (; d < dsn + n; d++)
        bit_set(c, d);
    if (dsn + n > c->rcv_high)
        c->rcv_high = dsn + n;
    /* whole bitmap bytes at once when aligned */
    while (c->rcv_nxt < c->rcv_high) {
        uint32_t i = (uint32_t)c->rcv_nxt & RMASK;
        if ((i & 7) == 0 && c->rcv_high - c->rcv_nxt >= 8 && c->rmap[i >> 3] == 0xff) {
            c->rmap[i >> 3] = 0;
            c->rcv_nxt += 8;
            continue;
        }
        if (!bit_get(c, c->rcv_nxt))
            break;
        bit_clear(c, c->rcv_nxt);
        c->rcv_nxt++;
    }
    /* These bytes filled a data-level hole if the in-order point moved past their end. */
    if (dsn <= old_nxt && c->rcv_nxt > dsn + n) {
        c->last_hole_filler = (int8_t)sf->index;
        c->last_hole_fill_us = now_us;
    }
    c->bytes_delivered += c->rcv_nxt - old_nxt;
}

static bool in_map(const struct mptcp_rx_map *m, uint32_t rel)
{
    return m->used && (m->infinite || (uint32_t)(rel - m->ssn) < m->sf_len);
}

static struct mptcp_rx_map *find_map(struct mptcp_subflow *sf, uint32_t rel)
{
    for (int i = 0; i < MPTCP_RX_MAPS; i++)
        if (in_map(&sf->rx_map[i], rel) && !sf->rx_map[i].infinite)
            return &sf->rx_map[i];
    for (int i = 0; i < MPTCP_RX_MAPS; i++)
        if (in_map(&sf->rx_map[i], rel))
            return &sf->rx_map[i];
    return NULL;
}

/* A slot for a new mapping: a free one, else one whose bytes were all placed already, else the
 * oldest (a mapping evicted too early only costs a retransmission: its data is refused). */
static struct mptcp_rx_map *map_slot(struct mptcp_subflow *sf)
{
    uint32_t done = sf->split ? sf->rx_data_nxt : sf->sf_rcv_nxt;
    for (int i = 0; i < MPTCP_RX_MAPS; i++)
        if (!sf->rx_map[i].used)
            return &sf->rx_map[i];
    for (int i = 0; i < MPTCP_RX_MAPS; i++) {
        const struct mptcp_rx_map *m = &sf->rx_map[i];
        if (!m->infinite && (int32_t)(m->ssn + m->sf_len - done) <= 0)
            return &sf->rx_map[i];
    }
    struct mptcp_rx_map *m = &sf->rx_map[sf->rx_map_next];
    sf->rx_map_next = (uint8_t)((sf->rx_map_next + 1) % MPTCP_RX_MAPS);
    return m;
}

/* Records a mapping. Returns -1 if it contradicts one we hold for the same subflow bytes
 * (Linux counts this as DSSNotMatching and resets the subflow). */
static int add_map(struct mptcp_conn *c, struct mptcp_subflow *sf, uint64_t dsn, uint32_t ssn,
                   uint16_t dl_len, bool fin, bool has_csum, uint16_t csum)
{
    uint32_t sf_len = dl_len - (fin ? 1u : 0u);
    bool infinite = dl_len == 0;
    for (int i = 0; i < MPTCP_RX_MAPS; i++) {
        struct mptcp_rx_map *m = &sf->rx_map[i];
        if (!m->used || m->infinite != infinite)
            continue;
        if (m->ssn == ssn && m->dsn == dsn && m->dl_len == dl_len)
            return 0; /* repeated mapping (every segment of a GSO burst carries it) */
        if (!infinite && sf_len && m->sf_len && in_map(m, ssn) &&
            m->dsn + (uint32_t)(ssn - m->ssn) != dsn)
            return -1;
    }
    struct mptcp_rx_map *m = map_slot(sf);
    memset(m, 0, sizeof(*m));
    m->used = true;
    m->infinite = infinite;
    m->fin = fin;
    m->dsn = dsn;
    m->ssn = ssn;
    m->dl_len = dl_len;
    m->sf_len = infinite ? 0 : sf_len;
    m->has_csum = has_csum && c->csum && !infinite;
    m->csum = csum;
    mptcp_csum_init(&m->acc);
    m->csum_next = ssn;
    if (infinite) {
        /* 3.7: an infinite mapping means the peer fell back; data maps linearly from here on. */
        c->fb_dsn = dsn;
        c->fb_ssn = ssn;
    }
    return 0;
}

void mptcp_enter_fallback(struct mptcp_conn *c, uint32_t rel, struct mptcp_rx_result *res,
                          uint8_t why)
{
    if (c->state != MPC_FALLBACK) {
        c->state = MPC_FALLBACK;
        res->verdict |= MPTCP_RX_FALLBACK;
        res->fallback_reason = why;
        mptcp_table_remove(c->table, c);
        /* 3.7: after fallback only one subflow may carry data: reset the others. */
        for (int i = 1; i < MPTCP_MAX_SUBFLOWS; i++) {
            if (c->sf[i].state == SF_ESTABLISHED || c->sf[i].state == SF_JOIN_SYN_RCVD) {
                res->reset_mask |= (uint8_t)(1u << i);
                res->verdict |= MPTCP_RX_RESET_SF;
                res->reset_reason = MPTCP_RST_MPTCP_ERR;
            }
        }
    }
    (void)rel;
}

/* RFC 8684 3.1: third ACK (or first data, 22/24 bytes) on the initial subflow. */
static void on_mpc_ack(struct mptcp_conn *c, struct mptcp_subflow *sf, const struct mptcp_seg *seg,
                       struct mptcp_rx_result *res)
{
    const struct mptcp_opt_set *o = seg->opts;
    uint32_t rel = seg->seq - sf->irs;
    if ((!o || !mptcp_has(o, MPTCP_SUB_CAPABLE)) && o && mptcp_has(o, MPTCP_SUB_DSS)) {
        /* 3.1: a DSS shows the peer speaks MPTCP and is past its third ACK, which was lost with
         * its first data (RFC 8684 3.1 puts MP_CAPABLE on those two only; a Linux client repeats it
         * only on a resent first segment). Without the peer's key its DSNs mean
         * nothing: keep waiting, and have TCP drop the payload so that first segment, with its
         * MP_CAPABLE, is sent again. Falling back here (as for a path that strips options) made
         * a connection plain TCP after a loss burst. */
        res->verdict |= MPTCP_RX_DROP_SEG;
        res->drop_reason = MPTCP_DROP_STATE;
        return;
    }
    if (!o || !mptcp_has(o, MPTCP_SUB_CAPABLE) || o->opt[MPTCP_SUB_CAPABLE].u.mpc.nkeys != 2) {
        /* 3.1: no MP_CAPABLE on the third ACK: the path strips options; continue as TCP. */
        sf->state = SF_ESTABLISHED;
        c->fb_dsn = 1;
        c->fb_ssn = 1;
        c->read_dsn = c->rcv_nxt = c->rcv_high = 1;
        mptcp_enter_fallback(c, rel, res, MPTCP_FB_NO_MPC_ACK);
        res->verdict |= MPTCP_RX_SF_UP;
        return;
    }
    const struct mptcp_opt *m = &o->opt[MPTCP_SUB_CAPABLE];
    if (m->u.mpc.rcv_key != c->local_key) {
        /* 3.1: the echoed key must be ours; anything else is not this connection. */
        res->verdict |= MPTCP_RX_RESET_SF;
        res->reset_mask |= (uint8_t)(1u << sf->index);
        res->reset_reason = MPTCP_RST_MPTCP_ERR;
        return;
    }
    c->remote_key = m->u.mpc.snd_key;
    c->remote_token = mptcp_key_token(c->remote_key);
    c->remote_idsn = mptcp_key_idsn(c->remote_key);
    /* 3.3: the first DSN the peer sends, and our first DATA_ACK, is IDSN + 1. */
    c->read_dsn = c->rcv_nxt = c->rcv_high = c->remote_idsn + 1;
    c->state = MPC_ESTABLISHED;
    sf->state = SF_ESTABLISHED;
    res->verdict |= MPTCP_RX_SF_UP;
}

/* RFC 8684 3.2: third ACK of MP_JOIN carries HMAC(Key-A||Key-B, R-A||R-B); answer at once. */
static void on_join_ack(struct mptcp_conn *c, struct mptcp_subflow *sf, const struct mptcp_seg *seg,
                        struct mptcp_rx_result *res)
{
    const struct mptcp_opt_set *o = seg->opts;
    uint8_t want[MPJ_HMAC_LEN];
    mptcp_join_ack_hmac(c->remote_key, c->local_key, sf->remote_nonce, sf->local_nonce, want);
    if (!o || !mptcp_has(o, MPTCP_SUB_JOIN) || o->opt[MPTCP_SUB_JOIN].u.join.step != MPJ_ACK ||
        !crypto_ct_equal(want, o->opt[MPTCP_SUB_JOIN].u.join.hmac, MPJ_HMAC_LEN)) {
        res->verdict |= MPTCP_RX_RESET_SF;
        res->reset_mask |= (uint8_t)(1u << sf->index);
        res->reset_reason = MPTCP_RST_MPTCP_ERR;
        sf->state = SF_CLOSED;
        sf->m.active = false;
        return;
    }
    sf->state = SF_ESTABLISHED;
    res->verdict |= MPTCP_RX_SF_UP | MPTCP_RX_ACK_NOW; /* the fourth ACK, immediately */
}

static void reset_sf(struct mptcp_rx_result *res, const struct mptcp_subflow *sf)
{
    res->verdict |= MPTCP_RX_RESET_SF;
    res->reset_mask |= (uint8_t)(1u << sf->index);
    res->reset_reason = MPTCP_RST_MPTCP_ERR;
}

static int established_count(const struct mptcp_conn *c)
{
    int n = 0;
    for (int i = 0; i < MPTCP_MAX_SUBFLOWS; i++)
        n += c->sf[i].state == SF_ESTABLISHED;
    return n;
}

/* Control options that need no mapping: ADD_ADDR, RM_ADDR, MP_PRIO, MP_FAIL, DATA_ACK. */
static void on_control(struct mptcp_conn *c, struct mptcp_subflow *sf,
                       const struct mptcp_opt_set *o, uint32_t wnd, struct mptcp_rx_result *res)
{
    if (mptcp_has(o, MPTCP_SUB_ADD_ADDR)) {
        const struct mptcp_opt *a = &o->opt[MPTCP_SUB_ADD_ADDR];
        if (a->u.add_addr.echo) {
            /* 3.4.1: the echo of our announcement stops its retransmission. */
            if (c->ann.active && a->u.add_addr.addr_id == c->ann.id && !a->u.add_addr.ipv6 &&
                memcmp(a->u.add_addr.addr, c->ann.addr, 4) == 0)
                c->ann.echoed = true;
        } else {
            size_t alen = a->u.add_addr.ipv6 ? 16 : 4;
            uint64_t h = mptcp_add_addr_hmac(c->remote_key, c->local_key, a->u.add_addr.addr_id,
                                             a->u.add_addr.addr, alen, a->u.add_addr.port);
            /* 3.4.1: a bad HMAC means the option is silently ignored (and not echoed). */
            if (h == a->u.add_addr.hmac) {
                c->echo.due = true;
                c->echo.opt = *a;
                c->echo.opt.u.add_addr.echo = true;
                c->echo.opt.u.add_addr.hmac = 0;
                res->verdict |= MPTCP_RX_ACK_NOW;
            }
        }
    }
    if (mptcp_has(o, MPTCP_SUB_RM_ADDR)) {
        const struct mptcp_opt *r = &o->opt[MPTCP_SUB_RM_ADDR];
        for (int k = 0; k < r->u.rm_addr.n; k++)
            for (int i = 0; i < MPTCP_MAX_SUBFLOWS; i++)
                if (c->sf[i].state == SF_ESTABLISHED &&
                    c->sf[i].remote_addr_id == r->u.rm_addr.ids[k]) {
                    /* 3.4.2: subflows using a removed address are closed by the receiver. */
                    res->verdict |= MPTCP_RX_RESET_SF;
                    res->reset_mask |= (uint8_t)(1u << i);
                    res->reset_reason = MPTCP_RST_ADMIN;
                }
    }
    if (mptcp_has(o, MPTCP_SUB_PRIO)) {
        sf->backup = o->opt[MPTCP_SUB_PRIO].u.prio.backup; /* 3.3.8 */
        sf->m.backup = sf->backup;
    }
    if (mptcp_has(o, MPTCP_SUB_FAIL)) {
        /* 3.7: the peer saw a checksum failure on data we sent: answer with an infinite
         * mapping and continue as TCP if this is the only subflow, else drop this subflow. */
        if (established_count(c) > 1) {
            reset_sf(res, sf);
        } else {
            c->send_infinite = true;
            c->mp_fail_dsn = o->opt[MPTCP_SUB_FAIL].u.fail.dsn;
        }
    }
    if (mptcp_has(o, MPTCP_SUB_DSS) && (o->opt[MPTCP_SUB_DSS].u.dss.flags & DSS_FLAG_A_ACK)) {
        const struct mptcp_opt *d = &o->opt[MPTCP_SUB_DSS];
        uint64_t ack = (d->u.dss.flags & DSS_FLAG_a_ACK8)
                           ? d->u.dss.data_ack
                           : mptcp_expand32(c->snd_una, (uint32_t)d->u.dss.data_ack);
        uint64_t top = c->snd_nxt + (c->fin_queued ? 1 : 0);
        /* 3.3.2: a DATA_ACK outside [snd_una, snd_nxt] acknowledges nothing we sent. */
        if (ack > c->snd_una && ack <= top)
            c->snd_una = ack;
        if (c->fin_queued && c->snd_una > c->fin_dsn_tx)
            c->fin_acked = true;
    }
    /* 3.3.4: every subflow's window is relative to the DATA_ACK; the edge only grows */
    if (c->snd_una + wnd > c->snd_wnd_edge)
        c->snd_wnd_edge = c->snd_una + wnd;
}

static void check_fin(struct mptcp_conn *c, struct mptcp_rx_result *res)
{
    /* 3.3.3: the DATA_FIN is acknowledged (DATA_ACK = its DSN + 1) once all data before it came. */
    if (c->fin_rcvd && !c->eof && c->rcv_nxt == c->fin_dsn) {
        c->rcv_nxt = c->fin_dsn + 1;
        c->eof = true;
        res->verdict |= MPTCP_RX_EOF | MPTCP_RX_ACK_NOW;
    }
}

/* Maps payload piece by piece onto the data level and stores it. */
static void place_payload(struct mptcp_conn *c, struct mptcp_subflow *sf,
                          const struct mptcp_seg *seg, struct mptcp_rx_result *res)
{
    uint32_t rel = seg->seq - sf->irs;
    uint32_t off = 0;
    while (off < seg->len) {
        uint32_t r = rel + off;
        uint64_t dsn;
        uint32_t n = seg->len - off;
        struct mptcp_rx_map *m = NULL;
        if (c->state == MPC_FALLBACK) {
            if (sf->index != 0) {
                res->drop_reason = MPTCP_DROP_STATE;
                break;
            }
            dsn = c->fb_dsn + (uint32_t)(r - c->fb_ssn);
        } else {
            m = find_map(sf, r);
            if (!m) {
                /* 3.7: data without any mapping before the peer ever sent a DSS, on the only
                 * subflow, means a middlebox stripped the options: fall back to TCP. */
                if (!c->peer_dss_seen && established_count(c) == 1 && sf->index == 0) {
                    c->fb_dsn = c->rcv_nxt;
                    c->fb_ssn = r;
                    mptcp_enter_fallback(c, r, res, MPTCP_FB_NO_MAPPING);
                    continue;
                }
                res->drop_reason = MPTCP_DROP_UNMAPPED;
                break;
            }
            if (m->infinite) {
                dsn = m->dsn + (uint32_t)(r - m->ssn);
            } else {
                uint32_t in = r - m->ssn;
                dsn = m->dsn + in;
                if (n > m->sf_len - in)
                    n = m->sf_len - in;
            }
            if (m->has_csum && !m->csum_done) {
                /* 3.3.1: a checksummed mapping becomes visible only once its sum verifies; it is
                 * summed in subflow order, bytes are held in the ring meanwhile. */
                int32_t ahead = (int32_t)(r - m->csum_next); /* > 0: bytes not yet summed */
                if (ahead > 0) {
                    res->drop_reason = MPTCP_DROP_CSUM;
                    break; /* a hole inside this mapping: wait for it in subflow order */
                }
                uint32_t skip = (uint32_t)-ahead; /* leading bytes already in the sum */
                uint32_t t = copy_in(c, dsn, seg->payload + off, n);
                if (t > skip) {
                    mptcp_csum_add(&m->acc, seg->payload + off + skip, t - skip);
                    m->csum_next += t - skip;
                }
                if (m->csum_next == m->ssn + m->sf_len) {
                    m->csum_done = true;
                    if (mptcp_dss_csum(&m->acc, m->dsn, m->ssn, m->dl_len, m->csum) != 0) {
                        /* 3.7: checksum failure: MP_FAIL and fallback when this is the only
                         * subflow, else reset the subflow. */
                        if (established_count(c) > 1) {
                            reset_sf(res, sf);
                        } else {
                            c->send_mp_fail = true;
                            c->mp_fail_dsn = m->dsn;
                            c->fb_dsn = m->dsn;
                            c->fb_ssn = m->ssn;
                            mptcp_enter_fallback(c, r, res, MPTCP_FB_NO_MAPPING);
                        }
                        res->drop_reason = MPTCP_DROP_CSUM;
                        break;
                    }
                    mark(c, sf, m->dsn, m->sf_len, seg->now_us);
                }
                off += t;
                if (t < n) {
                    res->drop_reason = MPTCP_DROP_WINDOW;
                    break;
                }
                continue;
            }
        }
        uint32_t t = copy_in(c, dsn, seg->payload + off, n);
        mark(c, sf, dsn, t, seg->now_us);
        off += t;
        if (t < n) {
            res->drop_reason = MPTCP_DROP_WINDOW;
            break;
        }
    }
    res->accepted = off;
}

/* Handshake steps, mappings and control options of one segment. Returns false when the segment
 * must go no further (reset, closed, handshake not complete). */
static bool rx_control(struct mptcp_conn *c, struct mptcp_subflow *sf, const struct mptcp_seg *seg,
                       struct mptcp_rx_result *res)
{
    ASSERT(sf >= c->sf && sf < c->sf + MPTCP_MAX_SUBFLOWS, "subflow not of this connection");
    const struct mptcp_opt_set *o = seg->opts;
    static const struct mptcp_opt_set none;
    if (!o)
        o = &none;

    if (seg->tcp_flags & MPTCP_TCP_RST) {
        if (mptcp_has(o, MPTCP_SUB_TCPRST))
            sf->m.rst_reason = o->opt[MPTCP_SUB_TCPRST].u.tcprst.reason; /* 3.6 */
        if (mptcp_has(o, MPTCP_SUB_FASTCLOSE) &&
            o->opt[MPTCP_SUB_FASTCLOSE].u.fastclose.key == c->local_key) {
            res->verdict |= MPTCP_RX_RESET_CONN; /* 3.5: RST + MP_FASTCLOSE closes it all */
            c->state = MPC_CLOSED;
        }
        return false;
    }
    if (sf->state == SF_FREE || sf->state == SF_CLOSED) {
        res->drop_reason = MPTCP_DROP_STATE;
        return false;
    }
    if (c->state != MPC_FALLBACK && mptcp_has(o, MPTCP_SUB_FASTCLOSE)) {
        /* 3.5: MP_FASTCLOSE on an ACK carries our key; the sender expects RSTs back. */
        if (o->opt[MPTCP_SUB_FASTCLOSE].u.fastclose.key == c->local_key) {
            res->verdict |= MPTCP_RX_RESET_CONN;
            c->state = MPC_CLOSED;
            return false;
        }
    }
    if (sf->state == SF_MPC_SYN_RCVD) {
        on_mpc_ack(c, sf, seg, res);
        if (sf->state != SF_ESTABLISHED)
            return false;
    } else if (sf->state == SF_JOIN_SYN_RCVD) {
        on_join_ack(c, sf, seg, res);
        if (seg->len)
            res->drop_reason = MPTCP_DROP_STATE; /* 3.2: no data before the fourth ACK */
        return false;
    }
    /* 3.1 / 3.2: a repeated third ACK (MP_CAPABLE with both keys, or MP_JOIN ACK) means our
     * answer was lost: the peer waits for a DATA_ACK (fully established / fourth ACK). */
    if (c->state != MPC_FALLBACK &&
        ((mptcp_has(o, MPTCP_SUB_JOIN) && o->opt[MPTCP_SUB_JOIN].u.join.step == MPJ_ACK) ||
         (mptcp_has(o, MPTCP_SUB_CAPABLE) && o->opt[MPTCP_SUB_CAPABLE].u.mpc.nkeys == 2)))
        res->verdict |= MPTCP_RX_ACK_NOW;
    if (c->state == MPC_ESTABLISHED) {
        /* 3.1: until the peer sees our DATA_ACK it repeats MP_CAPABLE; the 22/24-byte form
         * maps the first data implicitly: DSN = IDSN-A + 1, SSN = 1. */
        if (sf->index == 0 && mptcp_has(o, MPTCP_SUB_CAPABLE)) {
            const struct mptcp_opt *m = &o->opt[MPTCP_SUB_CAPABLE];
            if (m->u.mpc.has_data_len && m->u.mpc.data_len &&
                add_map(c, sf, c->remote_idsn + 1, 1, m->u.mpc.data_len, false, m->u.mpc.has_csum,
                        m->u.mpc.csum) != 0) {
                reset_sf(res, sf);
                return false;
            }
        }
        if (mptcp_has(o, MPTCP_SUB_DSS)) {
            const struct mptcp_opt *d = &o->opt[MPTCP_SUB_DSS];
            c->peer_dss_seen = true;
            if (d->u.dss.flags & DSS_FLAG_M_MAP) {
                uint64_t dsn = (d->u.dss.flags & DSS_FLAG_m_DSN8)
                                   ? d->u.dss.dsn
                                   : mptcp_expand32(c->rcv_nxt, (uint32_t)d->u.dss.dsn);
                bool fin = d->u.dss.flags & DSS_FLAG_F_FIN;
                if (fin && (!c->fin_rcvd || c->fin_dsn == dsn + d->u.dss.data_len - 1u)) {
                    c->fin_rcvd = true;
                    c->fin_dsn = dsn + d->u.dss.data_len - 1u; /* 3.3.3: last DSN of the map */
                }
                /* A standalone DATA_FIN (length 1, SSN 0) covers no subflow byte. */
                if (d->u.dss.data_len != 1 || !fin) {
                    if (add_map(c, sf, dsn, d->u.dss.ssn, d->u.dss.data_len, fin, d->u.dss.has_csum,
                                d->u.dss.csum) != 0) {
                        reset_sf(res, sf); /* 3.3.1: contradicting mapping */
                        return false;
                    }
                }
            }
        }
    }
    if (c->state != MPC_FALLBACK) /* 3.7: after fallback MPTCP options mean nothing */
        on_control(c, sf, o, seg->wnd, res);
    return true;
}

static void rx_finish(struct mptcp_conn *c, uint64_t old_nxt, struct mptcp_rx_result *res)
{
    check_fin(c, res);
    if (c->rcv_nxt != old_nxt && mptcp_readable(c))
        res->verdict |= MPTCP_RX_DATA_READY;
}

void mptcp_rx_segment(struct mptcp_conn *c, struct mptcp_subflow *sf, const struct mptcp_seg *seg,
                      struct mptcp_rx_result *res)
{
    memset(res, 0, sizeof(*res));
    uint64_t old_nxt = c->rcv_nxt;
    if (!rx_control(c, sf, seg, res))
        return;
    if (seg->len) {
        place_payload(c, sf, seg, res);
        if (res->accepted)
            mptcp_metrics_on_arrival(sf, seg->seq - sf->irs, res->accepted, seg->now_us);
    }
    rx_finish(c, old_nxt, res);
}

void mptcp_rx_options(struct mptcp_conn *c, struct mptcp_subflow *sf, const struct mptcp_seg *seg,
                      struct mptcp_rx_result *res)
{
    memset(res, 0, sizeof(*res));
    uint64_t old_nxt = c->rcv_nxt;
    if (!sf->split) {
        sf->split = true;
        sf->rx_data_nxt = 1; /* relative sequence of the first data byte */
    }
    if (!rx_control(c, sf, seg, res))
        return;
    if (seg->len)
        mptcp_metrics_on_arrival(sf, seg->seq - sf->irs, seg->len, seg->now_us);
    rx_finish(c, old_nxt, res);
}

void mptcp_rx_data(struct mptcp_conn *c, struct mptcp_subflow *sf, uint32_t seq,
                   const uint8_t *data, uint32_t len, uint64_t now_us, struct mptcp_rx_result *res)
{
    memset(res, 0, sizeof(*res));
    ASSERT(sf >= c->sf && sf < c->sf + MPTCP_MAX_SUBFLOWS, "subflow not of this connection");
    if (sf->state != SF_ESTABLISHED || c->state == MPC_CLOSED || c->state == MPC_SYN_RCVD) {
        res->drop_reason = MPTCP_DROP_STATE;
        return;
    }
    uint64_t old_nxt = c->rcv_nxt;
    struct mptcp_seg seg = {.seq = seq, .payload = data, .len = len, .now_us = now_us};
    if (!sf->split) {
        sf->split = true;
        sf->rx_data_nxt = seq - sf->irs;
    }
    if (len)
        place_payload(c, sf, &seg, res);
    /* TCP hands over bytes in subflow order: the placed point moves with what was taken */
    if ((int32_t)(seq - sf->irs + res->accepted - sf->rx_data_nxt) > 0)
        sf->rx_data_nxt = seq - sf->irs + res->accepted;
    rx_finish(c, old_nxt, res);
}

/* mptcp_conn.c: connection and subflow set-up: token table, MP_CAPABLE and MP_JOIN (RFC
 * 8684 3.1, 3.2). */
#include "mptcp.h"
#include "../../lib/crypto/sha256.h"

void mptcp_table_init(struct mptcp_token_table *t)
{
    memset(t, 0, sizeof(*t));
}

struct mptcp_conn *mptcp_table_lookup(struct mptcp_token_table *t, uint32_t token)
{
    for (size_t i = 0; i < MPTCP_MAX_CONNS; i++)
        if (t->conn[i] && t->conn[i]->local_token == token)
            return t->conn[i];
    return NULL;
}

/* RFC 8684 3.1: a token must be unique among this host's connections; the caller retries with a
 * fresh key on collision, as Linux does (mptcp_token_new_request). */
int mptcp_table_insert(struct mptcp_token_table *t, struct mptcp_conn *c)
{
    if (mptcp_table_lookup(t, c->local_token))
        return -1;
    for (size_t i = 0; i < MPTCP_MAX_CONNS; i++) {
        if (!t->conn[i]) {
            t->conn[i] = c;
            c->table = t;
            return 0;
        }
    }
    return -1;
}

void mptcp_table_remove(struct mptcp_token_table *t, struct mptcp_conn *c)
{
    if (!t)
        return;
    for (size_t i = 0; i < MPTCP_MAX_CONNS; i++)
        if (t->conn[i] == c)
            t->conn[i] = NULL;
    c->table = NULL;
}

enum mptcp_syn_kind mptcp_syn_classify(struct mptcp_token_table *t, const struct mptcp_opt_set *syn)
{
    if (mptcp_has(syn, MPTCP_SUB_CAPABLE)) {
        /* 3.1: a SYN carries the 4-byte form; any other form on a SYN is not a valid offer. */
        return syn->opt[MPTCP_SUB_CAPABLE].u.mpc.nkeys == 0 ? MPTCP_SYN_CAPABLE : MPTCP_SYN_PLAIN;
    }
    if (mptcp_has(syn, MPTCP_SUB_JOIN)) {
        const struct mptcp_opt *j = &syn->opt[MPTCP_SUB_JOIN];
        if (j->u.join.step != MPJ_SYN)
            return MPTCP_SYN_PLAIN;
        struct mptcp_conn *c = mptcp_table_lookup(t, j->u.join.token);
        /* 3.2: unknown token => RST; subflows join only a fully established connection. */
        if (!c || c->state != MPC_ESTABLISHED)
            return MPTCP_SYN_RESET;
        return MPTCP_SYN_JOIN;
    }
    return MPTCP_SYN_PLAIN;
}

void mptcp_sf_reset_state(struct mptcp_subflow *sf, uint8_t index)
{
    memset(sf, 0, sizeof(*sf));
    sf->index = index;
    sf->sf_rcv_nxt = 1; /* relative sequence 0 is the SYN */
    sf->m.rst_reason = 0xff;
    sf->tx_last = -1;
}

int mptcp_accept_capable(struct mptcp_conn *c, struct mptcp_token_table *t,
                         const struct mptcp_opt_set *syn, uint64_t local_key, uint32_t iss,
                         uint32_t irs)
{
    ASSERT(mptcp_has(syn, MPTCP_SUB_CAPABLE), "accept_capable needs an MP_CAPABLE SYN");
    memset(c, 0, sizeof(*c));
    c->local_key = local_key;
    c->local_token = mptcp_key_token(local_key);
    c->local_idsn = mptcp_key_idsn(local_key);
    /* 3.1: checksums are used if either side sets A; we never require them ourselves. */
    c->csum = syn->opt[MPTCP_SUB_CAPABLE].u.mpc.flags & MPC_FLAG_A_CSUM;
    /* 3.3: our first DSN is IDSN + 1 (the SYN occupies the IDSN). */
    c->snd_una = c->snd_nxt = c->snd_wnd_edge = c->local_idsn + 1;
    c->last_hole_filler = -1;
    if (mptcp_table_insert(t, c) != 0) {
        memset(c, 0, sizeof(*c));
        return -1;
    }
    for (uint8_t i = 0; i < MPTCP_MAX_SUBFLOWS; i++)
        mptcp_sf_reset_state(&c->sf[i], i);
    struct mptcp_subflow *sf = &c->sf[0];
    sf->state = SF_MPC_SYN_RCVD;
    sf->iss = iss;
    sf->irs = irs;
    sf->m.active = true;
    c->state = MPC_SYN_RCVD;
    return 0;
}

struct mptcp_subflow *mptcp_accept_join(struct mptcp_token_table *t,
                                        const struct mptcp_opt_set *syn, uint8_t local_addr_id,
                                        uint32_t local_nonce, uint32_t iss, uint32_t irs,
                                        struct mptcp_conn **conn_out)
{
    *conn_out = NULL;
    if (mptcp_syn_classify(t, syn) != MPTCP_SYN_JOIN)
        return NULL;
    const struct mptcp_opt *j = &syn->opt[MPTCP_SUB_JOIN];
    struct mptcp_conn *c = mptcp_table_lookup(t, j->u.join.token);
    ASSERT(c != NULL, "classified JOIN without a connection");
    for (uint8_t i = 1; i < MPTCP_MAX_SUBFLOWS; i++) {
        struct mptcp_subflow *sf = &c->sf[i];
        if (sf->state != SF_FREE && sf->state != SF_CLOSED)
            continue;
        mptcp_sf_reset_state(sf, i);
        sf->state = SF_JOIN_SYN_RCVD;
        sf->iss = iss;
        sf->irs = irs;
        sf->local_nonce = local_nonce;
        sf->remote_nonce = j->u.join.nonce;
        sf->local_addr_id = local_addr_id;
        sf->remote_addr_id = j->u.join.addr_id;
        sf->backup = j->u.join.backup;
        sf->m.active = true;
        sf->m.backup = sf->backup;
        sf->m.local_addr_id = local_addr_id;
        sf->m.remote_addr_id = sf->remote_addr_id;
        *conn_out = c;
        return sf;
    }
    return NULL; /* 3.2: no resources for another subflow: the caller answers RST */
}

/* Pads an option block with NOPs (RFC 9293 3.1 kind 1) up to a 4-byte boundary. */
size_t mptcp_pad4(uint8_t *buf, size_t n)
{
    while (n & 3)
        buf[n++] = 1;
    return n;
}

size_t mptcp_synack_opts(const struct mptcp_conn *c, const struct mptcp_subflow *sf, uint8_t *buf,
                         size_t room)
{
    struct mptcp_opt o;
    uint8_t tmp[TCP_OPT_SPACE];
    memset(&o, 0, sizeof(o));
    if (sf->state == SF_MPC_SYN_RCVD) {
        o.subtype = MPTCP_SUB_CAPABLE;
        o.u.mpc.version = MPTCP_VERSION;
        o.u.mpc.flags = MPC_FLAG_H_SHA256 | (c->csum ? MPC_FLAG_A_CSUM : 0);
        o.u.mpc.nkeys = 1;
        o.u.mpc.snd_key = c->local_key;
    } else if (sf->state == SF_JOIN_SYN_RCVD) {
        o.subtype = MPTCP_SUB_JOIN;
        o.u.join.step = MPJ_SYNACK;
        o.u.join.addr_id = sf->local_addr_id;
        o.u.join.hmac64 =
            mptcp_join_synack_hmac(c->local_key, c->remote_key, sf->local_nonce, sf->remote_nonce);
        o.u.join.nonce = sf->local_nonce;
    } else {
        return 0;
    }
    size_t n = mptcp_opt_build(&o, tmp, sizeof(tmp));
    ASSERT(n > 0, "SYN/ACK option must encode");
    n = mptcp_pad4(tmp, n);
    if (n > room)
        return 0;
    memcpy(buf, tmp, n);
    return n;
}

void mptcp_announce(struct mptcp_conn *c, uint8_t id, const uint8_t addr[4], uint16_t port,
                    uint64_t now_us)
{
    /* 3.4.1: address ID 0 is the initial subflow's address and is never announced. */
    ASSERT(id != 0, "ADD_ADDR id 0 is reserved for the initial address");
    c->ann.active = true;
    c->ann.echoed = false;
    c->ann.id = id;
    memcpy(c->ann.addr, addr, 4);
    c->ann.port = port;
    c->ann.tries = 1;
    c->ann.due = true;
    c->ann.next_us = now_us + MPTCP_ADD_ADDR_RTO_US;
}

void mptcp_abort(struct mptcp_conn *c)
{
    c->send_fastclose = true;
}

uint64_t mptcp_timer_deadline(const struct mptcp_conn *c)
{
    if (c->state == MPC_ESTABLISHED && c->ann.active && !c->ann.echoed &&
        c->ann.tries < MPTCP_ADD_ADDR_TRIES)
        return c->ann.next_us;
    return UINT64_MAX;
}

int mptcp_on_timer(struct mptcp_conn *c, uint64_t now_us)
{
    uint64_t d = mptcp_timer_deadline(c);
    if (d == UINT64_MAX || now_us < d)
        return -1;
    c->ann.tries++;
    c->ann.due = true;
    c->ann.next_us = now_us + MPTCP_ADD_ADDR_RTO_US;
    for (int i = 0; i < MPTCP_MAX_SUBFLOWS; i++)
        if (c->sf[i].state == SF_ESTABLISHED)
            return i;
    c->ann.due = false;
    return -1;
}

void mptcp_subflow_closed(struct mptcp_conn *c, struct mptcp_subflow *sf)
{
    ASSERT(sf >= c->sf && sf < c->sf + MPTCP_MAX_SUBFLOWS, "subflow not of this connection");
    sf->state = SF_CLOSED;
    sf->m.active = false;
}

void mptcp_conn_release(struct mptcp_conn *c)
{
    mptcp_table_remove(c->table, c);
    c->state = MPC_CLOSED;
}

uint64_t mptcp_expand32(uint64_t ref, uint32_t v)
{
    /* RFC 8684 3.3: a 32-bit DSN/DATA_ACK holds the low bits; take the 64-bit value nearest ref. */
    int32_t d = (int32_t)(v - (uint32_t)ref);
    return ref + (uint64_t)(int64_t)d;
}

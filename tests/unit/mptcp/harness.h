/* harness.h: helpers that drive the MPTCP module the way the TCP layer will (tests and fuzzers). */
#ifndef NETSYNC_MPTCP_HARNESS_H
#define NETSYNC_MPTCP_HARNESS_H

#include "../../../kernel/net/mptcp/mptcp.h"

/* Keys and nonces of the reference notes: A is the Linux client, B this server. */
#define H_KEY_A 0x0102030405060708ull
#define H_KEY_B 0x1112131415161718ull
#define H_R_A   0x01020304u
#define H_R_B   0x05060708u
#define H_ISS   1000u       /* server ISN on the initial subflow */
#define H_IRS   0xfffffff0u /* client ISN: relative numbers wrap the 32-bit space early */

static inline void h_set_one(struct mptcp_opt_set *s, const struct mptcp_opt *o)
{
    s->opt[o->subtype] = *o;
    s->present |= (uint16_t)(1u << o->subtype);
}

static inline struct mptcp_opt h_mpc(uint8_t nkeys, uint64_t snd, uint64_t rcv, uint16_t dlen,
                                     bool csum_flag)
{
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_CAPABLE;
    o.u.mpc.version = MPTCP_VERSION;
    o.u.mpc.flags = MPC_FLAG_H_SHA256 | (csum_flag ? MPC_FLAG_A_CSUM : 0);
    o.u.mpc.nkeys = nkeys;
    o.u.mpc.snd_key = snd;
    o.u.mpc.rcv_key = rcv;
    o.u.mpc.has_data_len = dlen != 0;
    o.u.mpc.data_len = dlen;
    return o;
}

static inline struct mptcp_opt h_dss_map(uint64_t dsn, uint32_t ssn, uint16_t len, bool dsn8,
                                         bool fin)
{
    struct mptcp_opt o;
    memset(&o, 0, sizeof(o));
    o.subtype = MPTCP_SUB_DSS;
    o.u.dss.flags = DSS_FLAG_M_MAP | (dsn8 ? DSS_FLAG_m_DSN8 : 0) | (fin ? DSS_FLAG_F_FIN : 0);
    o.u.dss.dsn = dsn8 ? dsn : (uint32_t)dsn;
    o.u.dss.ssn = ssn;
    o.u.dss.data_len = len;
    return o;
}

/* An MP_CAPABLE SYN (RFC 8684 3.1: no key) with the checksum flag as given. */
static inline struct mptcp_opt_set h_mpc_syn(bool csum)
{
    struct mptcp_opt_set syn;
    memset(&syn, 0, sizeof(syn));
    struct mptcp_opt o = h_mpc(0, 0, 0, 0, csum);
    h_set_one(&syn, &o);
    return syn;
}

/* Server side of an MP_CAPABLE SYN with key_b on the initial subflow (H_ISS, H_IRS); 0 or the
 * module's error. The connection then waits for the third ACK. */
static inline int h_accept_syn(struct mptcp_conn *c, struct mptcp_token_table *t, uint64_t key_b,
                               bool csum)
{
    struct mptcp_opt_set syn = h_mpc_syn(csum);
    return mptcp_accept_capable(c, t, &syn, key_b, H_ISS, H_IRS);
}

/* Server side of an MP_CAPABLE handshake up to "fully established" (third ACK processed). */
static inline int h_establish_keys(struct mptcp_conn *c, struct mptcp_token_table *t,
                                   uint64_t key_a, uint64_t key_b, bool csum)
{
    struct mptcp_opt_set syn = h_mpc_syn(csum);
    if (mptcp_syn_classify(t, &syn) != MPTCP_SYN_CAPABLE)
        return -1;
    if (mptcp_accept_capable(c, t, &syn, key_b, H_ISS, H_IRS) != 0)
        return -2;
    struct mptcp_opt_set ack;
    memset(&ack, 0, sizeof(ack));
    struct mptcp_opt o = h_mpc(2, key_a, key_b, 0, csum);
    h_set_one(&ack, &o);
    struct mptcp_seg seg = {.seq = H_IRS + 1, .tcp_flags = MPTCP_TCP_ACK, .opts = &ack};
    struct mptcp_rx_result r;
    mptcp_rx_segment(c, &c->sf[0], &seg, &r);
    if (!(r.verdict & MPTCP_RX_SF_UP) || c->state != MPC_ESTABLISHED)
        return -3;
    return 0;
}

static inline int h_establish(struct mptcp_conn *c, struct mptcp_token_table *t, uint64_t key_b,
                              bool csum)
{
    return h_establish_keys(c, t, H_KEY_A, key_b, csum);
}

/* Sends a data segment at relative subflow seq `rel` on sf with the given option set. */
static inline void h_seg(struct mptcp_conn *c, struct mptcp_subflow *sf, uint32_t rel,
                         const uint8_t *p, uint32_t len, const struct mptcp_opt_set *o,
                         uint64_t now, struct mptcp_rx_result *r)
{
    struct mptcp_seg seg = {.seq = sf->irs + rel,
                            .tcp_flags = MPTCP_TCP_ACK,
                            .payload = p,
                            .len = len,
                            .opts = o,
                            .now_us = now};
    mptcp_rx_segment(c, sf, &seg, r);
}

/* MP_JOIN of a second subflow with the reference nonces; returns it established or NULL. */
static inline struct mptcp_subflow *h_join(struct mptcp_conn *c, struct mptcp_token_table *t,
                                           uint32_t irs)
{
    struct mptcp_opt_set syn;
    memset(&syn, 0, sizeof(syn));
    struct mptcp_opt j;
    memset(&j, 0, sizeof(j));
    j.subtype = MPTCP_SUB_JOIN;
    j.u.join.step = MPJ_SYN;
    j.u.join.addr_id = 2;
    j.u.join.token = c->local_token;
    j.u.join.nonce = H_R_A;
    h_set_one(&syn, &j);
    struct mptcp_conn *jc = NULL;
    struct mptcp_subflow *sf = mptcp_accept_join(t, &syn, 1, H_R_B, 7000, irs, &jc);
    if (!sf || jc != c)
        return NULL;
    struct mptcp_opt_set ack;
    memset(&ack, 0, sizeof(ack));
    memset(&j, 0, sizeof(j));
    j.subtype = MPTCP_SUB_JOIN;
    j.u.join.step = MPJ_ACK;
    mptcp_join_ack_hmac(c->remote_key, c->local_key, H_R_A, H_R_B, j.u.join.hmac);
    h_set_one(&ack, &j);
    struct mptcp_rx_result r;
    h_seg(c, sf, 1, NULL, 0, &ack, 0, &r);
    if (!(r.verdict & MPTCP_RX_SF_UP))
        return NULL;
    return sf;
}

#endif

/* mptcp_opt.c: parsing and building of MPTCP v1 options, one function per subtype (RFC 8684 3). */
#include "mptcp_opt.h"
#include "mptcp_wire.h"

const char *mptcp_opt_strerror(int err)
{
    switch (err) {
    case MPTCP_OPT_OK:
        return "ok";
    case MPTCP_OPT_ERR_TRUNCATED:
        return "truncated option";
    case MPTCP_OPT_ERR_KIND:
        return "not an MPTCP option (kind != 30)";
    case MPTCP_OPT_ERR_SUBTYPE:
        return "unknown MPTCP subtype";
    case MPTCP_OPT_ERR_LENGTH:
        return "length invalid for subtype";
    case MPTCP_OPT_ERR_VERSION:
        return "unsupported MPTCP version";
    case MPTCP_OPT_ERR_FLAGS:
        return "reserved or mandatory flag bit wrong";
    case MPTCP_OPT_ERR_VALUE:
        return "forbidden field value";
    default:
        return "unknown error";
    }
}

/* ---- MP_CAPABLE, RFC 8684 3.1 Figure 4 ---- */
static int parse_capable(const uint8_t *p, uint8_t len, struct mptcp_opt *o)
{
    o->u.mpc.version = p[2] & 0x0f;
    o->u.mpc.flags = p[3];
    switch (len) {
    case MPC_LEN_SYN:
        o->u.mpc.nkeys = 0;
        break;
    case MPC_LEN_SYNACK:
        o->u.mpc.nkeys = 1;
        break;
    case MPC_LEN_ACK:
    case MPC_LEN_DATA:
    case MPC_LEN_DATA_CSUM:
        o->u.mpc.nkeys = 2;
        break;
    default:
        return MPTCP_OPT_ERR_LENGTH;
    }
    /* 3.1: version 0 is RFC 6824 (SHA-1), not spoken here. A SYN may offer a higher version
     * (the server then answers with 1); every later step must carry the negotiated 1. */
    if (o->u.mpc.version == 0 || (len != MPC_LEN_SYN && o->u.mpc.version != MPTCP_VERSION))
        return MPTCP_OPT_ERR_VERSION;
    /* 3.1: B is for extensibility and must be 0; H must be 1 (HMAC-SHA256); D-G unassigned. */
    if ((o->u.mpc.flags & MPC_FLAG_B_EXT) || !(o->u.mpc.flags & MPC_FLAG_H_SHA256))
        return MPTCP_OPT_ERR_FLAGS;
    if (o->u.mpc.nkeys >= 1)
        o->u.mpc.snd_key = get_be64(p + 4);
    if (o->u.mpc.nkeys == 2)
        o->u.mpc.rcv_key = get_be64(p + 12);
    o->u.mpc.has_data_len = len >= MPC_LEN_DATA;
    if (o->u.mpc.has_data_len)
        o->u.mpc.data_len = get_be16(p + 20);
    o->u.mpc.has_csum = len == MPC_LEN_DATA_CSUM;
    if (o->u.mpc.has_csum)
        o->u.mpc.csum = get_be16(p + 22);
    return MPTCP_OPT_OK;
}

static size_t capable_len(const struct mptcp_opt *o)
{
    switch (o->u.mpc.nkeys) {
    case 0:
        return MPC_LEN_SYN;
    case 1:
        return MPC_LEN_SYNACK;
    case 2:
        if (!o->u.mpc.has_data_len)
            return o->u.mpc.has_csum ? 0 : MPC_LEN_ACK;
        return o->u.mpc.has_csum ? MPC_LEN_DATA_CSUM : MPC_LEN_DATA;
    default:
        return 0;
    }
}

static void build_capable(const struct mptcp_opt *o, uint8_t *b, size_t len)
{
    b[2] = (uint8_t)(MPTCP_SUB_CAPABLE << 4 | (o->u.mpc.version & 0x0f));
    b[3] = o->u.mpc.flags;
    if (len >= MPC_LEN_SYNACK)
        put_be64(b + 4, o->u.mpc.snd_key);
    if (len >= MPC_LEN_ACK)
        put_be64(b + 12, o->u.mpc.rcv_key);
    if (len >= MPC_LEN_DATA)
        put_be16(b + 20, o->u.mpc.data_len);
    if (len >= MPC_LEN_DATA_CSUM)
        put_be16(b + 22, o->u.mpc.csum);
}

/* ---- MP_JOIN, RFC 8684 3.2 Figures 5, 6, 7 ---- */
static int parse_join(const uint8_t *p, uint8_t len, struct mptcp_opt *o)
{
    switch (len) {
    case MPJ_LEN_SYN:
        o->u.join.step = MPJ_SYN;
        o->u.join.backup = p[2] & MPJ_FLAG_BACKUP;
        o->u.join.addr_id = p[3];
        o->u.join.token = get_be32(p + 4);
        o->u.join.nonce = get_be32(p + 8);
        break;
    case MPJ_LEN_SYNACK:
        o->u.join.step = MPJ_SYNACK;
        o->u.join.backup = p[2] & MPJ_FLAG_BACKUP;
        o->u.join.addr_id = p[3];
        o->u.join.hmac64 = get_be64(p + 4);
        o->u.join.nonce = get_be32(p + 12);
        break;
    case MPJ_LEN_ACK:
        o->u.join.step = MPJ_ACK;
        /* Figure 7: the nibble after the subtype and byte 3 are reserved. */
        if ((p[2] & 0x0f) || p[3])
            return MPTCP_OPT_ERR_FLAGS;
        memcpy(o->u.join.hmac, p + 4, MPJ_HMAC_LEN);
        break;
    default:
        return MPTCP_OPT_ERR_LENGTH;
    }
    /* Figures 5/6: the three bits between subtype and B are reserved. */
    if (len != MPJ_LEN_ACK && (p[2] & 0x0e))
        return MPTCP_OPT_ERR_FLAGS;
    return MPTCP_OPT_OK;
}

static size_t join_len(const struct mptcp_opt *o)
{
    switch (o->u.join.step) {
    case MPJ_SYN:
        return MPJ_LEN_SYN;
    case MPJ_SYNACK:
        return MPJ_LEN_SYNACK;
    case MPJ_ACK:
        return MPJ_LEN_ACK;
    default:
        return 0;
    }
}

static void build_join(const struct mptcp_opt *o, uint8_t *b)
{
    b[2] = (uint8_t)(MPTCP_SUB_JOIN << 4);
    if (o->u.join.step != MPJ_ACK) {
        b[2] |= o->u.join.backup ? MPJ_FLAG_BACKUP : 0;
        b[3] = o->u.join.addr_id;
    } else {
        b[3] = 0;
    }
    switch (o->u.join.step) {
    case MPJ_SYN:
        put_be32(b + 4, o->u.join.token);
        put_be32(b + 8, o->u.join.nonce);
        break;
    case MPJ_SYNACK:
        put_be64(b + 4, o->u.join.hmac64);
        put_be32(b + 12, o->u.join.nonce);
        break;
    default:
        memcpy(b + 4, o->u.join.hmac, MPJ_HMAC_LEN);
        break;
    }
}

/* ---- DSS, RFC 8684 3.3 Figure 9 ---- */
static size_t dss_len_for(uint8_t flags, bool csum)
{
    size_t n = 4;
    if (flags & DSS_FLAG_A_ACK)
        n += (flags & DSS_FLAG_a_ACK8) ? 8 : 4;
    if (flags & DSS_FLAG_M_MAP)
        n += ((flags & DSS_FLAG_m_DSN8) ? 8 : 4) + 4 + 2 + (csum ? 2 : 0);
    return n;
}

static int parse_dss(const uint8_t *p, uint8_t len, struct mptcp_opt *o)
{
    uint8_t f = p[3];
    if ((p[2] & 0x0f) || (f & DSS_FLAG_RESERVED))
        return MPTCP_OPT_ERR_FLAGS;
    /* 3.3: a/m only qualify A/M; a DATA_FIN is signalled inside a mapping (3.3.3), so F needs M. */
    if (((f & DSS_FLAG_a_ACK8) && !(f & DSS_FLAG_A_ACK)) ||
        ((f & DSS_FLAG_m_DSN8) && !(f & DSS_FLAG_M_MAP)) ||
        ((f & DSS_FLAG_F_FIN) && !(f & DSS_FLAG_M_MAP)))
        return MPTCP_OPT_ERR_FLAGS;
    bool csum;
    if (len == dss_len_for(f, false))
        csum = false;
    else if ((f & DSS_FLAG_M_MAP) && len == dss_len_for(f, true))
        csum = true; /* 3.3: the checksum's presence follows from the negotiated A flag */
    else
        return MPTCP_OPT_ERR_LENGTH;
    o->u.dss.flags = f;
    o->u.dss.has_csum = csum;
    const uint8_t *q = p + 4;
    if (f & DSS_FLAG_A_ACK) {
        if (f & DSS_FLAG_a_ACK8) {
            o->u.dss.data_ack = get_be64(q);
            q += 8;
        } else {
            o->u.dss.data_ack = get_be32(q);
            q += 4;
        }
    }
    if (f & DSS_FLAG_M_MAP) {
        if (f & DSS_FLAG_m_DSN8) {
            o->u.dss.dsn = get_be64(q);
            q += 8;
        } else {
            o->u.dss.dsn = get_be32(q);
            q += 4;
        }
        o->u.dss.ssn = get_be32(q);
        o->u.dss.data_len = get_be16(q + 4);
        q += 6;
        if (csum)
            o->u.dss.csum = get_be16(q);
        /* 3.3.3: a DATA_FIN occupies one octet of the data-level length. */
        if ((f & DSS_FLAG_F_FIN) && o->u.dss.data_len == 0)
            return MPTCP_OPT_ERR_VALUE;
    }
    return MPTCP_OPT_OK;
}

static void build_dss(const struct mptcp_opt *o, uint8_t *b)
{
    uint8_t f = o->u.dss.flags;
    b[2] = (uint8_t)(MPTCP_SUB_DSS << 4);
    b[3] = f;
    uint8_t *q = b + 4;
    if (f & DSS_FLAG_A_ACK) {
        if (f & DSS_FLAG_a_ACK8) {
            put_be64(q, o->u.dss.data_ack);
            q += 8;
        } else {
            put_be32(q, (uint32_t)o->u.dss.data_ack);
            q += 4;
        }
    }
    if (f & DSS_FLAG_M_MAP) {
        if (f & DSS_FLAG_m_DSN8) {
            put_be64(q, o->u.dss.dsn);
            q += 8;
        } else {
            put_be32(q, (uint32_t)o->u.dss.dsn);
            q += 4;
        }
        put_be32(q, o->u.dss.ssn);
        put_be16(q + 4, o->u.dss.data_len);
        if (o->u.dss.has_csum)
            put_be16(q + 6, o->u.dss.csum);
    }
}

static size_t dss_len(const struct mptcp_opt *o)
{
    uint8_t f = o->u.dss.flags;
    if ((f & DSS_FLAG_RESERVED) || ((f & DSS_FLAG_a_ACK8) && !(f & DSS_FLAG_A_ACK)) ||
        ((f & (DSS_FLAG_m_DSN8 | DSS_FLAG_F_FIN)) && !(f & DSS_FLAG_M_MAP)))
        return 0;
    if (o->u.dss.has_csum && !(f & DSS_FLAG_M_MAP))
        return 0;
    return dss_len_for(f, o->u.dss.has_csum);
}

/* ---- ADD_ADDR, RFC 8684 3.4.1 Figure 12 ---- */
static int parse_add_addr(const uint8_t *p, uint8_t len, struct mptcp_opt *o)
{
    bool echo = p[2] & ADD_ADDR_FLAG_ECHO;
    if (p[2] & 0x0e) /* three reserved bits between subtype and E */
        return MPTCP_OPT_ERR_FLAGS;
    /* Base 4 (kind, len, subtype/E, ID) + address + optional port (2) + HMAC unless echo (8). */
    size_t rest = len - 4u - (echo ? 0u : ADD_ADDR_HMAC_LEN);
    if (len < 4 + (echo ? 0 : ADD_ADDR_HMAC_LEN))
        return MPTCP_OPT_ERR_LENGTH;
    bool v6, port;
    switch (rest) {
    case 4:
        v6 = false;
        port = false;
        break;
    case 6:
        v6 = false;
        port = true;
        break;
    case 16:
        v6 = true;
        port = false;
        break;
    case 18:
        v6 = true;
        port = true;
        break;
    default:
        return MPTCP_OPT_ERR_LENGTH;
    }
    o->u.add_addr.echo = echo;
    o->u.add_addr.ipv6 = v6;
    o->u.add_addr.has_port = port;
    o->u.add_addr.addr_id = p[3];
    memset(o->u.add_addr.addr, 0, sizeof(o->u.add_addr.addr));
    size_t alen = v6 ? 16 : 4;
    memcpy(o->u.add_addr.addr, p + 4, alen);
    o->u.add_addr.port = port ? get_be16(p + 4 + alen) : 0;
    o->u.add_addr.hmac = echo ? 0 : get_be64(p + len - ADD_ADDR_HMAC_LEN);
    /* 3.4.1: a port field is only sent when it is non-zero. */
    if (port && o->u.add_addr.port == 0)
        return MPTCP_OPT_ERR_VALUE;
    return MPTCP_OPT_OK;
}

static size_t add_addr_len(const struct mptcp_opt *o)
{
    return 4 + (o->u.add_addr.ipv6 ? 16 : 4) + (o->u.add_addr.has_port ? 2 : 0) +
           (o->u.add_addr.echo ? 0 : ADD_ADDR_HMAC_LEN);
}

static void build_add_addr(const struct mptcp_opt *o, uint8_t *b, size_t len)
{
    size_t alen = o->u.add_addr.ipv6 ? 16 : 4;
    b[2] = (uint8_t)(MPTCP_SUB_ADD_ADDR << 4 | (o->u.add_addr.echo ? ADD_ADDR_FLAG_ECHO : 0));
    b[3] = o->u.add_addr.addr_id;
    memcpy(b + 4, o->u.add_addr.addr, alen);
    if (o->u.add_addr.has_port)
        put_be16(b + 4 + alen, o->u.add_addr.port);
    if (!o->u.add_addr.echo)
        put_be64(b + len - ADD_ADDR_HMAC_LEN, o->u.add_addr.hmac);
}

/* ---- RM_ADDR, RFC 8684 3.4.2 Figure 13: one or more address IDs ---- */
static int parse_rm_addr(const uint8_t *p, uint8_t len, struct mptcp_opt *o)
{
    if (len < 4)
        return MPTCP_OPT_ERR_LENGTH;
    if (p[2] & 0x0f)
        return MPTCP_OPT_ERR_FLAGS;
    o->u.rm_addr.n = (uint8_t)(len - 3);
    memcpy(o->u.rm_addr.ids, p + 3, o->u.rm_addr.n);
    return MPTCP_OPT_OK;
}

/* ---- MP_PRIO 3.3.8, MP_FAIL 3.7, MP_FASTCLOSE 3.5, MP_TCPRST 3.6 ---- */
static int parse_small(const uint8_t *p, uint8_t len, struct mptcp_opt *o)
{
    switch (o->subtype) {
    case MPTCP_SUB_PRIO:
        if (len != MP_PRIO_LEN)
            return MPTCP_OPT_ERR_LENGTH;
        if (p[2] & 0x0e)
            return MPTCP_OPT_ERR_FLAGS;
        o->u.prio.backup = p[2] & MP_PRIO_FLAG_BACKUP;
        return MPTCP_OPT_OK;
    case MPTCP_SUB_FAIL:
        if (len != MP_FAIL_LEN)
            return MPTCP_OPT_ERR_LENGTH;
        if ((p[2] & 0x0f) || p[3])
            return MPTCP_OPT_ERR_FLAGS;
        o->u.fail.dsn = get_be64(p + 4);
        return MPTCP_OPT_OK;
    case MPTCP_SUB_FASTCLOSE:
        if (len != MP_FASTCLOSE_LEN)
            return MPTCP_OPT_ERR_LENGTH;
        if ((p[2] & 0x0f) || p[3])
            return MPTCP_OPT_ERR_FLAGS;
        o->u.fastclose.key = get_be64(p + 4);
        return MPTCP_OPT_OK;
    case MPTCP_SUB_TCPRST:
        if (len != MP_TCPRST_LEN)
            return MPTCP_OPT_ERR_LENGTH;
        /* Figure 17: U, V, W are reserved for future use and are ignored, T is kept. */
        o->u.tcprst.flags = p[2] & 0x0f;
        o->u.tcprst.reason = p[3];
        return MPTCP_OPT_OK;
    default:
        return MPTCP_OPT_ERR_SUBTYPE;
    }
}

int mptcp_opt_parse(const uint8_t *p, size_t avail, struct mptcp_opt *out)
{
    memset(out, 0, sizeof(*out));
    if (avail < 3)
        return MPTCP_OPT_ERR_TRUNCATED;
    if (p[0] != TCPOPT_MPTCP)
        return MPTCP_OPT_ERR_KIND;
    uint8_t len = p[1];
    if (len < 3 || len > avail)
        return MPTCP_OPT_ERR_TRUNCATED;
    if (len > TCP_OPT_SPACE)
        return MPTCP_OPT_ERR_LENGTH;
    out->subtype = p[2] >> 4;
    out->len = len;
    /* Every subtype except MP_PRIO and RM_ADDR's header needs byte 3. */
    if (len < 4 && out->subtype != MPTCP_SUB_PRIO && out->subtype < MPTCP_SUB_COUNT)
        return MPTCP_OPT_ERR_LENGTH;
    switch (out->subtype) {
    case MPTCP_SUB_CAPABLE:
        return parse_capable(p, len, out);
    case MPTCP_SUB_JOIN:
        return parse_join(p, len, out);
    case MPTCP_SUB_DSS:
        return parse_dss(p, len, out);
    case MPTCP_SUB_ADD_ADDR:
        return parse_add_addr(p, len, out);
    case MPTCP_SUB_RM_ADDR:
        return parse_rm_addr(p, len, out);
    default:
        return parse_small(p, len, out);
    }
}

size_t mptcp_opt_len(const struct mptcp_opt *o)
{
    switch (o->subtype) {
    case MPTCP_SUB_CAPABLE:
        return capable_len(o);
    case MPTCP_SUB_JOIN:
        return join_len(o);
    case MPTCP_SUB_DSS:
        return dss_len(o);
    case MPTCP_SUB_ADD_ADDR:
        return add_addr_len(o);
    case MPTCP_SUB_RM_ADDR:
        return (o->u.rm_addr.n >= 1 && o->u.rm_addr.n <= TCP_OPT_SPACE - 3) ? 3u + o->u.rm_addr.n
                                                                            : 0;
    case MPTCP_SUB_PRIO:
        return MP_PRIO_LEN;
    case MPTCP_SUB_FAIL:
        return MP_FAIL_LEN;
    case MPTCP_SUB_FASTCLOSE:
        return MP_FASTCLOSE_LEN;
    case MPTCP_SUB_TCPRST:
        return MP_TCPRST_LEN;
    default:
        return 0;
    }
}

size_t mptcp_opt_build(const struct mptcp_opt *o, uint8_t *b, size_t room)
{
    size_t len = mptcp_opt_len(o);
    if (len == 0 || len > room || len > TCP_OPT_SPACE)
        return 0;
    b[0] = TCPOPT_MPTCP;
    b[1] = (uint8_t)len;
    switch (o->subtype) {
    case MPTCP_SUB_CAPABLE:
        build_capable(o, b, len);
        break;
    case MPTCP_SUB_JOIN:
        build_join(o, b);
        break;
    case MPTCP_SUB_DSS:
        build_dss(o, b);
        break;
    case MPTCP_SUB_ADD_ADDR:
        build_add_addr(o, b, len);
        break;
    case MPTCP_SUB_RM_ADDR:
        b[2] = (uint8_t)(MPTCP_SUB_RM_ADDR << 4);
        memcpy(b + 3, o->u.rm_addr.ids, o->u.rm_addr.n);
        break;
    case MPTCP_SUB_PRIO:
        b[2] = (uint8_t)(MPTCP_SUB_PRIO << 4 | (o->u.prio.backup ? MP_PRIO_FLAG_BACKUP : 0));
        break;
    case MPTCP_SUB_FAIL:
        b[2] = (uint8_t)(MPTCP_SUB_FAIL << 4);
        b[3] = 0;
        put_be64(b + 4, o->u.fail.dsn);
        break;
    case MPTCP_SUB_FASTCLOSE:
        b[2] = (uint8_t)(MPTCP_SUB_FASTCLOSE << 4);
        b[3] = 0;
        put_be64(b + 4, o->u.fastclose.key);
        break;
    default: /* MPTCP_SUB_TCPRST, the only one left that has a length */
        b[2] = (uint8_t)(MPTCP_SUB_TCPRST << 4 | (o->u.tcprst.flags & 0x0f));
        b[3] = o->u.tcprst.reason;
        break;
    }
    return len;
}

int mptcp_opt_set_add(struct mptcp_opt_set *set, const uint8_t *p, size_t len)
{
    struct mptcp_opt o;
    int rc = mptcp_opt_parse(p, len, &o);
    if (rc != MPTCP_OPT_OK) {
        if (set->nerrors < UINT8_MAX)
            set->nerrors++;
        set->last_err = (int8_t)rc;
    } else if (mptcp_has(set, (enum mptcp_subtype)o.subtype)) {
        /* RFC 8684 3: one option per subtype is meaningful on a segment; keep the first */
        if (set->ndup < UINT8_MAX)
            set->ndup++;
    } else {
        set->opt[o.subtype] = o;
        set->present |= (uint16_t)(1u << o.subtype);
    }
    return rc;
}

/* RFC 9293 3.1: kind 0 ends the list, kind 1 is a one-byte NOP, others carry a length >= 2. */
int mptcp_opts_parse_tcp(const uint8_t *opts, size_t len, struct mptcp_opt_set *set)
{
    memset(set, 0, sizeof(*set));
    size_t i = 0;
    while (i < len) {
        uint8_t kind = opts[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= len || opts[i + 1] < 2 || opts[i + 1] > len - i)
            return MPTCP_OPT_ERR_TRUNCATED;
        uint8_t olen = opts[i + 1];
        if (kind == TCPOPT_MPTCP)
            (void)mptcp_opt_set_add(set, opts + i, olen);
        i += olen;
    }
    return 0;
}

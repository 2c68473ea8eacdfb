/* p2p_wire.c: encoding and checking packet-to-process records (layout in p2p_wire.h). */
#include "lib/p2p_wire.h"

uint32_t p2p_crc32(const uint8_t *p, size_t n)
{
    /* Bitwise CRC-32, reflected polynomial 0xEDB88320 (IEEE 802.3 clause 3.2.9); records are
       64 bytes, so a table buys nothing worth its 1 KiB. */
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

uint32_t p2p_delta(uint64_t t0, uint64_t t)
{
    if (t == 0 || t < t0 || t - t0 >= P2P_NONE)
        return P2P_NONE;
    return (uint32_t)(t - t0);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

void p2p_encode(const struct p2p_rec *r, uint8_t out[P2P_REC_LEN])
{
    /* version 0 = the current one; an older one is written only by tests of the decoder. */
    ASSERT(r->version <= P2P_VERSION, "record version newer than this build knows");
    put32(out, P2P_MAGIC);
    out[4] = (uint8_t)(r->version != 0 ? r->version : P2P_VERSION);
    out[5] = r->type;
    out[6] = (uint8_t)r->flags;
    out[7] = (uint8_t)(r->flags >> 8);
    put32(out + 8, r->seq);
    put32(out + 12, r->conn);
    put64(out + 16, r->id);
    put32(out + 24, r->subflow);
    put64(out + 28, r->t0);
    for (int i = 0; i < P2P_NDELTA; i++)
        put32(out + 36 + 4 * i, r->d[i]);
    put32(out + P2P_CRC_OFF, p2p_crc32(out, P2P_CRC_OFF));
}

int p2p_decode(const uint8_t in[P2P_REC_LEN], struct p2p_rec *r)
{
    if (get32(in) != P2P_MAGIC)
        return -1;
    if (get32(in + P2P_CRC_OFF) != p2p_crc32(in, P2P_CRC_OFF))
        return -3;
    if (in[4] < P2P_VERSION_MIN || in[4] > P2P_VERSION || in[5] < P2P_T_REQUEST ||
        in[5] > P2P_T_ARRIVAL)
        return -2;
    r->version = in[4];
    r->type = in[5];
    r->flags = (uint16_t)(in[6] | in[7] << 8);
    r->seq = get32(in + 8);
    r->conn = get32(in + 12);
    r->id = get64(in + 16);
    r->subflow = get32(in + 24);
    r->t0 = get64(in + 28);
    for (int i = 0; i < P2P_NDELTA; i++)
        r->d[i] = get32(in + 36 + 4 * i);
    return 0;
}

void p2p_arrival_pack(const struct p2p_arrival *a, struct p2p_rec *r)
{
    /* Version 2 layout, docs/records.md §2.1: the view (flags, skew, hole age) takes the slots
       that version 1 used for the NIC (now in the flags' high byte) and id's high half (readable
       is a 32-bit count). */
    ASSERT(a->nic <= P2P_NIC_MAX, "NIC index does not fit the ARRIVAL flags byte");
    memset(r, 0, sizeof(*r));
    r->version = P2P_VERSION;
    r->type = P2P_T_ARRIVAL;
    uint32_t f = 0;
    f |= a->asked ? P2P_FA_ASKED : 0u;
    f |= a->hole ? P2P_FA_HOLE : 0u;
    f |= a->in_flight ? P2P_FA_INFLIGHT : 0u;
    r->flags = (uint16_t)(f | a->nic << P2P_FA_NIC_SHIFT);
    r->seq = a->seq;
    r->conn = a->conn;
    r->id = (uint64_t)a->readable | (uint64_t)a->hole_age_ns << 32;
    r->subflow = a->skew_us;
    r->t0 = a->irq_ns;
    r->d[0] = a->added;
    r->d[1] = a->want;
    r->d[2] = a->srtt_us;
    r->d[3] = a->ooo_bytes;
    r->d[4] = a->pred_d;
    r->d[5] = a->now_d;
    r->d[6] = a->rttvar_us;
}

int p2p_arrival_unpack(const struct p2p_rec *r, struct p2p_arrival *a)
{
    if (r->type != P2P_T_ARRIVAL || r->version < P2P_VERSION_MIN || r->version > P2P_VERSION)
        return -1;
    memset(a, 0, sizeof(*a));
    a->version = r->version;
    a->seq = r->seq;
    a->conn = r->conn;
    a->irq_ns = r->t0;
    a->added = r->d[0];
    a->want = r->d[1];
    a->srtt_us = r->d[2];
    a->ooo_bytes = r->d[3];
    a->pred_d = r->d[4];
    a->now_d = r->d[5];
    a->rttvar_us = r->d[6];
    a->readable = (uint32_t)r->id;
    if (r->version == 1) {
        /* docs/records.md §2.1: version 1 recorded no view; its NIC sat in `subflow`. */
        a->nic = r->subflow;
        return 0;
    }
    a->nic = (uint32_t)r->flags >> P2P_FA_NIC_SHIFT;
    a->view_known = true;
    a->asked = (r->flags & P2P_FA_ASKED) != 0;
    a->hole = (r->flags & P2P_FA_HOLE) != 0;
    a->in_flight = (r->flags & P2P_FA_INFLIGHT) != 0;
    a->skew_us = r->subflow;
    a->hole_age_ns = (uint32_t)(r->id >> 32);
    return 0;
}

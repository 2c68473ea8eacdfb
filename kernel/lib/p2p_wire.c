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
    put32(out, P2P_MAGIC);
    out[4] = P2P_VERSION;
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
    if (in[4] != P2P_VERSION || in[5] < P2P_T_REQUEST || in[5] > P2P_T_ARRIVAL)
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

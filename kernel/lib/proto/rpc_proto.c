/* rpc_proto.c: header pack/unpack and the payload pattern of the NetSync request protocol. */
#include "rpc_proto.h"

/* Big-endian stores and loads (docs/protocol.md §2: network byte order, RFC 1700 convention). */
static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

void rpc_hdr_init(struct rpc_hdr *h, uint64_t id, uint32_t req_len, uint32_t resp_len,
                  uint64_t send_ns, uint8_t flags)
{
    h->magic = RPC_MAGIC;
    h->version = RPC_VERSION;
    h->flags = flags;
    h->status = RPC_ST_OK;
    h->reserved = 0;
    h->id = id;
    h->req_len = req_len;
    h->resp_len = resp_len;
    h->send_ns = send_ns;
}

/* Offsets follow the table in docs/protocol.md §2. */
void rpc_hdr_pack(const struct rpc_hdr *h, uint8_t out[RPC_HDR_LEN])
{
    put_be32(out + 0, h->magic);
    out[4] = h->version;
    out[5] = h->flags;
    out[6] = h->status;
    out[7] = h->reserved;
    put_be64(out + 8, h->id);
    put_be32(out + 16, h->req_len);
    put_be32(out + 20, h->resp_len);
    put_be64(out + 24, h->send_ns);
}

int rpc_hdr_unpack(const uint8_t *in, size_t len, struct rpc_hdr *h)
{
    memset(h, 0, sizeof(*h));
    if (len < RPC_HDR_LEN)
        return RPC_E_SHORT;
    h->magic = get_be32(in + 0);
    h->version = in[4];
    h->flags = in[5];
    h->status = in[6];
    h->reserved = in[7];
    h->id = get_be64(in + 8);
    h->req_len = get_be32(in + 16);
    h->resp_len = get_be32(in + 20);
    h->send_ns = get_be64(in + 24);
    /* Checked in the order of §5 so every peer reports the same first error. */
    if (h->magic != RPC_MAGIC)
        return RPC_E_MAGIC;
    if (h->version != RPC_VERSION)
        return RPC_E_VERSION;
    if (h->req_len > RPC_MAX_LEN || h->resp_len > RPC_MAX_LEN)
        return RPC_E_LEN;
    if (h->reserved != 0)
        return RPC_E_RESERVED;
    return RPC_OK;
}

const char *rpc_err_name(int err)
{
    switch (err) {
    case RPC_OK:
        return "ok";
    case RPC_E_SHORT:
        return "short header";
    case RPC_E_MAGIC:
        return "bad magic";
    case RPC_E_VERSION:
        return "bad version";
    case RPC_E_LEN:
        return "length above limit";
    case RPC_E_RESERVED:
        return "reserved byte not zero";
    default:
        return "unknown error";
    }
}

/*
 * docs/protocol.md §3: the stream seed is 2*id+dir; block k (8 bytes at offset 8k) is the
 * SplitMix64 finalizer (Steele, Lea, Flood, OOPSLA 2014) applied to (seed+1)*GOLDEN + k (the +1
 * keeps id 0 away from the all-zero block a zeroed buffer would match), and byte
 * off is bits 8*(off mod 8) .. +7 of its block (little-endian within the block).
 */
#define RPC_GOLDEN 0x9E3779B97F4A7C15ull

static uint64_t block_word(uint64_t id, enum rpc_dir dir, uint64_t k)
{
    uint64_t z = (id * 2u + (uint64_t)dir + 1u) * RPC_GOLDEN + k;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint8_t rpc_payload_byte(uint64_t id, enum rpc_dir dir, uint64_t off)
{
    return (uint8_t)(block_word(id, dir, off >> 3) >> (8u * (unsigned)(off & 7u)));
}

void rpc_payload_fill(uint64_t id, enum rpc_dir dir, uint64_t off, uint8_t *buf, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t w = block_word(id, dir, (off + i) >> 3);
        /* Emit the rest of this block, then move to the next one. */
        for (unsigned b = (unsigned)((off + i) & 7u); b < 8u && i < n; b++, i++)
            buf[i] = (uint8_t)(w >> (8u * b));
    }
}

uint64_t rpc_payload_check(uint64_t id, enum rpc_dir dir, uint64_t off, const uint8_t *buf,
                           size_t n)
{
    uint64_t bad = 0;
    size_t i = 0;
    while (i < n) {
        uint64_t w = block_word(id, dir, (off + i) >> 3);
        for (unsigned b = (unsigned)((off + i) & 7u); b < 8u && i < n; b++, i++)
            bad += buf[i] != (uint8_t)(w >> (8u * b));
    }
    return bad;
}

void rpc_verify_init(struct rpc_verifier *v, uint64_t id, enum rpc_dir dir, uint64_t len)
{
    v->id = id;
    v->dir = dir;
    v->len = len;
    v->next = 0;
    v->seen = 0;
    v->bad = 0;
    v->excess = 0;
    v->first_bad = UINT64_MAX;
}

uint64_t rpc_verify_at(struct rpc_verifier *v, uint64_t off, const uint8_t *buf, size_t n)
{
    uint64_t in_range = 0;
    if (off < v->len)
        in_range = (v->len - off < n) ? v->len - off : n;
    v->excess += n - in_range;
    if (in_range == 0)
        return 0;
    uint64_t bad = rpc_payload_check(v->id, v->dir, off, buf, (size_t)in_range);
    if (bad && v->first_bad == UINT64_MAX) {
        /* Locate the first bad byte only on the rare error path. */
        for (uint64_t i = 0; i < in_range; i++) {
            if (buf[i] != rpc_payload_byte(v->id, v->dir, off + i)) {
                v->first_bad = off + i;
                break;
            }
        }
    } else if (bad) {
        for (uint64_t i = 0; i < in_range && off + i < v->first_bad; i++) {
            if (buf[i] != rpc_payload_byte(v->id, v->dir, off + i)) {
                v->first_bad = off + i;
                break;
            }
        }
    }
    v->seen += in_range;
    v->bad += bad;
    ASSERT(v->seen <= v->len, "each payload offset must be offered once");
    return bad;
}

uint64_t rpc_verify_feed(struct rpc_verifier *v, const uint8_t *buf, size_t n)
{
    uint64_t bad = rpc_verify_at(v, v->next, buf, n);
    v->next += n;
    return bad;
}

bool rpc_verify_done(const struct rpc_verifier *v)
{
    return v->seen == v->len;
}

bool rpc_verify_ok(const struct rpc_verifier *v)
{
    return rpc_verify_done(v) && v->bad == 0 && v->excess == 0;
}

/* tcp_ring.c: the byte rings behind each connection's send and receive buffers. */
#include "tcp_priv.h"

bool ns_ring_init(struct ns_ring *r, uint32_t cap)
{
    r->buf = ns_port_alloc(cap);
    r->cap = r->buf ? cap : 0;
    r->head = r->len = 0;
    return r->buf != NULL;
}

void ns_ring_free(struct ns_ring *r)
{
    if (r->buf)
        ns_port_free(r->buf);
    r->buf = NULL;
    r->cap = r->head = r->len = 0;
}

void ns_ring_write_at(struct ns_ring *r, uint32_t off, const uint8_t *src, uint32_t n)
{
    ASSERT(off <= r->cap && n <= r->cap - off, "ring write beyond capacity");
    uint32_t pos = (r->head + off) % r->cap;
    uint32_t first = r->cap - pos < n ? r->cap - pos : n;
    memcpy(r->buf + pos, src, first);
    memcpy(r->buf, src + first, n - first);
}

void ns_ring_read_at(const struct ns_ring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
    ASSERT(off <= r->cap && n <= r->cap - off, "ring read beyond capacity");
    uint32_t pos = (r->head + off) % r->cap;
    uint32_t first = r->cap - pos < n ? r->cap - pos : n;
    memcpy(dst, r->buf + pos, first);
    memcpy(dst + first, r->buf, n - first);
}

void ns_ring_consume(struct ns_ring *r, uint32_t n)
{
    ASSERT(n <= r->len, "consuming more than the ring holds");
    r->head = (r->head + n) % r->cap;
    r->len -= n;
}

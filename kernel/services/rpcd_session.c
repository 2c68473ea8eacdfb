/* rpcd_session.c: docs/protocol.md §4 server steps for one connection: header, payload check,
 * response header, response payload; back-pressure by refusing input while answering. */
#include "services/rpcd_session.h"

void rpcd_session_init(struct rpcd_session *s, struct rpcd_counters *cnt)
{
    memset(s, 0, sizeof(*s));
    s->ph = RPCD_HDR;
    s->cnt = cnt;
}

size_t rpcd_session_want(const struct rpcd_session *s)
{
    if (s->ph == RPCD_HDR)
        return RPC_HDR_LEN - s->in_got;
    if (s->ph == RPCD_PAYLOAD) {
        uint64_t left = s->req.req_len - s->v.seen;
        return left > 0x7FFFFFFFu ? 0x7FFFFFFFu : (size_t)left;
    }
    return 0; /* §1: one request at a time; the next is read once this response is out */
}

/* §4 step 3: the request header with RESPONSE set and a status; BAD_FLAGS wins. */
static void start_response(struct rpcd_session *s)
{
    uint8_t status = RPC_ST_OK;
    if ((s->req.flags & ~RPC_F_KNOWN) != 0 || (s->req.flags & RPC_F_RESPONSE) != 0)
        status = RPC_ST_BAD_FLAGS;
    else if (!rpc_verify_ok(&s->v))
        status = RPC_ST_BAD_PAYLOAD;
    if (s->v.bad > 0) {
        s->cnt->bad_bytes += s->v.bad;
        s->last_bad_id = s->req.id;
    }
    if (status != RPC_ST_OK)
        s->cnt->bad_requests++;
    struct rpc_hdr r = s->req;
    r.flags = (uint8_t)(s->req.flags | RPC_F_RESPONSE);
    r.status = status;
    rpc_hdr_pack(&r, s->out);
    s->out_sent = 0;
    s->resp_off = 0;
    s->ph = RPCD_RESP_HDR;
}

size_t rpcd_session_input(struct rpcd_session *s, const uint8_t *p, size_t n)
{
    size_t used = 0;
    while (used < n) {
        size_t want = rpcd_session_want(s);
        if (want == 0)
            break;
        size_t k = n - used < want ? n - used : want;
        if (s->ph == RPCD_HDR) {
            memcpy(s->in + s->in_got, p + used, k);
            s->in_got += (uint32_t)k;
            used += k;
            if (s->in_got < RPC_HDR_LEN)
                continue;
            s->in_got = 0;
            int e = rpc_hdr_unpack(s->in, RPC_HDR_LEN, &s->req);
            if (e != RPC_OK) {
                /* §4 step 1: framing is lost; the caller resets the connection. */
                s->error = e;
                s->cnt->framing_errors++;
                s->ph = RPCD_BROKEN;
                break;
            }
            rpc_verify_init(&s->v, s->req.id, RPC_DIR_REQUEST, s->req.req_len);
            s->ph = RPCD_PAYLOAD;
        } else {
            rpc_verify_feed(&s->v, p + used, k);
            used += k;
        }
        if (s->ph == RPCD_PAYLOAD && rpc_verify_done(&s->v))
            start_response(s);
    }
    /* A request with no payload is complete as soon as its header is. */
    if (s->ph == RPCD_PAYLOAD && rpc_verify_done(&s->v))
        start_response(s);
    return used;
}

size_t rpcd_session_peek(const struct rpcd_session *s, uint8_t *buf, size_t n)
{
    size_t k = 0;
    if (s->ph == RPCD_RESP_HDR) {
        k = RPC_HDR_LEN - s->out_sent < n ? RPC_HDR_LEN - s->out_sent : n;
        memcpy(buf, s->out + s->out_sent, k);
        buf += k;
        n -= k;
    }
    if (s->ph == RPCD_RESP_HDR || s->ph == RPCD_RESP_PAYLOAD) {
        uint64_t rem = s->req.resp_len - s->resp_off;
        size_t m = rem < n ? (size_t)rem : n;
        /* §3: response bytes are a pure function of (id, 1, offset): regenerated, never stored. */
        rpc_payload_fill(s->req.id, RPC_DIR_RESPONSE, s->resp_off, buf, m);
        k += m;
    }
    return k;
}

void rpcd_session_advance(struct rpcd_session *s, size_t k)
{
    if (s->ph == RPCD_RESP_HDR) {
        size_t h = RPC_HDR_LEN - s->out_sent < k ? RPC_HDR_LEN - s->out_sent : k;
        s->out_sent += (uint32_t)h;
        k -= h;
        if (s->out_sent == RPC_HDR_LEN)
            s->ph = RPCD_RESP_PAYLOAD;
    }
    if (s->ph != RPCD_RESP_PAYLOAD) {
        ASSERT(k == 0, "rpcd: advanced past the bytes a peek could return");
        return;
    }
    ASSERT(k <= s->req.resp_len - s->resp_off, "rpcd: advanced past the response");
    s->resp_off += k;
    s->cnt->resp_bytes += k;
    if (s->resp_off == s->req.resp_len) {
        s->cnt->requests++;
        /* §4 step 5: CLOSE means no further request is read on this connection. */
        s->ph = (s->req.flags & RPC_F_CLOSE) ? RPCD_CLOSING : RPCD_HDR;
    }
}

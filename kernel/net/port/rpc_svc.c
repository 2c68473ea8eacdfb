/* rpc_svc.c: rpcd for the tap process: frames requests (docs/protocol.md §4), verifies every
 * payload byte, answers header echo + pattern bytes, one request at a time per connection. */
#include "rpc_svc.h"

#include "../../lib/proto/rpc_proto.h"
#include "../port.h"

enum { ST_HDR, ST_PAYLOAD, ST_RESP };

struct rpc_conn {
    int state;
    uint8_t hdr[RPC_HDR_LEN];
    uint32_t hdr_len; /* header bytes gathered (ST_HDR) or sent (ST_RESP) */
    struct rpc_hdr req;
    bool bad_flags;
    struct rpc_verifier v;
    uint64_t resp_off; /* response payload bytes queued so far */
};

static struct rpc_svc_counts counts;

static void finish(struct tcp_pcb *s, struct rpc_conn *c, bool abort)
{
    ns_mp_set_callback(s, NULL, NULL);
    if (abort)
        ns_mp_abort(s);
    else
        ns_mp_close(s);
    ns_port_free(c);
}

/* Queues as much of the response as the send buffer takes; true when it is complete. */
static bool send_response(struct tcp_pcb *s, struct rpc_conn *c)
{
    uint8_t buf[4096];
    while (c->hdr_len < RPC_HDR_LEN) {
        long n = ns_mp_send(s, c->hdr + c->hdr_len, RPC_HDR_LEN - c->hdr_len);
        if (n <= 0)
            return false;
        c->hdr_len += (uint32_t)n;
    }
    while (c->resp_off < c->req.resp_len) {
        size_t room = ns_mp_send_space(s);
        uint64_t left = c->req.resp_len - c->resp_off;
        size_t k = room < sizeof(buf) ? room : sizeof(buf);
        if (k > left)
            k = (size_t)left;
        if (k == 0)
            return false;
        rpc_payload_fill(c->req.id, RPC_DIR_RESPONSE, c->resp_off, buf, k);
        long n = ns_mp_send(s, buf, k);
        ASSERT(n == (long)k, "send took less than the space it reported");
        c->resp_off += k;
    }
    return true;
}

static void start_response(struct rpc_conn *c)
{
    struct rpc_hdr r = c->req;
    counts.requests++;
    counts.mismatched_bytes += c->v.bad;
    /* §4 step 3: BAD_FLAGS wins over BAD_PAYLOAD. */
    if (c->bad_flags) {
        r.status = RPC_ST_BAD_FLAGS;
        counts.bad_flags++;
    } else if (c->v.bad) {
        r.status = RPC_ST_BAD_PAYLOAD;
        counts.bad_payload++;
    } else {
        r.status = RPC_ST_OK;
        counts.ok++;
    }
    r.flags = (uint8_t)(c->req.flags | RPC_F_RESPONSE);
    rpc_hdr_pack(&r, c->hdr);
    c->hdr_len = 0;
    c->resp_off = 0;
    c->state = ST_RESP;
}

static void serve(void *arg, struct tcp_pcb *s, unsigned ev)
{
    struct rpc_conn *c = arg;
    uint8_t buf[8192];
    (void)ev;
    for (;;) {
        if (c->state == ST_RESP) {
            if (!send_response(s, c)) {
                if (ns_mp_error(s))
                    finish(s, c, true);
                return; /* back-pressure (§6): read nothing until the response is queued */
            }
            if (c->req.flags & RPC_F_CLOSE) {
                finish(s, c, false);
                return;
            }
            c->state = ST_HDR;
            c->hdr_len = 0;
        }
        size_t want = sizeof(buf);
        if (c->state == ST_HDR)
            want = RPC_HDR_LEN - c->hdr_len;
        else if (c->v.len - c->v.seen < want)
            want = (size_t)(c->v.len - c->v.seen);
        long n = want ? ns_mp_recv(s, c->state == ST_HDR ? c->hdr + c->hdr_len : buf, want) : 0;
        if (n == NS_EAGAIN)
            return;
        if (want && n <= 0) {
            if (n < 0 || c->state != ST_HDR || c->hdr_len != 0)
                counts.truncated++;
            finish(s, c, n < 0);
            return;
        }
        if (c->state == ST_HDR) {
            c->hdr_len += (uint32_t)n;
            if (c->hdr_len < RPC_HDR_LEN)
                continue;
            int rc = rpc_hdr_unpack(c->hdr, RPC_HDR_LEN, &c->req);
            if (rc != RPC_OK) {
                /* §4 step 1: framing is lost; close at once with a RST. */
                counts.framing_errors++;
                finish(s, c, true);
                return;
            }
            c->bad_flags = (c->req.flags & ~RPC_F_CLOSE) != 0;
            rpc_verify_init(&c->v, c->req.id, RPC_DIR_REQUEST, c->req.req_len);
            c->state = ST_PAYLOAD;
        } else {
            (void)rpc_verify_feed(&c->v, buf, (size_t)n);
        }
        if (c->state == ST_PAYLOAD && rpc_verify_done(&c->v))
            start_response(c);
    }
}

static void on_accept(void *arg, struct tcp_pcb *l, unsigned ev)
{
    struct tcp_pcb *s;
    (void)arg;
    if (!(ev & NS_EV_ACCEPT))
        return;
    while ((s = ns_mp_accept(l)) != NULL) {
        struct rpc_conn *c = ns_port_alloc(sizeof(*c));
        if (!c) {
            counts.no_memory++;
            ns_mp_abort(s);
            continue;
        }
        counts.connections++;
        c->state = ST_HDR;
        ns_mp_set_callback(s, serve, c);
        serve(c, s, NS_EV_IN);
    }
}

int rpc_svc_start(struct ns_stack *st, struct ns_mp *mp, uint16_t port, int backlog)
{
    int err = 0;
    return ns_mp_listen(st, mp, port, backlog, on_accept, NULL, &err) ? 0 : err;
}

void rpc_svc_get_counts(struct rpc_svc_counts *c)
{
    *c = counts;
}

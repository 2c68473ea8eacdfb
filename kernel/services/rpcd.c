/* rpcd.c: the request server of docs/protocol.md, a service thread over netd's IPC API. */
#include "core/log.h"
#include "lib/proto/rpc_proto.h"
#include "mm/heap.h"
#include "services/netapi.h"
#include "services/netd.h"
#include "services/services.h"
#include "services/svc_ready.h"

#define RPCD_BACKLOG   64
#define RPCD_MAX_CONNS 256
#define RPCD_CHUNK     8192
#define EV_BIT         1u

/* docs/protocol.md §4: read header, read payload, send header, send payload. */
enum phase { PH_HDR, PH_PAYLOAD, PH_RESP_HDR, PH_RESP_PAYLOAD };

struct rconn {
    int h;
    enum phase ph;
    uint8_t in[RPC_HDR_LEN];
    uint32_t in_got;
    struct rpc_hdr req;
    struct rpc_verifier v;
    uint8_t out[RPC_HDR_LEN];
    uint32_t out_sent;
    uint64_t resp_off;
};

static struct rconn *conns[RPCD_MAX_CONNS];
static struct notification note;
static uint8_t scratch[RPCD_CHUNK];

static struct rconn **find(int h)
{
    for (int i = 0; i < RPCD_MAX_CONNS; i++) {
        if (conns[i] != NULL && conns[i]->h == h)
            return &conns[i];
    }
    return NULL;
}

static void drop(struct rconn **slot, bool reset)
{
    int rc = reset ? net_abort((*slot)->h) : net_close((*slot)->h);
    if (rc != 0)
        LOGW("rpcd: closing handle %d: %d", (*slot)->h, rc);
    kfree(*slot);
    *slot = NULL;
}

/* §4 step 3: the response header is the request's with RESPONSE set and a status. */
static void make_response(struct rconn *c)
{
    uint8_t status = RPC_ST_OK;
    if ((c->req.flags & ~RPC_F_KNOWN) != 0 || (c->req.flags & RPC_F_RESPONSE) != 0)
        status = RPC_ST_BAD_FLAGS; /* §4: BAD_FLAGS wins over BAD_PAYLOAD */
    else if (!rpc_verify_ok(&c->v))
        status = RPC_ST_BAD_PAYLOAD;
    if (c->v.bad > 0) {
        svc_counters.rpcd_bad_bytes += c->v.bad;
        svc_counters.rpcd_bad_requests++;
        LOGW("rpcd: request %llu: %llu payload byte(s) differ, first at %llu",
             (unsigned long long)c->req.id, (unsigned long long)c->v.bad,
             (unsigned long long)c->v.first_bad);
    }
    struct rpc_hdr r = c->req;
    r.flags = (uint8_t)(c->req.flags | RPC_F_RESPONSE);
    r.status = status;
    rpc_hdr_pack(&r, c->out);
    c->out_sent = 0;
    c->resp_off = 0;
    c->ph = PH_RESP_HDR;
}

/* One step of the per-connection state machine: >0 progress, 0 wait for an event, <0 gone. */
static int step(struct rconn **slot)
{
    struct rconn *c = *slot;
    long n;
    switch (c->ph) {
    case PH_HDR:
        n = net_recv(c->h, c->in + c->in_got, RPC_HDR_LEN - c->in_got);
        if (n == NETAPI_EAGAIN)
            return 0;
        if (n <= 0) {
            if (n == 0 && c->in_got > 0)
                LOGW("rpcd: connection closed inside a request header");
            drop(slot, n < 0);
            return -1;
        }
        c->in_got += (uint32_t)n;
        if (c->in_got < RPC_HDR_LEN)
            return 1;
        int e = rpc_hdr_unpack(c->in, RPC_HDR_LEN, &c->req);
        if (e != RPC_OK) {
            /* §4 step 1: framing is lost; close at once (RST) and say why. */
            svc_counters.rpcd_framing_errors++;
            LOGW("rpcd: bad request header (%s); resetting the connection", rpc_err_name(e));
            drop(slot, true);
            return -1;
        }
        c->in_got = 0;
        rpc_verify_init(&c->v, c->req.id, RPC_DIR_REQUEST, c->req.req_len);
        c->ph = PH_PAYLOAD;
        return 1;
    case PH_PAYLOAD:
        if (rpc_verify_done(&c->v)) {
            make_response(c);
            return 1;
        }
        uint64_t left = c->req.req_len - c->v.seen;
        n = net_recv(c->h, scratch, left < RPCD_CHUNK ? (size_t)left : RPCD_CHUNK);
        if (n == NETAPI_EAGAIN)
            return 0;
        if (n <= 0) {
            LOGW("rpcd: connection ended inside request %llu's payload",
                 (unsigned long long)c->req.id);
            drop(slot, n < 0);
            return -1;
        }
        rpc_verify_feed(&c->v, scratch, (size_t)n);
        return 1;
    case PH_RESP_HDR:
        n = net_send(c->h, c->out + c->out_sent, RPC_HDR_LEN - c->out_sent);
        if (n == NETAPI_EAGAIN)
            return 0;
        if (n < 0) {
            drop(slot, true);
            return -1;
        }
        c->out_sent += (uint32_t)n;
        if (c->out_sent == RPC_HDR_LEN)
            c->ph = PH_RESP_PAYLOAD;
        return 1;
    case PH_RESP_PAYLOAD:
        if (c->resp_off == c->req.resp_len) {
            svc_counters.rpcd_requests++;
            if (c->req.flags & RPC_F_CLOSE) { /* §4 step 5 */
                drop(slot, false);
                return -1;
            }
            c->ph = PH_HDR;
            return 1;
        }
        uint64_t rem = c->req.resp_len - c->resp_off;
        size_t chunk = rem < RPCD_CHUNK ? (size_t)rem : RPCD_CHUNK;
        /* §3: the response bytes are a pure function of (id, 1, offset): regenerate, never store.
         */
        rpc_payload_fill(c->req.id, RPC_DIR_RESPONSE, c->resp_off, scratch, chunk);
        n = net_send(c->h, scratch, chunk);
        if (n == NETAPI_EAGAIN)
            return 0;
        if (n < 0) {
            drop(slot, true);
            return -1;
        }
        c->resp_off += (uint64_t)n;
        svc_counters.rpcd_resp_bytes += (uint64_t)n;
        return 1;
    }
    ASSERT(false, "rpcd connection in an unknown phase");
    return -1;
}

static void service(struct rconn **slot)
{
    while (step(slot) > 0) {
    }
}

static void accept_all(int l)
{
    int h;
    while ((h = net_accept(l)) >= 0) {
        int i = 0;
        while (i < RPCD_MAX_CONNS && conns[i] != NULL)
            i++;
        struct rconn *c = i < RPCD_MAX_CONNS ? kzalloc(sizeof(*c)) : NULL;
        if (c == NULL) {
            LOGW("rpcd: no room for another connection; resetting it");
            (void)net_abort(h);
            continue;
        }
        c->h = h;
        c->ph = PH_HDR;
        conns[i] = c;
        svc_counters.rpcd_conns++;
        service(&conns[i]);
    }
}

void rpcd_thread(void *arg)
{
    (void)arg;
    notification_init(&note);
    int l = net_listen(svc_cfg.rpcd_port, RPCD_BACKLOG, &note, EV_BIT);
    svc_ready(SVC_READY_RPCD, l >= 0);
    if (l < 0) {
        LOGE("rpcd: cannot listen on port %u: %d", svc_cfg.rpcd_port, l);
        thread_exit(1);
    }
    struct netapi_event ev[NETAPI_MAX_EVENTS];
    for (;;) {
        notify_wait(&note, 0);
        int k;
        do {
            k = net_events(&note, ev, NETAPI_MAX_EVENTS);
            for (int i = 0; i < k; i++) {
                if (ev[i].handle == l) {
                    accept_all(l);
                    continue;
                }
                struct rconn **slot = find(ev[i].handle);
                if (slot != NULL)
                    service(slot);
            }
        } while (k == NETAPI_MAX_EVENTS);
    }
}

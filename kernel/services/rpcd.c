/* rpcd.c: the request server of docs/protocol.md, a service thread over netd's IPC API; the
 * protocol itself is rpcd_session.c. */
#include "core/log.h"
#include "mm/heap.h"
#include "services/netapi.h"
#include "services/netd.h"
#include "services/rpcd_session.h"
#include "services/services.h"
#include "services/svc_ready.h"

#define RPCD_BACKLOG   64
#define RPCD_MAX_CONNS 256
#define RPCD_CHUNK     8192
#define EV_BIT         1u

struct rconn {
    int h;
    struct rpcd_session s;
};

static struct rconn *conns[RPCD_MAX_CONNS];
static struct notification note;
static uint8_t scratch[RPCD_CHUNK];
static struct rpcd_counters totals;

static struct rconn **find(int h)
{
    for (int i = 0; i < RPCD_MAX_CONNS; i++) {
        if (conns[i] != NULL && conns[i]->h == h)
            return &conns[i];
    }
    return NULL;
}

static void publish(void)
{
    svc_counters.rpcd_requests = totals.requests;
    svc_counters.rpcd_bad_bytes = totals.bad_bytes;
    svc_counters.rpcd_bad_requests = totals.bad_requests;
    svc_counters.rpcd_framing_errors = totals.framing_errors;
    svc_counters.rpcd_resp_bytes = totals.resp_bytes;
}

static void drop(struct rconn **slot, bool reset)
{
    int rc = reset ? net_abort((*slot)->h) : net_close((*slot)->h);
    if (rc != 0)
        LOGW("rpcd: closing handle %d: %d", (*slot)->h, rc);
    kfree(*slot);
    *slot = NULL;
}

/* Sends what the session has to say, then reads what it wants, until the stack says "later". */
static void service(struct rconn **slot)
{
    struct rconn *c = *slot;
    uint64_t bad_before = totals.bad_requests;
    for (;;) {
        size_t n = rpcd_session_peek(&c->s, scratch, sizeof scratch);
        if (n > 0) {
            long w = net_send(c->h, scratch, n);
            if (w == NETAPI_EAGAIN)
                break;
            if (w < 0) {
                drop(slot, true);
                break;
            }
            rpcd_session_advance(&c->s, (size_t)w);
            continue;
        }
        if (c->s.ph == RPCD_CLOSING) {
            drop(slot, false);
            break;
        }
        if (c->s.ph == RPCD_BROKEN) {
            LOGW("rpcd: bad request header (%s); resetting the connection",
                 rpc_err_name(c->s.error));
            drop(slot, true);
            break;
        }
        size_t want = rpcd_session_want(&c->s);
        ASSERT(want > 0, "rpcd: a session with nothing to send must want input");
        long r = net_recv(c->h, scratch, want < sizeof scratch ? want : sizeof scratch);
        if (r == NETAPI_EAGAIN)
            break;
        if (r <= 0) {
            if (r == 0 && (c->s.ph != RPCD_HDR || c->s.in_got > 0))
                LOGW("rpcd: connection ended inside a request");
            drop(slot, r < 0);
            break;
        }
        size_t used = rpcd_session_input(&c->s, scratch, (size_t)r);
        ASSERT(used == (size_t)r || c->s.ph == RPCD_BROKEN, "rpcd: input beyond what was wanted");
        if (totals.bad_requests != bad_before) {
            bad_before = totals.bad_requests;
            LOGW("rpcd: request %llu answered with status %u (%llu bad requests so far)",
                 (unsigned long long)c->s.req.id, c->s.out[6],
                 (unsigned long long)totals.bad_requests);
        }
    }
    publish();
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
        rpcd_session_init(&c->s, &totals);
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

/* rpcd.c: the request server of docs/protocol.md, a service thread over netd's IPC API; the
 * protocol itself is rpcd_session.c. */
#include "core/clock.h"
#include "core/log.h"
#include "mm/heap.h"
#include "services/netapi.h"
#include "services/netd.h"
#include "services/p2p_records.h"
#include "services/rpcd_session.h"
#include "services/services.h"
#include "services/svc_loop.h"
#include "services/svc_ready.h"

#define RPCD_BACKLOG   64
#define RPCD_MAX_CONNS 256
#define RPCD_CHUNK     8192

/* One request's packet-to-process times (docs/records.md), filled as its bytes are read. */
struct rtrack {
    bool open, done;
    uint64_t id, t_first, t_last, t_complete, t_wake, t_run, pred, report_ns;
    uint32_t subflow, flags;
};

struct rconn {
    int h;
    uint32_t conn; /* a per-boot connection number for the records */
    struct rpcd_session s;
    struct rtrack tr;
};

static uint32_t conn_seq;
static uint64_t resumed_ns; /* when rpcd last came back from waiting for events */

/* Handing the record to the ring happens after the reply: it is off the measured path. */
static void emit(struct rconn *c)
{
    struct rtrack *tr = &c->tr;
    struct p2p_rec r;
    memset(&r, 0, sizeof r);
    r.type = P2P_T_REQUEST;
    r.flags = (uint16_t)tr->flags;
    r.conn = c->conn;
    r.id = tr->id;
    r.subflow = tr->subflow;
    r.t0 = tr->t_first;
    r.d[P2P_D_LAST] = p2p_delta(r.t0, tr->t_last);
    r.d[P2P_D_COMPLETE] = p2p_delta(r.t0, tr->t_complete);
    r.d[P2P_D_WAKE] = p2p_delta(r.t0, tr->t_wake);
    r.d[P2P_D_RUN] = p2p_delta(r.t0, tr->t_run);
    r.d[P2P_D_REPLY] = p2p_delta(r.t0, clock_ns());
    r.d[P2P_D_PRED] = (tr->flags & P2P_F_PREDICTED) ? p2p_delta(r.t0, tr->pred) : P2P_NONE;
    r.d[P2P_D_REPORT] = tr->report_ns < P2P_NONE ? (uint32_t)tr->report_ns : P2P_NONE - 1;
    if (p2p_records_on())
        (void)p2p_push(&r);
    tr->open = tr->done = false;
}

/* Stamps of the bytes just consumed: a request starts, or completes (rpcd holds all of it). */
static void track(struct rconn *c, bool starting, const struct p2p_rxstamp *st)
{
    struct rtrack *tr = &c->tr;
    if (starting && !tr->open) {
        memset(tr, 0, sizeof(*tr));
        tr->open = true;
        tr->t_first = st->first_irq_ns != 0 ? st->first_irq_ns : st->last_irq_ns;
    }
    if (!tr->open || tr->done)
        return;
    tr->flags |= st->flags & (P2P_F_BOOSTED | P2P_F_HOLE);
    if (st->pred_ns != 0) {
        tr->pred = st->pred_ns;
        tr->flags |= P2P_F_PREDICTED;
    }
    if (c->s.ph == RPCD_RESP_HDR || c->s.ph == RPCD_RESP_PAYLOAD) {
        tr->done = true;
        tr->id = c->s.req.id;
        tr->t_last = st->last_irq_ns;
        tr->t_complete = st->avail_ns;
        tr->t_run = clock_ns();
        uint64_t dn = p2p_drain_ns();
        tr->report_ns = dn >= st->drain_ns ? dn - st->drain_ns : 0;
        tr->t_wake = resumed_ns > tr->t_complete ? resumed_ns : tr->t_complete;
        tr->subflow = st->subflow;
    }
}

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
            if (c->tr.done && (c->s.ph == RPCD_HDR || c->s.ph == RPCD_CLOSING))
                emit(c);
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
        bool starting = c->s.ph == RPCD_HDR && c->s.in_got == 0;
        struct p2p_rxstamp st;
        memset(&st, 0, sizeof st);
        long r =
            net_recv_stamped(c->h, scratch, want < sizeof scratch ? want : sizeof scratch, &st);
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
        track(c, starting, &st);
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
        c->conn = ++conn_seq;
        rpcd_session_init(&c->s, &totals);
        conns[i] = c;
        svc_counters.rpcd_conns++;
        service(&conns[i]);
    }
}

static void on_event(int h)
{
    struct rconn **slot = find(h);
    if (slot != NULL)
        service(slot);
}

/* wake_ns of the records (docs/records.md 1): rpcd running again after a wait. */
static void on_wake(void)
{
    resumed_ns = clock_ns();
}

void rpcd_thread(void *arg)
{
    (void)arg;
    static struct svc_loop loop = {.note = &note,
                                   .name = "rpcd",
                                   .backlog = RPCD_BACKLOG,
                                   .ready = SVC_READY_RPCD,
                                   .accept_all = accept_all,
                                   .event = on_event,
                                   .woke = on_wake};
    loop.port = svc_cfg.rpcd_port; /* rpcd_port= on the kernel command line */
    svc_loop_run(&loop);
}

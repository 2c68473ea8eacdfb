/* netd_api.c: netd's API server thread: socket handles for services, operations under the lock. */
#include "services/netapi.h"
#include "core/log.h"
#include "net/tcp.h"
#include "net/tcp_mptcp.h"
#include "services/netd.h"
#include "services/p2p_records.h"

struct endpoint netapi_ep;

/* One socket handle: the control block, who owns it and which events wait for the owner. */
struct hslot {
    struct tcp_pcb *pcb;
    struct notification *owner;
    uint32_t bit;
    uint32_t ev;
    uint16_t gen; /* bumped on every reuse so a stale handle never reaches a new socket */
    bool used, listener;
    struct p2p_rxstate rx; /* receive stamps and Divsa hints (p2p_rx.c) */
};
/* The thread whose call is being served (p2p_rx_recv learns who reads a socket). */
static struct thread *api_caller;

static struct hslot slots[NETAPI_MAX_HANDLES];

/* Handle = generation << 16 | slot index: positive, and stale handles are detected. */
static int32_t handle_of(int idx)
{
    return (int32_t)((uint32_t)(slots[idx].gen & 0x7FFFu) << 16 | (uint32_t)idx);
}

static struct hslot *lookup(int32_t h)
{
    if (h < 0)
        return NULL;
    uint32_t idx = (uint32_t)h & 0xFFFFu;
    if (idx >= NETAPI_MAX_HANDLES || !slots[idx].used || handle_of((int)idx) != h)
        return NULL;
    return &slots[idx];
}

static int slot_new(void)
{
    for (int i = 0; i < NETAPI_MAX_HANDLES; i++) {
        if (!slots[i].used) {
            slots[i].gen++;
            slots[i].used = true;
            slots[i].ev = 0;
            slots[i].pcb = NULL;
            slots[i].listener = false;
            p2p_rx_reset(&slots[i].rx);
            return i;
        }
    }
    return -1;
}

static void slot_free(struct hslot *s)
{
    s->used = false;
    s->pcb = NULL;
    s->owner = NULL;
    s->ev = 0;
}

void netd_api_foreach_conn(void (*fn)(int32_t h, const struct ns_tcp_info *info,
                                      const struct mptcp_conn *mp, void *arg),
                           void *arg)
{
    for (int i = 0; i < NETAPI_MAX_HANDLES; i++) {
        if (slots[i].used && !slots[i].listener) {
            struct ns_tcp_info info;
            ns_tcp_get_info(slots[i].pcb, &info);
            fn(handle_of(i), &info, ns_mp_conn(slots[i].pcb), arg);
        }
    }
}

int netd_api_handles_used(void)
{
    int n = 0;
    for (int i = 0; i < NETAPI_MAX_HANDLES; i++)
        n += slots[i].used ? 1 : 0;
    return n;
}

/* The stack's readiness callback (runs under netd_lock in either netd thread). */
static void on_event(void *arg, struct tcp_pcb *pcb, unsigned ev)
{
    struct hslot *s = &slots[(uintptr_t)arg];
    if (!s->used)
        return;
    if (!s->listener)
        p2p_rx_event(&s->rx, pcb, ev);
    s->ev |= ev;
    notify_signal(s->owner, s->bit);
}

static int32_t op_listen(const struct netapi_req *rq)
{
    if (rq->port == 0 || rq->port > 65535 || rq->notify == NULL || rq->bit == 0)
        return NETAPI_EINVAL;
    int idx = slot_new();
    if (idx < 0)
        return NETAPI_ENOSLOT;
    int err = 0;
    /* MPTCP (RFC 8684) on every service listener: MP_CAPABLE, and MP_JOIN on either NIC's
       address (the listener is bound to 0.0.0.0). */
    struct tcp_pcb *l =
        ns_mp_listen(&netd_stack, netd_mp, (uint16_t)rq->port, rq->backlog ? (int)rq->backlog : 16,
                     on_event, (void *)(uintptr_t)idx, &err);
    if (l == NULL) {
        slot_free(&slots[idx]);
        return err ? err : NETAPI_EINVAL;
    }
    slots[idx].pcb = l;
    slots[idx].listener = true;
    slots[idx].owner = rq->notify;
    slots[idx].bit = rq->bit;
    return handle_of(idx);
}

static int32_t op_accept(struct hslot *l)
{
    if (!l->listener)
        return NETAPI_EBADH;
    int idx = slot_new();
    if (idx < 0)
        return NETAPI_ENOSLOT;
    /* Joined subflows never reach a service: ns_mp_accept hands them to the MPTCP glue. */
    struct tcp_pcb *c = ns_mp_accept(l->pcb);
    if (c == NULL) {
        slot_free(&slots[idx]);
        return NETAPI_EAGAIN;
    }
    slots[idx].pcb = c;
    slots[idx].owner = l->owner;
    slots[idx].bit = l->bit;
    ns_mp_set_callback(c, on_event, (void *)(uintptr_t)idx);
    return handle_of(idx);
}

static int32_t op_events(struct notification *n, struct netapi_resp *rs)
{
    uint32_t k = 0;
    for (int i = 0; i < NETAPI_MAX_HANDLES && k < NETAPI_MAX_EVENTS; i++) {
        if (slots[i].used && slots[i].owner == n && slots[i].ev) {
            rs->ev[k].handle = handle_of(i);
            rs->ev[k].events = slots[i].ev;
            slots[i].ev = 0;
            k++;
        }
    }
    rs->n_events = k;
    return (int32_t)k;
}

static int32_t clamp_len(long n)
{
    return n > 0x7FFFFFFFL ? 0x7FFFFFFF : (int32_t)n;
}

static int32_t dispatch(uint32_t op, const struct netapi_req *rq, struct netapi_resp *rs)
{
    if (op == NETAPI_LISTEN)
        return op_listen(rq);
    if (op == NETAPI_EVENTS)
        return op_events(rq->notify, rs);
    struct hslot *s = lookup(rq->handle);
    if (s == NULL)
        return NETAPI_EBADH;
    switch (op) {
    case NETAPI_ACCEPT:
        return op_accept(s);
    case NETAPI_RECV:
        if (s->listener || (rq->buf == NULL && rq->len > 0))
            return NETAPI_EINVAL;
        {
            long r = ns_mp_recv(s->pcb, rq->buf, rq->len);
            p2p_rx_recv(&s->rx, s->pcb, rq->len, r, api_caller, rq->stamp);
            return clamp_len(r);
        }
    case NETAPI_SEND:
        if (s->listener || (rq->buf == NULL && rq->len > 0))
            return NETAPI_EINVAL;
        return clamp_len(ns_mp_send(s->pcb, rq->buf, rq->len));
    case NETAPI_CLOSE:
        if (s->listener) {
            ns_tcp_set_callback(s->pcb, NULL, NULL);
            ns_tcp_close(s->pcb);
        } else {
            ns_mp_set_callback(s->pcb, NULL, NULL);
            ns_mp_close(s->pcb);
        }
        slot_free(s);
        return 0;
    case NETAPI_INFO:
        ns_tcp_get_info(s->pcb, &rs->info);
        return 0;
    case NETAPI_ABORT:
        if (s->listener) {
            ns_tcp_set_callback(s->pcb, NULL, NULL);
            ns_tcp_close(s->pcb);
        } else {
            ns_mp_set_callback(s->pcb, NULL, NULL);
            ns_mp_abort(s->pcb); /* MPTCP: MP_FASTCLOSE (RFC 8684 3.5) */
        }
        slot_free(s);
        return 0;
    default:
        return NETAPI_EINVAL;
    }
}

void netd_api_thread(void *arg)
{
    (void)arg;
    struct ipc_msg m;
    struct ipc_reply_cap rc;
    for (;;) {
        if (ipc_recv(&netapi_ep, &m, &rc) != IPC_OK)
            continue;
        struct netapi_req rq;
        struct netapi_resp rs;
        memset(&rs, 0, sizeof(rs));
        if (m.len != sizeof(rq)) {
            rs.rc = NETAPI_EINVAL;
        } else {
            memcpy(&rq, m.data, sizeof(rq));
            mutex_lock(&netd_lock);
            netd_tx_batch_begin(); /* netd_after_op flushes */
            api_caller = rc.caller;
            rs.rc = dispatch(m.label, &rq, &rs);
            netd_after_op();
            mutex_unlock(&netd_lock);
        }
        m.len = sizeof(rs);
        memcpy(m.data, &rs, sizeof(rs));
        if (rc.caller != NULL && ipc_reply(&rc, &m) != IPC_OK)
            LOGW("netd-api: reply to thread %u failed", m.sender);
    }
}

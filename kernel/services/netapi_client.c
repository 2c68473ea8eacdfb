/* netapi_client.c: the service side of netd's IPC API: one request message, one reply each. */
#include "services/netapi.h"

_Static_assert(sizeof(struct netapi_req) <= IPC_MSG_MAX, "netapi request must fit one message");
_Static_assert(sizeof(struct netapi_resp) <= IPC_MSG_MAX, "netapi reply must fit one message");

static int32_t call(uint32_t op, const struct netapi_req *rq, struct netapi_resp *rs)
{
    struct ipc_msg m;
    m.label = op;
    m.len = sizeof(*rq);
    memcpy(m.data, rq, sizeof(*rq));
    int e = ipc_call(&netapi_ep, &m, &m);
    if (e != IPC_OK)
        return NETAPI_EINVAL;
    struct netapi_resp tmp;
    if (rs == NULL)
        rs = &tmp;
    memcpy(rs, m.data, sizeof(*rs));
    return rs->rc;
}

int net_listen(uint16_t port, int backlog, struct notification *n, uint32_t bit)
{
    struct netapi_req rq = {.port = port, .backlog = (uint32_t)backlog, .notify = n, .bit = bit};
    return call(NETAPI_LISTEN, &rq, NULL);
}

int net_accept(int listener)
{
    struct netapi_req rq = {.handle = listener};
    return call(NETAPI_ACCEPT, &rq, NULL);
}

long net_recv(int h, void *buf, size_t len)
{
    struct netapi_req rq = {.handle = h, .buf = buf, .len = (uint32_t)len};
    return call(NETAPI_RECV, &rq, NULL);
}

long net_recv_stamped(int h, void *buf, size_t len, struct p2p_rxstamp *st)
{
    struct netapi_req rq = {.handle = h, .buf = buf, .len = (uint32_t)len, .stamp = st};
    return call(NETAPI_RECV, &rq, NULL);
}

long net_send(int h, const void *buf, size_t len)
{
    struct netapi_req rq = {.handle = h, .buf = (void *)(uintptr_t)buf, .len = (uint32_t)len};
    return call(NETAPI_SEND, &rq, NULL);
}

int net_close(int h)
{
    struct netapi_req rq = {.handle = h};
    return call(NETAPI_CLOSE, &rq, NULL);
}

int net_abort(int h)
{
    struct netapi_req rq = {.handle = h};
    return call(NETAPI_ABORT, &rq, NULL);
}

int net_info(int h, struct ns_tcp_info *info)
{
    struct netapi_req rq = {.handle = h};
    struct netapi_resp rs;
    int32_t rc = call(NETAPI_INFO, &rq, &rs);
    if (rc == 0)
        *info = rs.info;
    return rc;
}

int net_events(struct notification *n, struct netapi_event *ev, int max)
{
    struct netapi_req rq = {.notify = n};
    struct netapi_resp rs;
    int32_t rc = call(NETAPI_EVENTS, &rq, &rs);
    if (rc < 0)
        return rc;
    int k = (int)rs.n_events < max ? (int)rs.n_events : max;
    memcpy(ev, rs.ev, sizeof(ev[0]) * (size_t)k);
    return k;
}

/* echo.c: the RFC 862 echo service on TCP port 7, a separate thread using netd's IPC API. */
#include "core/log.h"
#include "mm/heap.h"
#include "services/netapi.h"
#include "services/netd.h"
#include "services/svc_loop.h"
#include "services/svc_ready.h"

/* RFC 862: "TCP Based Echo Service ... listen on TCP port 7". */
#define ECHO_PORT      7
#define ECHO_BACKLOG   64
#define ECHO_BUF       8192
#define ECHO_MAX_CONNS 256

struct econn {
    int h;
    uint32_t off, len; /* bytes of buf still to send back */
    uint8_t buf[ECHO_BUF];
};

static struct econn *conns[ECHO_MAX_CONNS];
static struct notification note;

static struct econn **find(int h)
{
    for (int i = 0; i < ECHO_MAX_CONNS; i++) {
        if (conns[i] != NULL && conns[i]->h == h)
            return &conns[i];
    }
    return NULL;
}

static void drop(struct econn **slot, bool reset)
{
    int rc = reset ? net_abort((*slot)->h) : net_close((*slot)->h);
    if (rc != 0)
        LOGW("echo: closing handle %d: %d", (*slot)->h, rc);
    kfree(*slot);
    *slot = NULL;
}

/* Moves bytes until the stack says "later": send what is pending, then read more. */
static void service(struct econn **slot)
{
    struct econn *c = *slot;
    for (;;) {
        if (c->off < c->len) {
            long w = net_send(c->h, c->buf + c->off, c->len - c->off);
            if (w == NETAPI_EAGAIN)
                return;
            if (w < 0) {
                drop(slot, true);
                return;
            }
            c->off += (uint32_t)w;
            svc_counters.echo_bytes += (uint64_t)w;
            continue;
        }
        long n = net_recv(c->h, c->buf, sizeof c->buf);
        if (n == NETAPI_EAGAIN)
            return;
        if (n <= 0) {
            /* RFC 862: the server closes once the client has finished and all is echoed. */
            drop(slot, n < 0);
            return;
        }
        c->off = 0;
        c->len = (uint32_t)n;
    }
}

static void accept_all(int l)
{
    int h;
    while ((h = net_accept(l)) >= 0) {
        int i = 0;
        while (i < ECHO_MAX_CONNS && conns[i] != NULL)
            i++;
        struct econn *c = i < ECHO_MAX_CONNS ? kzalloc(sizeof(*c)) : NULL;
        if (c == NULL) {
            LOGW("echo: no room for another connection; resetting it");
            (void)net_abort(h);
            continue;
        }
        c->h = h;
        conns[i] = c;
        svc_counters.echo_conns++;
        service(&conns[i]);
    }
}

static void on_event(int h)
{
    struct econn **slot = find(h);
    if (slot != NULL)
        service(slot);
}

void echo_thread(void *arg)
{
    (void)arg;
    static const struct svc_loop loop = {.note = &note,
                                         .name = "echo",
                                         .port = ECHO_PORT,
                                         .backlog = ECHO_BACKLOG,
                                         .ready = SVC_READY_ECHO,
                                         .accept_all = accept_all,
                                         .event = on_event};
    svc_loop_run(&loop);
}

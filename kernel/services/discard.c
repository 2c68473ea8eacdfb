/* discard.c: the RFC 863 discard service on TCP port 9 (one-way goodput), a thread over netd's API.
 */
#include "core/log.h"
#include "services/netapi.h"
#include "services/netd.h"
#include "services/svc_loop.h"
#include "services/svc_ready.h"

/* RFC 863: "TCP Based Discard Service ... listen on TCP port 9". */
#define DISCARD_PORT      9
#define DISCARD_BACKLOG   16
#define DISCARD_MAX_CONNS 64

static int conns[DISCARD_MAX_CONNS];
static struct notification note;
static uint8_t sink[16384];

static int *find(int h)
{
    for (int i = 0; i < DISCARD_MAX_CONNS; i++) {
        if (conns[i] == h)
            return &conns[i];
    }
    return NULL;
}

static void service(int *slot)
{
    for (;;) {
        long n = net_recv(*slot, sink, sizeof sink);
        if (n == NETAPI_EAGAIN)
            return;
        if (n <= 0) {
            int rc = n < 0 ? net_abort(*slot) : net_close(*slot);
            if (rc != 0)
                LOGW("discard: closing handle %d: %d", *slot, rc);
            *slot = 0;
            return;
        }
        svc_counters.discard_bytes += (uint64_t)n;
    }
}

static void accept_all(int l)
{
    int h;
    while ((h = net_accept(l)) >= 0) {
        int *slot = find(0); /* handles are never 0: slot 0's first generation is 1 */
        if (slot == NULL) {
            LOGW("discard: no room for another connection; resetting it");
            (void)net_abort(h);
            continue;
        }
        *slot = h;
        svc_counters.discard_conns++;
        service(slot);
    }
}

static void on_event(int h)
{
    int *slot = find(h);
    if (slot != NULL)
        service(slot);
}

void discard_thread(void *arg)
{
    (void)arg;
    static const struct svc_loop loop = {.note = &note,
                                         .name = "discard",
                                         .port = DISCARD_PORT,
                                         .backlog = DISCARD_BACKLOG,
                                         .ready = SVC_READY_DISCARD,
                                         .accept_all = accept_all,
                                         .event = on_event};
    svc_loop_run(&loop);
}

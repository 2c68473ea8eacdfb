/* svc_loop.c: listen, report readiness, then accept and serve events (see svc_loop.h). */
#include "services/svc_loop.h"
#include "core/log.h"
#include "core/thread.h"
#include "services/netapi.h"
#include "services/svc_ready.h"

#define SVC_EV_BIT 1u /* the one notification bit a service's handles raise */

void svc_loop_run(const struct svc_loop *s)
{
    struct notification *note = s->note;
    ASSERT(note != NULL && s->accept_all != NULL && s->event != NULL, "incomplete service loop");
    notification_init(note);
    int l = net_listen(s->port, s->backlog, note, SVC_EV_BIT);
    svc_ready(s->ready, l >= 0);
    if (l < 0) {
        LOGE("%s: cannot listen on port %u: %d", s->name, s->port, l);
        thread_exit(1);
    }
    struct netapi_event ev[NETAPI_MAX_EVENTS];
    for (;;) {
        notify_wait(note, 0);
        if (s->woke)
            s->woke();
        int k;
        do {
            /* A full batch may mean more are waiting: drain before sleeping again. */
            k = net_events(note, ev, NETAPI_MAX_EVENTS);
            for (int i = 0; i < k; i++) {
                if (ev[i].handle == l)
                    s->accept_all(l);
                else
                    s->event(ev[i].handle);
            }
        } while (k == NETAPI_MAX_EVENTS);
    }
}

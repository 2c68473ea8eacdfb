/* discard_svc.c: RFC 863 TCP discard: reads and throws away everything (a pure receive sink). */
#include "discard_svc.h"

static uint64_t n_bytes;

static void sink(void *arg, struct tcp_pcb *s, unsigned ev)
{
    uint8_t buf[16384];
    (void)arg;
    (void)ev;
    for (;;) {
        long n = ns_mp_recv(s, buf, sizeof(buf));
        if (n == NS_EAGAIN)
            return;
        if (n <= 0) {
            ns_mp_close(s); /* end of stream or error */
            return;
        }
        n_bytes += (uint64_t)n;
    }
}

static void on_accept(void *arg, struct tcp_pcb *l, unsigned ev)
{
    struct tcp_pcb *c;
    (void)arg;
    if (!(ev & NS_EV_ACCEPT))
        return;
    while ((c = ns_mp_accept(l)) != NULL) {
        ns_mp_set_callback(c, sink, NULL);
        sink(NULL, c, NS_EV_IN);
    }
}

int discard_svc_start(struct ns_stack *st, struct ns_mp *mp, uint16_t port, int backlog)
{
    int err = 0;
    return ns_mp_listen(st, mp, port, backlog, on_accept, NULL, &err) ? 0 : err;
}

uint64_t discard_svc_bytes(void)
{
    return n_bytes;
}

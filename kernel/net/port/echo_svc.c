/* echo_svc.c: RFC 862 TCP echo: every byte received is sent back, with the stack's back-pressure.
 */
#include "echo_svc.h"

static uint64_t n_conns, n_bytes;

/* Moves as much as the send buffer takes; closes on end of stream or error. */
static void service(void *arg, struct tcp_pcb *s, unsigned ev)
{
    uint8_t buf[16384];
    (void)arg;
    (void)ev;
    for (;;) {
        size_t room = ns_mp_send_space(s);
        if (room == 0) {
            if (ns_mp_error(s) != 0)
                ns_mp_close(s);
            return; /* else wait for NS_EV_OUT */
        }
        long n = ns_mp_recv(s, buf, room < sizeof(buf) ? room : sizeof(buf));
        if (n == NS_EAGAIN)
            return;
        if (n <= 0) {
            /* 0: the client finished (RFC 862: close once everything is echoed); <0: error. */
            ns_mp_close(s);
            return;
        }
        long w = ns_mp_send(s, buf, (size_t)n);
        ASSERT(w == n, "echo read more than the send space it checked");
        n_bytes += (uint64_t)n;
    }
}

static void on_accept(void *arg, struct tcp_pcb *l, unsigned ev)
{
    (void)arg;
    if (!(ev & NS_EV_ACCEPT))
        return;
    struct tcp_pcb *c;
    while ((c = ns_mp_accept(l)) != NULL) {
        n_conns++;
        ns_mp_set_callback(c, service, NULL);
        service(NULL, c, NS_EV_IN);
    }
}

int echo_svc_start(struct ns_stack *st, struct ns_mp *mp, uint16_t port, int backlog)
{
    int err = 0;
    return ns_mp_listen(st, mp, port, backlog, on_accept, NULL, &err) ? 0 : err;
}

void echo_svc_counts(uint64_t *conns, uint64_t *bytes)
{
    *conns = n_conns;
    *bytes = n_bytes;
}

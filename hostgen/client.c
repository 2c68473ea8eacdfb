/* client.c: the generator's event loop: timed sends (timerfd + spin), response checks, telemetry.
 */
#include "client.h"
#include "report.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "../kernel/lib/proto/rpc_proto.h"
#include "clock.h"
#include "pm.h"
#include "progress.h"
#include "sock.h"

#define CL_BUF (64 * 1024)

enum conn_state { CS_CONNECTING, CS_UP, CS_DEAD };

struct conn {
    int fd;
    unsigned idx;
    enum conn_state state;
    uint32_t ev;
    /* FIFO of request ids on this connection: [0, nsent) fully sent and awaiting a response,
     * entry nsent is being sent (tx_off bytes out), the rest are queued. */
    uint64_t *q;
    size_t qcap, qhead, qlen, nsent;
    uint64_t tx_off;
    /* Receive side. */
    uint8_t rxhdr[RPC_HDR_LEN];
    size_t rxgot;
    bool rx_payload, rx_bad;
    struct rpc_verifier ver;
    bool fallback;
    uint8_t max_subflows;
};

struct client {
    const struct hg_opts *o;
    struct run_result *r;
    struct conn *conns;
    int ep, tfd;
    int64_t timer_at;
    uint64_t cap;         /* allocated records */
    uint64_t outstanding; /* queued or sent, not finished */
    uint64_t finished_ok, finished_bad;
    uint64_t next_id;
    int64_t next_intended;
    bool gen_done;
    struct rng arr, rsz, qsz;
    uint8_t buf[CL_BUF];   /* send scratch (try_send) */
    uint8_t rxbuf[CL_BUF]; /* receive buffer: a completion may send while it is parsed */
    FILE *tele, *events;
    struct pm pm;
    bool pm_open;
    struct progress prog;
    unsigned rr; /* open-loop round-robin cursor */
    int64_t measure_start;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

const char *req_status_name(enum req_status s)
{
    static const char *names[RS_COUNT] = {"pending", "ok",       "timeout",
                                          "reset",   "mismatch", "noconn"};
    return (unsigned)s < RS_COUNT ? names[s] : "?";
}

static uint64_t qat(const struct conn *c, size_t k)
{
    ASSERT(k < c->qlen, "queue index in range");
    return c->q[(c->qhead + k) % c->qcap];
}

static int qpush(struct conn *c, uint64_t id)
{
    if (c->qlen == c->qcap) {
        size_t ncap = c->qcap ? c->qcap * 2 : 64;
        uint64_t *nq = malloc(ncap * sizeof(*nq));
        if (nq == NULL)
            return -1;
        for (size_t k = 0; k < c->qlen; k++)
            nq[k] = qat(c, k);
        free(c->q);
        c->q = nq;
        c->qcap = ncap;
        c->qhead = 0;
    }
    c->q[(c->qhead + c->qlen++) % c->qcap] = id;
    return 0;
}

static uint64_t qpop(struct conn *c)
{
    uint64_t id = qat(c, 0);
    c->qhead = (c->qhead + 1) % c->qcap;
    c->qlen--;
    return id;
}

static int set_interest(struct client *cl, struct conn *c, uint32_t want)
{
    if (c->ev == want)
        return 0;
    struct epoll_event e = {.events = want, .data.ptr = c};
    c->ev = want;
    return epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &e);
}

static void finish(struct client *cl, uint64_t id, enum req_status st, int64_t now)
{
    struct req *q = &cl->r->reqs[id];
    ASSERT(q->status == RS_PENDING, "a request finishes once");
    q->status = (uint8_t)st;
    if (st == RS_OK || st == RS_MISMATCH || st == RS_TIMEOUT)
        q->done = now;
    ASSERT(cl->outstanding > 0, "outstanding count matches the queues");
    cl->outstanding--;
    if (st == RS_OK)
        cl->finished_ok++;
    else
        cl->finished_bad++;
    if (st == RS_OK && !q->warmup)
        progress_sample(&cl->prog, q->done - q->intended);
}

static void conn_fail(struct client *cl, struct conn *c, const char *why)
{
    if (c->state == CS_DEAD)
        return;
    int64_t now = mono_ns();
    uint64_t lost = c->qlen;
    while (c->qlen > 0) {
        uint64_t id = qpop(c);
        finish(cl, id, cl->r->reqs[id].actual >= 0 ? RS_RESET : RS_NOCONN, now);
    }
    if (epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL) != 0)
        perror("hostgen: epoll_ctl del");
    close(c->fd);
    c->fd = -1;
    c->state = CS_DEAD;
    cl->r->conns_lost++;
    if (cl->o->progress != 0 || lost > 0)
        fprintf(stderr, "\nhostgen: connection %u lost (%s), %llu requests unanswered\n", c->idx,
                why, (unsigned long long)lost);
}

/* Sends queued requests of c until the socket is full; stamps each first byte's send time. */
static void try_send(struct client *cl, struct conn *c)
{
    while (c->state == CS_UP && c->nsent < c->qlen) {
        size_t used = 0, k = c->nsent;
        uint64_t off = c->tx_off;
        while (k < c->qlen && used < CL_BUF) {
            uint64_t id = qat(c, k);
            const struct req *q = &cl->r->reqs[id];
            uint64_t total = RPC_HDR_LEN + (uint64_t)q->req_len;
            while (off < total && used < CL_BUF) {
                size_t room = CL_BUF - used, chunk;
                if (off < RPC_HDR_LEN) {
                    uint8_t hdr[RPC_HDR_LEN];
                    struct rpc_hdr h;
                    rpc_hdr_init(&h, id, q->req_len, q->resp_len, (uint64_t)q->intended, 0);
                    rpc_hdr_pack(&h, hdr);
                    chunk = RPC_HDR_LEN - (size_t)off < room ? RPC_HDR_LEN - (size_t)off : room;
                    memcpy(cl->buf + used, hdr + off, chunk);
                } else {
                    uint64_t left = total - off;
                    chunk = left < room ? (size_t)left : room;
                    rpc_payload_fill(id, RPC_DIR_REQUEST, off - RPC_HDR_LEN, cl->buf + used, chunk);
                }
                used += chunk;
                off += chunk;
            }
            if (off < total)
                break;
            k++;
            off = 0;
        }
        int64_t t = mono_ns();
        ssize_t w = send(c->fd, cl->buf, used, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (set_interest(cl, c, EPOLLIN | EPOLLOUT) != 0)
                    conn_fail(cl, c, "epoll_ctl");
                return;
            }
            conn_fail(cl, c, strerror(errno));
            return;
        }
        /* Walk the requests the kernel took; the ones whose first byte left now get time t. */
        uint64_t sent = (uint64_t)w;
        while (sent > 0) {
            uint64_t id = qat(c, c->nsent);
            struct req *q = &cl->r->reqs[id];
            uint64_t total = RPC_HDR_LEN + (uint64_t)q->req_len;
            if (c->tx_off == 0)
                q->actual = t;
            uint64_t d = total - c->tx_off < sent ? total - c->tx_off : sent;
            c->tx_off += d;
            sent -= d;
            if (c->tx_off == total) {
                c->nsent++;
                c->tx_off = 0;
            }
        }
        if ((size_t)w < used) {
            if (set_interest(cl, c, EPOLLIN | EPOLLOUT) != 0)
                conn_fail(cl, c, "epoll_ctl");
            return;
        }
    }
    if (c->state == CS_UP && set_interest(cl, c, EPOLLIN) != 0)
        conn_fail(cl, c, "epoll_ctl");
}

static int grow(struct client *cl)
{
    if (cl->next_id < cl->cap)
        return 0;
    uint64_t ncap = cl->cap * 2;
    if (ncap > HG_MAX_REQUESTS)
        ncap = HG_MAX_REQUESTS;
    if (ncap <= cl->cap)
        return -1;
    struct req *n = realloc(cl->r->reqs, ncap * sizeof(*n));
    if (n == NULL)
        return -1;
    cl->r->reqs = n;
    cl->cap = ncap;
    return 0;
}

/* Creates request next_id with intended time t and queues it on connection ci (or the next live).
 */
static void dispatch(struct client *cl, int64_t t, unsigned ci)
{
    if (grow(cl) != 0) {
        cl->gen_done = true;
        cl->r->partial = true;
        snprintf(cl->r->partial_reason, sizeof(cl->r->partial_reason),
                 "out of memory for request records");
        return;
    }
    uint64_t id = cl->next_id++;
    cl->r->nreqs = cl->next_id;
    if (cl->o->requests && cl->next_id >= cl->o->requests)
        cl->gen_done = true;
    struct req *q = &cl->r->reqs[id];
    memset(q, 0, sizeof(*q));
    q->intended = t;
    q->actual = -1;
    q->done = -1;
    q->req_len = (uint32_t)dist_draw(&cl->o->req_size, &cl->qsz);
    q->resp_len = (uint32_t)dist_draw(&cl->o->resp_size, &cl->rsz);
    q->warmup = t < cl->measure_start;
    cl->outstanding++;
    unsigned n = cl->o->conns;
    for (unsigned k = 0; k < n; k++) {
        struct conn *c = &cl->conns[(ci + k) % n];
        if (c->state != CS_UP)
            continue;
        q->conn = (uint16_t)c->idx;
        if (qpush(c, id) != 0) {
            finish(cl, id, RS_NOCONN, t);
            return;
        }
        try_send(cl, c);
        return;
    }
    finish(cl, id, RS_NOCONN, t);
}

/* Handles a complete response header for the oldest sent request on c. */
static bool on_header(struct client *cl, struct conn *c)
{
    struct rpc_hdr h;
    int rc = rpc_hdr_unpack(c->rxhdr, RPC_HDR_LEN, &h);
    if (rc != RPC_OK || c->nsent == 0) {
        conn_fail(cl, c, rc != RPC_OK ? rpc_err_name(rc) : "response before request");
        return false;
    }
    uint64_t id = qat(c, 0);
    const struct req *q = &cl->r->reqs[id];
    /* Framing follows the lengths we sent; an echo that changes resp_len cannot be framed. */
    if (h.resp_len != q->resp_len) {
        conn_fail(cl, c, "response length differs from the request");
        return false;
    }
    c->rx_bad = h.id != id || h.req_len != q->req_len || h.send_ns != (uint64_t)q->intended ||
                !(h.flags & RPC_F_RESPONSE) || h.status != RPC_ST_OK;
    rpc_verify_init(&c->ver, id, RPC_DIR_RESPONSE, q->resp_len);
    c->rx_payload = true;
    return true;
}

static void on_response_done(struct client *cl, struct conn *c, int64_t now)
{
    uint64_t id = qpop(c);
    c->nsent--;
    c->rx_payload = false;
    struct req *q = &cl->r->reqs[id];
    enum req_status st = RS_OK;
    if (c->rx_bad || c->ver.bad) {
        st = RS_MISMATCH;
        q->mismatched_bytes = c->ver.bad > UINT32_MAX ? UINT32_MAX : (uint32_t)c->ver.bad;
        cl->r->bytes_mismatched += c->ver.bad;
    } else if (now - q->intended > (int64_t)cl->o->timeout_ms * 1000000) {
        st = RS_TIMEOUT;
    }
    finish(cl, id, st, now);
    /* Closed loop: the completion is the next request's intended send time. */
    if (cl->o->closed && !cl->gen_done)
        dispatch(cl, now, c->idx);
}

static void on_readable(struct client *cl, struct conn *c)
{
    for (int rounds = 0; rounds < 16 && c->state == CS_UP; rounds++) {
        ssize_t n = recv(c->fd, cl->rxbuf, CL_BUF, MSG_DONTWAIT);
        if (n == 0) {
            conn_fail(cl, c, "closed by peer");
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                conn_fail(cl, c, strerror(errno));
            return;
        }
        int64_t now = mono_ns();
        const uint8_t *p = cl->rxbuf;
        size_t left = (size_t)n;
        while (left > 0 && c->state == CS_UP) {
            if (!c->rx_payload) {
                size_t take = RPC_HDR_LEN - c->rxgot < left ? RPC_HDR_LEN - c->rxgot : left;
                memcpy(c->rxhdr + c->rxgot, p, take);
                c->rxgot += take;
                p += take;
                left -= take;
                if (c->rxgot < RPC_HDR_LEN)
                    break;
                c->rxgot = 0;
                if (!on_header(cl, c))
                    return;
            }
            uint64_t want = c->ver.len - c->ver.next;
            size_t take = want < left ? (size_t)want : left;
            rpc_verify_feed(&c->ver, p, take);
            p += take;
            left -= take;
            if (rpc_verify_done(&c->ver))
                on_response_done(cl, c, now);
        }
        if ((size_t)n < CL_BUF)
            return;
    }
}

static void on_events(struct client *cl)
{
    char buf[8192]; /* libmnl suggests one page; events are a few hundred bytes */
    ssize_t n = recv(pm_fd(&cl->pm), buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0)
        return;
    int64_t now = mono_ns();
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
    int len = (int)n;
    while (mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_len <= (unsigned)len) {
        struct pm_event ev;
        if (pm_event_parse(nlh, (size_t)len, cl->pm.family, &ev) == 1) {
            cl->r->pm_events++;
            cl->r->sub_established += ev.type == 10; /* MPTCP_EVENT_SUB_ESTABLISHED */
            cl->r->sub_closed += ev.type == 11;      /* MPTCP_EVENT_SUB_CLOSED */
            if (cl->events)
                pm_event_write(cl->events, now, &ev);
        }
        nlh = mnl_nlmsg_next(nlh, &len);
    }
}

static void sample_all(struct client *cl, bool final)
{
    int64_t now = mono_ns();
    if (final)
        cl->r->npaths = 0;
    for (unsigned i = 0; i < cl->o->conns; i++) {
        struct conn *c = &cl->conns[i];
        if (c->state != CS_UP)
            continue;
        struct conn_sample cs;
        if (tele_sample(c->fd, cl->o->tcp, &cs) != 0)
            continue;
        if (cs.fallback && !cl->o->tcp && !c->fallback) {
            c->fallback = true;
            cl->r->fallback_conns++;
        }
        uint32_t nsf = cs.nsf_kernel ? cs.nsf_kernel : (uint32_t)cs.nsf;
        if (nsf > cl->r->max_subflows)
            cl->r->max_subflows = nsf;
        if (cl->tele)
            tele_write_rows(cl->tele, now, c->idx, &cs);
        if (!final)
            continue;
        for (size_t k = 0; k < cs.nsf; k++) {
            const struct sf_sample *s = &cs.sf[k];
            char l[64], rm[64];
            tele_addr_str(&s->local, l, sizeof(l));
            tele_addr_str(&s->remote, rm, sizeof(rm));
            /* Aggregate per path: drop the ports. */
            char *colon = strrchr(l, ':');
            if (colon)
                *colon = '\0';
            colon = strrchr(rm, ':');
            if (colon)
                *colon = '\0';
            unsigned p = 0;
            while (p < cl->r->npaths &&
                   (strcmp(cl->r->paths[p].local, l) || strcmp(cl->r->paths[p].remote, rm)))
                p++;
            if (p == cl->r->npaths) {
                if (p == HG_MAX_PATHS)
                    continue;
                memset(&cl->r->paths[p], 0, sizeof(cl->r->paths[p]));
                snprintf(cl->r->paths[p].local, sizeof(cl->r->paths[p].local), "%s", l);
                snprintf(cl->r->paths[p].remote, sizeof(cl->r->paths[p].remote), "%s", rm);
                cl->r->npaths++;
            }
            struct path_bytes *pb = &cl->r->paths[p];
            pb->bytes_acked += s->bytes_acked;
            pb->bytes_received += s->bytes_received;
            pb->bytes_sent += s->bytes_sent;
            pb->retrans += s->total_retrans;
            pb->subflows++;
        }
    }
}

/* Opens every connection and waits (up to --connect-timeout-ms) until each is up or failed. */
static void connect_all(struct client *cl)
{
    const struct hg_opts *o = cl->o;
    int last_err = 0;
    unsigned pending = 0;
    for (unsigned i = 0; i < o->conns; i++) {
        struct conn *c = &cl->conns[i];
        c->idx = i;
        c->state = CS_DEAD;
        c->fd = sock_stream(o->tcp);
        if (c->fd < 0) {
            last_err = errno;
            cl->r->connect_failures++;
            continue;
        }
        if (sock_nodelay(c->fd) != 0)
            perror("hostgen: TCP_NODELAY");
        struct sockaddr_in b = {.sin_family = AF_INET, .sin_addr = o->bind};
        struct sockaddr_in a = {
            .sin_family = AF_INET, .sin_port = htons(o->port), .sin_addr = o->server};
        if ((o->have_bind && bind(c->fd, (struct sockaddr *)&b, sizeof(b)) != 0) ||
            (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS)) {
            last_err = errno;
            close(c->fd);
            c->fd = -1;
            cl->r->connect_failures++;
            continue;
        }
        c->state = CS_CONNECTING;
        c->ev = EPOLLOUT;
        struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
        if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, c->fd, &e) != 0) {
            last_err = errno;
            close(c->fd);
            c->fd = -1;
            c->state = CS_DEAD;
            cl->r->connect_failures++;
            continue;
        }
        pending++;
    }
    int64_t deadline = mono_ns() + (int64_t)o->connect_timeout_ms * 1000000;
    struct epoll_event evs[64];
    while (pending > 0 && !stop_flag) {
        int64_t left = deadline - mono_ns();
        if (left <= 0)
            break;
        int n = epoll_wait(cl->ep, evs, 64, (int)(left / 1000000) + 1);
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &cl->pm) {
                on_events(cl);
                continue;
            }
            struct conn *c = p;
            if (p == &cl->tfd || c->state != CS_CONNECTING)
                continue;
            int err = 0;
            socklen_t len = sizeof(err);
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
                err = errno;
            pending--;
            if (err != 0) {
                last_err = err;
                epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                c->state = CS_DEAD;
                cl->r->connect_failures++;
                continue;
            }
            c->state = CS_UP;
            cl->r->conns_ok++;
            if (set_interest(cl, c, EPOLLIN) != 0)
                conn_fail(cl, c, "epoll_ctl");
        }
    }
    for (unsigned i = 0; i < o->conns; i++) {
        struct conn *c = &cl->conns[i];
        if (c->state != CS_CONNECTING)
            continue;
        last_err = ETIMEDOUT;
        epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
        c->state = CS_DEAD;
        cl->r->connect_failures++;
    }
    if (cl->r->connect_failures)
        fprintf(stderr, "hostgen: %u of %u connections failed: %s\n", cl->r->connect_failures,
                o->conns, strerror(last_err));
}

static void arm_timer(struct client *cl, int64_t at)
{
    if (at == cl->timer_at)
        return;
    cl->timer_at = at;
    struct itimerspec its = {.it_value = {.tv_sec = at / 1000000000, .tv_nsec = at % 1000000000}};
    if (at <= 0)
        its.it_value.tv_nsec = 1;
    if (timerfd_settime(cl->tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
        panic("timerfd_settime: %s", strerror(errno));
}

static int setup(struct client *cl)
{
    const struct hg_opts *o = cl->o;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
        signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        return -1;
    /* Default timer slack is 50 us: it would be the send-time error floor. */
    if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) != 0)
        perror("hostgen: PR_SET_TIMERSLACK");
    cl->ep = epoll_create1(EPOLL_CLOEXEC);
    cl->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (cl->ep < 0 || cl->tfd < 0)
        return -1;
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &cl->tfd};
    if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, cl->tfd, &e) != 0)
        return -1;
    cl->conns = calloc(o->conns, sizeof(*cl->conns));
    double expect = o->requests ? (double)o->requests
                    : o->rate   ? o->rate * o->duration_s * 1.1 + 1024
                                : 65536;
    cl->cap = expect > (double)HG_MAX_REQUESTS ? HG_MAX_REQUESTS : (uint64_t)expect;
    cl->r->reqs = malloc(cl->cap * sizeof(struct req));
    if (cl->conns == NULL || cl->r->reqs == NULL)
        return -1;
    /* A reused --out directory must not keep a previous run's file that this run does not write. */
    char stale[4096];
    if (!o->telemetry_ms) {
        snprintf(stale, sizeof(stale), "%s/telemetry.csv", o->out);
        if (unlink(stale) != 0 && errno != ENOENT)
            return -1;
    }
    if (!o->events) {
        snprintf(stale, sizeof(stale), "%s/events.csv", o->out);
        if (unlink(stale) != 0 && errno != ENOENT)
            return -1;
    }
    cl->tele = o->telemetry_ms ? report_open(o->out, "telemetry.csv") : NULL;
    cl->events = o->events ? report_open(o->out, "events.csv") : NULL;
    if ((o->telemetry_ms && !cl->tele) || (o->events && !cl->events))
        return -1;
    if (cl->tele)
        tele_write_header(cl->tele);
    if (cl->events) {
        pm_event_header(cl->events);
        int rc = pm_open(&cl->pm);
        if (rc == 0 && (rc = pm_events_join(&cl->pm)) != 0)
            pm_close(&cl->pm);
        if (rc != 0) {
            fprintf(stderr, "hostgen: no mptcp_pm events (%s); events.csv stays empty\n",
                    strerror(-rc));
        } else {
            cl->pm_open = true;
            struct epoll_event pe = {.events = EPOLLIN, .data.ptr = &cl->pm};
            if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, pm_fd(&cl->pm), &pe) != 0)
                return -1;
        }
    }
    rng_seed(&cl->arr, o->seed, 1);
    rng_seed(&cl->qsz, o->seed, 2);
    rng_seed(&cl->rsz, o->seed, 3);
    return 0;
}

static void teardown(struct client *cl)
{
    for (unsigned i = 0; cl->conns && i < cl->o->conns; i++) {
        if (cl->conns[i].fd >= 0 && cl->conns[i].state != CS_DEAD)
            close(cl->conns[i].fd);
        free(cl->conns[i].q);
    }
    free(cl->conns);
    if (cl->pm_open)
        pm_close(&cl->pm);
    if (cl->tele && fclose(cl->tele) != 0)
        perror("hostgen: telemetry.csv");
    if (cl->events && fclose(cl->events) != 0)
        perror("hostgen: events.csv");
    if (cl->ep >= 0)
        close(cl->ep);
    if (cl->tfd >= 0)
        close(cl->tfd);
}

static unsigned live_conns(const struct client *cl)
{
    unsigned n = 0;
    for (unsigned i = 0; i < cl->o->conns; i++)
        n += cl->conns[i].state == CS_UP;
    return n;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/*
 * Measures how late a timerfd wake-up is on this machine (16 sleeps of 200 us) and picks the
 * spin window: the 90th percentile lateness + 10 us, within [5, 200] us. Under SCHED_FIFO/RR it
 * is also capped at half the mean gap: spinning through every gap would hit RT throttling (a
 * 50 ms stall per second) and starve this CPU's softirq thread.
 */
static void calibrate_spin(struct client *cl)
{
    const struct hg_opts *o = cl->o;
    int64_t late[16];
    struct epoll_event ev;
    for (size_t i = 0; i < ARRAY_LEN(late); i++) {
        int64_t target = mono_ns() + 200000;
        arm_timer(cl, target);
        while (epoll_wait(cl->ep, &ev, 1, 100) < 0 && errno == EINTR)
            ;
        late[i] = mono_ns() - target;
        uint64_t ticks;
        if (read(cl->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
            panic("timerfd read: %s", strerror(errno));
        cl->timer_at = 0;
    }
    qsort(late, ARRAY_LEN(late), sizeof(late[0]), cmp_i64);
    cl->r->timer_late_p90_ns = late[14] > 0 ? late[14] : 0;
    int64_t spin = cl->r->timer_late_p90_ns + 10000;
    spin = spin < 5000 ? 5000 : spin > 200000 ? 200000 : spin;
    int pol = sched_getscheduler(0);
    if ((pol == SCHED_FIFO || pol == SCHED_RR) && o->rate > 0 && 0.5e9 / o->rate < (double)spin)
        spin = (int64_t)(0.5e9 / o->rate);
    cl->r->spin_ns = o->spin_us == HG_SPIN_AUTO ? spin : (int64_t)o->spin_us * 1000;
}

static void run_loop(struct client *cl)
{
    const struct hg_opts *o = cl->o;
    struct run_result *r = cl->r;
    int64_t start = r->start_ns;
    int64_t dur_end = o->duration_s > 0 ? start + (int64_t)(o->duration_s * 1e9) : INT64_MAX;
    int64_t spin = r->spin_ns;
    int64_t timeout = (int64_t)o->timeout_ms * 1000000;
    int64_t tele_every = (int64_t)o->telemetry_ms * 1000000;
    int64_t next_tele = tele_every ? start : INT64_MAX, drain_deadline = INT64_MAX;
    double t_next = (double)start;
    struct epoll_event evs[64];
    if (o->closed) {
        for (uint32_t i = 0; i < o->closed && !cl->gen_done; i++) {
            dispatch(cl, start, i % o->conns);
            if (o->requests && cl->next_id == o->requests)
                cl->gen_done = true;
        }
    } else {
        t_next += arrival_gap_ns(o->arrival, o->rate, &cl->arr);
        cl->next_intended = (int64_t)t_next;
    }
    for (;;) {
        int64_t now = mono_ns();
        if (!cl->gen_done && o->rate > 0) {
            while (!cl->gen_done && cl->next_intended <= now) {
                if (cl->next_intended >= dur_end) {
                    cl->gen_done = true;
                    break;
                }
                dispatch(cl, cl->next_intended, cl->rr++ % o->conns);
                if (o->requests && cl->next_id >= o->requests)
                    cl->gen_done = true;
                t_next += arrival_gap_ns(o->arrival, o->rate, &cl->arr);
                cl->next_intended = (int64_t)t_next;
            }
        }
        if (!cl->gen_done && o->closed && now >= dur_end)
            cl->gen_done = true;
        if (!cl->gen_done && (stop_flag || live_conns(cl) == 0)) {
            cl->gen_done = true;
            r->partial = true;
            snprintf(r->partial_reason, sizeof(r->partial_reason), "%s",
                     stop_flag ? "interrupted by signal" : "all connections lost");
        }
        if (cl->gen_done && drain_deadline == INT64_MAX) {
            r->gen_end_ns = o->duration_s > 0 && !r->partial ? dur_end : now;
            drain_deadline = now + timeout;
        }
        if (cl->gen_done && (cl->outstanding == 0 || now >= drain_deadline || live_conns(cl) == 0))
            break;
        if (now >= next_tele) {
            sample_all(cl, false);
            next_tele += tele_every;
            if (next_tele < now)
                next_tele = now + tele_every;
        }
        progress_tick(&cl->prog, now, cl->next_id, cl->outstanding, cl->finished_ok,
                      cl->finished_bad);
        /* Sleep on the timerfd until just before the next send, then spin to it. */
        int64_t wake = next_tele < drain_deadline ? next_tele : drain_deadline;
        int64_t pt = progress_next(&cl->prog);
        if (pt < wake)
            wake = pt;
        bool spinning = false;
        if (!cl->gen_done && o->rate > 0) {
            if (cl->next_intended - now <= spin)
                spinning = true;
            else if (cl->next_intended - spin < wake)
                wake = cl->next_intended - spin;
        }
        /* --busy-poll: a sleeping loop learns of a response one wake-up latency late. */
        if (o->busy_poll && cl->outstanding > 0)
            spinning = true;
        if (!cl->gen_done && o->closed && dur_end < wake)
            wake = dur_end;
        if (!spinning)
            arm_timer(cl, wake);
        int n = epoll_wait(cl->ep, evs, 64, spinning ? 0 : -1);
        if (n < 0 && errno != EINTR)
            panic("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &cl->tfd) {
                uint64_t ticks;
                if (read(cl->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
                    panic("timerfd read: %s", strerror(errno));
                cl->timer_at = 0;
                continue;
            }
            if (p == &cl->pm) {
                on_events(cl);
                continue;
            }
            struct conn *c = p;
            if (c->state != CS_UP)
                continue;
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                on_readable(cl, c);
            if (c->state == CS_UP && (evs[i].events & EPOLLOUT))
                try_send(cl, c);
        }
    }
    r->end_ns = mono_ns();
    if (r->gen_end_ns == 0)
        r->gen_end_ns = r->end_ns;
    /* Whatever is still unanswered after the drain ran out of time. */
    for (unsigned i = 0; i < o->conns; i++) {
        struct conn *c = &cl->conns[i];
        while (c->qlen > 0)
            finish(cl, qpop(c), RS_TIMEOUT, r->end_ns);
    }
}

int client_run(const struct hg_opts *o, struct run_result *r)
{
    static struct client cl;
    memset(&cl, 0, sizeof(cl));
    memset(r, 0, sizeof(*r));
    cl.o = o;
    cl.r = r;
    cl.ep = cl.tfd = -1;
    if (setup(&cl) != 0) {
        fprintf(stderr, "hostgen: setup failed: %s\n", strerror(errno));
        teardown(&cl);
        return -1;
    }
    r->realtime_offset_ns = clock_ns(CLOCK_REALTIME) - mono_ns();
    calibrate_spin(&cl);
    connect_all(&cl);
    /* Note which connections came up as plain TCP (MPTCP refused by the peer or the path). */
    sample_all(&cl, false);
    if (r->conns_ok == 0) {
        r->partial = true;
        snprintf(r->partial_reason, sizeof(r->partial_reason), "no connection could be opened");
        r->start_ns = r->end_ns = r->gen_end_ns = r->measure_start_ns = mono_ns();
        teardown(&cl);
        return 0;
    }
    r->start_ns = mono_ns();
    cl.measure_start = r->start_ns + (int64_t)(o->warmup_s * 1e9);
    r->measure_start_ns = cl.measure_start;
    progress_init(&cl.prog, o->progress, r->start_ns, o->rate);
    run_loop(&cl);
    sample_all(&cl, true);
    progress_done(&cl.prog);
    teardown(&cl);
    return 0;
}

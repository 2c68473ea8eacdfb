/* server.c: epoll responder: reads requests, checks every payload byte, answers per
 * docs/protocol.md §4. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../kernel/lib/proto/rpc_proto.h"
#include "clock.h"
#include "sock.h"

/* Responses queued per connection before the server stops reading it (protocol.md §6). */
#define SRV_JOBS 64
#define SRV_BUF  (64 * 1024)

struct job {
    uint8_t hdr[RPC_HDR_LEN];
    uint64_t id;
    uint64_t total; /* header + payload bytes */
    uint64_t off;   /* bytes already sent */
    bool close_after;
};

struct sconn {
    int fd;
    uint8_t hdr[RPC_HDR_LEN];
    size_t hdr_got;
    bool in_payload;
    struct rpc_hdr cur;
    struct rpc_verifier ver;
    struct job jobs[SRV_JOBS];
    size_t jhead, jlen;
    bool closing;   /* a CLOSE request was read: read no more */
    uint8_t *stash; /* received bytes not consumed yet because the job queue was full */
    size_t stash_off, stash_len;
    uint32_t ev; /* epoll interest currently registered */
};

struct srv {
    const struct hg_opts *o;
    int ep, lfd;
    uint8_t buf[SRV_BUF];
    uint64_t requests, bad_payload, bad_flags, proto_errors, corrupted, conns;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void sconn_close(struct srv *s, struct sconn *c)
{
    if (epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL) != 0)
        perror("hostgen serve: epoll_ctl del");
    close(c->fd);
    free(c->stash);
    free(c);
}

/* Registers the interest the state needs: read while jobs have room, write while jobs wait. */
static int sconn_interest(struct srv *s, struct sconn *c)
{
    uint32_t want = 0;
    if (c->jlen < SRV_JOBS && !c->closing && c->stash_len == 0)
        want |= EPOLLIN;
    if (c->jlen > 0)
        want |= EPOLLOUT;
    if (want == c->ev)
        return 0;
    struct epoll_event e = {.events = want, .data.ptr = c};
    c->ev = want;
    return epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &e);
}

/* Queues the response to the request just read (§4 steps 3-5). */
static void queue_response(struct srv *s, struct sconn *c)
{
    ASSERT(c->jlen < SRV_JOBS, "reading stops while the job queue is full");
    struct job *j = &c->jobs[(c->jhead + c->jlen++) % SRV_JOBS];
    struct rpc_hdr h = c->cur;
    h.flags = (uint8_t)(c->cur.flags | RPC_F_RESPONSE);
    h.status = RPC_ST_OK;
    if (!rpc_verify_ok(&c->ver)) {
        h.status = RPC_ST_BAD_PAYLOAD;
        s->bad_payload++;
    }
    if ((c->cur.flags & ~RPC_F_KNOWN) || (c->cur.flags & RPC_F_RESPONSE)) {
        h.status = RPC_ST_BAD_FLAGS;
        s->bad_flags++;
    }
    rpc_hdr_pack(&h, j->hdr);
    j->id = h.id;
    j->total = RPC_HDR_LEN + (uint64_t)h.resp_len;
    j->off = 0;
    j->close_after = (c->cur.flags & RPC_F_CLOSE) != 0;
    if (s->o->corrupt_every && h.id % s->o->corrupt_every == 0 && h.resp_len > 0)
        s->corrupted++;
    if (j->close_after)
        c->closing = true;
    s->requests++;
}

/*
 * Consumes up to n received bytes and returns how many it took: it stops early when the job
 * queue is full (the rest waits in the stash). Returns -1 when the stream cannot be framed any
 * more (§4 step 1).
 */
static ssize_t consume(struct srv *s, struct sconn *c, const uint8_t *p, size_t n)
{
    size_t used = 0;
    while (used < n && !c->closing) {
        if (!c->in_payload) {
            if (c->jlen == SRV_JOBS)
                break;
            size_t take = RPC_HDR_LEN - c->hdr_got;
            if (take > n - used)
                take = n - used;
            memcpy(c->hdr + c->hdr_got, p + used, take);
            c->hdr_got += take;
            used += take;
            if (c->hdr_got < RPC_HDR_LEN)
                break;
            c->hdr_got = 0;
            int rc = rpc_hdr_unpack(c->hdr, RPC_HDR_LEN, &c->cur);
            if (rc != RPC_OK) {
                fprintf(stderr, "hostgen serve: closing connection: %s\n", rpc_err_name(rc));
                s->proto_errors++;
                return -1;
            }
            rpc_verify_init(&c->ver, c->cur.id, RPC_DIR_REQUEST, c->cur.req_len);
            c->in_payload = true;
        }
        uint64_t left = c->ver.len - c->ver.next;
        size_t take = left < n - used ? (size_t)left : n - used;
        rpc_verify_feed(&c->ver, p + used, take);
        used += take;
        if (rpc_verify_done(&c->ver)) {
            c->in_payload = false;
            queue_response(s, c);
        }
    }
    return (ssize_t)used;
}

/* Sends as much of the queued responses as the socket takes. Returns -1 on a dead socket. */
static int flush_jobs(struct srv *s, struct sconn *c)
{
    while (c->jlen > 0) {
        size_t used = 0;
        /* Pack consecutive jobs into one buffer: one send for many small responses. */
        for (size_t k = 0; k < c->jlen && used < SRV_BUF; k++) {
            const struct job *j = &c->jobs[(c->jhead + k) % SRV_JOBS];
            uint64_t off = j->off;
            while (off < j->total && used < SRV_BUF) {
                size_t room = SRV_BUF - used, chunk;
                if (off < RPC_HDR_LEN) {
                    chunk = RPC_HDR_LEN - (size_t)off < room ? RPC_HDR_LEN - (size_t)off : room;
                    memcpy(s->buf + used, j->hdr + off, chunk);
                } else {
                    uint64_t poff = off - RPC_HDR_LEN, left = j->total - off;
                    chunk = left < room ? (size_t)left : room;
                    rpc_payload_fill(j->id, RPC_DIR_RESPONSE, poff, s->buf + used, chunk);
                    /* --corrupt-every: flip the middle byte of every Nth id's response. */
                    uint64_t mid = (j->total - RPC_HDR_LEN) / 2;
                    if (s->o->corrupt_every && j->id % s->o->corrupt_every == 0 && mid >= poff &&
                        mid < poff + chunk)
                        s->buf[used + (mid - poff)] ^= 0xFF;
                }
                used += chunk;
                off += chunk;
            }
            if (off < j->total)
                break;
        }
        ssize_t w = send(c->fd, s->buf, used, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0)
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
        /* Advance the jobs by what the kernel took. */
        uint64_t sent = (uint64_t)w;
        while (sent > 0) {
            struct job *j = &c->jobs[c->jhead];
            uint64_t left = j->total - j->off, d = sent < left ? sent : left;
            j->off += d;
            sent -= d;
            if (j->off == j->total) {
                bool close_after = j->close_after;
                c->jhead = (c->jhead + 1) % SRV_JOBS;
                c->jlen--;
                if (close_after)
                    return -1;
            }
        }
        if ((size_t)w < used)
            return 0;
    }
    return 0;
}

/* Feeds the stash (bytes held back while the job queue was full). Returns -1 on a framing error. */
static int drain_stash(struct srv *s, struct sconn *c)
{
    while (c->stash_len > 0 && c->jlen < SRV_JOBS && !c->closing) {
        ssize_t k = consume(s, c, c->stash + c->stash_off, c->stash_len);
        if (k < 0)
            return -1;
        c->stash_off += (size_t)k;
        c->stash_len -= (size_t)k;
        if (k == 0)
            break;
    }
    return 0;
}

/*
 * Alternates flushing responses and feeding held-back bytes until the socket is full, the
 * stash is empty, or the job queue stays full. Returns -1 when the connection must close.
 */
static int pump(struct srv *s, struct sconn *c)
{
    for (;;) {
        if (c->jlen > 0 && flush_jobs(s, c) != 0)
            return -1;
        if (c->stash_len == 0 || c->jlen == SRV_JOBS || c->closing)
            return 0;
        size_t before = c->stash_len;
        if (drain_stash(s, c) != 0)
            return -1;
        if (c->stash_len == before && c->jlen == 0)
            return 0; /* nothing moved: cannot happen, but never spin */
    }
}

static void on_conn(struct srv *s, struct sconn *c, uint32_t events)
{
    /* Answer what is queued first: it frees job slots for held-back requests. */
    if (pump(s, c) != 0) {
        sconn_close(s, c);
        return;
    }
    if ((events & EPOLLIN) && c->stash_len == 0 && c->jlen < SRV_JOBS && !c->closing) {
        ssize_t n = recv(c->fd, s->buf, SRV_BUF, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            sconn_close(s, c);
            return;
        }
        if (n > 0) {
            ssize_t k = consume(s, c, s->buf, (size_t)n);
            if (k < 0) {
                sconn_close(s, c);
                return;
            }
            if (k < n) {
                /* Queue full: keep the rest; s->buf is reused by flush_jobs. */
                if (c->stash == NULL && (c->stash = malloc(SRV_BUF)) == NULL) {
                    fprintf(stderr, "hostgen serve: out of memory; closing a connection\n");
                    sconn_close(s, c);
                    return;
                }
                c->stash_off = 0;
                c->stash_len = (size_t)(n - k);
                memcpy(c->stash, s->buf + k, c->stash_len);
            }
        }
        if (pump(s, c) != 0) {
            sconn_close(s, c);
            return;
        }
    }
    if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
        sconn_close(s, c);
        return;
    }
    ASSERT(c->stash_len == 0 || c->jlen > 0 || c->closing,
           "held-back bytes always wait behind queued responses (else no event wakes them)");
    if (sconn_interest(s, c) != 0) {
        perror("hostgen serve: epoll_ctl mod");
        sconn_close(s, c);
    }
}

static void on_accept(struct srv *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                perror("hostgen serve: accept");
            return;
        }
        /* A fallen-back or plain TCP socket also takes TCP_NODELAY; failure only costs latency. */
        if (sock_nodelay(fd) != 0)
            perror("hostgen serve: TCP_NODELAY");
        struct sconn *c = calloc(1, sizeof(*c));
        if (c == NULL) {
            fprintf(stderr, "hostgen serve: out of memory, refusing a connection\n");
            close(fd);
            continue;
        }
        c->fd = fd;
        c->ev = EPOLLIN;
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e) != 0) {
            perror("hostgen serve: epoll_ctl add");
            close(fd);
            free(c);
            continue;
        }
        s->conns++;
    }
}

static int listen_socket(const struct hg_opts *o)
{
    int fd = sock_stream(o->tcp);
    if (fd < 0) {
        fprintf(stderr, "hostgen serve: socket(%s): %s\n", o->tcp ? "TCP" : "MPTCP",
                strerror(errno));
        return -1;
    }
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        perror("hostgen serve: SO_REUSEADDR");
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(o->port), .sin_addr = o->listen};
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 1024) != 0) {
        fprintf(stderr, "hostgen serve: bind/listen port %u: %s\n", o->port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int server_run(const struct hg_opts *o)
{
    static struct srv s;
    memset(&s, 0, sizeof(s));
    s.o = o;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
        signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        perror("hostgen serve: signals");
        return 1;
    }
    s.lfd = listen_socket(o);
    if (s.lfd < 0)
        return 1;
    s.ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
    if (s.ep < 0 || epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd, &e) != 0) {
        perror("hostgen serve: epoll");
        return 1;
    }
    char ab[INET_ADDRSTRLEN];
    fprintf(stderr, "hostgen serve: listening on %s:%u (%s)%s\n",
            inet_ntop(AF_INET, &o->listen, ab, sizeof(ab)) ? ab : "?", o->port,
            o->tcp ? "tcp" : "mptcp", o->corrupt_every ? ", corrupting on purpose" : "");
    if (o->ready_file) {
        FILE *f = fopen(o->ready_file, "w");
        if (f == NULL || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
            fprintf(stderr, "hostgen serve: cannot write %s\n", o->ready_file);
            return 1;
        }
    }
    int64_t end = o->duration_s > 0 ? mono_ns() + (int64_t)(o->duration_s * 1e9) : INT64_MAX;
    struct epoll_event evs[64];
    while (!stop_flag && mono_ns() < end) {
        int n = epoll_wait(s.ep, evs, 64, 100);
        if (n < 0 && errno != EINTR) {
            perror("hostgen serve: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL)
                on_accept(&s);
            else
                on_conn(&s, evs[i].data.ptr, evs[i].events);
        }
    }
    fprintf(stderr,
            "hostgen serve: %llu connections, %llu requests, %llu bad payloads, %llu bad flags, "
            "%llu protocol errors, %llu responses corrupted on purpose\n",
            (unsigned long long)s.conns, (unsigned long long)s.requests,
            (unsigned long long)s.bad_payload, (unsigned long long)s.bad_flags,
            (unsigned long long)s.proto_errors, (unsigned long long)s.corrupted);
    return 0;
}

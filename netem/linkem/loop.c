/* loop.c: linkem's event loop: epoll over both ends, a timerfd for the next due frame, signals,
 * control. */
#include "lk_link.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define BATCH 256 /* frames read per wake-up per end: keeps both directions served */

/* Frames per recvmmsg(2) on a unix end: one system call for a burst instead of one each. */
#define MMSG 32
static uint8_t bufs[MMSG][SHP_MAX_FRAME + 1];

/* A read error that repeats (a vanished tap) must not spin the loop: stop after this many. */
#define ERR_STREAK_MAX 1000

static void rx_error(struct lk_link *l, int d)
{
    if (errno == EAGAIN || errno == EINTR)
        return;
    /* a unix socket reports a peer's earlier refusal once on the next read: count, go on */
    l->rx_err[d]++;
    if (++l->err_streak[d] == ERR_STREAK_MAX) {
        fprintf(stderr, "linkem: %s: read keeps failing: %s; stopping\n", l->ep[d].desc,
                strerror(errno));
        l->stop = true;
        l->failed = true;
    }
}

static void take(struct lk_link *l, int d, const uint8_t *b, size_t n, bool trunc)
{
    l->err_streak[d] = 0;
    if (trunc || n > SHP_MAX_FRAME) {
        l->rx_trunc[d]++; /* larger than any QEMU frame: refuse, count */
        return;
    }
    shp_enqueue(&l->sh[d], lk_now(), b, n);
}

static void read_end(struct lk_link *l, int d)
{
    struct endpoint *ep = &l->ep[d];
    for (int round = 0; round < BATCH / MMSG; round++) {
        if (ep->kind == EP_TAP) {
            /* a tap hands out one frame per read(2) */
            for (int i = 0; i < MMSG; i++) {
                ssize_t n = ep_recv(ep, bufs[0], sizeof(bufs[0]));
                if (n < 0) {
                    rx_error(l, d);
                    return;
                }
                take(l, d, bufs[0], (size_t)n, false);
            }
            continue;
        }
        struct mmsghdr mm[MMSG];
        struct iovec iov[MMSG];
        memset(mm, 0, sizeof(mm));
        for (int i = 0; i < MMSG; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = sizeof(bufs[i]);
            mm[i].msg_hdr.msg_iov = &iov[i];
            mm[i].msg_hdr.msg_iovlen = 1;
        }
        int got = recvmmsg(ep->fd, mm, MMSG, MSG_DONTWAIT, NULL);
        if (got <= 0) {
            if (got < 0)
                rx_error(l, d);
            return;
        }
        for (int i = 0; i < got; i++)
            take(l, d, bufs[i], mm[i].msg_len, (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
        if (got < MMSG)
            return;
    }
}

/* Sends one frame toward ep[1-d]; 1 = sent or dropped, 0 = peer full (keep it). */
static int send_one(struct lk_link *l, int d, struct shp_pkt *p)
{
    if (ep_send(&l->ep[1 - d], p->data, p->len) != 0) {
        if (errno == EAGAIN)
            return 0;
        l->tx_err[d]++;
    } else if (pcap_write(&l->pcap, p->data, p->len) != 0) {
        fprintf(stderr, "linkem: pcap write failed; capture stopped\n");
        pcap_close(&l->pcap);
    }
    free(p);
    return 1;
}

/* Sends everything due; the clock is read again when the queues look done, so frames that
 * fell due while we were sending go out in the same pass instead of costing a timer wake-up
 * each (at 1 Gbit/s, 1500-byte frames are due every 12 us). Nothing is ever sent early. */
static void send_due(struct lk_link *l)
{
    bool more = true;
    while (more) {
        more = false;
        int64_t now = lk_now();
        for (int d = 0; d < 2; d++) {
            if (l->pending[d] != NULL) {
                if (!send_one(l, d, l->pending[d]))
                    continue;
                l->pending[d] = NULL;
            }
            struct shp_pkt *p;
            while ((p = shp_dequeue(&l->sh[d], now)) != NULL) {
                more = true;
                if (!send_one(l, d, p)) {
                    l->pending[d] = p;
                    more = false;
                    break;
                }
            }
        }
    }
}

/* EPOLLOUT on an end only while a frame waits for room there. */
static int update_out(struct lk_link *l)
{
    for (int e = 0; e < 2; e++) {
        bool want = l->pending[1 - e] != NULL;
        if (want == l->want_out[e])
            continue;
        struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0),
                                 .data.u64 = (uint64_t)e};
        if (epoll_ctl(l->ep_fd, EPOLL_CTL_MOD, l->ep[e].fd, &ev) != 0)
            return -1;
        l->want_out[e] = want;
    }
    return 0;
}

/* Arms the timerfd for the earliest due frame; skips the syscall when that time is already
 * armed (the common case while a burst is queued). */
static int arm_timer(struct lk_link *l, bool fired)
{
    int64_t t = shp_next_time(&l->sh[0]), u = shp_next_time(&l->sh[1]);
    if (u < t)
        t = u;
    if (t <= 0)
        t = 1; /* zero would disarm */
    if (t == l->armed && !fired)
        return 0;
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    if (t != INT64_MAX) {
        its.it_value.tv_sec = t / 1000000000ll;
        its.it_value.tv_nsec = t % 1000000000ll;
    }
    l->armed = t;
    return timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int add_fd(int ep, int fd, uint64_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

enum { T_END0, T_END1, T_TIMER, T_SIG, T_CTL, T_CLI /* + client slot */ };

int lk_run(struct lk_link *l)
{
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &ss, NULL) != 0) {
        perror("linkem: sigprocmask");
        return -1;
    }
    l->sig_fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
    l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    l->ep_fd = epoll_create1(EPOLL_CLOEXEC);
    if (l->sig_fd < 0 || l->timer_fd < 0 || l->ep_fd < 0) {
        perror("linkem: signalfd/timerfd/epoll");
        return -1;
    }
    if (add_fd(l->ep_fd, l->ep[0].fd, T_END0) || add_fd(l->ep_fd, l->ep[1].fd, T_END1) ||
        add_fd(l->ep_fd, l->timer_fd, T_TIMER) || add_fd(l->ep_fd, l->sig_fd, T_SIG) ||
        (l->ctl_fd >= 0 && add_fd(l->ep_fd, l->ctl_fd, T_CTL))) {
        perror("linkem: epoll_ctl");
        return -1;
    }
    while (!l->stop) {
        bool fired = false;
        struct epoll_event ev[8];
        int n = epoll_wait(l->ep_fd, ev, 8, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("linkem: epoll_wait");
            return -1;
        }
        for (int i = 0; i < n; i++) {
            switch (ev[i].data.u64) {
            case T_END0:
            case T_END1:
                if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                    read_end(l, (int)ev[i].data.u64);
                break;
            case T_TIMER: {
                uint64_t x;
                if (read(l->timer_fd, &x, sizeof(x)) < 0 && errno != EAGAIN)
                    perror("linkem: timerfd read");
                fired = true;
                break;
            }
            case T_SIG: {
                struct signalfd_siginfo si;
                while (read(l->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                    if (si.ssi_signo == SIGUSR1)
                        lk_print_counters(l, stderr);
                    else
                        l->stop = true;
                }
                break;
            }
            case T_CTL:
                lk_ctl_accept(l, T_CLI);
                break;
            default:
                if (ev[i].data.u64 >= T_CLI && ev[i].data.u64 < T_CLI + LK_CTL_CLIENTS)
                    lk_ctl_client(l, (int)(ev[i].data.u64 - T_CLI));
                break;
            }
        }
        send_due(l);
        if (update_out(l) != 0) {
            perror("linkem: epoll_ctl");
            return -1;
        }
        if (arm_timer(l, fired) != 0) {
            perror("linkem: timerfd_settime");
            return -1;
        }
    }
    lk_ctl_close_all(l);
    return l->failed ? -1 : 0;
}

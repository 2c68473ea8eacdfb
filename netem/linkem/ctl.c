/* ctl.c: linkem's control socket: counters, link down/up and live parameter changes. */
#include "lk_link.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int64_t lk_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Longest a reply write may wait for a client that does not read. */
#define CTL_WRITE_MS 100

static const char *const dname[2] = {"downlink", "uplink"};

void lk_print_counters(const struct lk_link *l, FILE *f)
{
    for (int d = 0; d < 2; d++) {
        const struct shp_counters *c = &l->sh[d].c;
        fprintf(f,
                "%s rx_pkts=%llu rx_bytes=%llu tx_pkts=%llu tx_bytes=%llu drop_loss=%llu "
                "drop_limit=%llu drop_down=%llu drop_nomem=%llu duplicated=%llu corrupted=%llu "
                "reordered=%llu tx_err=%llu rx_err=%llu rx_trunc=%llu queued=%zu state=%s\n",
                dname[d], (unsigned long long)c->rx_pkts, (unsigned long long)c->rx_bytes,
                (unsigned long long)c->tx_pkts, (unsigned long long)c->tx_bytes,
                (unsigned long long)c->drop_loss, (unsigned long long)c->drop_limit,
                (unsigned long long)c->drop_down, (unsigned long long)c->drop_nomem,
                (unsigned long long)c->duplicated, (unsigned long long)c->corrupted,
                (unsigned long long)c->reordered, (unsigned long long)l->tx_err[d],
                (unsigned long long)l->rx_err[d], (unsigned long long)l->rx_trunc[d],
                shp_qlen(&l->sh[d]) + (l->pending[d] != NULL), l->sh[d].down ? "down" : "up");
    }
    fflush(f);
}

/* "downlink" / "uplink" / "both" (or nothing = both) -> mask of directions. */
static int dir_mask(const char *w, size_t n)
{
    if (n == 0 || (n == 4 && !strncmp(w, "both", 4)))
        return 3;
    if (n == 8 && !strncmp(w, "downlink", 8))
        return 1;
    if (n == 6 && !strncmp(w, "uplink", 6))
        return 2;
    return 0;
}

void lk_ctl_exec(struct lk_link *l, const char *cmd, char *reply, size_t len)
{
    while (*cmd == ' ')
        cmd++;
    const char *arg = cmd + strcspn(cmd, " ");
    size_t verb = (size_t)(arg - cmd);
    while (*arg == ' ')
        arg++;
    const char *rest = arg + strcspn(arg, " ");
    size_t alen = (size_t)(rest - arg);
    while (*rest == ' ')
        rest++;
    reply[0] = '\0';
    if (verb == 5 && !strncmp(cmd, "stats", 5)) {
        FILE *f = fmemopen(reply, len, "w");
        if (f == NULL) {
            snprintf(reply, len, "error: %s\n", strerror(errno));
            return;
        }
        lk_print_counters(l, f);
        fputs("ok\n", f);
        fclose(f);
        return;
    }
    if (verb == 4 && !strncmp(cmd, "show", 4)) {
        char a[1024], b[1024];
        prof_format(&l->sh[0].p, a, sizeof(a));
        prof_format(&l->sh[1].p, b, sizeof(b));
        snprintf(reply, len, "downlink %s\nuplink %s\nok\n", a, b);
        return;
    }
    if ((verb == 4 && !strncmp(cmd, "down", 4)) || (verb == 2 && !strncmp(cmd, "up", 2))) {
        int m = dir_mask(arg, alen);
        if (m == 0 || *rest) {
            snprintf(reply, len, "error: usage: down|up [downlink|uplink|both]\n");
            return;
        }
        for (int d = 0; d < 2; d++)
            if (m & (1 << d))
                shp_set_down(&l->sh[d], verb == 4);
        snprintf(reply, len, "ok\n");
        return;
    }
    if (verb == 3 && !strncmp(cmd, "set", 3)) {
        int m = dir_mask(arg, alen);
        if (m == 0 || alen == 0) {
            snprintf(reply, len, "error: usage: set downlink|uplink|both CLAUSES\n");
            return;
        }
        /* all-or-nothing: both directions are checked before either changes */
        struct prof_dir nd[2];
        char err[512];
        for (int d = 0; d < 2; d++) {
            if (prof_dir_copy(&nd[d], &l->sh[d].p) != 0) {
                if (d == 1)
                    prof_dir_free(&nd[0]);
                snprintf(reply, len, "error: out of memory\n");
                return;
            }
        }
        int rc = 0;
        for (int d = 0; d < 2 && rc == 0; d++)
            if (m & (1 << d))
                rc = prof_apply_line(&nd[d], rest, l->basedir, err, sizeof(err));
        int64_t now = lk_now();
        for (int d = 0; d < 2 && rc == 0; d++)
            if (m & (1 << d))
                rc = shp_reconfigure(&l->sh[d], &nd[d], now, err, sizeof(err));
        prof_dir_free(&nd[0]);
        prof_dir_free(&nd[1]);
        if (rc != 0)
            snprintf(reply, len, "error: %s\n", err);
        else
            snprintf(reply, len, "ok\n");
        return;
    }
    if (verb == 4 && !strncmp(cmd, "help", 4)) {
        snprintf(reply, len,
                 "stats | show | down [DIR] | up [DIR] | set DIR CLAUSES   "
                 "(DIR = downlink|uplink|both)\nok\n");
        return;
    }
    snprintf(reply, len, "error: unknown command (try help)\n");
}

int lk_ctl_open(struct lk_link *l, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    if (strlen(path) == 0 || strlen(path) >= sizeof(a.sun_path)) {
        snprintf(err, errlen, "control socket path empty or too long");
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path));
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
    l->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->ctl_fd < 0) {
        snprintf(err, errlen, "control socket: %s", strerror(errno));
        return -1;
    }
    if (bind(l->ctl_fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l->ctl_fd, 8) != 0) {
        snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
        close(l->ctl_fd);
        l->ctl_fd = -1;
        return -1;
    }
    snprintf(l->ctl_path, sizeof(l->ctl_path), "%s", path);
    return 0;
}

/* Writes all of buf, waiting at most CTL_WRITE_MS per chunk: replies are small and fit the
 * socket buffer, so this only waits for a client that stopped reading. */
static void write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, CTL_WRITE_MS) <= 0)
                return;
            continue;
        }
        if (w <= 0)
            return;
        buf += w;
        n -= (size_t)w;
    }
}

static void client_close(struct lk_link *l, int i)
{
    struct ctl_client *c = &l->cli[i];
    if (c->fd < 0)
        return;
    if (epoll_ctl(l->ep_fd, EPOLL_CTL_DEL, c->fd, NULL) != 0)
        perror("linkem: epoll_ctl del");
    close(c->fd);
    c->fd = -1;
    c->have = 0;
}

void lk_ctl_accept(struct lk_link *l, uint64_t tag_base)
{
    int fd = accept4(l->ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < LK_CTL_CLIENTS; i++) {
        if (l->cli[i].fd >= 0)
            continue;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag_base + (uint64_t)i};
        if (epoll_ctl(l->ep_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
            break;
        l->cli[i].fd = fd;
        l->cli[i].have = 0;
        return;
    }
    write_all(fd, "error: too many control connections\n", 36);
    close(fd);
}

void lk_ctl_client(struct lk_link *l, int i)
{
    struct ctl_client *c = &l->cli[i];
    if (c->fd < 0)
        return;
    ssize_t r = recv(c->fd, c->in + c->have, sizeof(c->in) - 1 - c->have, 0);
    if (r < 0 && errno == EAGAIN)
        return;
    if (r <= 0) {
        client_close(l, i); /* EOF: the client has said everything */
        return;
    }
    c->have += (size_t)r;
    c->in[c->have] = '\0';
    char *nl;
    while ((nl = strchr(c->in, '\n')) != NULL) {
        *nl = '\0';
        if (nl > c->in && nl[-1] == '\r')
            nl[-1] = '\0';
        char reply[4096];
        lk_ctl_exec(l, c->in, reply, sizeof(reply));
        write_all(c->fd, reply, strlen(reply));
        size_t used = (size_t)(nl + 1 - c->in);
        memmove(c->in, nl + 1, c->have - used + 1);
        c->have -= used;
    }
    if (c->have == sizeof(c->in) - 1) {
        write_all(c->fd, "error: line too long\n", 21);
        client_close(l, i);
    }
}

void lk_ctl_close_all(struct lk_link *l)
{
    for (int i = 0; i < LK_CTL_CLIENTS; i++)
        client_close(l, i);
}

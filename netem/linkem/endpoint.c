/* endpoint.c: opens tap devices and unix datagram sockets and moves single frames through them. */
#include "endpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int set_path(struct sockaddr_un *a, const char *p, size_t n, char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (n == 0 || n >= sizeof(a->sun_path)) {
        snprintf(err, errlen, "unix socket path empty or longer than %zu bytes",
                 sizeof(a->sun_path) - 1);
        return -1;
    }
    memcpy(a->sun_path, p, n);
    return 0;
}

static int open_unix(const char *arg, struct endpoint *ep, char *err, size_t errlen)
{
    const char *comma = strchr(arg, ',');
    if (comma == NULL) {
        snprintf(err, errlen, "unix endpoint wants unix:LOCAL,REMOTE, got 'unix:%s'", arg);
        return -1;
    }
    if (set_path(&ep->local, arg, (size_t)(comma - arg), err, errlen) != 0 ||
        set_path(&ep->peer, comma + 1, strlen(comma + 1), err, errlen) != 0)
        return -1;
    ep->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ep->fd < 0) {
        snprintf(err, errlen, "socket(AF_UNIX): %s", strerror(errno));
        return -1;
    }
    /* A socket file left by an earlier run would make bind fail; replace only sockets. */
    struct stat stt;
    if (lstat(ep->local.sun_path, &stt) == 0) {
        if (!S_ISSOCK(stt.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a socket", ep->local.sun_path);
            goto fail;
        }
        if (unlink(ep->local.sun_path) != 0) {
            snprintf(err, errlen, "unlink %s: %s", ep->local.sun_path, strerror(errno));
            goto fail;
        }
    }
    if (bind(ep->fd, (struct sockaddr *)&ep->local, sizeof(ep->local)) != 0) {
        snprintf(err, errlen, "bind %s: %s", ep->local.sun_path, strerror(errno));
        goto fail;
    }
    /* Bursts at 1 Gbit/s: give the kernel room for a few thousand frames in flight. */
    int sz = 8 << 20;
    if (setsockopt(ep->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) != 0 ||
        setsockopt(ep->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) != 0) {
        snprintf(err, errlen, "setsockopt SO_SNDBUF/SO_RCVBUF: %s", strerror(errno));
        goto fail;
    }
    ep->kind = EP_UNIX;
    snprintf(ep->desc, sizeof(ep->desc), "unix:%s->%s", ep->local.sun_path, ep->peer.sun_path);
    return 0;
fail:
    close(ep->fd);
    ep->fd = -1;
    return -1;
}

static int open_tap(const char *name, struct endpoint *ep, char *err, size_t errlen)
{
    struct ifreq ifr;
    if (strlen(name) == 0 || strlen(name) >= IFNAMSIZ) {
        snprintf(err, errlen, "tap name empty or longer than %d bytes", IFNAMSIZ - 1);
        return -1;
    }
    ep->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (ep->fd < 0) {
        snprintf(err, errlen, "open /dev/net/tun: %s", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    /* IFF_NO_PI: frames without the 4-byte packet-information header (Documentation/
     * networking/tuntap.rst), the same frames QEMU exchanges on its dgram socket. */
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(ep->fd, TUNSETIFF, &ifr) != 0) {
        snprintf(err, errlen, "TUNSETIFF %s: %s", name, strerror(errno));
        goto fail;
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        goto fail;
    }
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(s);
    if (rc != 0) {
        snprintf(err, errlen, "bring %s up: %s", name, strerror(e));
        goto fail;
    }
    ep->kind = EP_TAP;
    snprintf(ep->name, sizeof(ep->name), "%s", name);
    snprintf(ep->desc, sizeof(ep->desc), "tap:%s", name);
    return 0;
fail:
    close(ep->fd);
    ep->fd = -1;
    return -1;
}

int ep_open(const char *spec, struct endpoint *ep, char *err, size_t errlen)
{
    memset(ep, 0, sizeof(*ep));
    ep->fd = -1;
    if (!strncmp(spec, "unix:", 5))
        return open_unix(spec + 5, ep, err, errlen);
    if (!strncmp(spec, "tap:", 4))
        return open_tap(spec + 4, ep, err, errlen);
    snprintf(err, errlen, "endpoint '%s': want tap:NAME or unix:LOCAL,REMOTE", spec);
    return -1;
}

ssize_t ep_recv(struct endpoint *ep, void *buf, size_t len)
{
    if (ep->kind == EP_TAP)
        return read(ep->fd, buf, len);
    return recv(ep->fd, buf, len, MSG_TRUNC);
}

int ep_send(struct endpoint *ep, const void *buf, size_t len)
{
    ssize_t n;
    if (ep->kind == EP_TAP) {
        n = write(ep->fd, buf, len);
        return n < 0 ? -1 : 0;
    }
    if (!ep->connected) {
        if (connect(ep->fd, (const struct sockaddr *)&ep->peer, sizeof(ep->peer)) != 0)
            return -1;
        ep->connected = 1;
    }
    n = send(ep->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN) {
        /* the peer went away (QEMU restarted): reconnect on the next frame; connecting an
         * AF_UNSPEC address dissolves the old association */
        int e = errno;
        struct sockaddr sa = {.sa_family = AF_UNSPEC};
        if (connect(ep->fd, &sa, sizeof(sa)) != 0) {
            /* nothing more to do: the next connect() replaces the association anyway */
        }
        ep->connected = 0;
        errno = e;
    }
    return n < 0 ? -1 : 0;
}

void ep_close(struct endpoint *ep)
{
    if (ep->fd >= 0)
        close(ep->fd);
    ep->fd = -1;
    if (ep->kind == EP_UNIX && ep->local.sun_path[0])
        unlink(ep->local.sun_path);
}

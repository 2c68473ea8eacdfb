/* endpoint.h: one end of a linkem link: a tap device or a unix datagram socket pair (QEMU dgram).
 */
#ifndef NETSYNC_LINKEM_ENDPOINT_H
#define NETSYNC_LINKEM_ENDPOINT_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

enum ep_kind { EP_UNIX, EP_TAP };

struct endpoint {
    enum ep_kind kind;
    int fd;
    struct sockaddr_un local, peer; /* EP_UNIX: linkem binds local and sends to peer */
    int connected;                  /* EP_UNIX: connected to peer (see ep_send) */
    char name[128];                 /* EP_TAP: interface name */
    char desc[300];
};

/*
 * Opens "unix:LOCAL,REMOTE" (bind LOCAL, send to REMOTE; a stale socket file at LOCAL is
 * replaced) or "tap:NAME" (attach to, or create, tap NAME in the current namespace and set it
 * up). The fd is non-blocking. Returns 0 or -1 with err filled.
 */
int ep_open(const char *spec, struct endpoint *ep, char *err, size_t errlen);
/* One frame, or -1 with errno (EAGAIN when nothing is waiting). */
ssize_t ep_recv(struct endpoint *ep, void *buf, size_t len);
/*
 * 0, or -1 with errno: ENOENT/ECONNREFUSED when the peer is not there (yet), EAGAIN when the
 * peer's queue is full (the caller keeps the frame and waits for EPOLLOUT on ep->fd). A unix
 * end connects to its peer lazily: on a connected datagram socket poll() reports the peer's
 * queue state (af_unix unix_dgram_poll), which makes back-pressure possible; the peer's
 * queue is only net.unix.max_dgram_qlen (default 10) frames deep.
 */
int ep_send(struct endpoint *ep, const void *buf, size_t len);
/* Closes the fd and removes a bound socket file. */
void ep_close(struct endpoint *ep);

#endif

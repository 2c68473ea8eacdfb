/* lk_link.h: the state of one linkem process: two endpoints, two shapers, control and capture. */
#ifndef NETSYNC_LINKEM_LINK_H
#define NETSYNC_LINKEM_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "endpoint.h"
#include "pcap.h"
#include "shaper.h"

/* Control connections served at once; each keeps a partial line between reads. */
#define LK_CTL_CLIENTS 4
struct ctl_client {
    int fd; /* -1 when free */
    size_t have;
    char in[2048];
};

/* Direction d reads from ep[d] and writes to ep[1-d]: ep[0] is the host end (downlink
 * source), ep[1] the guest end (uplink source). */
struct lk_link {
    struct endpoint ep[2];
    struct shaper sh[2]; /* [PROF_DOWN], [PROF_UP] */
    uint64_t tx_err[2];  /* frames the peer refused (absent, error); a full peer back-pressures */
    struct shp_pkt *pending[2]; /* a frame waiting for room at its peer (EAGAIN) */
    bool want_out[2];           /* EPOLLOUT armed on ep[i] */
    uint64_t rx_trunc[2];       /* frames above SHP_MAX_FRAME, refused */
    uint64_t rx_err[2];         /* failed reads (other than EAGAIN) */
    unsigned err_streak[2];
    bool failed; /* stopped because of an error */
    struct pcap pcap;
    int ctl_fd; /* listening control socket, -1 if none */
    struct ctl_client cli[LK_CTL_CLIENTS];
    char ctl_path[108];
    int timer_fd, sig_fd, ep_fd;
    int64_t armed; /* the time the timerfd is armed for (0 = not yet) */
    bool stop;
    const char *basedir; /* for relative trace paths in "set" commands */
};

/* Monotonic clock in ns: the shapers' time base. */
int64_t lk_now(void);
/* Prints counters as "dir key=value ..." lines. */
void lk_print_counters(const struct lk_link *l, FILE *f);
/* Executes one control command line, writes the reply (ends with "ok\n" or "error: ...\n"). */
void lk_ctl_exec(struct lk_link *l, const char *cmd, char *reply, size_t len);
/* Creates the listening control socket at path. */
int lk_ctl_open(struct lk_link *l, const char *path, char *err, size_t errlen);
/* Accepts a control connection into the event loop (epoll tag tag_base + slot). */
void lk_ctl_accept(struct lk_link *l, uint64_t tag_base);
/* Reads what client slot i sent and answers each complete line; closes it at EOF. */
void lk_ctl_client(struct lk_link *l, int i);
void lk_ctl_close_all(struct lk_link *l);
/* Runs until SIGINT/SIGTERM; 0 on a clean stop. */
int lk_run(struct lk_link *l);

#endif

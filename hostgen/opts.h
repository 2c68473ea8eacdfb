/* opts.h: hostgen's command line: parsed and fully validated before anything is opened or written.
 */
#ifndef HOSTGEN_OPTS_H
#define HOSTGEN_OPTS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"

enum hg_mode { MODE_CLIENT, MODE_SERVE, MODE_PM };

/* Largest run hostgen accepts: one 40-byte record per request stays under ~4 GB. */
#define HG_MAX_REQUESTS 100000000ull
#define HG_MAX_CONNS    4096u
/* --spin-us not given: min(100 us, half the mean gap), see client.c. */
#define HG_SPIN_AUTO UINT32_MAX

struct hg_opts {
    enum hg_mode mode;
    bool tcp; /* plain TCP instead of IPPROTO_MPTCP */
    struct in_addr server, bind, listen;
    bool have_server, have_bind;
    uint16_t port;
    /* client */
    uint32_t conns;
    double rate;     /* open loop target, requests/s; 0 when closed loop */
    uint32_t closed; /* closed loop outstanding requests; 0 when open loop */
    enum arrival_kind arrival;
    struct dist req_size, resp_size;
    double duration_s; /* 0 when a request count is given */
    uint64_t requests; /* 0 when a duration is given */
    double warmup_s;
    uint64_t seed;
    uint32_t timeout_ms, connect_timeout_ms, telemetry_ms, spin_us;
    const char *out;
    bool events;
    bool busy_poll; /* spin instead of sleeping while responses are outstanding */
    int progress;   /* -1 auto (terminal), 0 off, 1 on */
    /* server */
    uint64_t corrupt_every; /* 0: never corrupt */
    const char *ready_file;
    /* pm: the words after "pm" */
    int pm_argc;
    char **pm_argv;
};

/* Parses argv (argv[0] is the program name). On failure writes a one-line reason into err. */
bool opts_parse(int argc, char **argv, struct hg_opts *o, char *err, size_t errlen);
/* Usage text for --help. */
const char *opts_usage(void);

#endif

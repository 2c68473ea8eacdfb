/* client.h: the load generator: connections, open/closed loop schedule, per-request records. */
#ifndef HOSTGEN_CLIENT_H
#define HOSTGEN_CLIENT_H

#include <stdint.h>

#include "opts.h"
#include "telemetry.h"

/* Per-request status, the `status` column of requests.csv (docs/hostgen.md). */
enum req_status {
    RS_PENDING = 0, /* never completed: only while running */
    RS_OK,          /* response header and every byte matched */
    RS_TIMEOUT,     /* no complete response within --timeout-ms of the intended send time */
    RS_RESET,       /* the connection failed (reset, closed, bad framing) with it unanswered */
    RS_MISMATCH,    /* response arrived but a byte, an echoed field or the status differed */
    RS_NOCONN,      /* no connection was alive to carry it: never sent */
    RS_COUNT
};

const char *req_status_name(enum req_status s);

/* One request; its id is its index. 40 bytes: memory per million requests is ~40 MB. */
struct req {
    int64_t intended; /* CLOCK_MONOTONIC ns */
    int64_t actual;   /* first byte handed to send(), -1 if never sent */
    int64_t done;     /* last response byte received, -1 if never */
    uint32_t req_len, resp_len;
    uint16_t conn;
    uint8_t status;
    uint8_t warmup;
    uint32_t mismatched_bytes;
};

/* Aggregated subflow bytes per (local IP, remote IP) path, from the last telemetry sample. */
struct path_bytes {
    char local[64], remote[64];
    uint64_t bytes_acked, bytes_received, bytes_sent, retrans;
    unsigned subflows;
};

#define HG_MAX_PATHS 16

/* Everything the report needs about a finished run. */
struct run_result {
    struct req *reqs;
    uint64_t nreqs;
    int64_t start_ns, gen_end_ns, end_ns, measure_start_ns;
    int64_t realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
    int64_t timer_late_p90_ns;  /* measured timerfd wake-up lateness (calibration) */
    int64_t spin_ns;            /* spin window used */
    uint32_t conns_ok, connect_failures, fallback_conns, conns_lost;
    uint64_t pm_events, sub_established, sub_closed;
    struct path_bytes paths[HG_MAX_PATHS];
    unsigned npaths;
    uint32_t max_subflows; /* largest subflow count seen on any connection (initial included) */
    bool partial;
    char partial_reason[96];
    uint64_t bytes_mismatched;
};

/* Runs the client; fills r (the caller frees r->reqs). Returns 0, or -1 on a setup failure. */
int client_run(const struct hg_opts *o, struct run_result *r);

#endif

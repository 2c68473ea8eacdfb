/* profile.h: link profiles in tc-netem's vocabulary, one block per direction; one parser for both
 * backends. */
#ifndef NETSYNC_NETEM_PROFILE_H
#define NETSYNC_NETEM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "trace.h"

/* Directions: downlink = host -> guest, uplink = guest -> host (DESIGN.md section 5). */
enum prof_dirn { PROF_DOWN = 0, PROF_UP = 1 };

/* Loss models of tc-netem(8): random (Bernoulli, optionally correlated), gemodel
 * (Gilbert-Elliott, TCA_NETEM_LOSS/NETEM_LOSS_GE) and state (4-state GI, NETEM_LOSS_GI). */
enum prof_loss { LOSS_NONE = 0, LOSS_RANDOM, LOSS_GEMODEL, LOSS_STATE };

/* netem's default queue limit in packets (tc-netem(8) "limit": default 1000). */
#define PROF_DEFAULT_LIMIT 1000u

/* Probabilities use tc's scale: 0 = never, UINT32_MAX = always. */
struct prof_dir {
    int64_t delay_ns, jitter_ns;
    uint32_t delay_corr;
    enum dist_kind dist;
    enum prof_loss loss;
    uint32_t loss_p, loss_corr; /* LOSS_RANDOM */
    /* gemodel as tc's user writes it: p (good->bad), r (bad->good), 1-h (loss probability in
     * the bad state), 1-k (loss probability in the good state). tc converts 1-h to the
     * kernel's h (iproute2 tc/q_netem.c: "netem option is 1-h but kernel expects h"). */
    uint32_t ge_p, ge_r, ge_1h, ge_1k;
    /* 4-state model transition probabilities (Salsano et al., "Definition of a general and
     * intuitive loss model for packet networks", the model behind NETEM_LOSS_GI). */
    uint32_t p13, p31, p32, p23, p14;
    uint64_t rate_Bps; /* 0 = unlimited; bytes/s like struct tc_netem_rate */
    int32_t pkt_overhead;
    uint32_t cell_size;
    int32_t cell_overhead;
    uint32_t limit;
    uint32_t reorder_p, reorder_corr, gap;
    uint32_t dup_p, dup_corr;
    uint32_t corrupt_p, corrupt_corr;
    bool slot;
    int64_t slot_min_ns, slot_max_ns;
    int32_t slot_packets, slot_bytes; /* 0 = no bound */
    /* Trace-driven rate (Mahimahi format); replaces rate. Owned by the profile. */
    struct trace *trace;
    char trace_path[512];
};

struct profile {
    struct prof_dir dir[2];
};

/* A profile with netem's defaults: no delay, no loss, no rate, limit 1000. */
void prof_init(struct profile *p);
void prof_dir_init(struct prof_dir *d);
void prof_free(struct profile *p);
/* Deep copy of one direction (the trace is duplicated); 0 or -1 (out of memory). */
int prof_dir_copy(struct prof_dir *dst, const struct prof_dir *src);
void prof_dir_free(struct prof_dir *d);

/*
 * Parses profile text. name is used in messages ("name:line: reason"); basedir resolves
 * relative trace paths (NULL = current directory). On error returns -1 with err filled and
 * *p left initialised (safe to prof_free).
 */
int prof_parse(const char *text, size_t len, const char *name, const char *basedir,
               struct profile *p, char *err, size_t errlen);
int prof_load(const char *path, struct profile *p, char *err, size_t errlen);

/* Applies one line of clauses (e.g. "delay 20ms loss 1%") on top of a direction; used by
 * --set and the control socket. Returns 0 or -1 with err filled. */
int prof_apply_line(struct prof_dir *d, const char *line, const char *basedir, char *err,
                    size_t errlen);

/*
 * Command-line composition rule (docs/profiles.md): extra delay adds to the profile's base
 * delay (jitter and distribution unchanged); extra loss is an independent Bernoulli loss
 * after the profile's own loss: random p becomes 1-(1-p)(1-e); gemodel's per-state loss
 * probabilities become 1-(1-x)(1-e) (exact); a 4-state model cannot absorb it (error).
 */
int prof_add_delay(struct prof_dir *d, int64_t extra_ns, char *err, size_t errlen);
int prof_add_loss(struct prof_dir *d, uint32_t extra_p, char *err, size_t errlen);

/* Checks cross-field rules (e.g. reorder needs delay); 0 or -1 with err. */
int prof_validate(const struct prof_dir *d, char *err, size_t errlen);

/* Writes the direction back in the profile vocabulary (one line), for logs and the ctl "show". */
void prof_format(const struct prof_dir *d, char *buf, size_t len);

#endif

/* dist.h: size distributions ("64", "uniform:64:1024", "exp:512", "bimodal:64:65536:0.1") and
 * arrivals. */
#ifndef HOSTGEN_DIST_H
#define HOSTGEN_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

enum dist_kind { DIST_FIXED, DIST_UNIFORM, DIST_EXP, DIST_BIMODAL };

/* A size distribution; every draw is clamped to [0, max]. */
struct dist {
    enum dist_kind kind;
    uint64_t a, b; /* fixed: a; uniform: [a, b]; exp: mean a; bimodal: a or b */
    double p;      /* bimodal: probability of b */
    uint64_t max;
};

/*
 * Parses spec into d, refusing values above max. Returns true on success; on failure writes a
 * one-line reason into err (errlen bytes) and leaves d unspecified.
 */
bool dist_parse(const char *spec, uint64_t max, struct dist *d, char *err, size_t errlen);
uint64_t dist_draw(const struct dist *d, struct rng *r);
/* Mean of the distribution (before clamping), for planning and reports. */
double dist_mean(const struct dist *d);

/* Inter-arrival processes of the open loop. */
enum arrival_kind { ARRIVAL_POISSON, ARRIVAL_CONSTANT };

bool arrival_parse(const char *spec, enum arrival_kind *k);
const char *arrival_name(enum arrival_kind k);
/* Next gap in ns for a target rate (requests/s): exponential or exactly 1e9/rate. */
double arrival_gap_ns(enum arrival_kind k, double rate, struct rng *r);

/* Copies at most 40 characters of s into buf (>= 48 bytes), control bytes shown as '?', so error
 * messages stay one printable line whatever the user typed. Returns buf. */
const char *shown(const char *s, char *buf, size_t len);

/* Strict decimal parsers shared by option parsing: whole string, no sign, range-checked. */
bool parse_u64(const char *s, uint64_t max, uint64_t *out);
bool parse_double(const char *s, double lo, double hi, double *out);

#endif

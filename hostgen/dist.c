/* dist.c: parsing and drawing of size distributions and inter-arrival gaps. */
#include "dist.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *shown(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s && s[i] && i < 40 && i + 1 < len; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[i] = '\0';
    return buf;
}

bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

bool parse_double(const char *s, double lo, double hi, double *out)
{
    if (s == NULL || *s == '\0' || !((*s >= '0' && *s <= '9') || *s == '.'))
        return false;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Splits spec at ':' into at most 4 fields held in buf; returns the field count or -1. */
static int split(const char *spec, char *buf, size_t buflen, char *f[4])
{
    size_t n = strlen(spec);
    if (n + 1 > buflen)
        return -1;
    memcpy(buf, spec, n + 1);
    int k = 0;
    char *p = buf;
    for (;;) {
        if (k == 4)
            return -1;
        f[k++] = p;
        char *c = strchr(p, ':');
        if (c == NULL)
            break;
        *c = '\0';
        p = c + 1;
    }
    return k;
}

bool dist_parse(const char *spec, uint64_t max, struct dist *d, char *err, size_t errlen)
{
    char buf[128];
    char *f[4];
    int n = split(spec, buf, sizeof(buf), f);
    memset(d, 0, sizeof(*d));
    d->max = max;
    if (n < 0) {
        char b[48];
        snprintf(err, errlen, "size spec '%s' is too long or has too many fields",
                 shown(spec, b, sizeof(b)));
        return false;
    }
    if (n == 1 || (n == 2 && strcmp(f[0], "fixed") == 0)) {
        d->kind = DIST_FIXED;
        if (parse_u64(f[n - 1], max, &d->a))
            return true;
    } else if (n == 3 && strcmp(f[0], "uniform") == 0) {
        d->kind = DIST_UNIFORM;
        if (parse_u64(f[1], max, &d->a) && parse_u64(f[2], max, &d->b) && d->a <= d->b)
            return true;
    } else if (n == 2 && strcmp(f[0], "exp") == 0) {
        d->kind = DIST_EXP;
        if (parse_u64(f[1], max, &d->a) && d->a > 0)
            return true;
    } else if (n == 4 && strcmp(f[0], "bimodal") == 0) {
        d->kind = DIST_BIMODAL;
        if (parse_u64(f[1], max, &d->a) && parse_u64(f[2], max, &d->b) &&
            parse_double(f[3], 0.0, 1.0, &d->p))
            return true;
    }
    char b[48];
    snprintf(err, errlen,
             "bad size spec '%s': want N, fixed:N, uniform:A:B, exp:MEAN or bimodal:A:B:P, "
             "sizes 0..%llu",
             shown(spec, b, sizeof(b)), (unsigned long long)max);
    return false;
}

uint64_t dist_draw(const struct dist *d, struct rng *r)
{
    uint64_t v = d->a;
    switch (d->kind) {
    case DIST_FIXED:
        break;
    case DIST_UNIFORM:
        v = rng_range(r, d->a, d->b);
        break;
    case DIST_EXP: {
        double x = floor(rng_exp(r, (double)d->a));
        v = x >= (double)d->max ? d->max : (uint64_t)x;
        break;
    }
    case DIST_BIMODAL:
        v = rng_uniform(r) < d->p ? d->b : d->a;
        break;
    }
    return v > d->max ? d->max : v;
}

double dist_mean(const struct dist *d)
{
    switch (d->kind) {
    case DIST_UNIFORM:
        return ((double)d->a + (double)d->b) / 2.0;
    case DIST_BIMODAL:
        return (1.0 - d->p) * (double)d->a + d->p * (double)d->b;
    case DIST_FIXED:
    case DIST_EXP:
        break;
    }
    return (double)d->a;
}

bool arrival_parse(const char *spec, enum arrival_kind *k)
{
    if (strcmp(spec, "poisson") == 0 || strcmp(spec, "exp") == 0) {
        *k = ARRIVAL_POISSON;
        return true;
    }
    if (strcmp(spec, "constant") == 0 || strcmp(spec, "fixed") == 0) {
        *k = ARRIVAL_CONSTANT;
        return true;
    }
    return false;
}

const char *arrival_name(enum arrival_kind k)
{
    return k == ARRIVAL_POISSON ? "poisson" : "constant";
}

double arrival_gap_ns(enum arrival_kind k, double rate, struct rng *r)
{
    double mean = 1e9 / rate;
    return k == ARRIVAL_POISSON ? rng_exp(r, mean) : mean;
}

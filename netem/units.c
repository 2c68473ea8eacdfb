/* units.c: tc's value vocabulary (times, rates, percentages) parsed strictly into integers. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Splits "12.5ms" into a finite, non-negative number and its suffix. */
static int number_suffix(const char *s, double *v, const char **suffix, const char **why)
{
    char *end = NULL;
    if (s == NULL || *s == '\0') {
        *why = "empty value";
        return -1;
    }
    if (*s == '-' || *s == '+') {
        *why = "value must not carry a sign";
        return -1;
    }
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || errno != 0 || !isfinite(*v)) {
        *why = "not a number";
        return -1;
    }
    /* strtod accepts "inf", "nan" and hex floats: refuse what tc would not write. */
    for (const char *c = s; c < end; c++) {
        if (!((*c >= '0' && *c <= '9') || *c == '.')) {
            *why = "not a plain decimal number";
            return -1;
        }
    }
    *suffix = end;
    return 0;
}

int units_time_ns(const char *s, int64_t *ns, const char **why)
{
    double v;
    const char *u;
    if (number_suffix(s, &v, &u, why) != 0)
        return -1;
    /* Suffixes as tc's get_time() accepts them (iproute2 tc/tc_util.c). A unit is required:
     * tc's unit-less default (microseconds) is a classic source of 1000x mistakes. */
    double mult;
    if (!strcmp(u, "s") || !strcmp(u, "sec") || !strcmp(u, "secs"))
        mult = 1e9;
    else if (!strcmp(u, "ms") || !strcmp(u, "msec") || !strcmp(u, "msecs"))
        mult = 1e6;
    else if (!strcmp(u, "us") || !strcmp(u, "usec") || !strcmp(u, "usecs"))
        mult = 1e3;
    else if (!strcmp(u, "ns") || !strcmp(u, "nsec") || !strcmp(u, "nsecs"))
        mult = 1;
    else {
        *why = *u ? "unknown time unit (use ns, us, ms or s)" : "time needs a unit (ns, us, ms, s)";
        return -1;
    }
    double r = v * mult;
    /* netem keeps jitter in an s32 of ns and latency in s64; cap at 1 hour, far beyond any link. */
    if (r > 3600e9) {
        *why = "time too large (max 3600s)";
        return -1;
    }
    *ns = (int64_t)llround(r);
    return 0;
}

int units_rate_Bps(const char *s, uint64_t *bps, const char **why)
{
    double v;
    const char *u;
    if (number_suffix(s, &v, &u, why) != 0)
        return -1;
    /* tc's get_rate(): "bit" suffixes are bits/s, "bps" suffixes bytes/s; SI prefixes are
     * powers of 1000, IEC ("kibit") powers of 1024 (tc-netem(8), tc(8) UNITS). */
    static const struct {
        const char *name;
        double bytes_per_s;
    } tab[] = {
        {"bit", 1.0 / 8},
        {"kbit", 1e3 / 8},
        {"mbit", 1e6 / 8},
        {"gbit", 1e9 / 8},
        {"tbit", 1e12 / 8},
        {"kibit", 1024.0 / 8},
        {"mibit", 1048576.0 / 8},
        {"gibit", 1073741824.0 / 8},
        {"bps", 1},
        {"kbps", 1e3},
        {"mbps", 1e6},
        {"gbps", 1e9},
    };
    for (unsigned i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
        if (!strcasecmp(u, tab[i].name)) {
            double r = v * tab[i].bytes_per_s;
            if (r < 1) {
                *why = "rate below 1 byte/s";
                return -1;
            }
            /* TCA_NETEM_RATE64 carries a u64 of bytes/s; 10 Tbit/s is past any emulated link. */
            if (r > 1.25e12) {
                *why = "rate too large (max 10tbit)";
                return -1;
            }
            *bps = (uint64_t)llround(r);
            return 0;
        }
    }
    *why = *u ? "unknown rate unit (bit, kbit, mbit, gbit, bps, kbps, mbps, gbps)"
              : "rate needs a unit (e.g. mbit)";
    return -1;
}

uint32_t units_p_from_double(double d)
{
    if (d <= 0)
        return 0;
    if (d >= 1)
        return UINT32_MAX;
    /* tc's set_percent(): rint(per * UINT32_MAX). */
    return (uint32_t)llrint(d * (double)UINT32_MAX);
}

double units_p_to_double(uint32_t p)
{
    return (double)p / (double)UINT32_MAX;
}

int units_percent(const char *s, uint32_t *p, const char **why)
{
    double v;
    const char *u;
    if (number_suffix(s, &v, &u, why) != 0)
        return -1;
    if (strcmp(u, "%") != 0) {
        *why = "probability needs a % sign (e.g. 0.5%)";
        return -1;
    }
    if (v > 100) {
        *why = "probability above 100%";
        return -1;
    }
    *p = units_p_from_double(v / 100.0);
    return 0;
}

int units_uint(const char *s, uint64_t max, uint64_t *v, const char **why)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9') {
        *why = "not an unsigned integer";
        return -1;
    }
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        *why = "not an unsigned integer";
        return -1;
    }
    if (x > max) {
        *why = "integer out of range";
        return -1;
    }
    *v = x;
    return 0;
}

int units_int(const char *s, int64_t min, int64_t max, int64_t *v, const char **why)
{
    char *end = NULL;
    if (s == NULL || *s == '\0') {
        *why = "not an integer";
        return -1;
    }
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s) {
        *why = "not an integer";
        return -1;
    }
    if (x < min || x > max) {
        *why = "integer out of range";
        return -1;
    }
    *v = x;
    return 0;
}

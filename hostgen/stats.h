/* stats.h: exact percentiles of raw samples and order-statistic confidence intervals. */
#ifndef HOSTGEN_STATS_H
#define HOSTGEN_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Nearest-rank quantile of sorted x[0..n-1]: the ceil(p*n)-th smallest value (1-based), p in
 * (0, 1]; p = 1 gives the maximum. n must be > 0.
 */
int64_t stats_quantile_sorted(const int64_t *x, size_t n, double p);

/*
 * Ranks (1-based) of the distribution-free confidence interval [x_(lo), x_(hi)] for the
 * p-quantile from n samples at confidence conf: the exact binomial construction of Le Boudec,
 * "Performance Evaluation of Computer and Communication Systems", Thm 2.1, as Lancet uses.
 * lo is the largest rank with P(Bin(n,p) <= lo-1) <= (1-conf)/2, hi the smallest with
 * P(Bin(n,p) <= hi-1) >= 1-(1-conf)/2. Returns false if n is too small for either end.
 */
bool stats_ci_ranks(size_t n, double p, double conf, size_t *lo, size_t *hi);

/* The figures every report carries for one set of samples (ns). */
struct stats_summary {
    size_t n;
    int64_t min, p50, p90, p99, p999, max;
    double mean;
    bool p99_ci; /* false when n is too small for a 95% interval */
    int64_t p99_lo, p99_hi;
};

/* Sorts x in place and fills s; n may be 0 (then only n is meaningful). */
void stats_summarize(int64_t *x, size_t n, struct stats_summary *s);

/* Quickselect: the k-th smallest (0-based) of x[0..n-1], reordering x; for live progress. */
int64_t stats_select(int64_t *x, size_t n, size_t k);

#endif

/* stats.h: small statistics for the netem tests: quantiles, means and confidence bounds. */
#ifndef NETSYNC_TEST_NETEM_STATS_H
#define NETSYNC_TEST_NETEM_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Sorts in place. */
void st_sort(int64_t *v, size_t n);
/* Order-statistic quantile of a sorted array (nearest rank). */
int64_t st_quantile(const int64_t *sorted, size_t n, double q);
double st_mean(const int64_t *v, size_t n);
double st_sd(const int64_t *v, size_t n);
/* Rank band for quantile q with z standard errors: the q +- z*sqrt(q(1-q)/n) quantiles
 * (the order-statistic confidence interval Lancet uses, normal approximation). */
void st_qband(double q, size_t n, double z, double *lo, double *hi);
/* Is k successes out of n consistent with probability p at z standard errors? */
int st_binom_ok(uint64_t k, uint64_t n, double p, double z);

#endif

/* stats.c: quantiles, means and binomial/order-statistic bands used by the netem tests. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void st_sort(int64_t *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp64);
}

int64_t st_quantile(const int64_t *sorted, size_t n, double q)
{
    if (n == 0)
        return 0;
    double r = ceil(q * (double)n);
    size_t i = r < 1 ? 0 : (size_t)r - 1;
    if (i >= n)
        i = n - 1;
    return sorted[i];
}

double st_mean(const int64_t *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i];
    return n ? s / (double)n : 0;
}

double st_sd(const int64_t *v, size_t n)
{
    double m = st_mean(v, n), s = 0;
    for (size_t i = 0; i < n; i++)
        s += ((double)v[i] - m) * ((double)v[i] - m);
    return n > 1 ? sqrt(s / (double)(n - 1)) : 0;
}

void st_qband(double q, size_t n, double z, double *lo, double *hi)
{
    double e = z * sqrt(q * (1 - q) / (double)n);
    *lo = q - e < 0 ? 0 : q - e;
    *hi = q + e > 1 ? 1 : q + e;
}

int st_binom_ok(uint64_t k, uint64_t n, double p, double z)
{
    double mean = (double)n * p, sd = sqrt((double)n * p * (1 - p));
    /* +1 absorbs the discreteness when the expected count is tiny */
    return fabs((double)k - mean) <= z * sd + 1;
}

/* stats.c: exact nearest-rank percentiles and binomial order-statistic confidence intervals. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

#include "../kernel/lib/klib.h"

int64_t stats_quantile_sorted(const int64_t *x, size_t n, double p)
{
    ASSERT(n > 0 && p > 0.0 && p <= 1.0, "quantile of an empty set or bad p");
    /* The small epsilon keeps p*n = 990.0000000001 (binary rounding of 0.99) at rank 990. */
    double r = ceil(p * (double)n - 1e-9);
    size_t rank = r < 1.0 ? 1 : (size_t)r;
    if (rank > n)
        rank = n;
    return x[rank - 1];
}

bool stats_ci_ranks(size_t n, double p, double conf, size_t *lo, size_t *hi)
{
    ASSERT(p > 0.0 && p < 1.0 && conf > 0.0 && conf < 1.0, "ci needs 0<p<1, 0<conf<1");
    if (n == 0)
        return false;
    double a2 = (1.0 - conf) / 2.0;
    double lp = log(p), lq = log1p(-p), lnf = lgamma((double)n + 1.0);
    /* Terms more than 40 standard deviations below the mean are < 1e-300: start there. */
    double sd = sqrt((double)n * p * (1.0 - p));
    double start_d = (double)n * p - 40.0 * sd - 1.0;
    size_t i0 = start_d > 0.0 ? (size_t)start_d : 0;
    double cdf = 0.0; /* P(B <= i) as i advances */
    bool have_lo = false, have_hi = false;
    for (size_t i = i0; i <= n; i++) {
        double lpmf = lnf - lgamma((double)i + 1.0) - lgamma((double)(n - i) + 1.0) +
                      (double)i * lp + (double)(n - i) * lq;
        cdf += exp(lpmf);
        /* cdf is now F(i): rank i+1 qualifies as lo while F(i) <= a2. */
        if (cdf <= a2 && i + 1 <= n) {
            *lo = i + 1;
            have_lo = true;
        }
        if (cdf >= 1.0 - a2) {
            if (i + 1 <= n) {
                *hi = i + 1;
                have_hi = true;
            }
            break;
        }
    }
    return have_lo && have_hi;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void stats_summarize(int64_t *x, size_t n, struct stats_summary *s)
{
    *s = (struct stats_summary){.n = n};
    if (n == 0)
        return;
    qsort(x, n, sizeof(*x), cmp_i64);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)x[i];
    s->mean = sum / (double)n;
    s->min = x[0];
    s->max = x[n - 1];
    s->p50 = stats_quantile_sorted(x, n, 0.50);
    s->p90 = stats_quantile_sorted(x, n, 0.90);
    s->p99 = stats_quantile_sorted(x, n, 0.99);
    s->p999 = stats_quantile_sorted(x, n, 0.999);
    size_t lo, hi;
    if (stats_ci_ranks(n, 0.99, 0.95, &lo, &hi)) {
        s->p99_ci = true;
        s->p99_lo = x[lo - 1];
        s->p99_hi = x[hi - 1];
    }
}

int64_t stats_select(int64_t *x, size_t n, size_t k)
{
    ASSERT(k < n, "select rank out of range");
    size_t l = 0, r = n - 1;
    while (l < r) {
        int64_t pivot = x[l + (r - l) / 2];
        size_t i = l, j = r;
        while (i <= j) {
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i <= j) {
                int64_t t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            r = j;
        else if (k >= i)
            l = i;
        else
            return x[k];
    }
    return x[k];
}

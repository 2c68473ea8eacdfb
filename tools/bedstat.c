/* bedstat.c: exact percentiles (hostgen's stats code) and CDF points of a list of integer samples.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bedstat_parse.h"
#include "hostgen/stats.h"

/* Samples per CDF beyond which the output keeps only chosen ranks (plots need no more). */
#define CDF_MAX_POINTS 100000

static int usage(void)
{
    fputs("usage: bedstat summary [FILE]      one CSV row: n,mean,min,p50,p90,p99,p99_ci_lo,"
          "p99_ci_hi,p999,max\n"
          "       bedstat cdf POINTS [FILE]   value,fraction lines (POINTS evenly spaced ranks,\n"
          "                                   plus P99, P99.9 and the maximum)\n"
          "  input: one integer per line (blank lines skipped); '-' or no FILE = stdin\n",
          stderr);
    return 2;
}

/* Reads all of f into a heap buffer (the sample files of one sweep point are a few MB). */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    for (;;) {
        if (n == cap) {
            char *b = realloc(buf, cap * 2);
            if (b == NULL) {
                free(buf);
                return NULL;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int load(const char *path, struct samples *s)
{
    FILE *f = (path == NULL || strcmp(path, "-") == 0) ? stdin : fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "bedstat: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t len = 0, line = 0;
    char *buf = slurp(f, &len);
    if (f != stdin)
        fclose(f);
    if (buf == NULL) {
        fprintf(stderr, "bedstat: cannot read %s\n", path ? path : "stdin");
        return -1;
    }
    char err[128];
    int rc = samples_parse(buf, len, s, &line, err, sizeof(err));
    free(buf);
    if (rc != 0)
        fprintf(stderr, "bedstat: %s: %s\n", path ? path : "stdin", err);
    return rc;
}

static void summary(struct samples *s)
{
    struct stats_summary m;
    stats_summarize(s->v, s->n, &m);
    puts("n,mean,min,p50,p90,p99,p99_ci_lo,p99_ci_hi,p999,max");
    if (m.n == 0) {
        puts("0,,,,,,,,,");
        return;
    }
    printf("%zu,%.1f,%lld,%lld,%lld,%lld,", m.n, m.mean, (long long)m.min, (long long)m.p50,
           (long long)m.p90, (long long)m.p99);
    if (m.p99_ci)
        printf("%lld,%lld,", (long long)m.p99_lo, (long long)m.p99_hi);
    else
        fputs(",,", stdout);
    printf("%lld,%lld\n", (long long)m.p999, (long long)m.max);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Empirical CDF: fraction k/n at the k-th smallest value, for the chosen ranks k. */
static void cdf(struct samples *s, unsigned long points)
{
    puts("value,fraction");
    if (s->n == 0)
        return;
    qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
    const double tail[] = {0.99, 0.999, 1.0};
    size_t ti = 0;
    for (unsigned long i = 1; i <= points; i++) {
        double p = (double)i / (double)points;
        /* Tail quantiles fall between evenly spaced ranks: print them in order. */
        while (ti < sizeof(tail) / sizeof(tail[0]) && tail[ti] < p) {
            printf("%lld,%.6f\n", (long long)stats_quantile_sorted(s->v, s->n, tail[ti]), tail[ti]);
            ti++;
        }
        printf("%lld,%.6f\n", (long long)stats_quantile_sorted(s->v, s->n, p), p);
        if (ti < sizeof(tail) / sizeof(tail[0]) && tail[ti] == p)
            ti++;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    struct samples s = {0};
    int rc = 0;
    if (strcmp(argv[1], "summary") == 0 && argc <= 3) {
        if (load(argc == 3 ? argv[2] : NULL, &s) != 0)
            rc = 1;
        else
            summary(&s);
    } else if (strcmp(argv[1], "cdf") == 0 && (argc == 3 || argc == 4)) {
        char *end;
        errno = 0;
        unsigned long pts = strtoul(argv[2], &end, 10);
        if (errno != 0 || *end != '\0' || argv[2][0] == '-' || pts < 1 || pts > CDF_MAX_POINTS) {
            fprintf(stderr, "bedstat: cdf POINTS wants 1..%d, got '%.40s'\n", CDF_MAX_POINTS,
                    argv[2]);
            return 2;
        }
        if (load(argc == 4 ? argv[3] : NULL, &s) != 0)
            rc = 1;
        else
            cdf(&s, pts);
    } else {
        return usage();
    }
    samples_free(&s);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "bedstat: write error\n");
        rc = 1;
    }
    return rc;
}

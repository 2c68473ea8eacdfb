/* bedstat_parse.c: strict parser of integer sample lists (untrusted files: every byte checked). */
#include "bedstat_parse.h"

#include <stdio.h>
#include <stdlib.h>

static int push(struct samples *s, int64_t x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        int64_t *v = realloc(s->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

/* Parses one line p[0..n) (no '\n'); 1 = a sample in *out, 0 = blank line, -1 = malformed. */
static int one_line(const char *p, size_t n, int64_t *out)
{
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n == 0)
        return 0;
    size_t i = 0;
    int neg = 0;
    if (p[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n)
        return -1;
    /* Accumulate as a negative number: INT64_MIN has no positive twin. */
    int64_t acc = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        int d = p[i] - '0';
        if (acc < (INT64_MIN + d) / 10)
            return -1;
        acc = acc * 10 - d;
    }
    if (!neg) {
        if (acc == INT64_MIN)
            return -1;
        acc = -acc;
    }
    *out = acc;
    return 1;
}

int samples_parse(const char *buf, size_t len, struct samples *s, size_t *line, char *err,
                  size_t errlen)
{
    size_t start = 0;
    while (start < len) {
        size_t end = start;
        while (end < len && buf[end] != '\n')
            end++;
        ++*line;
        int64_t x;
        int rc = one_line(buf + start, end - start, &x);
        if (rc < 0) {
            snprintf(err, errlen, "line %zu: not a 64-bit integer", *line);
            return -1;
        }
        if (rc == 1 && push(s, x) != 0) {
            snprintf(err, errlen, "line %zu: out of memory", *line);
            return -1;
        }
        start = end + 1;
    }
    return 0;
}

void samples_free(struct samples *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

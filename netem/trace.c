/* trace.c: Mahimahi trace parser: one non-negative integer millisecond timestamp per line. */
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textfile.h"

int trace_parse(const char *text, size_t len, struct trace *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    size_t cap = 0, line = 0, pos = 0;
    while (pos < len) {
        size_t start = pos;
        while (pos < len && text[pos] != '\n')
            pos++;
        size_t l = pos - start;
        pos++; /* skip '\n' */
        line++;
        /* Trailing '\r' and blank lines are tolerated: traces travel through many tools. */
        while (l > 0 && (text[start + l - 1] == '\r' || text[start + l - 1] == ' '))
            l--;
        if (l == 0)
            continue;
        uint64_t v = 0;
        for (size_t i = 0; i < l; i++) {
            char c = text[start + i];
            if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) {
                snprintf(err, errlen, "line %zu: not a millisecond timestamp", line);
                goto fail;
            }
            v = v * 10 + (uint64_t)(c - '0');
        }
        if (t->n > 0 && v < t->ms[t->n - 1]) {
            snprintf(err, errlen, "line %zu: timestamps must not decrease", line);
            goto fail;
        }
        if (t->n >= TRACE_MAX_LINES) {
            snprintf(err, errlen, "line %zu: trace longer than %u opportunities", line,
                     TRACE_MAX_LINES);
            goto fail;
        }
        if (t->n == cap) {
            cap = cap ? cap * 2 : 1024;
            uint64_t *nm = realloc(t->ms, cap * sizeof(*nm));
            if (nm == NULL) {
                snprintf(err, errlen, "line %zu: out of memory", line);
                goto fail;
            }
            t->ms = nm;
        }
        t->ms[t->n++] = v;
    }
    if (t->n == 0) {
        snprintf(err, errlen, "line %zu: trace has no delivery opportunity", line);
        goto fail;
    }
    /* mm-link refuses a trace whose last timestamp is 0: the period would be empty. */
    if (t->ms[t->n - 1] == 0) {
        snprintf(err, errlen, "line %zu: last timestamp must be > 0 (it is the period)", line);
        goto fail;
    }
    t->period_ms = t->ms[t->n - 1];
    return 0;
fail:
    trace_free(t);
    return -1;
}

int trace_load(const char *path, struct trace *t, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    char why[160];
    if (textfile_read(path, 1u << 28, &text, &len, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    int rc = trace_parse(text, len, t, why, sizeof(why));
    free(text);
    if (rc != 0)
        snprintf(err, errlen, "%s:%s", path, why + 5); /* "line N: r" -> "PATH:N: r" */
    return rc;
}

void trace_free(struct trace *t)
{
    free(t->ms);
    memset(t, 0, sizeof(*t));
}

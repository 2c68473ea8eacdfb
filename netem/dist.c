/* dist.c: loads iproute2's .dist tables (normal, pareto, paretonormal) for netem-style jitter. */
#include "dist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "textfile.h"

static const char *const names[] = {"uniform", "normal", "pareto", "paretonormal"};

const char *dist_name(enum dist_kind k)
{
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

int dist_from_name(const char *name)
{
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(name, names[i]))
            return (int)i;
    return -1;
}

int dist_parse(const char *text, struct dist_table *t, char *err, size_t errlen)
{
    t->v = malloc(DIST_MAX * sizeof(int16_t));
    t->n = 0;
    if (t->v == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t line = 1;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            line++;
            p++;
        } else if (*p == ' ' || *p == '\t' || *p == '\r') {
            p++;
        } else if (*p == '#') {
            while (*p && *p != '\n')
                p++;
        } else {
            char *end = NULL;
            errno = 0;
            long v = strtol(p, &end, 10);
            if (end == p || errno != 0 || v < INT16_MIN || v > INT16_MAX ||
                (*end && *end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')) {
                snprintf(err, errlen, "line %zu: not a 16-bit integer", line);
                dist_free(t);
                return -1;
            }
            if (t->n >= DIST_MAX) {
                snprintf(err, errlen, "line %zu: more than %d values", line, DIST_MAX);
                dist_free(t);
                return -1;
            }
            t->v[t->n++] = (int16_t)v;
            p = end;
        }
    }
    if (t->n == 0) {
        snprintf(err, errlen, "table is empty");
        dist_free(t);
        return -1;
    }
    return 0;
}

int dist_load(enum dist_kind k, struct dist_table *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (k == DIST_UNIFORM)
        return 0; /* netem's uniform jitter needs no table (tabledist() with dist == NULL) */
    /* Debian installs the tables under the multiarch lib dir; other distributions use
     * /usr/lib/tc or /usr/share/tc (iproute2 Makefile, TC_CONFIG/LIBDIR). */
    const char *dirs[] = {getenv("NETSYNC_TC_DIST_DIR"),
                          "/usr/lib/x86_64-linux-gnu/tc",
                          "/usr/lib/tc",
                          "/usr/lib64/tc",
                          "/usr/share/tc",
                          "/usr/share/iproute2"};
    for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (dirs[i] == NULL || dirs[i][0] == '\0')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.dist", dirs[i], dist_name(k));
        if (access(path, R_OK) != 0)
            continue;
        char *text = NULL;
        size_t len = 0;
        char why[200];
        if (textfile_read(path, 1u << 20, &text, &len, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s: %s", path, why);
            return -1;
        }
        int rc = dist_parse(text, t, why, sizeof(why));
        free(text);
        if (rc != 0)
            snprintf(err, errlen, "%s: %s", path, why);
        return rc;
    }
    snprintf(err, errlen,
             "%s.dist not found (install iproute2, or set NETSYNC_TC_DIST_DIR to the directory "
             "holding it)",
             dist_name(k));
    return -1;
}

void dist_free(struct dist_table *t)
{
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

/* trace_csv.c: a strict reader of the arrival CSV: every number checked, every column by name. */
#include "tests/unit/divsa/trace_csv.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col {
    C_SEQ,
    C_CONN,
    C_NIC,
    C_IRQ,
    C_READ,
    C_ADD,
    C_WANT,
    C_SRTT,
    C_OOO,
    C_PRED,
    C_NOW,
    C_RTTVAR,
    C_VER,
    C_ASKED,
    C_HOLE,
    C_INFL,
    C_SKEW,
    C_HSINCE,
    C_HAGE,
    C_N
};
static const char *const names[C_N] = {
    "seq",     "conn",      "subflow", "irq_ns",        "readable",   "added",   "want",
    "srtt_us", "ooo_bytes", "pred_ns", "now_ns",        "rttvar_us",  "version", "asked",
    "hole",    "in_flight", "skew_us", "hole_since_ns", "hole_age_ns"};
#define V1_COLS C_VER /* the version-1 CSV had the columns before "version" */

/* One field: empty -> *empty = 1; else an unsigned decimal that must fit 64 bits. */
static int field(const char *s, size_t len, unsigned long long *v, int *empty)
{
    *empty = len == 0;
    *v = 0;
    if (len == 0)
        return 0;
    if (len > 20)
        return -1;
    char buf[24];
    memcpy(buf, s, len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (buf[i] < '0' || buf[i] > '9')
            return -1;
    errno = 0;
    *v = strtoull(buf, NULL, 10);
    return errno == 0 ? 0 : -1;
}

static uint32_t u32_or_none(unsigned long long v, int empty)
{
    return empty || v > 0xFFFFFFFFull ? P2P_NONE : (uint32_t)v;
}

static int parse_row(char *line, const int *at, int ncol, struct p2p_arrival *a)
{
    unsigned long long v[C_N] = {0};
    int empty[C_N];
    for (int c = 0; c < C_N; c++)
        empty[c] = 1;
    char *p = line;
    for (int k = 0; k < ncol; k++) {
        char *e = p + strcspn(p, ",\r\n");
        int c = at[k];
        unsigned long long x;
        int emp;
        if (field(p, (size_t)(e - p), &x, &emp) != 0)
            return -1;
        if (c >= 0) {
            v[c] = x;
            empty[c] = emp;
        }
        if (*e != ',' && k + 1 < ncol)
            return -1; /* too few fields */
        p = e + (*e == ',');
    }
    for (int c = C_SEQ; c <= C_READ; c++)
        if (empty[c] || (c != C_IRQ && v[c] > 0xFFFFFFFFull)) /* all but irq_ns are 32-bit */
            return -1;
    memset(a, 0, sizeof(*a));
    a->seq = (uint32_t)v[C_SEQ];
    a->conn = (uint32_t)v[C_CONN];
    a->nic = (uint32_t)v[C_NIC];
    a->irq_ns = v[C_IRQ];
    a->readable = (uint32_t)v[C_READ];
    a->added = u32_or_none(v[C_ADD], empty[C_ADD]);
    a->want = u32_or_none(v[C_WANT], empty[C_WANT]);
    a->srtt_us = u32_or_none(v[C_SRTT], empty[C_SRTT]);
    a->ooo_bytes = u32_or_none(v[C_OOO], empty[C_OOO]);
    a->rttvar_us = u32_or_none(v[C_RTTVAR], empty[C_RTTVAR]);
    /* Absolute times back to deltas from the interrupt time, as on the wire. */
    a->pred_d = empty[C_PRED] ? P2P_NONE : p2p_delta(a->irq_ns, v[C_PRED]);
    a->now_d = empty[C_NOW] ? P2P_NONE : p2p_delta(a->irq_ns, v[C_NOW]);
    if (!empty[C_VER] && (v[C_VER] < P2P_VERSION_MIN || v[C_VER] > P2P_VERSION))
        return -1;
    a->version = empty[C_VER] ? 1 : (uint8_t)v[C_VER];
    a->view_known = a->version >= 2 && !empty[C_ASKED];
    if (a->view_known) {
        if (v[C_ASKED] > 1 || v[C_HOLE] > 1 || v[C_INFL] > 1 || v[C_SKEW] > 0xFFFFFFFFull ||
            v[C_HAGE] > 0xFFFFFFFFull)
            return -1;
        a->asked = v[C_ASKED] != 0;
        a->hole = v[C_HOLE] != 0;
        a->in_flight = v[C_INFL] != 0;
        a->skew_us = (uint32_t)v[C_SKEW];
        a->hole_age_ns = empty[C_HAGE] ? 0 : (uint32_t)v[C_HAGE];
    }
    return 0;
}

int trace_csv_parse(FILE *f, struct p2p_arrival **rows, size_t *n, char *err, size_t errlen)
{
    *rows = NULL;
    *n = 0;
    char line[1024];
    int at[C_N], ncol = 0, rc = -1;
    size_t cap = 0, lineno = 1;
    if (fgets(line, sizeof line, f) == NULL) {
        snprintf(err, errlen, "empty input");
        return -1;
    }
    /* Header: map each column to its field; unknown columns are skipped. */
    int found[C_N] = {0};
    for (char *tok = strtok(line, ",\r\n"); tok != NULL && ncol < C_N;
         tok = strtok(NULL, ",\r\n")) {
        at[ncol] = -1;
        for (int c = 0; c < C_N; c++)
            if (strcmp(tok, names[c]) == 0) {
                at[ncol] = c;
                found[c] = 1;
            }
        ncol++;
    }
    for (int c = 0; c < V1_COLS; c++)
        if (!found[c]) {
            snprintf(err, errlen, "no column %s", names[c]);
            goto out;
        }
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            struct p2p_arrival *r = realloc(*rows, nc * sizeof(*r));
            if (r == NULL) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            *rows = r;
            cap = nc;
        }
        if (parse_row(line, at, ncol, &(*rows)[*n]) != 0) {
            snprintf(err, errlen, "line %zu: malformed row", lineno);
            goto out;
        }
        (*n)++;
    }
    rc = 0;
    if (ferror(f)) {
        snprintf(err, errlen, "read error");
        rc = -1;
    }
out:
    if (rc != 0) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

int trace_csv_read(const char *path, struct p2p_arrival **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "trace_csv: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char err[128] = "";
    int rc = trace_csv_parse(f, rows, n, err, sizeof err);
    fclose(f);
    if (rc != 0)
        fprintf(stderr, "trace_csv: %s: %s\n", path, err);
    return rc;
}

/* profile.c: parser for link profiles: "[downlink]"/"[uplink]"/"[both]" blocks of tc-netem clauses.
 */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textfile.h"
#include "units.h"

#define MAX_TOKENS 64

void prof_dir_init(struct prof_dir *d)
{
    memset(d, 0, sizeof(*d));
    d->limit = PROF_DEFAULT_LIMIT;
}

void prof_init(struct profile *p)
{
    prof_dir_init(&p->dir[PROF_DOWN]);
    prof_dir_init(&p->dir[PROF_UP]);
}

void prof_dir_free(struct prof_dir *d)
{
    if (d->trace != NULL) {
        trace_free(d->trace);
        free(d->trace);
        d->trace = NULL;
    }
}

void prof_free(struct profile *p)
{
    prof_dir_free(&p->dir[PROF_DOWN]);
    prof_dir_free(&p->dir[PROF_UP]);
}

int prof_dir_copy(struct prof_dir *dst, const struct prof_dir *src)
{
    *dst = *src;
    dst->trace = NULL;
    if (src->trace == NULL)
        return 0;
    dst->trace = calloc(1, sizeof(*dst->trace));
    if (dst->trace == NULL)
        return -1;
    dst->trace->ms = malloc(src->trace->n * sizeof(uint64_t));
    if (dst->trace->ms == NULL) {
        free(dst->trace);
        dst->trace = NULL;
        return -1;
    }
    memcpy(dst->trace->ms, src->trace->ms, src->trace->n * sizeof(uint64_t));
    dst->trace->n = src->trace->n;
    dst->trace->period_ms = src->trace->period_ms;
    return 0;
}

/* Cursor over one line's tokens; errors name the token. */
struct toks {
    char *t[MAX_TOKENS];
    int n, i;
    char *err;
    size_t errlen;
    const char *basedir;
};

static int fail(struct toks *k, const char *what, const char *why)
{
    snprintf(k->err, k->errlen, "%s: %s", what, why);
    return -1;
}

static const char *peek(struct toks *k)
{
    return k->i < k->n ? k->t[k->i] : NULL;
}

/* Is the next token a value (starts with a digit) rather than the next keyword? */
static int next_is_value(struct toks *k)
{
    const char *s = peek(k);
    return s != NULL && ((s[0] >= '0' && s[0] <= '9') || s[0] == '.' || s[0] == '-');
}

static int need_value(struct toks *k, const char *what)
{
    if (!next_is_value(k))
        return fail(k, what, "missing value");
    return 0;
}

static int get_time(struct toks *k, const char *what, int64_t *v)
{
    const char *why;
    if (need_value(k, what))
        return -1;
    if (units_time_ns(k->t[k->i], v, &why) != 0)
        return fail(k, what, why);
    k->i++;
    return 0;
}

static int get_pct(struct toks *k, const char *what, uint32_t *v)
{
    const char *why;
    if (need_value(k, what))
        return -1;
    if (units_percent(k->t[k->i], v, &why) != 0)
        return fail(k, what, why);
    k->i++;
    return 0;
}

static int get_int(struct toks *k, const char *what, int64_t lo, int64_t hi, int64_t *v)
{
    const char *why;
    if (need_value(k, what))
        return -1;
    if (units_int(k->t[k->i], lo, hi, v, &why) != 0)
        return fail(k, what, why);
    k->i++;
    return 0;
}

/* delay TIME [JITTER [CORR%]] [distribution NAME] (tc-netem(8)). */
static int c_delay(struct toks *k, struct prof_dir *d)
{
    if (get_time(k, "delay", &d->delay_ns))
        return -1;
    d->jitter_ns = 0;
    d->delay_corr = 0;
    if (next_is_value(k)) {
        if (get_time(k, "delay jitter", &d->jitter_ns))
            return -1;
        /* netem keeps jitter in an s32 of ns (struct netem_sched_data.jitter is s64 but
         * tabledist() takes s32 sigma) */
        if (d->jitter_ns > INT32_MAX)
            return fail(k, "delay jitter", "jitter above 2.147s is not representable by netem");
        if (next_is_value(k) && get_pct(k, "delay correlation", &d->delay_corr))
            return -1;
    }
    return 0;
}

static int c_distribution(struct toks *k, struct prof_dir *d)
{
    const char *s = peek(k);
    if (s == NULL)
        return fail(k, "distribution", "missing name (uniform, normal, pareto, paretonormal)");
    int kind = dist_from_name(s);
    if (kind < 0)
        return fail(k, "distribution", "unknown (uniform, normal, pareto, paretonormal)");
    d->dist = (enum dist_kind)kind;
    k->i++;
    return 0;
}

static int c_loss(struct toks *k, struct prof_dir *d)
{
    const char *s = peek(k);
    if (s == NULL)
        return fail(k, "loss", "missing model or probability");
    if (!strcmp(s, "random") || next_is_value(k)) {
        if (!strcmp(s, "random"))
            k->i++;
        d->loss = LOSS_RANDOM;
        d->loss_corr = 0;
        if (get_pct(k, "loss random", &d->loss_p))
            return -1;
        if (next_is_value(k) && get_pct(k, "loss correlation", &d->loss_corr))
            return -1;
        if (d->loss_p == 0)
            d->loss = LOSS_NONE;
        return 0;
    }
    if (!strcmp(s, "gemodel")) {
        /* loss gemodel p [r [1-h [1-k]]]; defaults r = 1-p, 1-h = 100%, 1-k = 0%
         * (iproute2 tc/q_netem.c): with only p given it is Bernoulli loss of rate p. */
        k->i++;
        d->loss = LOSS_GEMODEL;
        if (get_pct(k, "loss gemodel p", &d->ge_p))
            return -1;
        d->ge_r = UINT32_MAX - d->ge_p;
        d->ge_1h = UINT32_MAX;
        d->ge_1k = 0;
        if (next_is_value(k) && get_pct(k, "loss gemodel r", &d->ge_r))
            return -1;
        if (next_is_value(k) && get_pct(k, "loss gemodel 1-h", &d->ge_1h))
            return -1;
        if (next_is_value(k) && get_pct(k, "loss gemodel 1-k", &d->ge_1k))
            return -1;
        return 0;
    }
    if (!strcmp(s, "state")) {
        /* loss state p13 [p31 [p32 [p23 [p14]]]]; defaults p31 = 1-p13, p32 = 0, p23 = 1,
         * p14 = 0 (iproute2 tc/q_netem.c), i.e. Bernoulli loss of rate p13. */
        k->i++;
        d->loss = LOSS_STATE;
        if (get_pct(k, "loss state p13", &d->p13))
            return -1;
        d->p31 = UINT32_MAX - d->p13;
        d->p32 = 0;
        d->p23 = UINT32_MAX;
        d->p14 = 0;
        if (next_is_value(k) && get_pct(k, "loss state p31", &d->p31))
            return -1;
        if (next_is_value(k) && get_pct(k, "loss state p32", &d->p32))
            return -1;
        if (next_is_value(k) && get_pct(k, "loss state p23", &d->p23))
            return -1;
        if (next_is_value(k) && get_pct(k, "loss state p14", &d->p14))
            return -1;
        return 0;
    }
    return fail(k, "loss", "unknown model (random, gemodel, state)");
}

/* rate RATE [PACKETOVERHEAD [CELLSIZE [CELLOVERHEAD]]] (tc-netem(8)). */
static int c_rate(struct toks *k, struct prof_dir *d)
{
    const char *why;
    if (need_value(k, "rate"))
        return -1;
    if (units_rate_Bps(k->t[k->i], &d->rate_Bps, &why) != 0)
        return fail(k, "rate", why);
    k->i++;
    d->pkt_overhead = 0;
    d->cell_size = 0;
    d->cell_overhead = 0;
    int64_t v;
    if (next_is_value(k)) {
        if (get_int(k, "rate packet overhead", -65535, 65535, &v))
            return -1;
        d->pkt_overhead = (int32_t)v;
        if (next_is_value(k)) {
            if (get_int(k, "rate cell size", 0, 65535, &v))
                return -1;
            d->cell_size = (uint32_t)v;
            if (next_is_value(k)) {
                if (get_int(k, "rate cell overhead", -65535, 65535, &v))
                    return -1;
                d->cell_overhead = (int32_t)v;
            }
        }
    }
    return 0;
}

static int c_limit(struct toks *k, struct prof_dir *d)
{
    int64_t v;
    if (get_int(k, "limit", 1, 1000000, &v))
        return -1;
    d->limit = (uint32_t)v;
    return 0;
}

static int c_gap(struct toks *k, struct prof_dir *d)
{
    int64_t v;
    if (get_int(k, "gap", 1, 1000000, &v))
        return -1;
    d->gap = (uint32_t)v;
    return 0;
}

/* reorder P% [CORR%] [gap N]; tc sets gap 1 when reorder is given without one. */
static int c_reorder(struct toks *k, struct prof_dir *d)
{
    if (get_pct(k, "reorder", &d->reorder_p))
        return -1;
    d->reorder_corr = 0;
    if (next_is_value(k) && get_pct(k, "reorder correlation", &d->reorder_corr))
        return -1;
    if (d->gap == 0)
        d->gap = 1;
    return 0;
}

static int c_prob_corr(struct toks *k, const char *what, uint32_t *p, uint32_t *corr)
{
    if (get_pct(k, what, p))
        return -1;
    *corr = 0;
    if (next_is_value(k) && get_pct(k, what, corr))
        return -1;
    return 0;
}

/* slot MIN [MAX] [packets N] [bytes B] (tc-netem(8), TCA_NETEM_SLOT). */
static int c_slot(struct toks *k, struct prof_dir *d)
{
    const char *s = peek(k);
    if (s != NULL && !strcmp(s, "distribution"))
        return fail(k, "slot", "'slot distribution' is not supported; use slot MIN MAX");
    if (get_time(k, "slot min", &d->slot_min_ns))
        return -1;
    d->slot_max_ns = d->slot_min_ns;
    if (next_is_value(k) && get_time(k, "slot max", &d->slot_max_ns))
        return -1;
    if (d->slot_max_ns < d->slot_min_ns)
        return fail(k, "slot", "max is below min");
    d->slot_packets = 0;
    d->slot_bytes = 0;
    for (;;) {
        s = peek(k);
        int64_t v;
        if (s != NULL && !strcmp(s, "packets")) {
            k->i++;
            if (get_int(k, "slot packets", 1, INT32_MAX, &v))
                return -1;
            d->slot_packets = (int32_t)v;
        } else if (s != NULL && !strcmp(s, "bytes")) {
            k->i++;
            if (get_int(k, "slot bytes", 1, INT32_MAX, &v))
                return -1;
            d->slot_bytes = (int32_t)v;
        } else {
            break;
        }
    }
    d->slot = true;
    return 0;
}

/* trace FILE: Mahimahi delivery-opportunity trace (replaces rate). */
static int c_trace(struct toks *k, struct prof_dir *d)
{
    const char *s = peek(k);
    if (s == NULL)
        return fail(k, "trace", "missing file name");
    char path[512];
    int n;
    if (s[0] == '/' || k->basedir == NULL)
        n = snprintf(path, sizeof(path), "%s", s);
    else
        n = snprintf(path, sizeof(path), "%s/%s", k->basedir, s);
    if (n < 0 || (size_t)n >= sizeof(path))
        return fail(k, "trace", "path too long");
    struct trace *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return fail(k, "trace", "out of memory");
    char why[600];
    if (trace_load(path, t, why, sizeof(why)) != 0) {
        free(t);
        return fail(k, "trace", why);
    }
    prof_dir_free(d);
    d->trace = t;
    snprintf(d->trace_path, sizeof(d->trace_path), "%s", path);
    k->i++;
    return 0;
}

/* Parses one line's clauses into d. */
static int apply_tokens(struct toks *k, struct prof_dir *d)
{
    while (k->i < k->n) {
        const char *kw = k->t[k->i++];
        int rc;
        if (!strcmp(kw, "delay"))
            rc = c_delay(k, d);
        else if (!strcmp(kw, "distribution"))
            rc = c_distribution(k, d);
        else if (!strcmp(kw, "loss") || !strcmp(kw, "drop"))
            rc = c_loss(k, d);
        else if (!strcmp(kw, "rate"))
            rc = c_rate(k, d);
        else if (!strcmp(kw, "limit"))
            rc = c_limit(k, d);
        else if (!strcmp(kw, "reorder"))
            rc = c_reorder(k, d);
        else if (!strcmp(kw, "gap"))
            rc = c_gap(k, d);
        else if (!strcmp(kw, "duplicate"))
            rc = c_prob_corr(k, "duplicate", &d->dup_p, &d->dup_corr);
        else if (!strcmp(kw, "corrupt"))
            rc = c_prob_corr(k, "corrupt", &d->corrupt_p, &d->corrupt_corr);
        else if (!strcmp(kw, "slot"))
            rc = c_slot(k, d);
        else if (!strcmp(kw, "trace"))
            rc = c_trace(k, d);
        else {
            snprintf(k->err, k->errlen, "unknown keyword '%.40s'", kw);
            return -1;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Splits a line in place at blanks; a '#' starts a comment. */
static int tokenize(char *line, struct toks *k)
{
    k->n = 0;
    k->i = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == '\0' || *p == '#')
            return 0;
        if (k->n == MAX_TOKENS) {
            snprintf(k->err, k->errlen, "more than %d words on one line", MAX_TOKENS);
            return -1;
        }
        k->t[k->n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#')
            p++;
        if (*p == '#') {
            *p = '\0';
            return 0;
        }
        if (*p)
            *p++ = '\0';
    }
}

int prof_validate(const struct prof_dir *d, char *err, size_t errlen)
{
    /* tc refuses reordering without delay: with no delay nothing can overtake. */
    if (d->reorder_p != 0 && d->delay_ns == 0) {
        snprintf(err, errlen, "reorder needs a delay (tc-netem(8))");
        return -1;
    }
    if (d->trace != NULL && d->rate_Bps != 0) {
        snprintf(err, errlen, "trace and rate are exclusive: a trace is the rate");
        return -1;
    }
    if (d->jitter_ns > d->delay_ns && d->dist == DIST_UNIFORM && d->jitter_ns != 0) {
        /* allowed by netem (negative delays clamp to 0) but worth refusing: it silently
         * skews the mean */
        snprintf(err, errlen, "jitter larger than delay skews the mean (negative delays clamp)");
        return -1;
    }
    return 0;
}

int prof_apply_line(struct prof_dir *d, const char *line, const char *basedir, char *err,
                    size_t errlen)
{
    char buf[1024];
    if (strlen(line) >= sizeof(buf)) {
        snprintf(err, errlen, "line too long");
        return -1;
    }
    memcpy(buf, line, strlen(line) + 1);
    struct toks k = {.err = err, .errlen = errlen, .basedir = basedir};
    if (tokenize(buf, &k) != 0 || apply_tokens(&k, d) != 0)
        return -1;
    return prof_validate(d, err, errlen);
}

int prof_parse(const char *text, size_t len, const char *name, const char *basedir,
               struct profile *p, char *err, size_t errlen)
{
    prof_init(p);
    /* Which directions the current block applies to: before any header, both. */
    bool to[2] = {true, true};
    size_t line = 0, pos = 0;
    char why[700];
    while (pos < len) {
        size_t start = pos;
        while (pos < len && text[pos] != '\n')
            pos++;
        size_t l = pos - start;
        pos++;
        line++;
        char buf[1024];
        if (l >= sizeof(buf)) {
            snprintf(err, errlen, "%s:%zu: line longer than %zu bytes", name, line,
                     sizeof(buf) - 1);
            goto fail;
        }
        memcpy(buf, text + start, l);
        buf[l] = '\0';
        if (memchr(buf, '\0', l) != NULL) {
            snprintf(err, errlen, "%s:%zu: NUL byte in text", name, line);
            goto fail;
        }
        struct toks k = {.err = why, .errlen = sizeof(why), .basedir = basedir};
        if (tokenize(buf, &k) != 0) {
            snprintf(err, errlen, "%s:%zu: %s", name, line, why);
            goto fail;
        }
        if (k.n == 0)
            continue;
        if (k.t[0][0] == '[') {
            if (k.n != 1) {
                snprintf(err, errlen, "%s:%zu: a block header stands alone on its line", name,
                         line);
                goto fail;
            }
            if (!strcmp(k.t[0], "[downlink]")) {
                to[PROF_DOWN] = true;
                to[PROF_UP] = false;
            } else if (!strcmp(k.t[0], "[uplink]")) {
                to[PROF_DOWN] = false;
                to[PROF_UP] = true;
            } else if (!strcmp(k.t[0], "[both]")) {
                to[PROF_DOWN] = to[PROF_UP] = true;
            } else {
                snprintf(err, errlen,
                         "%s:%zu: unknown block '%.40s' ([downlink], [uplink], [both])", name, line,
                         k.t[0]);
                goto fail;
            }
            continue;
        }
        for (int dir = 0; dir < 2; dir++) {
            if (!to[dir])
                continue;
            k.i = 0;
            if (apply_tokens(&k, &p->dir[dir]) != 0) {
                snprintf(err, errlen, "%s:%zu: %s", name, line, why);
                goto fail;
            }
        }
    }
    for (int dir = 0; dir < 2; dir++) {
        if (prof_validate(&p->dir[dir], why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s: %s: %s", name, dir == PROF_DOWN ? "downlink" : "uplink",
                     why);
            goto fail;
        }
    }
    return 0;
fail:
    prof_free(p);
    prof_init(p);
    return -1;
}

int prof_load(const char *path, struct profile *p, char *err, size_t errlen)
{
    prof_init(p);
    char *text = NULL;
    size_t len = 0;
    char why[300];
    if (textfile_read(path, 1u << 20, &text, &len, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    const char *base = NULL;
    if (slash != NULL) {
        *slash = '\0';
        base = dir[0] ? dir : "/";
    }
    int rc = prof_parse(text, len, path, base, p, err, errlen);
    free(text);
    return rc;
}

int prof_add_delay(struct prof_dir *d, int64_t extra_ns, char *err, size_t errlen)
{
    if (extra_ns < 0 || d->delay_ns > INT64_MAX / 2 - extra_ns) {
        snprintf(err, errlen, "extra delay out of range");
        return -1;
    }
    d->delay_ns += extra_ns;
    return 0;
}

/* 1-(1-a)(1-b) on tc's probability scale. */
static uint32_t p_union(uint32_t a, uint32_t b)
{
    double x = units_p_to_double(a), y = units_p_to_double(b);
    return units_p_from_double(1.0 - (1.0 - x) * (1.0 - y));
}

int prof_add_loss(struct prof_dir *d, uint32_t extra_p, char *err, size_t errlen)
{
    if (extra_p == 0)
        return 0;
    switch (d->loss) {
    case LOSS_NONE:
        d->loss = LOSS_RANDOM;
        d->loss_p = extra_p;
        d->loss_corr = 0;
        return 0;
    case LOSS_RANDOM:
        d->loss_p = p_union(d->loss_p, extra_p);
        return 0;
    case LOSS_GEMODEL:
        d->ge_1h = p_union(d->ge_1h, extra_p);
        d->ge_1k = p_union(d->ge_1k, extra_p);
        return 0;
    case LOSS_STATE:
        break;
    }
    snprintf(err, errlen, "extra loss cannot compose with a 4-state loss model; use --set");
    return -1;
}

static void fmt_pct(char *b, size_t n, uint32_t p)
{
    snprintf(b, n, "%.10f%%", units_p_to_double(p) * 100.0);
}

void prof_format(const struct prof_dir *d, char *buf, size_t len)
{
    char a[32], b[32], c[32], e[32], f[32];
    size_t o = 0;
#define OUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__);                            \
        if (w_ > 0)                                                                                \
            o += (size_t)w_;                                                                       \
    } while (0)
    if (len == 0)
        return;
    buf[0] = '\0';
    fmt_pct(a, sizeof(a), d->delay_corr);
    OUT("delay %lldns %lldns %s distribution %s", (long long)d->delay_ns, (long long)d->jitter_ns,
        a, dist_name(d->dist));
    switch (d->loss) {
    case LOSS_NONE:
        break;
    case LOSS_RANDOM:
        fmt_pct(a, sizeof(a), d->loss_p);
        fmt_pct(b, sizeof(b), d->loss_corr);
        OUT(" loss random %s %s", a, b);
        break;
    case LOSS_GEMODEL:
        fmt_pct(a, sizeof(a), d->ge_p);
        fmt_pct(b, sizeof(b), d->ge_r);
        fmt_pct(c, sizeof(c), d->ge_1h);
        fmt_pct(e, sizeof(e), d->ge_1k);
        OUT(" loss gemodel %s %s %s %s", a, b, c, e);
        break;
    case LOSS_STATE:
        fmt_pct(a, sizeof(a), d->p13);
        fmt_pct(b, sizeof(b), d->p31);
        fmt_pct(c, sizeof(c), d->p32);
        fmt_pct(e, sizeof(e), d->p23);
        fmt_pct(f, sizeof(f), d->p14);
        OUT(" loss state %s %s %s %s %s", a, b, c, e, f);
        break;
    }
    if (d->rate_Bps)
        OUT(" rate %llubps %d %u %d", (unsigned long long)d->rate_Bps, d->pkt_overhead,
            d->cell_size, d->cell_overhead);
    if (d->trace)
        OUT(" trace %s", d->trace_path);
    OUT(" limit %u", d->limit);
    if (d->reorder_p) {
        fmt_pct(a, sizeof(a), d->reorder_p);
        fmt_pct(b, sizeof(b), d->reorder_corr);
        OUT(" reorder %s %s gap %u", a, b, d->gap);
    } else if (d->gap) {
        OUT(" gap %u", d->gap);
    }
    if (d->dup_p) {
        fmt_pct(a, sizeof(a), d->dup_p);
        OUT(" duplicate %s", a);
    }
    if (d->corrupt_p) {
        fmt_pct(a, sizeof(a), d->corrupt_p);
        OUT(" corrupt %s", a);
    }
    if (d->slot) {
        OUT(" slot %lldns %lldns", (long long)d->slot_min_ns, (long long)d->slot_max_ns);
        if (d->slot_packets)
            OUT(" packets %d", d->slot_packets);
        if (d->slot_bytes)
            OUT(" bytes %d", d->slot_bytes);
    }
#undef OUT
}

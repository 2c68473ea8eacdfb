/* report.c: turns the per-request records into requests.csv and the machine-readable summaries. */
#include "report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

int report_totals(const struct run_result *r, struct report_totals *t)
{
    memset(t, 0, sizeof(*t));
    uint64_t n = r->nreqs ? r->nreqs : 1;
    int64_t *lat = malloc(n * sizeof(*lat)), *se = malloc(n * sizeof(*se));
    if (lat == NULL || se == NULL) {
        free(lat);
        free(se);
        return -1;
    }
    size_t nl = 0, ns = 0;
    for (uint64_t i = 0; i < r->nreqs; i++) {
        const struct req *q = &r->reqs[i];
        t->by_status[q->status < RS_COUNT ? q->status : RS_PENDING]++;
        if (q->status != RS_OK)
            t->errors++;
        if (q->warmup)
            continue;
        t->measured++;
        if (q->actual >= 0) {
            t->sent_measured++;
            se[ns++] = q->actual - q->intended;
        }
        /* Late answers (timeout class) are real latency: leaving them out would flatter P99. */
        if (q->done >= 0 && (q->status == RS_OK || q->status == RS_TIMEOUT))
            lat[nl++] = q->done - q->intended;
    }
    int64_t w = r->gen_end_ns - r->measure_start_ns;
    t->window_s = w > 0 ? (double)w / 1e9 : 0.0;
    if (t->window_s > 0) {
        t->achieved_rate = (double)t->sent_measured / t->window_s;
        t->completed_rate = (double)nl / t->window_s;
    }
    stats_summarize(lat, nl, &t->latency);
    stats_summarize(se, ns, &t->send_err);
    free(lat);
    free(se);
    return 0;
}

FILE *report_open(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fprintf(stderr, "hostgen: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static int close_checked(FILE *f, const char *name)
{
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "hostgen: writing %s failed\n", name);
        return -1;
    }
    return 0;
}

static int write_requests(const char *dir, const struct run_result *r)
{
    FILE *f = report_open(dir, "requests.csv");
    if (f == NULL)
        return -1;
    static char big[1 << 20];
    setvbuf(f, big, _IOFBF, sizeof(big));
    fputs("id,conn,intended_ns,actual_ns,done_ns,latency_ns,send_err_ns,req_bytes,resp_bytes,"
          "status,warmup,mismatched_bytes\n",
          f);
    for (uint64_t i = 0; i < r->nreqs; i++) {
        const struct req *q = &r->reqs[i];
        fprintf(f, "%llu,%u,%lld,", (unsigned long long)i, q->conn, (long long)q->intended);
        if (q->actual >= 0)
            fprintf(f, "%lld,", (long long)q->actual);
        else
            fputs(",", f);
        if (q->done >= 0)
            fprintf(f, "%lld,%lld,", (long long)q->done, (long long)(q->done - q->intended));
        else
            fputs(",,", f);
        if (q->actual >= 0)
            fprintf(f, "%lld,", (long long)(q->actual - q->intended));
        else
            fputs(",", f);
        fprintf(f, "%u,%u,%s,%u,%u\n", q->req_len, q->resp_len,
                req_status_name((enum req_status)q->status), q->warmup, q->mismatched_bytes);
    }
    return close_checked(f, "requests.csv");
}

static void json_stats(FILE *f, const char *name, const struct stats_summary *s, bool last)
{
    fprintf(f, "  \"%s\": {\"n\": %zu", name, s->n);
    if (s->n > 0) {
        fprintf(f,
                ", \"min\": %lld, \"mean\": %.1f, \"p50\": %lld, \"p90\": %lld, \"p99\": %lld, "
                "\"p999\": %lld, \"max\": %lld",
                (long long)s->min, s->mean, (long long)s->p50, (long long)s->p90, (long long)s->p99,
                (long long)s->p999, (long long)s->max);
        if (s->p99_ci)
            fprintf(f, ", \"p99_ci95_lo\": %lld, \"p99_ci95_hi\": %lld", (long long)s->p99_lo,
                    (long long)s->p99_hi);
        else
            fputs(", \"p99_ci95_lo\": null, \"p99_ci95_hi\": null", f);
    }
    fprintf(f, "}%s\n", last ? "" : ",");
}

/* The reason string is ours (fixed texts), so it needs no JSON escaping beyond quotes. */
static int write_json(const struct hg_opts *o, const struct run_result *r,
                      const struct report_totals *t)
{
    FILE *f = report_open(o->out, "summary.json");
    if (f == NULL)
        return -1;
    char srv[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &o->server, srv, sizeof(srv)) == NULL)
        snprintf(srv, sizeof(srv), "?");
    fprintf(f, "{\n  \"format\": \"hostgen-summary-1\",\n");
    fprintf(f, "  \"transport\": \"%s\", \"server\": \"%s:%u\", \"conns\": %u,\n",
            o->tcp ? "tcp" : "mptcp", srv, o->port, o->conns);
    fprintf(f,
            "  \"mode\": \"%s\", \"arrival\": \"%s\", \"target_rate\": %.3f, "
            "\"closed_outstanding\": %u,\n",
            o->closed ? "closed" : "open", o->closed ? "none" : arrival_name(o->arrival), o->rate,
            o->closed);
    fprintf(f,
            "  \"req_mean_bytes\": %.1f, \"resp_mean_bytes\": %.1f, \"seed\": %llu, "
            "\"warmup_s\": %.6f, \"duration_s\": %.6f, \"requests_planned\": %llu,\n",
            dist_mean(&o->req_size), dist_mean(&o->resp_size), (unsigned long long)o->seed,
            o->warmup_s, o->duration_s, (unsigned long long)o->requests);
    /* Peak RSS so far (getrusage ru_maxrss, KiB on Linux): the memory cost of the records. */
    struct rusage ru;
    long max_rss = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
    fprintf(f, "  \"timer_late_p90_ns\": %lld, \"spin_ns\": %lld, \"max_rss_kib\": %ld,\n",
            (long long)r->timer_late_p90_ns, (long long)r->spin_ns, max_rss);
    fprintf(f,
            "  \"realtime_offset_ns\": %lld, \"start_ns\": %lld, \"measure_start_ns\": %lld, "
            "\"gen_end_ns\": %lld, \"end_ns\": %lld, \"window_s\": %.6f,\n",
            (long long)r->realtime_offset_ns, (long long)r->start_ns,
            (long long)r->measure_start_ns, (long long)r->gen_end_ns, (long long)r->end_ns,
            t->window_s);
    fprintf(f,
            "  \"requests_total\": %llu, \"requests_measured\": %llu, \"sent_measured\": %llu, "
            "\"achieved_rate\": %.3f, \"completed_rate\": %.3f,\n",
            (unsigned long long)r->nreqs, (unsigned long long)t->measured,
            (unsigned long long)t->sent_measured, t->achieved_rate, t->completed_rate);
    fprintf(f,
            "  \"errors\": {\"total\": %llu, \"timeout\": %llu, \"reset\": %llu, "
            "\"mismatch\": %llu, \"noconn\": %llu, \"connect_failure\": %u, "
            "\"fallback\": %u, \"conns_lost\": %u},\n",
            (unsigned long long)t->errors, (unsigned long long)t->by_status[RS_TIMEOUT],
            (unsigned long long)t->by_status[RS_RESET],
            (unsigned long long)t->by_status[RS_MISMATCH],
            (unsigned long long)t->by_status[RS_NOCONN], r->connect_failures, r->fallback_conns,
            r->conns_lost);
    fprintf(f, "  \"mismatched_bytes\": %llu, \"conns_ok\": %u, \"max_subflows\": %u,\n",
            (unsigned long long)r->bytes_mismatched, r->conns_ok, r->max_subflows);
    fprintf(f,
            "  \"pm_events\": {\"total\": %llu, \"sub_established\": %llu, "
            "\"sub_closed\": %llu},\n",
            (unsigned long long)r->pm_events, (unsigned long long)r->sub_established,
            (unsigned long long)r->sub_closed);
    fputs("  \"paths\": [", f);
    for (unsigned i = 0; i < r->npaths; i++) {
        const struct path_bytes *p = &r->paths[i];
        fprintf(f,
                "%s\n    {\"local\": \"%s\", \"remote\": \"%s\", \"subflows\": %u, "
                "\"bytes_acked\": %llu, \"bytes_received\": %llu, \"bytes_sent\": %llu, "
                "\"retrans\": %llu}",
                i ? "," : "", p->local, p->remote, p->subflows, (unsigned long long)p->bytes_acked,
                (unsigned long long)p->bytes_received, (unsigned long long)p->bytes_sent,
                (unsigned long long)p->retrans);
    }
    fputs("],\n", f);
    json_stats(f, "latency_ns", &t->latency, false);
    json_stats(f, "send_error_ns", &t->send_err, false);
    fprintf(f, "  \"partial\": %s, \"partial_reason\": \"%s\"\n}\n", r->partial ? "true" : "false",
            r->partial_reason);
    return close_checked(f, "summary.json");
}

static int write_csv(const struct hg_opts *o, const struct run_result *r,
                     const struct report_totals *t)
{
    FILE *f = report_open(o->out, "summary.csv");
    if (f == NULL)
        return -1;
    const struct stats_summary *l = &t->latency, *s = &t->send_err;
    fputs("transport,mode,arrival,target_rate,achieved_rate,completed_rate,conns,seed,warmup_s,"
          "requests,measured,p50_ns,p90_ns,p99_ns,p99_ci_lo_ns,p99_ci_hi_ns,p999_ns,max_ns,"
          "send_err_p50_ns,send_err_p99_ns,send_err_p999_ns,send_err_max_ns,errors,timeout,"
          "reset,mismatch,noconn,connect_failures,fallback_conns,max_subflows,subflow_bytes,"
          "partial,partial_reason\n",
          f);
    fprintf(f, "%s,%s,%s,%.3f,%.3f,%.3f,%u,%llu,%.6f,%llu,%llu,", o->tcp ? "tcp" : "mptcp",
            o->closed ? "closed" : "open", o->closed ? "none" : arrival_name(o->arrival), o->rate,
            t->achieved_rate, t->completed_rate, o->conns, (unsigned long long)o->seed, o->warmup_s,
            (unsigned long long)r->nreqs, (unsigned long long)t->measured);
    if (l->n)
        fprintf(f, "%lld,%lld,%lld,", (long long)l->p50, (long long)l->p90, (long long)l->p99);
    else
        fputs(",,,", f);
    if (l->p99_ci)
        fprintf(f, "%lld,%lld,", (long long)l->p99_lo, (long long)l->p99_hi);
    else
        fputs(",,", f);
    if (l->n)
        fprintf(f, "%lld,%lld,", (long long)l->p999, (long long)l->max);
    else
        fputs(",,", f);
    if (s->n)
        fprintf(f, "%lld,%lld,%lld,%lld,", (long long)s->p50, (long long)s->p99, (long long)s->p999,
                (long long)s->max);
    else
        fputs(",,,,", f);
    fprintf(
        f, "%llu,%llu,%llu,%llu,%llu,%u,%u,%u,", (unsigned long long)t->errors,
        (unsigned long long)t->by_status[RS_TIMEOUT], (unsigned long long)t->by_status[RS_RESET],
        (unsigned long long)t->by_status[RS_MISMATCH], (unsigned long long)t->by_status[RS_NOCONN],
        r->connect_failures, r->fallback_conns, r->max_subflows);
    for (unsigned i = 0; i < r->npaths; i++)
        fprintf(f, "%s%s>%s=%llu/%llu", i ? ";" : "", r->paths[i].local, r->paths[i].remote,
                (unsigned long long)r->paths[i].bytes_acked,
                (unsigned long long)r->paths[i].bytes_received);
    fprintf(f, ",%d,%s\n", r->partial, r->partial_reason);
    return close_checked(f, "summary.csv");
}

int report_write(const struct hg_opts *o, const struct run_result *r, const struct report_totals *t)
{
    int rc = write_requests(o->out, r);
    rc |= write_json(o, r, t);
    rc |= write_csv(o, r, t);
    return rc;
}

/* p2pdec.c: build/com2dec: decodes the guest's COM2 p2p records (docs/records.md) into CSV. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/p2pdec_parse.h"
#include "tools/p2pdec_replay.h"

static const char usage[] =
    "usage: com2dec [--strict] [--summary FILE] [--arrivals FILE] [--replay] COM2_FILE|-\n"
    "  writes one CSV row per request record to stdout (columns: docs/records.md section 3)\n"
    "  and key=value totals to stderr (or FILE). --strict: exit 1 when any record is missing,\n"
    "  duplicated, garbled, or the guest reported ring overflow. --arrivals: ARRIVAL records\n"
    "  (guest key arrivals=1) as CSV, the predictor's input trace (docs/divsa.md).\n"
    "  --replay: replays the ARRIVAL records through the host build of the predictor, adds\n"
    "  replay_* totals, and exits 1 when a recorded prediction is not reproduced.\n";

/* --arrivals columns; the first twelve are those of version 1, the view follows. */
#define ARRIVAL_HDR                                                                                \
    "seq,conn,subflow,irq_ns,readable,added,want,srtt_us,ooo_bytes,pred_ns,now_ns,rttvar_us,"      \
    "version,asked,hole,in_flight,skew_us,hole_since_ns,hole_age_ns"

/* klib's panic() for the shared record code: a broken invariant, never bad input. */
void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("com2dec: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

struct out {
    FILE *req, *arr;
    struct p2p_replay *rp; /* NULL without --replay */
    int rp_err;
};

/* ns, or empty when the delta was not taken. */
static void col_abs(FILE *o, uint64_t t0, uint32_t d)
{
    if (d == P2P_NONE)
        fputs(",", o);
    else
        fprintf(o, ",%" PRIu64, t0 + d);
}

/* b - a in ns (both deltas from t0), or empty. */
static void col_diff(FILE *o, uint32_t a, uint32_t b)
{
    if (a == P2P_NONE || b == P2P_NONE)
        fputs(",", o);
    else
        fprintf(o, ",%" PRId64, (int64_t)b - (int64_t)a);
}

/* A slot of an ARRIVAL record, empty when not taken. */
static void col_u32(FILE *o, uint32_t v)
{
    if (v == P2P_NONE)
        fputs(",", o);
    else
        fprintf(o, ",%" PRIu32, v);
}

/* A yes/no column of the view: empty when the record predates it (version 1: unknown). */
static void col_bool(FILE *o, bool known, bool v)
{
    if (known)
        fprintf(o, ",%d", v ? 1 : 0);
    else
        fputs(",", o);
}

/* One CSV row per ARRIVAL record, every field (docs/records.md §3, columns in ARRIVAL_HDR). */
static void on_arrival(FILE *o, const struct p2p_rec *r)
{
    struct p2p_arrival a;
    if (p2p_arrival_unpack(r, &a) != 0)
        return;
    fprintf(o, "%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu64 ",%" PRIu32, a.seq, a.conn, a.nic,
            a.irq_ns, a.readable);
    col_u32(o, a.added);
    col_u32(o, a.want);
    col_u32(o, a.srtt_us);
    col_u32(o, a.ooo_bytes);
    col_abs(o, a.irq_ns, a.pred_d);
    col_abs(o, a.irq_ns, a.now_d);
    col_u32(o, a.rttvar_us);
    bool k = a.view_known;
    fprintf(o, ",%u", (unsigned)a.version);
    col_bool(o, k, a.asked);
    col_bool(o, k, a.hole);
    col_bool(o, k, a.in_flight);
    if (k)
        fprintf(o, ",%" PRIu32, a.skew_us);
    else
        fputs(",", o);
    /* The hole's start is known only where the predictor was consulted with a hole. */
    if (k && a.asked && a.hole && a.now_d != P2P_NONE) {
        /* A saturated age (P2P_NONE: 4.29 s or older) makes this a lower bound (§2.1). */
        uint64_t now = a.irq_ns + a.now_d;
        fprintf(o, ",%" PRIu64 ",%" PRIu32, now >= a.hole_age_ns ? now - a.hole_age_ns : 0,
                a.hole_age_ns);
    } else
        fputs(",,", o);
    fputc('\n', o);
}

static void on_rec(void *arg, const struct p2p_rec *r)
{
    struct out *out = arg;
    FILE *o = out->req;
    if (r->type == P2P_T_ARRIVAL && out->arr != NULL)
        on_arrival(out->arr, r);
    struct p2p_arrival a;
    if (r->type == P2P_T_ARRIVAL && out->rp != NULL && p2p_arrival_unpack(r, &a) == 0 &&
        p2p_replay_step(out->rp, &a, NULL) != 0)
        out->rp_err = 1;
    if (r->type != P2P_T_REQUEST)
        return;
    const uint32_t *d = r->d;
    fprintf(o, "%" PRIu64 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%u,%u", r->id, r->seq, r->conn,
            r->subflow, (r->flags & P2P_F_BOOSTED) ? 1u : 0u, (r->flags & P2P_F_HOLE) ? 1u : 0u);
    fprintf(o, ",%" PRIu64, r->t0);
    for (int i = P2P_D_LAST; i <= P2P_D_PRED; i++)
        col_abs(o, r->t0, d[i]);
    col_diff(o, d[P2P_D_COMPLETE], d[P2P_D_RUN]);  /* p2p = run - completion */
    col_diff(o, d[P2P_D_LAST], d[P2P_D_COMPLETE]); /* hol = completion - last byte */
    col_diff(o, d[P2P_D_COMPLETE], d[P2P_D_WAKE]); /* sched_delay = wake - completion */
    col_diff(o, d[P2P_D_COMPLETE], d[P2P_D_PRED]); /* prediction error: predicted - actual */
    if (d[P2P_D_REPORT] == P2P_NONE)
        fputs(",", o);
    else
        fprintf(o, ",%" PRIu32, d[P2P_D_REPORT]);
    fputc('\n', o);
}

static void summary_replay(FILE *s, const struct p2p_replay *rp)
{
    fprintf(s,
            "replay_arrivals=%" PRIu64 "\nreplay_asked=%" PRIu64 "\nreplay_same=%" PRIu64
            "\nreplay_differ=%" PRIu64 "\nreplay_unknown=%" PRIu64 "\nreplay_holes=%" PRIu64
            "\nreplay_in_flight=%" PRIu64 "\n",
            rp->arrivals, rp->asked, rp->same, rp->differ, rp->unknown, rp->holes, rp->in_flight);
    if (rp->differ > 0)
        fprintf(s, "replay_first_differ_seq=%" PRIu32 "\n", rp->first_differ_seq);
}

static void summary(FILE *s, const struct p2pdec *d)
{
    fprintf(s, "records=%" PRIu64 "\nrequests=%" PRIu64 "\n", d->records, d->requests);
    fprintf(s, "seq_max=%" PRIu32 "\nseq_missing=%" PRIu64 "\nseq_dup=%" PRIu64 "\n",
            d->any_seq ? d->seq_max : 0, p2pdec_missing(d), d->seq_dup);
    fprintf(s, "bad_crc=%" PRIu64 "\nbad_version=%" PRIu64 "\ngarbage_bytes=%" PRIu64 "\n",
            d->bad_crc, d->bad_version, d->garbage_bytes);
    fprintf(s, "seq_out_of_range=%" PRIu64 "\nring_overflow=%" PRIu64 "\n", d->seq_range,
            d->loss_reported);
    double rate = 0;
    for (int i = 0; i < d->hogs; i++) {
        uint64_t dt = d->hog_t_last[i] - d->hog_t_first[i];
        double r = dt > 0 ? (double)(d->hog_w_last[i] - d->hog_w_first[i]) * 1e9 / (double)dt : 0;
        fprintf(s, "hog%d_units=%" PRIu64 "\nhog%d_units_per_s=%.1f\n", i, d->hog_w_last[i], i, r);
        rate += r;
    }
    fprintf(s, "hogs=%d\nhog_units_per_s=%.1f\n", d->hogs, rate);
    if (d->have_policy) {
        const struct p2p_rec *p = &d->policy;
        fprintf(s,
                "boost_cpu_ns=%" PRIu64 "\nboosts=%" PRIu32 "\nboosts_refused=%" PRIu32
                "\nboost_expiries=%" PRIu32 "\nboost_window_max_ns=%" PRIu32
                "\npolicy_hints=%" PRIu32 "\nboost_share_permille=%" PRIu32
                "\nboosts_timed=%" PRIu32 "\nrecord_push_max_cycles=%" PRIu32
                "\ndrain_cpu_us=%" PRIu32 "\n",
                p->id, p->conn, p->subflow, p->d[0], p->d[1], p->d[2], p->d[3], p->d[4], p->d[5],
                p->d[6]);
    }
}

int main(int argc, char **argv)
{
    bool strict = false, replay = false;
    const char *sumpath = NULL, *in = NULL, *arrpath = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--strict") == 0)
            strict = true;
        else if (strcmp(argv[i], "--replay") == 0)
            replay = true;
        else if (strcmp(argv[i], "--summary") == 0 && i + 1 < argc)
            sumpath = argv[++i];
        else if (strcmp(argv[i], "--arrivals") == 0 && i + 1 < argc)
            arrpath = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (in == NULL && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
            in = argv[i];
        else {
            fprintf(stderr, "com2dec: unexpected argument '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    if (in == NULL) {
        fputs(usage, stderr);
        return 2;
    }
    FILE *f = strcmp(in, "-") == 0 ? stdin : fopen(in, "rb");
    if (f == NULL) {
        fprintf(stderr, "com2dec: cannot open %s: %s\n", in, strerror(errno));
        return 2;
    }
    struct p2p_replay rp;
    p2p_replay_init(&rp, false);
    struct out out = {.req = stdout, .arr = NULL, .rp = replay ? &rp : NULL, .rp_err = 0};
    if (arrpath != NULL) {
        if ((out.arr = fopen(arrpath, "w")) == NULL) {
            fprintf(stderr, "com2dec: cannot write %s: %s\n", arrpath, strerror(errno));
            if (f != stdin)
                fclose(f);
            return 2;
        }
        fputs(ARRIVAL_HDR "\n", out.arr);
    }
    struct p2pdec d;
    p2pdec_init(&d);
    puts("id,seq,conn,subflow,boosted,hole,first_ns,last_ns,complete_ns,wake_ns,run_ns,reply_ns,"
         "pred_ns,p2p_ns,hol_ns,sched_delay_ns,pred_err_ns,report_ns");
    uint8_t buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (p2pdec_feed(&d, buf, n, on_rec, &out) != 0) {
            fputs("com2dec: out of memory\n", stderr);
            rc = 2;
            break;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "com2dec: reading %s failed\n", in);
        rc = 2;
    }
    if (f != stdin)
        fclose(f);
    if (out.arr != NULL && fclose(out.arr) != 0)
        rc = 2;
    p2pdec_finish(&d);
    FILE *s = stderr;
    if (sumpath != NULL && (s = fopen(sumpath, "w")) == NULL) {
        fprintf(stderr, "com2dec: cannot write %s: %s\n", sumpath, strerror(errno));
        s = stderr;
        rc = 2;
    }
    summary(s, &d);
    if (replay)
        summary_replay(s, &rp);
    if (out.rp_err) {
        fputs("com2dec: replay: socket number out of range or out of memory\n", stderr);
        rc = 2;
    }
    if (s != stderr)
        fclose(s);
    if (rc == 0 && strict &&
        (p2pdec_missing(&d) || d.seq_dup || d.bad_crc || d.bad_version || d.loss_reported))
        rc = 1;
    if (rc == 0 && replay && rp.differ > 0)
        rc = 1;
    p2p_replay_free(&rp);
    p2pdec_free(&d);
    if (fflush(stdout) != 0)
        rc = 2;
    return rc;
}

/* report.h: writes requests.csv, summary.json and summary.csv (columns in docs/hostgen.md). */
#ifndef HOSTGEN_REPORT_H
#define HOSTGEN_REPORT_H

#include <stdio.h>

#include "client.h"
#include "opts.h"
#include "stats.h"

/* Totals the report derives from the records; exposed for tests. */
struct report_totals {
    uint64_t by_status[RS_COUNT];
    uint64_t measured, sent_measured, errors;
    double window_s, achieved_rate, completed_rate;
    struct stats_summary latency, send_err;
};

/* Computes the totals (allocates and frees its own sample arrays). 0 or -1 on no memory. */
int report_totals(const struct run_result *r, struct report_totals *t);
/* Opens dir/name for writing (every hostgen output file); NULL with a message on failure. */
FILE *report_open(const char *dir, const char *name);
/* Writes the three files into o->out. Returns 0 or -1 (message printed). */
int report_write(const struct hg_opts *o, const struct run_result *r,
                 const struct report_totals *t);

#endif

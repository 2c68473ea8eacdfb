/* main.c: hostgen entry: generator (default), responder (--serve) or path-manager tool (pm). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client.h"
#include "opts.h"
#include "pmcmd.h"
#include "report.h"
#include "server.h"

/* Exit statuses (docs/hostgen.md): 0 clean run, 1 run with errors or failed, 2 bad usage. */
enum { EXIT_CLEAN = 0, EXIT_ERRORS = 1, EXIT_USAGE = 2 };

/* Creates the output directory (one level); an existing directory is reused. */
static int make_out_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0755) == 0)
        return 0;
    if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    fprintf(stderr, "hostgen: cannot use --out %s: %s\n", dir,
            errno == EEXIST ? "exists and is not a directory" : strerror(errno));
    return -1;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(opts_usage(), stdout);
            return EXIT_CLEAN;
        }
    }
    struct hg_opts o;
    char err[256];
    if (!opts_parse(argc, argv, &o, err, sizeof(err))) {
        fprintf(stderr, "hostgen: %s (see hostgen --help)\n", err);
        return EXIT_USAGE;
    }
    if (o.mode == MODE_PM)
        return pmcmd_run(o.pm_argc, o.pm_argv);
    if (o.mode == MODE_SERVE)
        return server_run(&o) == 0 ? EXIT_CLEAN : EXIT_ERRORS;
    if (make_out_dir(o.out) != 0)
        return EXIT_USAGE;
    struct run_result r;
    if (client_run(&o, &r) != 0) {
        free(r.reqs);
        return EXIT_ERRORS;
    }
    struct report_totals t;
    if (report_totals(&r, &t) != 0 || report_write(&o, &r, &t) != 0) {
        fprintf(stderr, "hostgen: could not write the results\n");
        free(r.reqs);
        return EXIT_ERRORS;
    }
    fprintf(stderr,
            "hostgen: %llu requests (%llu measured), %.1f/s achieved, errors %llu (timeout %llu "
            "reset %llu mismatch %llu noconn %llu), connect failures %u, fallback %u, "
            "max subflows %u%s%s\n",
            (unsigned long long)r.nreqs, (unsigned long long)t.measured, t.achieved_rate,
            (unsigned long long)t.errors, (unsigned long long)t.by_status[RS_TIMEOUT],
            (unsigned long long)t.by_status[RS_RESET], (unsigned long long)t.by_status[RS_MISMATCH],
            (unsigned long long)t.by_status[RS_NOCONN], r.connect_failures, r.fallback_conns,
            r.max_subflows, r.partial ? ", PARTIAL: " : "", r.partial ? r.partial_reason : "");
    if (t.latency.n)
        fprintf(stderr,
                "hostgen: latency us p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f; "
                "send error us p50 %.1f p99 %.1f\n",
                t.latency.p50 / 1e3, t.latency.p90 / 1e3, t.latency.p99 / 1e3, t.latency.p999 / 1e3,
                t.latency.max / 1e3, t.send_err.p50 / 1e3, t.send_err.p99 / 1e3);
    free(r.reqs);
    bool bad = t.errors || r.partial || r.connect_failures || (r.fallback_conns && !o.tcp);
    return bad ? EXIT_ERRORS : EXIT_CLEAN;
}

/* progress.c: prints "\r t sent rate outstanding p99" once a second on a terminal, nothing
 * otherwise. */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "stats.h"

void progress_init(struct progress *p, int mode, int64_t start, double target_rate)
{
    *p = (struct progress){0};
    p->on = mode == 1 || (mode == -1 && isatty(STDERR_FILENO));
    p->start = start;
    p->next = start + 1000000000;
    p->target = target_rate;
}

void progress_sample(struct progress *p, int64_t latency_ns)
{
    if (!p->on)
        return;
    if (p->nwin == p->capwin) {
        size_t ncap = p->capwin ? p->capwin * 2 : 4096;
        int64_t *n = realloc(p->win, ncap * sizeof(*n));
        if (n == NULL)
            return; /* progress is best effort: drop the sample, never the run */
        p->win = n;
        p->capwin = ncap;
    }
    p->win[p->nwin++] = latency_ns;
}

int64_t progress_next(const struct progress *p)
{
    return p->on ? p->next : INT64_MAX;
}

void progress_tick(struct progress *p, int64_t now, uint64_t sent, uint64_t outstanding,
                   uint64_t completed, uint64_t errors)
{
    if (!p->on || now < p->next)
        return;
    double secs = (double)(now - p->next + 1000000000) / 1e9;
    double rate = (double)(sent - p->last_sent) / secs;
    double p99 = 0;
    if (p->nwin > 0)
        p99 = (double)stats_select(p->win, p->nwin, (p->nwin * 99 + 99) / 100 - 1) / 1e3;
    fprintf(stderr,
            "\r[hostgen] %6.1fs sent %llu  %.0f/s (target %.0f)  done %llu  errors %llu  "
            "outstanding %llu  p99(1s) %.1f us   ",
            (double)(now - p->start) / 1e9, (unsigned long long)sent, rate, p->target,
            (unsigned long long)completed, (unsigned long long)errors,
            (unsigned long long)outstanding, p99);
    p->last_sent = sent;
    p->nwin = 0;
    p->next = now + 1000000000;
}

void progress_done(struct progress *p)
{
    if (p->on)
        fputc('\n', stderr);
    free(p->win);
    p->win = NULL;
}

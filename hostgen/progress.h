/* progress.h: the live one-line status on a terminal (rate, completed, errors, recent P99). */
#ifndef HOSTGEN_PROGRESS_H
#define HOSTGEN_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progress {
    bool on;
    int64_t start, next;
    double target;
    uint64_t last_sent;
    int64_t *win; /* latencies completed since the last line */
    size_t nwin, capwin;
};

/* mode: -1 when stderr is a terminal, 0 never, 1 always. */
void progress_init(struct progress *p, int mode, int64_t start, double target_rate);
void progress_sample(struct progress *p, int64_t latency_ns);
/* Prints a line when a second has passed since the last one. */
void progress_tick(struct progress *p, int64_t now, uint64_t sent, uint64_t outstanding,
                   uint64_t completed, uint64_t errors);
/* When the next line is due (INT64_MAX when off). */
int64_t progress_next(const struct progress *p);
void progress_done(struct progress *p);

#endif

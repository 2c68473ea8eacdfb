/* bedstat_parse.h: strict parser of the integer sample lists bedstat reads (one per line). */
#ifndef BEDSTAT_PARSE_H
#define BEDSTAT_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* A growing array of samples; free with samples_free. */
struct samples {
    int64_t *v;
    size_t n, cap;
};

/*
 * Appends the samples in buf[0..len) to s: one base-10 integer per line (optional leading '-'),
 * lines end with '\n' (a last line without one counts), empty lines are skipped, a trailing
 * '\r' is tolerated. Anything else is refused: returns 0, or -1 with err naming the line
 * (counted from *line, advanced as lines are read). Never reads outside buf.
 */
int samples_parse(const char *buf, size_t len, struct samples *s, size_t *line, char *err,
                  size_t errlen);

void samples_free(struct samples *s);

#endif

/* trace.h: Mahimahi link traces (one delivery opportunity per line) loaded for trace-driven rate.
 */
#ifndef NETSYNC_NETEM_TRACE_H
#define NETSYNC_NETEM_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* Mahimahi's mm-link: each opportunity may deliver one MTU of bytes (PACKET_SIZE 1504 in
 * mahimahi src/frontend/link_queue.hh; we use the 1500 of its documentation, Netravali et al.,
 * USENIX ATC'15 section 4). */
#define TRACE_OPPORTUNITY_BYTES 1500u
#define TRACE_MAX_LINES         10000000u

struct trace {
    uint64_t *ms; /* non-decreasing millisecond timestamps, one per delivery opportunity */
    size_t n;
    uint64_t period_ms; /* the trace repeats after its last timestamp (mm-link semantics) */
};

/* Parses a trace from memory; on error fills err ("line N: reason") and returns -1. */
int trace_parse(const char *text, size_t len, struct trace *t, char *err, size_t errlen);
/* Reads and parses a file; errors read "FILE:LINE: reason". */
int trace_load(const char *path, struct trace *t, char *err, size_t errlen);
void trace_free(struct trace *t);

#endif

/* netem_trace.c: libFuzzer target for the Mahimahi trace parser and the .dist table parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace t;
    char err[256];
    if (trace_parse((const char *)data, size, &t, err, sizeof(err)) == 0) {
        if (t.n == 0 || t.period_ms == 0 || t.ms[t.n - 1] != t.period_ms)
            __builtin_trap();
        trace_free(&t);
    }
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct dist_table d;
    if (dist_parse(s, &d, err, sizeof(err)) == 0) {
        if (d.n == 0 || d.n > DIST_MAX)
            __builtin_trap();
        dist_free(&d);
    }
    free(s);
    return 0;
}

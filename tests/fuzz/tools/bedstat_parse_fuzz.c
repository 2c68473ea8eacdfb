/* bedstat_parse_fuzz.c: libFuzzer target for bedstat's sample-list parser (arbitrary file bytes).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel/lib/klib.h"
#include "tools/bedstat_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct samples s = {0};
    size_t line = 0;
    char err[128];
    int rc = samples_parse((const char *)data, size, &s, &line, err, sizeof(err));
    ASSERT(rc == 0 || rc == -1, "parser returns 0 or -1");
    ASSERT(rc == 0 || strstr(err, "line ") == err, "an error names its line");
    ASSERT(s.n <= size, "never more samples than bytes");
    if (rc == 0) {
        /* Round trip: printing what was parsed and parsing again gives the same samples. */
        char buf[32];
        for (size_t i = 0; i < s.n; i++) {
            int k = snprintf(buf, sizeof(buf), "%lld\n", (long long)s.v[i]);
            struct samples t = {0};
            size_t l2 = 0;
            ASSERT(samples_parse(buf, (size_t)k, &t, &l2, err, sizeof(err)) == 0 && t.n == 1 &&
                       t.v[0] == s.v[i],
                   "round trip");
            samples_free(&t);
        }
    }
    samples_free(&s);
    return 0;
}

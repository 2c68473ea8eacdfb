/* netem_profile.c: libFuzzer target for the profile parser, the one-line clause parser and the
 * format round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct profile p;
    char err[512];
    /* relative trace paths resolve inside a directory that does not exist: no file IO */
    if (prof_parse((const char *)data, size, "fuzz", "/nonexistent-fuzz-dir", &p, err,
                   sizeof(err)) == 0) {
        char line[2048];
        prof_format(&p.dir[PROF_DOWN], line, sizeof(line));
        struct prof_dir d;
        prof_dir_init(&d);
        /* what we print must parse again */
        if (d.trace == NULL && p.dir[PROF_DOWN].trace == NULL &&
            prof_apply_line(&d, line, NULL, err, sizeof(err)) != 0)
            abort();
        /* and mean the same thing */
        const struct prof_dir *o = &p.dir[PROF_DOWN];
        if (o->trace == NULL &&
            (d.delay_ns != o->delay_ns || d.jitter_ns != o->jitter_ns || d.limit != o->limit ||
             d.rate_Bps != o->rate_Bps || d.loss != o->loss || d.gap != o->gap ||
             d.slot != o->slot || d.slot_packets != o->slot_packets || d.dist != o->dist))
            abort();
        prof_dir_free(&d);
    }
    prof_free(&p);
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct prof_dir d;
    prof_dir_init(&d);
    (void)prof_apply_line(&d, s, "/nonexistent-fuzz-dir", err, sizeof(err));
    (void)prof_add_loss(&d, 12345678u, err, sizeof(err));
    (void)prof_add_delay(&d, 1000, err, sizeof(err));
    prof_dir_free(&d);
    free(s);
    return 0;
}

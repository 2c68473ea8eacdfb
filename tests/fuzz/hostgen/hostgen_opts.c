/* hostgen_opts.c: libFuzzer target for the command-line parser and the size-spec parser it calls.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/klib.h"
#include "opts.h"
#include "pm.h"

/* Input: NUL-separated words become argv[1..]; the first word also goes to the endpoint parser. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[66];
    int argc = 0;
    argv[argc++] = "hostgen";
    for (size_t i = 0; i <= size && argc < 65;) {
        argv[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    struct hg_opts o;
    char err[256];
    err[0] = '\0';
    if (opts_parse(argc, argv, &o, err, sizeof(err))) {
        /* Accepted settings must satisfy the invariants the generator relies on. */
        if (o.mode == MODE_CLIENT) {
            ASSERT((o.rate > 0) != (o.closed > 0), "one load mode");
            ASSERT((o.duration_s > 0) != (o.requests > 0), "one run length");
            ASSERT(o.conns >= 1 && o.conns <= HG_MAX_CONNS, "connection count in range");
            ASSERT(o.out != NULL, "an output directory");
        }
    } else {
        ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL, "a one-line reason");
    }
    struct pm_endpoint ep;
    /* Only words that name no interface: if_nametoindex on arbitrary names is harmless anyway. */
    if (pm_parse_endpoint(argc - 1, argv + 1, &ep, err, sizeof(err)) == false)
        ASSERT(err[0] != '\0', "a reason");
    free(copy);
    return 0;
}

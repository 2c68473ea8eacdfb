/* netem_topo.c: libFuzzer target for the topology parser. */
#include <stdint.h>
#include <string.h>

#include "topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct topo t;
    char err[512];
    if (topo_parse((const char *)data, size, "fuzz", &t, err, sizeof(err)) == 0) {
        /* invariants a successful parse promises the driver */
        if (t.nlinks == 0 || t.nlinks > TOPO_MAX_LINKS)
            __builtin_trap();
        for (unsigned i = 0; i < t.nlinks; i++)
            if (t.link[i].nic >= t.nlinks || t.link[i].down[0] == '\0' || t.link[i].up[0] == '\0')
                __builtin_trap();
    }
    return 0;
}

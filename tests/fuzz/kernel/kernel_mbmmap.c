/* kernel_mbmmap.c: libFuzzer target for the Multiboot memory-map walker (untrusted boot input). */
#include "mbmmap.h"
#include <stdlib.h>

void panic(const char *fmt, ...)
{
    (void)fmt;
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t len = size > 0xffffffu ? 0xffffffu : (uint32_t)size;
    uint32_t off = 0, prev = 0;
    struct mb_region r;
    int rc;
    /* The walker must end (offsets strictly increase) and never step past the buffer. */
    while ((rc = mbmmap_next(data, len, &off, &r)) == 1) {
        if (off <= prev || off > len)
            abort();
        prev = off;
    }
    if (rc != 0 && rc != -1)
        abort();
    return 0;
}

/* com2dec_fuzz.c: libFuzzer target for the COM2 record scanner: any byte stream, split anywhere,
 * decodes the same records and never crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tools/p2pdec_parse.h"

static uint64_t n_cb;
static void cb(void *arg, const struct p2p_rec *r)
{
    (void)arg;
    if (r->version != P2P_VERSION)
        abort();
    n_cb++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct p2pdec a, b;
    p2pdec_init(&a);
    p2pdec_init(&b);
    n_cb = 0;
    if (p2pdec_feed(&a, data, size, cb, NULL) != 0)
        abort();
    uint64_t whole = n_cb;
    size_t cut = size > 0 ? data[0] % (size + 1) : 0;
    n_cb = 0;
    if (p2pdec_feed(&b, data, cut, cb, NULL) != 0 ||
        p2pdec_feed(&b, data + cut, size - cut, cb, NULL) != 0)
        abort();
    p2pdec_finish(&a);
    p2pdec_finish(&b);
    /* Splitting the stream must not change what decodes. */
    if (n_cb != whole || a.records != b.records || a.garbage_bytes != b.garbage_bytes)
        abort();
    (void)p2pdec_missing(&a);
    p2pdec_free(&a);
    p2pdec_free(&b);
    return 0;
}

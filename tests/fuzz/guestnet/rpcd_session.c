/* rpcd_session.c (fuzz): arbitrary request streams, cut at arbitrary points, into rpcd's protocol
 * state machine; responses drained in arbitrary steps. No crash, no hang, counters consistent. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "services/rpcd_session.h"

void panic(const char *fmt, ...)
{
    (void)fmt;
    fprintf(stderr, "panic in rpcd_session\n");
    abort();
}

/* Output drained per input: requests may ask for 16 MiB; the budget keeps each run short. */
#define OUT_BUDGET (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[4096];
    struct rpcd_counters c = {0};
    struct rpcd_session s;
    rpcd_session_init(&s, &c);
    size_t pos = 0, out_total = 0;
    uint64_t hdr_answered = 0;
    while (pos < size) {
        /* The first byte of each piece sets the piece's length and the drain step. */
        size_t piece = (size_t)(data[pos] & 0x3F) + 1;
        size_t step = (size_t)(data[pos] >> 6) * 1000 + 1;
        pos++;
        size_t n = size - pos < piece ? size - pos : piece;
        size_t used = rpcd_session_input(&s, data + pos, n);
        if (used > n)
            abort();
        pos += used;
        size_t k;
        while (out_total < OUT_BUDGET &&
               (k = rpcd_session_peek(&s, out, step < sizeof out ? step : sizeof out)) > 0) {
            if (s.ph == RPCD_RESP_HDR && s.out_sent == 0)
                hdr_answered++;
            rpcd_session_advance(&s, k);
            out_total += k;
        }
        if (s.ph == RPCD_BROKEN || s.ph == RPCD_CLOSING || out_total >= OUT_BUDGET)
            break;
        if (used == 0 && rpcd_session_want(&s) > 0 && n > 0)
            abort(); /* wanted input but took none */
    }
    if (c.requests > hdr_answered || c.bad_requests > hdr_answered || c.framing_errors > 1)
        abort();
    return 0;
}

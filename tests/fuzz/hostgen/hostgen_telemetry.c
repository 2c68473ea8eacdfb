/* hostgen_telemetry.c: libFuzzer target for the MPTCP_INFO / MPTCP_TCPINFO / SUBFLOW_ADDRS parsers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/lib/klib.h"
#include "telemetry.h"

/* The kernel's answer is untrusted input here: any length, any counts, any element size. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct conn_sample cs;
    memset(&cs, 0, sizeof(cs));
    (void)tele_parse_info(data, size, &cs);
    (void)tele_parse_tcpinfo(data, size, &cs);
    (void)tele_parse_addrs(data, size, &cs);
    ASSERT(cs.nsf <= TELE_MAX_SF, "never more subflows than the array holds");
    static FILE *null;
    if (null == NULL)
        null = fopen("/dev/null", "w");
    if (null)
        tele_write_rows(null, 1, 0, &cs);
    return 0;
}

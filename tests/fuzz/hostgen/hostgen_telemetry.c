/* hostgen_telemetry.c: libFuzzer target for the MPTCP_INFO / MPTCP_TCPINFO / SUBFLOW_ADDRS parsers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
    /* MPTCP_FULL_INFO: the header says how big the arrays are; give it arrays that match. */
    if (size >= sizeof(struct hg_mptcp_full_info)) {
        struct hg_mptcp_full_info h;
        memcpy(&h, data, sizeof(h));
        size_t cap = h.size_arrays_user < TELE_MAX_SF ? h.size_arrays_user : TELE_MAX_SF;
        h.size_arrays_user = (uint32_t)cap;
        h.size_sfinfo_user %= 1024;
        h.size_tcpinfo_user %= 1024;
        static uint8_t sf[TELE_MAX_SF * 1024], ti[TELE_MAX_SF * 1024];
        static uint8_t buf[4096];
        size_t n = size < sizeof(buf) ? size : sizeof(buf);
        memcpy(buf, data, n);
        memcpy(buf, &h, sizeof(h));
        memset(&cs, 0, sizeof(cs));
        (void)tele_parse_full(buf, n, sf, ti, &cs);
        ASSERT(cs.nsf <= TELE_MAX_SF, "never more subflows than the array holds");
    }
    static FILE *null;
    if (null == NULL)
        null = fopen("/dev/null", "w");
    if (null)
        tele_write_rows(null, 1, 0, &cs);
    return 0;
}

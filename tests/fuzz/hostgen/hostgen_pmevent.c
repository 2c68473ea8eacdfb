/* hostgen_pmevent.c: libFuzzer target for the mptcp_pm netlink event decoder. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/klib.h"
#include "pm.h"

/* Input: byte 0 picks the family id to expect; the rest is one received netlink datagram. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* Copy to an aligned buffer, as recv() into a netlink buffer would give. */
    size_t n = size - 1;
    void *buf = malloc(n ? n : 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data + 1, n);
    struct pm_event ev;
    int rc = pm_event_parse(buf, n, (uint16_t)(0x10 + data[0]), &ev);
    ASSERT(rc >= -1 && rc <= 1, "documented result");
    static FILE *null;
    if (null == NULL)
        null = fopen("/dev/null", "w");
    if (rc == 1 && null)
        pm_event_write(null, 0, &ev);
    free(buf);
    return 0;
}

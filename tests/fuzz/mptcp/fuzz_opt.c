/* fuzz_opt.c: libFuzzer target for the MPTCP option parser (single options and TCP option lists).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../../kernel/net/mptcp/mptcp_opt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mptcp_opt_set set;
    (void)mptcp_opts_parse_tcp(data, size, &set);
    for (int t = 0; t < MPTCP_SUB_COUNT; t++) {
        if (!mptcp_has(&set, (enum mptcp_subtype)t))
            continue;
        uint8_t b[TCP_OPT_SPACE];
        size_t n = mptcp_opt_build(&set.opt[t], b, sizeof(b));
        if (n != set.opt[t].len) /* whatever parses must build back to the same length */
            abort();
    }
    for (size_t i = 0; i < size; i++) {
        struct mptcp_opt o;
        if (mptcp_opt_parse(data + i, size - i, &o) != MPTCP_OPT_OK)
            continue;
        uint8_t b[TCP_OPT_SPACE];
        size_t n = mptcp_opt_build(&o, b, sizeof(b));
        /* round trip: identical bytes (every bit we accept is a bit we keep) */
        if (n != o.len || memcmp(b, data + i, n) != 0)
            abort();
    }
    return 0;
}

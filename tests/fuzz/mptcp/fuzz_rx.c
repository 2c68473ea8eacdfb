/* fuzz_rx.c: libFuzzer target: a sequence of segments (options + payload) on an established
 * two-subflow MPTCP connection, fed to the data-level receive module and the option builder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../unit/mptcp/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mptcp_conn conn;
static struct mptcp_token_table table;

/* Record: sf(1) flags(1) rel_seq(2, BE, relative to the subflow ISN) optlen(1) opts payload_len(2)
 * payload. Missing bytes end the sequence. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mptcp_table_init(&table);
    memset(&conn, 0, sizeof(conn));
    bool csum = size > 0 && (data[0] & 0x80);
    if (h_establish(&conn, &table, H_KEY_B, csum) != 0)
        abort();
    if (!h_join(&conn, &table, 0x12345678u))
        abort();
    size_t i = size > 0 ? 1 : 0;
    uint64_t now = 0;
    static uint8_t sink[MPTCP_RCVBUF];
    while (i + 5 <= size) {
        uint8_t sfi = data[i] % MPTCP_MAX_SUBFLOWS;
        uint8_t flags = data[i + 1];
        uint32_t rel = (uint32_t)(data[i + 2] << 8 | data[i + 3]);
        uint8_t olen = data[i + 4] % (TCP_OPT_SPACE + 1);
        i += 5;
        if (i + olen + 2 > size)
            break;
        const uint8_t *opts = data + i;
        i += olen;
        uint16_t plen = (uint16_t)(data[i] << 8 | data[i + 1]);
        i += 2;
        if (plen > size - i)
            plen = (uint16_t)(size - i);
        struct mptcp_opt_set set;
        if (mptcp_opts_parse_tcp(opts, olen, &set) != 0)
            memset(&set, 0, sizeof(set));
        struct mptcp_subflow *sf = &conn.sf[sfi];
        struct mptcp_seg seg = {.seq = sf->irs + rel,
                                .tcp_flags = (uint8_t)((flags & MPTCP_TCP_RST) | MPTCP_TCP_ACK),
                                .payload = data + i,
                                .len = plen,
                                .opts = &set,
                                .now_us = now};
        struct mptcp_rx_result r;
        mptcp_rx_segment(&conn, sf, &seg, &r);
        if (r.accepted > plen)
            abort();
        i += plen;
        now += flags;
        if (flags & 0x40)
            (void)mptcp_read(&conn, sink, sizeof(sink));
        if (mptcp_readable(&conn) > MPTCP_RCVBUF || mptcp_rcv_wnd(&conn) > MPTCP_RCVBUF)
            abort();
        /* what we would send back must fit the budget and parse cleanly */
        uint8_t ob[TCP_OPT_SPACE];
        struct mptcp_tx_seg ts = {.seq = sf->iss + 1, .tcp_flags = MPTCP_TCP_ACK, .now_us = now};
        size_t room = (flags & 0x20) ? 28 : 40;
        size_t n = mptcp_tx_opts(&conn, sf, &ts, MPTCP_RST_MPTCP_ERR, ob, room);
        if (n > room || n % 4)
            abort();
        struct mptcp_opt_set back;
        if (mptcp_opts_parse_tcp(ob, n, &back) != 0 || back.nerrors)
            abort();
        (void)mptcp_on_timer(&conn, now);
        struct mptcp_conn_metrics m;
        mptcp_metrics_read(&conn, &m);
        if (m.dl_hole_bytes > MPTCP_RCVBUF)
            abort();
    }
    return 0;
}

/* fuzz_rx.c: libFuzzer target: a sequence of segments (raw or structured MPTCP options plus
 * payload) and control events on an established two-subflow connection, fed to both receive forms
 * and answered with the option builder; invariants are checked after every step. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../unit/mptcp/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mptcp_conn conn;
static struct mptcp_token_table table;

struct rd {
    const uint8_t *p;
    size_t n, i;
};

static bool take(struct rd *r, void *out, size_t k)
{
    if (r->n - r->i < k)
        return false;
    memcpy(out, r->p + r->i, k);
    r->i += k;
    return true;
}

static uint16_t u16(const uint8_t b[2])
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

static void check_invariants(uint8_t room_sel, uint64_t now)
{
    if (mptcp_readable(&conn) > MPTCP_RCVBUF || mptcp_rcv_wnd(&conn) > MPTCP_RCVBUF)
        abort();
    if (conn.read_dsn > conn.rcv_nxt)
        abort();
    for (int i = 0; i < MPTCP_MAX_SUBFLOWS; i++) {
        struct mptcp_subflow *sf = &conn.sf[i];
        uint8_t ob[TCP_OPT_SPACE];
        struct mptcp_tx_seg ts = {.seq = sf->iss + 1, .tcp_flags = MPTCP_TCP_ACK, .now_us = now};
        size_t room = (room_sel & 1) ? 28 : 40;
        size_t n = mptcp_tx_opts(&conn, sf, &ts, MPTCP_RST_MPTCP_ERR, ob, room);
        struct mptcp_opt_set back;
        if (n > room || n % 4 || mptcp_opts_parse_tcp(ob, n, &back) != 0 || back.nerrors)
            abort();
    }
    struct mptcp_conn_metrics m;
    mptcp_metrics_read(&conn, &m);
    if (m.dl_hole_bytes > MPTCP_RCVBUF || m.readable > MPTCP_RCVBUF)
        abort();
}

/* Record: head(1) rel(2) then either [structured DSS: flags(1) dsn_off(2) ssn(2) len(2)] or
 * [optlen(1) raw options], then paylen(2) payload. head bits: 0-1 subflow, 2 structured,
 * 3 split receive form, 4 RST, 5 read after, 6-7 == 3: control event instead of a segment. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mptcp_table_init(&table);
    memset(&conn, 0, sizeof(conn));
    struct rd r = {data, size, 0};
    uint8_t cfg = 0;
    (void)take(&r, &cfg, 1);
    if (cfg & 2) {
        /* handshake left to the input: the third ACK (or its absence) comes from the records */
        struct mptcp_opt_set syn;
        memset(&syn, 0, sizeof(syn));
        struct mptcp_opt o = h_mpc(0, 0, 0, 0, cfg & 1);
        h_set_one(&syn, &o);
        if (mptcp_accept_capable(&conn, &table, &syn, H_KEY_B, H_ISS, H_IRS) != 0)
            abort();
    } else {
        if (h_establish(&conn, &table, H_KEY_B, cfg & 1) != 0)
            abort();
        if (cfg & 4) {
            /* a join waiting for its third ACK, which the input may or may not bring */
            struct mptcp_opt_set js;
            memset(&js, 0, sizeof(js));
            struct mptcp_opt j;
            memset(&j, 0, sizeof(j));
            j.subtype = MPTCP_SUB_JOIN;
            j.u.join.step = MPJ_SYN;
            j.u.join.token = conn.local_token;
            j.u.join.nonce = H_R_A;
            h_set_one(&js, &j);
            struct mptcp_conn *jc;
            if (!mptcp_accept_join(&table, &js, 1, H_R_B, 7000, 0x12345678u, &jc))
                abort();
        } else if (!h_join(&conn, &table, 0x12345678u)) {
            abort();
        }
    }
    uint64_t now = 0;
    static uint8_t sink[MPTCP_RCVBUF];
    uint8_t head;
    while (take(&r, &head, 1)) {
        now += 1000;
        if ((head >> 6) == 3) { /* control events */
            uint8_t ev = 0;
            (void)take(&r, &ev, 1);
            const uint8_t a[4] = {10, 0, 1, 2};
            switch (ev % 7) {
            case 6: {
                /* reinjection of what subflow 0 has not seen DATA_ACKed onto subflow 1 */
                struct mptcp_tx_range rg[4];
                size_t k = mptcp_tx_unacked(&conn, &conn.sf[0], rg, 4);
                for (size_t j = 0; j < k; j++) {
                    if (rg[j].dsn + rg[j].len > conn.snd_nxt || rg[j].len == 0)
                        abort();
                    uint16_t l = (uint16_t)(rg[j].len > 1000 ? 1000 : rg[j].len);
                    (void)mptcp_tx_assign_at(&conn, &conn.sf[1], conn.sf[1].iss + 1, rg[j].dsn,
                                             sink, l);
                }
                break;
            }
            case 0:
                mptcp_announce(&conn, (uint8_t)(1 + ev / 7 % 3), a, ev & 0x80 ? 5201 : 0, now);
                break;
            case 1:
                mptcp_tx_close(&conn);
                break;
            case 2:
                if (!conn.fin_queued) {
                    uint64_t dsn;
                    uint32_t at =
                        conn.sf[0].iss + 1 + (uint32_t)(conn.snd_nxt - conn.local_idsn - 1);
                    (void)mptcp_tx_assign(&conn, &conn.sf[0], at, sink, (uint16_t)(1 + ev * 50),
                                          &dsn);
                }
                break;
            case 3:
                (void)mptcp_on_timer(&conn, now + ev * 100000ull);
                break;
            case 4:
                mptcp_sf_rtt_sample(&conn.sf[ev / 7 % 2], ev * 97u);
                break;
            default:
                mptcp_abort(&conn);
                break;
            }
            check_invariants(ev, now);
            continue;
        }
        struct mptcp_subflow *sf = &conn.sf[head & 3];
        uint8_t relb[2];
        if (!take(&r, relb, 2))
            break;
        uint32_t rel = 1u + u16(relb);
        struct mptcp_opt_set set;
        memset(&set, 0, sizeof(set));
        if (head & 4) {
            uint8_t f[7];
            if (!take(&r, f, sizeof(f)))
                break;
            struct mptcp_opt o;
            memset(&o, 0, sizeof(o));
            o.subtype = MPTCP_SUB_DSS;
            o.u.dss.flags = f[0] & 0x1f;
            o.u.dss.data_ack = conn.snd_una + (f[0] >> 5);
            o.u.dss.dsn = conn.rcv_nxt - 512 + u16(f + 1);
            if (!(o.u.dss.flags & DSS_FLAG_m_DSN8))
                o.u.dss.dsn = (uint32_t)o.u.dss.dsn;
            o.u.dss.ssn = u16(f + 3);
            o.u.dss.data_len = u16(f + 5);
            o.u.dss.has_csum = conn.csum && (o.u.dss.flags & DSS_FLAG_M_MAP);
            uint8_t ob[TCP_OPT_SPACE];
            size_t n = mptcp_opt_build(&o, ob, sizeof(ob));
            if (n)
                (void)mptcp_opts_parse_tcp(ob, n, &set);
        } else {
            uint8_t olen;
            if (!take(&r, &olen, 1))
                break;
            olen %= TCP_OPT_SPACE + 1;
            if (r.n - r.i < olen)
                break;
            if (mptcp_opts_parse_tcp(r.p + r.i, olen, &set) != 0)
                memset(&set, 0, sizeof(set));
            r.i += olen;
        }
        uint8_t pl[2] = {0, 0};
        (void)take(&r, pl, 2);
        uint32_t plen = u16(pl);
        if (plen > r.n - r.i)
            plen = (uint32_t)(r.n - r.i);
        const uint8_t *payload = r.p + r.i;
        r.i += plen;
        struct mptcp_seg seg = {.seq = sf->irs + rel,
                                .tcp_flags =
                                    (uint8_t)(MPTCP_TCP_ACK | ((head & 16) ? MPTCP_TCP_RST : 0)),
                                .payload = payload,
                                .len = plen,
                                .opts = &set,
                                .now_us = now};
        struct mptcp_rx_result res;
        if (head & 8) {
            mptcp_rx_options(&conn, sf, &seg, &res);
            if (!(head & 16))
                mptcp_rx_data(&conn, sf, seg.seq, payload, plen, now, &res);
        } else {
            mptcp_rx_segment(&conn, sf, &seg, &res);
        }
        if (res.accepted > plen)
            abort();
        if (head & 32)
            (void)mptcp_read(&conn, sink, sizeof(sink));
        check_invariants(head, now);
    }
    return 0;
}

/* mptcp_metrics.c: per-subflow and per-connection figures the Divsa scheduler reads. */
#include "mptcp.h"

void mptcp_sf_rtt_sample(struct mptcp_subflow *sf, uint32_t rtt_us)
{
    struct mptcp_sf_metrics *m = &sf->m;
    if (m->srtt_us == 0) {
        /* RFC 6298 2.2: first sample: SRTT = R, RTTVAR = R/2 */
        m->srtt_us = rtt_us ? rtt_us : 1;
        m->rttvar_us = rtt_us / 2;
        return;
    }
    /* RFC 6298 2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R */
    uint32_t err = m->srtt_us > rtt_us ? m->srtt_us - rtt_us : rtt_us - m->srtt_us;
    m->rttvar_us = m->rttvar_us - m->rttvar_us / 4 + err / 4;
    m->srtt_us = m->srtt_us - m->srtt_us / 8 + rtt_us / 8;
    if (m->srtt_us == 0)
        m->srtt_us = 1;
}

/* Subflow-level ranges above sf_rcv_nxt: merged, sorted by start. */
static void sf_track(struct mptcp_subflow *sf, uint32_t s, uint32_t e)
{
    if ((int32_t)(e - sf->sf_rcv_nxt) <= 0)
        return; /* all old */
    if ((int32_t)(s - sf->sf_rcv_nxt) <= 0) {
        sf->sf_rcv_nxt = e;
    } else {
        /* insert [s, e) and merge overlaps */
        uint8_t k = 0;
        while (k < sf->nooo && (int32_t)(sf->ooo[k].start - s) < 0)
            k++;
        if (sf->nooo == MPTCP_SF_OOO) {
            /* no room: merge into the nearest range (an under-count of holes, never a crash) */
            k = k ? k - 1 : 0;
            if ((int32_t)(s - sf->ooo[k].start) < 0)
                sf->ooo[k].start = s;
            if ((int32_t)(e - sf->ooo[k].end) > 0)
                sf->ooo[k].end = e;
        } else {
            for (uint8_t j = sf->nooo; j > k; j--)
                sf->ooo[j] = sf->ooo[j - 1];
            sf->ooo[k].start = s;
            sf->ooo[k].end = e;
            sf->nooo++;
        }
    }
    /* merge neighbours and anything now reachable from sf_rcv_nxt */
    uint8_t w = 0;
    for (uint8_t r = 0; r < sf->nooo; r++) {
        if ((int32_t)(sf->ooo[r].start - sf->sf_rcv_nxt) <= 0) {
            if ((int32_t)(sf->ooo[r].end - sf->sf_rcv_nxt) > 0)
                sf->sf_rcv_nxt = sf->ooo[r].end;
            continue;
        }
        if (w > 0 && (int32_t)(sf->ooo[r].start - sf->ooo[w - 1].end) <= 0) {
            if ((int32_t)(sf->ooo[r].end - sf->ooo[w - 1].end) > 0)
                sf->ooo[w - 1].end = sf->ooo[r].end;
            continue;
        }
        sf->ooo[w++] = sf->ooo[r];
    }
    sf->nooo = w;
}

void mptcp_metrics_on_arrival(struct mptcp_subflow *sf, uint32_t rel_seq, uint32_t len,
                              uint64_t now_us)
{
    struct mptcp_sf_metrics *m = &sf->m;
    if (m->segs) {
        uint64_t gap = now_us - m->last_arrival_us;
        uint32_t g = gap > UINT32_MAX ? UINT32_MAX : (uint32_t)gap;
        /* EWMA with gain 1/8, as RFC 6298 uses for SRTT */
        m->iat_ewma_us = m->segs == 1 ? g : m->iat_ewma_us - m->iat_ewma_us / 8 + g / 8;
    }
    m->last_arrival_us = now_us;
    m->bytes += len;
    m->segs++;
    /* cwnd estimate: what the sender got through in one smoothed RTT, smoothed (gain 1/4) */
    if (m->srtt_us) {
        if (sf->cwnd_win_start_us == 0 || now_us - sf->cwnd_win_start_us >= m->srtt_us) {
            if (sf->cwnd_win_start_us != 0)
                m->cwnd_est_bytes =
                    m->cwnd_est_bytes == 0
                        ? sf->cwnd_win_bytes
                        : m->cwnd_est_bytes - m->cwnd_est_bytes / 4 + sf->cwnd_win_bytes / 4;
            sf->cwnd_win_start_us = now_us ? now_us : 1;
            sf->cwnd_win_bytes = 0;
        }
        sf->cwnd_win_bytes += len;
    }
    sf_track(sf, rel_seq, rel_seq + len);
    uint32_t gaps = 0, missing = 0;
    uint32_t prev = sf->sf_rcv_nxt;
    for (uint8_t i = 0; i < sf->nooo; i++) {
        gaps++;
        missing += sf->ooo[i].start - prev;
        prev = sf->ooo[i].end;
    }
    m->sf_holes = gaps;
    m->sf_hole_bytes = missing;
}

void mptcp_metrics_read(const struct mptcp_conn *c, struct mptcp_conn_metrics *out)
{
    memset(out, 0, sizeof(*out));
    out->rcv_nxt = c->rcv_nxt;
    out->rcv_high = c->rcv_high > c->rcv_nxt ? c->rcv_high : c->rcv_nxt;
    out->readable = (uint32_t)mptcp_readable(c);
    out->last_hole_filler = c->last_hole_filler;
    out->last_hole_fill_us = c->last_hole_fill_us;
    out->bytes_delivered = c->bytes_delivered;
    /* data-level gaps: runs of absent bytes between rcv_nxt and rcv_high; whole bitmap bytes
     * (8 DSNs) at a time where they are uniform, since the scheduler reads this often */
    bool in_gap = false;
    for (uint64_t d = c->rcv_nxt; d < c->rcv_high && !c->eof;) {
        uint32_t i = (uint32_t)d & (MPTCP_RCVBUF - 1u);
        uint8_t byte = c->rmap[i >> 3];
        if ((i & 7) == 0 && c->rcv_high - d >= 8 && (byte == 0 || byte == 0xff)) {
            bool have = byte == 0xff;
            if (!have) {
                out->dl_hole_bytes += 8;
                if (!in_gap)
                    out->dl_holes++;
            }
            in_gap = !have;
            d += 8;
            continue;
        }
        bool have = (byte >> (i & 7)) & 1u;
        if (!have) {
            out->dl_hole_bytes++;
            if (!in_gap)
                out->dl_holes++;
        }
        in_gap = !have;
        d++;
    }
    for (int i = 0; i < MPTCP_MAX_SUBFLOWS; i++) {
        out->sf[i] = c->sf[i].m;
        if (c->sf[i].state == SF_ESTABLISHED)
            out->nsubflows++;
    }
}

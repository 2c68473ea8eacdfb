/* mptcp_xcheck.c: checks our MPTCP codec, key derivations and receive module against packets a
 * real Linux MPTCP v1 client and server exchanged (text lines from linux_capture.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

#define MAXPKT  4096
#define GOT_MAX (4u << 20) /* the replayed stream: 1,200,000 bytes expected */
struct pkt {
    char src[40], dst[40];
    unsigned sport, dport, flags;
    uint32_t seq, ack, len;
    uint8_t opt[TCP_OPT_SPACE];
    size_t olen;
    uint8_t *payload;
    struct mptcp_opt_set set;
};
static struct pkt pk[MAXPKT];
static size_t npk;
static int failures;

static void check(bool ok, const char *what, const char *detail)
{
    printf("%s - %s%s%s\n", ok ? "ok" : "not ok", what, detail[0] ? ": " : "", detail);
    failures += !ok;
}

static int unhex(const char *h, uint8_t *out, size_t max, size_t *n)
{
    *n = 0;
    if (strcmp(h, "-") == 0)
        return 0;
    size_t l = strlen(h);
    if (l % 2 || l / 2 > max)
        return -1;
    for (size_t i = 0; i < l; i += 2) {
        unsigned v;
        if (sscanf(h + i, "%2x", &v) != 1)
            return -1;
        out[(*n)++] = (uint8_t)v;
    }
    return 0;
}

static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    static char line[200000], oh[200], ph[190000];
    while (fgets(line, sizeof(line), f)) {
        if (npk == MAXPKT) { /* a silently shortened replay would look like a short capture */
            fprintf(stderr, "xcheck: more than %d packets in %s\n", MAXPKT, path);
            fclose(f);
            return -1;
        }
        struct pkt *p = &pk[npk];
        if (sscanf(line, "%39s %u %39s %u %x %u %u %u %199s %189999s", p->src, &p->sport, p->dst,
                   &p->dport, &p->flags, &p->seq, &p->ack, &p->len, oh, ph) != 10) {
            fprintf(stderr, "xcheck: malformed line %zu\n", npk + 1);
            fclose(f);
            return -1;
        }
        size_t n;
        if (unhex(oh, p->opt, sizeof(p->opt), &p->olen) != 0) {
            fprintf(stderr, "xcheck: bad option hex on line %zu\n", npk + 1);
            fclose(f);
            return -1;
        }
        p->payload = malloc(p->len ? p->len : 1);
        if (!p->payload || unhex(ph, p->payload, p->len, &n) != 0 || n != p->len) {
            fprintf(stderr, "xcheck: bad payload on line %zu\n", npk + 1);
            fclose(f);
            return -1;
        }
        npk++;
    }
    fclose(f);
    return npk ? 0 : -1;
}

static bool same_flow(const struct pkt *a, const struct pkt *b)
{
    return a->sport == b->sport && a->dport == b->dport && !strcmp(a->src, b->src) &&
           !strcmp(a->dst, b->dst);
}

static bool reverse_flow(const struct pkt *a, const struct pkt *b)
{
    return a->sport == b->dport && a->dport == b->sport && !strcmp(a->src, b->dst) &&
           !strcmp(a->dst, b->src);
}

#define F_SYN 0x02
#define F_ACK 0x10

/* Split form: each subflow's held packets go up in subflow order (the bytes TCP has in order),
 * the application reading after every delivery, until nothing moves. */
static void deliver_pending(struct mptcp_conn *c, struct mptcp_subflow *sf0,
                            struct mptcp_subflow *jsf, uint32_t nxt[], size_t pend[2][MAXPKT],
                            size_t npend[2], size_t now, uint64_t sf_bytes[], size_t *wdrop,
                            bool *reset, bool *eof, uint8_t *got, size_t *n)
{
    for (bool moved = true; moved;) {
        moved = false;
        for (int k = 0; k < 2; k++) {
            struct mptcp_subflow *sf = k ? jsf : sf0;
            for (size_t q = 0; sf && q < npend[k];) {
                const struct pkt *d = &pk[pend[k][q]];
                int32_t skip = (int32_t)(nxt[k] - d->seq);
                if (skip >= 0 && (uint32_t)skip >= d->len) { /* all of it delivered already */
                    pend[k][q] = pend[k][--npend[k]];
                    continue;
                }
                q++;
                if (skip < 0)
                    continue; /* behind a hole */
                struct mptcp_rx_result r;
                mptcp_rx_data(c, sf, d->seq + (uint32_t)skip, d->payload + skip,
                              d->len - (uint32_t)skip, now, &r);
                *reset |= (r.verdict &
                           (MPTCP_RX_RESET_SF | MPTCP_RX_RESET_CONN | MPTCP_RX_FALLBACK)) != 0;
                *eof |= (r.verdict & MPTCP_RX_EOF) != 0;
                nxt[k] += r.accepted;
                sf_bytes[sf->index] += r.accepted;
                if (r.drop_reason == MPTCP_DROP_WINDOW)
                    *wdrop += d->len - (uint32_t)skip - r.accepted; /* offered again later */
                *n += mptcp_read(c, got + *n, GOT_MAX - *n);
                moved |= r.accepted > 0;
            }
        }
    }
}

/* Replays the client's packets into a fresh server connection and checks the stream. */
static void replay(bool split, bool csum_mode, const struct pkt *syn, const struct pkt *synack,
                   const struct pkt *jsyn, const struct pkt *jsynack, uint64_t key_b)
{
    static struct mptcp_conn c;
    static struct mptcp_token_table t;
    static uint8_t got[GOT_MAX];
    const char *form = split ? "split form" : "segment form";
    char d[256];
    mptcp_table_init(&t);
    if (mptcp_accept_capable(&c, &t, &syn->set, key_b, synack->seq, syn->seq) != 0) {
        check(false, form, "accept");
        return;
    }
    c.csum = csum_mode;
    struct mptcp_subflow *jsf = NULL;
    uint32_t nxt[MPTCP_MAX_SUBFLOWS] = {syn->seq + 1, jsyn->seq + 1, 0, 0};
    size_t n = 0, ooo = 0, wdrop = 0;        /* wdrop: bytes beyond our data-level window */
    static size_t pend[2][MAXPKT], npend[2]; /* split form: packets TCP still holds, per subflow */
    npend[0] = npend[1] = 0;
    bool eof = false, reset = false;
    uint64_t sf_bytes[MPTCP_MAX_SUBFLOWS] = {0};
    for (size_t i = 0; i < npk; i++) {
        const struct pkt *p = &pk[i];
        struct mptcp_subflow *sf = NULL;
        if (p == jsyn) {
            struct mptcp_conn *jc;
            jsf = mptcp_accept_join(&t, &jsyn->set, jsynack->set.opt[MPTCP_SUB_JOIN].u.join.addr_id,
                                    jsynack->set.opt[MPTCP_SUB_JOIN].u.join.nonce, jsynack->seq,
                                    jsyn->seq, &jc);
            continue;
        }
        if (same_flow(p, syn))
            sf = &c.sf[0];
        else if (jsf && same_flow(p, jsyn))
            sf = jsf;
        if (!sf || (p->flags & F_SYN))
            continue;
        struct mptcp_seg sg = {.seq = p->seq,
                               .tcp_flags = (uint8_t)(p->flags & 0x17),
                               .payload = p->payload,
                               .len = p->len,
                               .opts = &p->set,
                               .now_us = i};
        struct mptcp_rx_result r;
        if (!split) {
            mptcp_rx_segment(&c, sf, &sg, &r);
            sf_bytes[sf->index] += r.accepted;
            if (r.drop_reason == MPTCP_DROP_WINDOW)
                wdrop += p->len - r.accepted;
        } else {
            mptcp_rx_options(&c, sf, &sg, &r);
            reset |=
                (r.verdict & (MPTCP_RX_RESET_SF | MPTCP_RX_RESET_CONN | MPTCP_RX_FALLBACK)) != 0;
            eof |= (r.verdict & MPTCP_RX_EOF) != 0;
            /* TCP holds what arrives beyond a subflow hole (a loaded machine reorders or drops
             * and retransmits even on veth: counted in ooo) and delivers its in-order bytes,
             * offering again what the data-level window refused once the application read,
             * as kernel/net's deliver hook and ns_tcp_redeliver do. */
            int k = sf == jsf ? 1 : 0;
            if (p->len && (int32_t)(p->seq - nxt[k]) > 0)
                ooo++;
            if (p->len && npend[k] < MAXPKT)
                pend[k][npend[k]++] = i;
            deliver_pending(&c, &c.sf[0], jsf, nxt, pend, npend, i, sf_bytes, &wdrop, &reset, &eof,
                            got, &n);
            continue;
        }
        reset |= (r.verdict & (MPTCP_RX_RESET_SF | MPTCP_RX_RESET_CONN | MPTCP_RX_FALLBACK)) != 0;
        eof |= (r.verdict & MPTCP_RX_EOF) != 0;
        n += mptcp_read(&c, got + n, sizeof(got) - n);
    }
    /* linux_capture.sh's client sends 400 blocks of 3000 bytes: (i*7 + k) & 0xff */
    bool same = n == 400 * 3000;
    for (size_t i = 0; same && i < 400; i++)
        for (size_t k = 0; k < 3000; k++)
            if (got[i * 3000 + k] != (uint8_t)(i * 7 + k))
                same = false;
    /* Bytes beyond our 64 KiB window mean the Linux server advertised more than our module
     * buffers: the client ran ahead and the replay cannot take them (linux_capture.sh bounds it) */
    snprintf(d, sizeof(d),
             "%s: %zu bytes in order, subflow bytes %llu + %llu, %zu gaps, %zu bytes beyond our "
             "%u-byte window",
             form, n, (unsigned long long)sf_bytes[0],
             (unsigned long long)(jsf ? sf_bytes[jsf->index] : 0), ooo, wdrop, MPTCP_RCVBUF);
    check(same && !reset, "our rx module rebuilds the Linux client's stream exactly", d);
    check(eof, "Linux DATA_FIN ends our stream (EOF)", form);
    check(jsf && sf_bytes[jsf->index] > 0, "the joined subflow carried data", d);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mptcp_xcheck <capture.txt> <checksum 0|1>\n");
        return 2;
    }
    bool csum_mode = atoi(argv[2]) != 0;
    if (load(argv[1]) != 0) {
        check(false, "capture loads", argv[1]);
        return 1;
    }
    /* 1. every MPTCP option Linux sent parses, and builds back to the same bytes */
    size_t nopt = 0, bad = 0, rt_bad = 0;
    for (size_t i = 0; i < npk; i++) {
        struct pkt *p = &pk[i];
        if (mptcp_opts_parse_tcp(p->opt, p->olen, &p->set) != 0 || p->set.nerrors)
            bad++;
        for (size_t k = 0; k + 1 < p->olen;) {
            if (p->opt[k] <= 1) {
                k++;
                continue;
            }
            uint8_t l = p->opt[k + 1];
            if (l < 2 || k + l > p->olen)
                break;
            if (p->opt[k] == TCPOPT_MPTCP) {
                struct mptcp_opt o;
                uint8_t b[TCP_OPT_SPACE];
                nopt++;
                if (mptcp_opt_parse(p->opt + k, l, &o) != 0 ||
                    mptcp_opt_build(&o, b, sizeof(b)) != l || memcmp(b, p->opt + k, l))
                    rt_bad++;
            }
            k += l;
        }
    }
    char d[256];
    snprintf(d, sizeof(d), "%zu options in %zu packets, %zu rejected", nopt, npk, bad);
    check(nopt > 10 && bad == 0, "every Linux MPTCP option parses", d);
    snprintf(d, sizeof(d), "%zu differ", rt_bad);
    check(rt_bad == 0, "every Linux MPTCP option rebuilds byte-identical", d);

    /* 2. MP_CAPABLE handshake: keys, and what our server would have put in the SYN/ACK */
    /* the first MP_CAPABLE SYN/ACK names the connection (an earlier SYN may have met a RST) */
    struct pkt *syn = NULL, *synack = NULL, *ack3 = NULL;
    for (size_t i = 0; i < npk && !synack; i++)
        if (pk[i].flags == (F_SYN | F_ACK) && mptcp_has(&pk[i].set, MPTCP_SUB_CAPABLE)) {
            synack = &pk[i];
            for (size_t k = i; k-- > 0;)
                if (pk[k].flags == F_SYN && reverse_flow(&pk[k], synack)) {
                    syn = &pk[k];
                    break;
                }
        }
    for (size_t i = 0; synack && syn && i < npk && !ack3; i++) {
        struct pkt *p = &pk[i];
        if (p > synack && same_flow(p, syn) && mptcp_has(&p->set, MPTCP_SUB_CAPABLE) &&
            p->set.opt[MPTCP_SUB_CAPABLE].u.mpc.nkeys == 2)
            ack3 = p;
    }
    check(syn && synack && ack3, "MP_CAPABLE SYN, SYN/ACK and third ACK captured", "");
    if (!ack3)
        return 1;
    uint64_t key_b = synack->set.opt[MPTCP_SUB_CAPABLE].u.mpc.snd_key;
    uint64_t key_a = ack3->set.opt[MPTCP_SUB_CAPABLE].u.mpc.snd_key;
    check(ack3->set.opt[MPTCP_SUB_CAPABLE].u.mpc.rcv_key == key_b,
          "third ACK echoes the server key", "");
    bool syn_csum = syn->set.opt[MPTCP_SUB_CAPABLE].u.mpc.flags & MPC_FLAG_A_CSUM;
    check(syn_csum == csum_mode, "checksum flag A matches net.mptcp.checksum_enabled", "");

    static struct mptcp_conn conn;
    static struct mptcp_token_table table;
    mptcp_table_init(&table);
    if (mptcp_syn_classify(&table, &syn->set) != MPTCP_SYN_CAPABLE ||
        mptcp_accept_capable(&conn, &table, &syn->set, key_b, synack->seq, syn->seq) != 0) {
        check(false, "our server accepts the Linux SYN", "");
        return 1;
    }
    uint8_t ours[TCP_OPT_SPACE];
    size_t on = mptcp_synack_opts(&conn, &conn.sf[0], ours, sizeof(ours));
    bool found = false;
    for (size_t k = 0; k + 12 <= synack->olen; k++)
        if (on >= 12 && !memcmp(synack->opt + k, ours, 12))
            found = true;
    check(found, "our MP_CAPABLE SYN/ACK option equals Linux's byte for byte", "");

    /* 3. token / IDSN: the MP_JOIN token names the server key; first DSNs are IDSN + 1 */
    uint64_t idsn_a = mptcp_key_idsn(key_a), idsn_b = mptcp_key_idsn(key_b);
    struct pkt *jsyn = NULL, *jsynack = NULL, *jack = NULL;
    for (size_t i = 0; i < npk; i++) {
        struct pkt *p = &pk[i];
        if (!jsyn && p->flags == F_SYN && mptcp_has(&p->set, MPTCP_SUB_JOIN))
            jsyn = p;
        else if (jsyn && !jsynack && p->flags == (F_SYN | F_ACK) && reverse_flow(p, jsyn))
            jsynack = p;
        else if (jsynack && !jack && same_flow(p, jsyn) && mptcp_has(&p->set, MPTCP_SUB_JOIN))
            jack = p;
    }
    check(jsyn && jsynack && jack, "MP_JOIN SYN, SYN/ACK and third ACK captured", "");
    if (jsyn) {
        snprintf(d, sizeof(d), "token %08x, ours %08x", jsyn->set.opt[MPTCP_SUB_JOIN].u.join.token,
                 mptcp_key_token(key_b));
        check(jsyn->set.opt[MPTCP_SUB_JOIN].u.join.token == mptcp_key_token(key_b),
              "MP_JOIN token = SHA-256(server key)[0..3]", d);
    }
    uint64_t min_c = UINT64_MAX, min_s = UINT64_MAX;
    for (size_t i = 0; i < npk; i++) {
        const struct mptcp_opt_set *s = &pk[i].set;
        if (!mptcp_has(s, MPTCP_SUB_DSS))
            continue;
        const struct mptcp_opt *o = &s->opt[MPTCP_SUB_DSS];
        if (!(o->u.dss.flags & DSS_FLAG_M_MAP) || !(o->u.dss.flags & DSS_FLAG_m_DSN8))
            continue;
        bool from_client = pk[i].dport == syn->dport; /* the server port */
        uint64_t *m = from_client ? &min_c : &min_s;
        if (o->u.dss.dsn < *m)
            *m = o->u.dss.dsn;
    }
    /* the client's first data may ride in MP_CAPABLE (implicit DSN IDSN-A + 1) */
    bool mpc_data = false;
    for (size_t i = 0; i < npk; i++)
        if (mptcp_has(&pk[i].set, MPTCP_SUB_CAPABLE) &&
            pk[i].set.opt[MPTCP_SUB_CAPABLE].u.mpc.has_data_len)
            mpc_data = true;
    snprintf(d, sizeof(d), "lowest client DSN %016llx, IDSN-A+1 %016llx%s",
             (unsigned long long)min_c, (unsigned long long)(idsn_a + 1),
             mpc_data ? " (first data in MP_CAPABLE)" : "");
    check(min_c == idsn_a + 1 || (mpc_data && min_c - (idsn_a + 1) < 0x100000),
          "client data starts at IDSN(key A) + 1", d);
    snprintf(d, sizeof(d), "lowest server DSN %016llx, IDSN-B+1 %016llx", (unsigned long long)min_s,
             (unsigned long long)(idsn_b + 1));
    check(min_s == idsn_b + 1, "server data starts at IDSN(key B) + 1", d);

    /* 4. MP_JOIN HMACs, and our SYN/ACK for the same join equals Linux's */
    struct mptcp_subflow *jsf = NULL;
    if (jsyn && jsynack && jack) {
        uint32_t r_a = jsyn->set.opt[MPTCP_SUB_JOIN].u.join.nonce;
        uint32_t r_b = jsynack->set.opt[MPTCP_SUB_JOIN].u.join.nonce;
        check(jsynack->set.opt[MPTCP_SUB_JOIN].u.join.hmac64 ==
                  mptcp_join_synack_hmac(key_b, key_a, r_b, r_a),
              "MP_JOIN SYN/ACK HMAC = HMAC(KeyB||KeyA, RB||RA)[0..7]", "");
        uint8_t h[20];
        mptcp_join_ack_hmac(key_a, key_b, r_a, r_b, h);
        check(memcmp(h, jack->set.opt[MPTCP_SUB_JOIN].u.join.hmac, 20) == 0,
              "MP_JOIN third ACK HMAC = HMAC(KeyA||KeyB, RA||RB)[0..19]", "");
        /* drive our module through the client's handshake packets up to the join */
        for (size_t i = 0; i < npk && conn.state == MPC_SYN_RCVD; i++)
            if (same_flow(&pk[i], syn) && pk[i].flags == F_ACK) {
                struct mptcp_seg sg = {
                    .seq = pk[i].seq, .tcp_flags = MPTCP_TCP_ACK, .opts = &pk[i].set};
                struct mptcp_rx_result r;
                mptcp_rx_segment(&conn, &conn.sf[0], &sg, &r);
            }
        struct mptcp_conn *jc;
        jsf = mptcp_accept_join(&table, &jsyn->set, jsynack->set.opt[MPTCP_SUB_JOIN].u.join.addr_id,
                                r_b, jsynack->seq, jsyn->seq, &jc);
        check(jsf != NULL && jc == &conn, "our server accepts the Linux MP_JOIN SYN", "");
        if (jsf) {
            on = mptcp_synack_opts(&conn, jsf, ours, sizeof(ours));
            found = false;
            for (size_t k = 0; k + 16 <= jsynack->olen; k++)
                if (on >= 16 && !memcmp(jsynack->opt + k, ours, 16))
                    found = true;
            check(found, "our MP_JOIN SYN/ACK option equals Linux's byte for byte", "");
        }
    }

    /* 5. ADD_ADDR from the server: HMAC, and the client's echo */
    bool aa = false, aa_ok = false, echo = false;
    for (size_t i = 0; i < npk; i++) {
        const struct mptcp_opt_set *s = &pk[i].set;
        if (!mptcp_has(s, MPTCP_SUB_ADD_ADDR))
            continue;
        const struct mptcp_opt *a = &s->opt[MPTCP_SUB_ADD_ADDR];
        if (a->u.add_addr.echo) {
            echo = true;
            continue;
        }
        aa = true;
        aa_ok =
            a->u.add_addr.hmac == mptcp_add_addr_hmac(key_b, key_a, a->u.add_addr.addr_id,
                                                      a->u.add_addr.addr, 4, a->u.add_addr.port);
    }
    check(aa && aa_ok, "ADD_ADDR HMAC = HMAC(KeyB||KeyA, ID||addr||port)[24..31]", "");
    check(echo, "client echoes the ADD_ADDR", "");

    /* 6. DSS checksums (checksum mode): single-segment mappings verify with our sum */
    if (csum_mode) {
        size_t ver = 0, wrong = 0;
        for (size_t i = 0; i < npk; i++) {
            struct pkt *p = &pk[i];
            if (!mptcp_has(&p->set, MPTCP_SUB_DSS) || !p->len)
                continue;
            const struct mptcp_opt *o = &p->set.opt[MPTCP_SUB_DSS];
            if (!(o->u.dss.flags & DSS_FLAG_M_MAP) || !o->u.dss.has_csum ||
                o->u.dss.data_len != p->len || !(o->u.dss.flags & DSS_FLAG_m_DSN8))
                continue;
            struct mptcp_csum c;
            mptcp_csum_init(&c);
            mptcp_csum_add(&c, p->payload, p->len);
            if (mptcp_dss_csum(&c, o->u.dss.dsn, o->u.dss.ssn, o->u.dss.data_len, o->u.dss.csum) ==
                0)
                ver++;
            else
                wrong++;
        }
        snprintf(d, sizeof(d), "%zu verified, %zu wrong", ver, wrong);
        check(ver > 0 && wrong == 0, "Linux DSS checksums verify with ours", d);
    }

    /* 7. our receive module reassembles the client's whole stream from both subflows, in both
     * receive forms: whole segments in capture order, and the split form (options at arrival,
     * payload in subflow order, as kernel/net's hooks deliver it) */
    if (conn.state == MPC_ESTABLISHED && jsyn && jsynack) {
        replay(false, csum_mode, syn, synack, jsyn, jsynack, key_b);
        replay(true, csum_mode, syn, synack, jsyn, jsynack, key_b);
    }
    return failures ? 1 : 0;
}
